package rules

// What the shell-aware rules share: the RUN scripts of a file, the
// commands in them, and the values of their words.

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

type scriptsKey struct{}

// scripts returns the file's RUN scripts, parsed once and shared by all rules.
func scripts(p *lint.Pass) []*shellscript.Script {
	return p.Shared(scriptsKey{}, func() any { return shellscript.ForFile(p.File) }).([]*shellscript.Script)
}

type scriptOfKey struct{}

// scriptOf returns the script of a RUN or ONBUILD RUN instruction, nil
// for any other instruction.
func scriptOf(p *lint.Pass, in *dockerfile.Instruction) *shellscript.Script {
	byIn := p.Shared(scriptOfKey{}, func() any {
		m := map[*dockerfile.Instruction]*shellscript.Script{}
		for _, s := range scripts(p) {
			m[s.Instruction] = s
		}
		return m
	}).(map[*dockerfile.Instruction]*shellscript.Script)
	return byIn[in]
}

// shippedScripts returns the analysable scripts of the RUNs whose layers
// can end up in an image (see ships).
func shippedScripts(p *lint.Pass) []*shellscript.Script {
	var out []*shellscript.Script
	for _, s := range scripts(p) {
		if s.Skipped == "" && ships(p.File, s.Instruction) {
			out = append(out, s)
		}
	}
	return out
}

// eachRawCommand calls fn for every command of every analysable RUN
// script (exec-form RUNs included), as written: wrappers such as sudo kept.
func eachRawCommand(p *lint.Pass, fn func(s *shellscript.Script, c *shellscript.Command)) {
	for _, s := range scripts(p) {
		if s.Skipped != "" {
			continue
		}
		for _, c := range s.Commands {
			fn(s, c)
		}
	}
}

// eachCommand is eachRawCommand with wrappers such as sudo and env
// stripped (Command.Unwrap).
func eachCommand(p *lint.Pass, fn func(s *shellscript.Script, c *shellscript.Command)) {
	eachRawCommand(p, func(s *shellscript.Script, c *shellscript.Command) { fn(s, c.Unwrap()) })
}

// wordValue is a word's value with the ARG/ENV values in scope at the RUN
// expanded (as BuildKit would not, but as the shell will: an ARG or ENV is
// in the RUN's environment); ok is false when a value is unknown. The
// value of a word with expansions only the shell can make (see shellOnly)
// is unknown.
func wordValue(p *lint.Pass, s *shellscript.Script, w shellscript.Word) (string, bool) {
	if w.Literal {
		return w.Value, true
	}
	if !strings.Contains(w.Raw, "$") || shellOnly(w) {
		return w.Value, false
	}
	exp := p.File.Scopes().Before(s.Instruction).Expand(w.Raw)
	if exp.Err != nil || !exp.Known() {
		return "", false
	}
	return exp.Result, true
}

// shellOnly reports whether a word holds expansions only the shell can
// make: a command, arithmetic or process substitution (the shell runs it,
// the Dockerfile does not tell its output), an extended glob, or a
// parameter expansion beyond ${x}, ${x:-default} and the like (${#x},
// ${x[@]}, ${x:1:2}, ${x/a/b}, ${!x}).
func shellOnly(w shellscript.Word) bool {
	if strings.Contains(w.Raw, "$(") || strings.Contains(w.Raw, "`") {
		return true
	}
	if w.Node == nil {
		return false
	}
	dynamic := false
	syntax.Walk(w.Node, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.CmdSubst, *syntax.ArithmExp, *syntax.ProcSubst, *syntax.ExtGlob:
			dynamic = true
		case *syntax.ParamExp:
			dynamic = x.Length || x.Width || x.Excl || x.Index != nil || x.Slice != nil || x.Repl != nil || x.Names != 0
		}
		return !dynamic
	})
	return dynamic
}

// wordFields returns the arguments a word gives its command, ARG and ENV
// values in scope expanded: an unquoted expansion splits on blanks, a
// quoted one stays one argument. ok is false when a value is not known.
func wordFields(p *lint.Pass, s *shellscript.Script, w shellscript.Word) ([]string, bool) {
	if w.Literal {
		return []string{w.Value}, true
	}
	v, ok := wordValue(p, s, w)
	if !ok {
		return nil, false
	}
	if strings.HasPrefix(w.Raw, `"`) || strings.HasPrefix(w.Raw, `'`) {
		return []string{v}, true
	}
	return strings.Fields(v), true
}

// argValues returns the values of a command's arguments, ARG/ENV expanded
// where known (the text as written otherwise).
func argValues(p *lint.Pass, s *shellscript.Script, c *shellscript.Command) []string {
	out := make([]string, len(c.Args))
	for i, w := range c.Args {
		if v, ok := wordValue(p, s, w); ok {
			out[i] = v
		} else {
			out[i] = w.Raw
		}
	}
	return out
}

// afterWord is the position just after a word (to insert a flag there).
func afterWord(w shellscript.Word) dockerfile.Position { return w.Range.End }

// cacheMounted reports whether a RUN keeps dirs out of its layer with a
// cache or tmpfs mount (Script.CacheMount), or mounts a cache or tmpfs on
// a target whose path names the tool (any of keywords: "pip", "zypp").
func cacheMounted(s *shellscript.Script, dirs []string, keywords ...string) bool {
	if _, ok := s.CacheMount(dirs...); ok {
		return true
	}
	for _, m := range s.Mounts {
		if m.Type != "cache" && m.Type != "tmpfs" {
			continue
		}
		for _, k := range keywords {
			if strings.Contains(m.Target, k) {
				return true
			}
		}
	}
	return false
}

// values returns the values of words.
func values(ws []shellscript.Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Value
	}
	return out
}

// Package shellscript reads the scripts of RUN instructions as shell
// programs (mvdan.cc/sh's parser): commands with their words and flags,
// pipelines, and-or chains, subshells and `sh -c` strings, every word with
// its real position in the Dockerfile. Lint rules inspect RUN through it.
package shellscript

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// Script is the shell program of one RUN (or ONBUILD RUN, or heredoc body).
type Script struct {
	// Instruction is the RUN (or ONBUILD) it comes from.
	Instruction *dockerfile.Instruction
	// Source is the script text the shell runs.
	Source string
	// AST is the parsed program; nil when Err or Skipped is set.
	AST *syntax.File
	// Commands are the simple commands in source order, those of nested
	// `sh -c` strings included (Nested set).
	Commands []*Command
	// Shell is the effective SHELL (["/bin/sh", "-c"] unless changed).
	Shell []string
	// Exec is true for an exec-form RUN (["apt-get", "install", ...]): its
	// one command is in Commands, there is no AST.
	Exec bool
	// Skipped says why the script is not analysed as a POSIX shell script
	// (a non-POSIX SHELL such as pwsh or cmd, a heredoc with another
	// interpreter's shebang); "" when it is.
	Skipped string
	// Err is the shell parse error, when the script is not valid shell.
	Err error
	// Mounts are the RUN --mount flags.
	Mounts []Mount

	src *sourceMap
}

// Mount is one RUN --mount flag.
type Mount struct {
	Type   string // bind (default), cache, tmpfs, secret, ssh
	Target string
	Opts   map[string]string
	Range  dockerfile.Range
}

// Command is one simple command.
type Command struct {
	Script *Script
	// Call is the command's AST node (nil for exec form).
	Call *syntax.CallExpr
	// Name is the command word (quotes removed); "" when it is not literal.
	Name string
	// NameWord is the command word.
	NameWord Word
	// Args are the words after the command word.
	Args []Word
	// Assigns are NAME=value prefixes as written.
	Assigns []string
	// InPipeline is true when the command is a side of a `|` pipeline.
	InPipeline bool
	// Nested is true for commands of an `sh -c "..."` string.
	Nested bool
	Range  dockerfile.Range
}

// Word is one shell word.
type Word struct {
	// Value is the word with quotes removed when Literal; the source text otherwise.
	Value string
	// Literal is true when the word has no expansions ($VAR, $(...), globs are literal).
	Literal bool
	// Raw is the word as written.
	Raw   string
	Range dockerfile.Range
	Node  *syntax.Word
}

// Base is the command name without its directory ("/usr/bin/apt-get" -> "apt-get").
func (c *Command) Base() string { return path.Base(c.Name) }

// Is reports whether the command's base name is one of names.
func (c *Command) Is(names ...string) bool {
	if c.Name == "" {
		return false
	}
	b := c.Base()
	for _, n := range names {
		if b == n {
			return true
		}
	}
	return false
}

// wrappers run the command that follows their own options.
var wrappers = map[string]bool{"sudo": true, "env": true, "nice": true, "nohup": true, "exec": true, "command": true, "time": true, "doas": true, "su-exec": false, "gosu": false}

// Unwrap strips wrappers such as sudo, env NAME=value, nice and exec,
// returning the command they run (c itself when there is none).
func (c *Command) Unwrap() *Command {
	cur := c
	for cur.Name != "" && wrappers[cur.Base()] {
		i := 0
		for i < len(cur.Args) {
			a := cur.Args[i].Value
			if strings.HasPrefix(a, "-") || (cur.Base() == "env" && strings.Contains(a, "=")) {
				i++
				continue
			}
			break
		}
		if i >= len(cur.Args) {
			return cur
		}
		n := &Command{Script: cur.Script, Call: cur.Call, NameWord: cur.Args[i], Args: cur.Args[i+1:], InPipeline: cur.InPipeline, Nested: cur.Nested, Range: cur.Range}
		if cur.Args[i].Literal {
			n.Name = cur.Args[i].Value
		}
		cur = n
	}
	return cur
}

// HasFlag reports whether any of the flags is given: "-y" matches -y and
// combined short flags such as -yq; "--yes" matches --yes and --yes=...
// Words after "--" are not flags.
func (c *Command) HasFlag(flags ...string) bool {
	_, ok := c.flag(flags)
	return ok
}

// FlagValue returns the value of the first of flags given: --opt=value,
// --opt value, -o value or -ovalue.
func (c *Command) FlagValue(flags ...string) (string, bool) {
	i, ok := c.flag(flags)
	if !ok {
		return "", false
	}
	a := c.Args[i].Value
	if strings.HasPrefix(a, "--") {
		if _, v, has := strings.Cut(a, "="); has {
			return v, true
		}
	} else if len(a) > 2 {
		for _, f := range flags {
			if len(f) == 2 && strings.HasSuffix(a[:2], f[1:]) && strings.HasPrefix(a, f) {
				return a[2:], true
			}
		}
	}
	if i+1 < len(c.Args) {
		return c.Args[i+1].Value, true
	}
	return "", true
}

// FlagWord returns the word that holds the first of flags.
func (c *Command) FlagWord(flags ...string) (Word, bool) {
	i, ok := c.flag(flags)
	if !ok {
		return Word{}, false
	}
	return c.Args[i], true
}

func (c *Command) flag(flags []string) (int, bool) {
	for i, w := range c.Args {
		a := w.Value
		if a == "--" {
			return 0, false
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		for _, f := range flags {
			switch {
			case strings.HasPrefix(f, "--"):
				if a == f || strings.HasPrefix(a, f+"=") {
					return i, true
				}
			case len(f) == 2 && f[0] == '-':
				if !strings.HasPrefix(a, "--") && strings.ContainsRune(a[1:], rune(f[1])) {
					return i, true
				}
			}
		}
	}
	return 0, false
}

// Positional returns the arguments that are not flags (all of them after
// "--"). A flag's separate value is not known and counts as positional.
func (c *Command) Positional() []Word {
	var out []Word
	rest := false
	for _, w := range c.Args {
		if rest {
			out = append(out, w)
			continue
		}
		if w.Value == "--" {
			rest = true
			continue
		}
		if strings.HasPrefix(w.Value, "-") && w.Value != "-" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// Subcommand is the first positional argument ("install" in apt-get -y install x).
func (c *Command) Subcommand() string {
	p := c.Positional()
	if len(p) == 0 {
		return ""
	}
	return p[0].Value
}

// Has reports whether any argument equals one of values.
func (c *Command) Has(values ...string) bool {
	for _, w := range c.Args {
		for _, v := range values {
			if w.Value == v {
				return true
			}
		}
	}
	return false
}

// String is the command as written.
func (c *Command) String() string {
	parts := []string{c.NameWord.Raw}
	for _, a := range c.Args {
		parts = append(parts, a.Raw)
	}
	return strings.Join(parts, " ")
}

// Position maps a byte offset of Source to the Dockerfile.
func (s *Script) Position(off int) dockerfile.Position { return s.src.pos(off) }

// Span maps a byte range of Source to the Dockerfile.
func (s *Script) Span(start, end int) dockerfile.Range {
	if end <= start {
		p := s.src.pos(start)
		return dockerfile.Range{Start: p, End: p}
	}
	last := s.src.pos(end - 1)
	return dockerfile.Range{Start: s.src.pos(start), End: dockerfile.Position{Line: last.Line, Column: last.Column + 1}}
}

// NodeRange is the Dockerfile range of an AST node of this script.
func (s *Script) NodeRange(n syntax.Node) dockerfile.Range {
	return s.Span(int(n.Pos().Offset()), int(n.End().Offset()))
}

// HasMount reports whether a --mount of the given type targets one of the paths.
func (s *Script) HasMount(typ string, targets ...string) bool {
	for _, m := range s.Mounts {
		if m.Type != typ {
			continue
		}
		for _, t := range targets {
			if strings.TrimRight(m.Target, "/") == strings.TrimRight(t, "/") {
				return true
			}
		}
	}
	return false
}

// Analysable reports whether the script was parsed as a shell program.
func (s *Script) Analysable() bool { return s.AST != nil }

// ForFile returns the scripts of every RUN and ONBUILD RUN, in order.
func ForFile(f *dockerfile.File) []*Script {
	var out []*Script
	for _, in := range f.Instructions {
		if in.Name == "run" || (in.Name == "onbuild" && in.OnbuildTrigger() == "run") {
			out = append(out, Parse(f, in))
		}
	}
	return out
}

// EffectiveShell is the SHELL in force at in: the last SHELL before it in
// its stage or the stages that stage is built on; ["/bin/sh", "-c"] if none.
func EffectiveShell(in *dockerfile.Instruction) []string {
	for st := in.Stage; st != nil; st = st.BaseStage {
		var last []string
		for _, x := range st.Instructions {
			if st == in.Stage && x == in {
				break
			}
			if sc, ok := x.Typed.(*instructions.ShellCommand); ok {
				last = sc.Shell
			}
		}
		if last != nil {
			return last
		}
		if st.BaseStage == st {
			break
		}
	}
	return []string{"/bin/sh", "-c"}
}

// posixShells are the shells whose scripts the parser understands.
var posixShells = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "ksh": true, "mksh": true, "zsh": true, "busybox": true}

// IsPOSIXShell reports whether a SHELL runs POSIX-like shell scripts.
func IsPOSIXShell(shell []string) bool {
	if len(shell) == 0 {
		return true
	}
	return posixShells[strings.TrimSuffix(path.Base(strings.ReplaceAll(shell[0], `\`, "/")), ".exe")]
}

// Parse builds the script of a RUN (or ONBUILD RUN) instruction.
func Parse(f *dockerfile.File, in *dockerfile.Instruction) *Script {
	s := &Script{Instruction: in, Shell: EffectiveShell(in)}
	if in.Name == "run" {
		s.Mounts = parseMounts(in)
	}
	if in.Name == "onbuild" {
		s.fromOnbuild(in)
	} else if in.IsJSON() {
		s.fromExec(in)
		return s
	} else if len(in.Heredocs) > 0 {
		if !s.fromHeredocs(in) {
			return s
		}
	} else {
		s.src = logicalMap(in, in.ArgsOffset, len(in.Args))
		s.Source = in.Args
	}
	if !IsPOSIXShell(s.Shell) {
		s.Skipped = fmt.Sprintf("SHELL %s is not a POSIX shell", s.Shell[0])
		return s
	}
	s.parse()
	return s
}

func (s *Script) parse() {
	p := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash))
	file, err := p.Parse(strings.NewReader(s.Source), "")
	if err != nil {
		s.Err = err
		return
	}
	s.AST = file
	s.collect(file, false, func(off int) int { return off })
}

// collect walks an AST (of s.Source, or of an `sh -c` string whose offsets
// map to s.Source through toOuter) and records its commands.
func (s *Script) collect(file *syntax.File, nested bool, toOuter func(int) int) {
	var stack []syntax.Node
	pipeDepth := 0
	syntax.Walk(file, func(n syntax.Node) bool {
		if n == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if b, ok := top.(*syntax.BinaryCmd); ok && b.Op == syntax.Pipe {
				pipeDepth--
			}
			return true
		}
		stack = append(stack, n)
		if b, ok := n.(*syntax.BinaryCmd); ok && b.Op == syntax.Pipe {
			pipeDepth++
		}
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		cmd := &Command{Script: s, Call: call, InPipeline: pipeDepth > 0, Nested: nested}
		cmd.Range = s.Span(toOuter(int(call.Pos().Offset())), toOuter(int(call.End().Offset())))
		for _, a := range call.Assigns {
			cmd.Assigns = append(cmd.Assigns, s.rawText(toOuter(int(a.Pos().Offset())), toOuter(int(a.End().Offset()))))
		}
		words := make([]Word, len(call.Args))
		for i, w := range call.Args {
			words[i] = s.word(w, toOuter)
		}
		cmd.NameWord, cmd.Args = words[0], words[1:]
		if cmd.NameWord.Literal {
			cmd.Name = cmd.NameWord.Value
		}
		s.Commands = append(s.Commands, cmd)
		if inner, off, ok := shDashC(cmd); ok {
			s.nested(inner, off, toOuter)
		}
		return true
	})
}

// nested parses the string of `sh -c STRING` whose text starts at offset
// off of the enclosing AST's source.
func (s *Script) nested(inner string, off int, toOuter func(int) int) {
	p := syntax.NewParser(syntax.Variant(syntax.LangBash))
	file, err := p.Parse(strings.NewReader(inner), "")
	if err != nil {
		return
	}
	s.collect(file, true, func(o int) int { return toOuter(off + o) })
}

// shDashC finds `sh -c STRING` (also bash, -ec, -xc ...) with a literal
// string, returning it and its offset in the source.
func shDashC(c *Command) (string, int, bool) {
	if !c.Is("sh", "bash", "dash", "ash", "zsh", "ksh") {
		return "", 0, false
	}
	for i, a := range c.Args {
		v := a.Value
		if !strings.HasPrefix(v, "-") || strings.HasPrefix(v, "--") || !strings.Contains(v, "c") {
			continue
		}
		if i+1 >= len(c.Args) || !c.Args[i+1].Literal {
			return "", 0, false
		}
		w := c.Args[i+1]
		start := int(w.Node.Pos().Offset())
		if len(w.Node.Parts) == 1 {
			switch w.Node.Parts[0].(type) {
			case *syntax.SglQuoted, *syntax.DblQuoted:
				start++
			}
		}
		return w.Value, start, true
	}
	return "", 0, false
}

func (s *Script) rawText(start, end int) string {
	if start < 0 || end > len(s.Source) || start > end {
		return ""
	}
	return s.Source[start:end]
}

// word converts an AST word; toOuter maps its offsets into s.Source.
func (s *Script) word(w *syntax.Word, toOuter func(int) int) Word {
	start, end := toOuter(int(w.Pos().Offset())), toOuter(int(w.End().Offset()))
	out := Word{Node: w, Range: s.Span(start, end)}
	out.Raw = s.rawText(start, end)
	if v, ok := literal(w); ok {
		out.Value, out.Literal = v, true
	} else {
		out.Value = out.Raw
	}
	return out
}

// literal returns the value of a word without expansions, quotes removed.
func literal(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, p := range w.Parts {
		switch x := p.(type) {
		case *syntax.Lit:
			b.WriteString(unescapeLit(x.Value))
		case *syntax.SglQuoted:
			if x.Dollar {
				return "", false
			}
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			for _, q := range x.Parts {
				lit, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(unescapeDbl(lit.Value))
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// unescapeLit removes backslash escapes of an unquoted literal.
func unescapeLit(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeDbl removes the escapes that are special inside double quotes.
func unescapeDbl(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseMounts reads the RUN --mount flags (comma-separated key=value).
func parseMounts(in *dockerfile.Instruction) []Mount {
	var out []Mount
	for _, fl := range in.Flags {
		if fl.Name != "mount" {
			continue
		}
		out = append(out, parseMount(fl.Value, fl.Range))
	}
	return out
}

// parseMount reads one --mount value: comma-separated key=value pairs.
func parseMount(value string, r dockerfile.Range) Mount {
	m := Mount{Type: "bind", Opts: map[string]string{}, Range: r}
	for _, kv := range strings.Split(value, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		k = strings.ToLower(k)
		m.Opts[k] = v
		switch k {
		case "type":
			m.Type = strings.ToLower(v)
		case "target", "dst", "destination":
			m.Target = v
		}
	}
	return m
}

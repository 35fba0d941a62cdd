package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

type scriptsKey struct{}

// scripts returns the file's RUN scripts, parsed once and shared by all rules.
func scripts(p *lint.Pass) []*shellscript.Script {
	return p.Shared(scriptsKey{}, func() any { return shellscript.ForFile(p.File) }).([]*shellscript.Script)
}

// eachCommand calls fn for every command of every analysable RUN script
// (exec-form RUNs included), with wrappers such as sudo and env stripped.
func eachCommand(p *lint.Pass, fn func(s *shellscript.Script, c *shellscript.Command)) {
	for _, s := range scripts(p) {
		if s.Skipped != "" {
			continue
		}
		for _, c := range s.Commands {
			fn(s, c.Unwrap())
		}
	}
}

// wordValue is a word's value with the ARG/ENV values in scope at the RUN
// expanded (as BuildKit would not, but as the shell will: an ARG or ENV is
// in the RUN's environment); ok is false when a value is unknown.
func wordValue(p *lint.Pass, s *shellscript.Script, w shellscript.Word) (string, bool) {
	if w.Literal {
		return w.Value, true
	}
	if !strings.Contains(w.Raw, "$") || strings.Contains(w.Raw, "$(") || strings.Contains(w.Raw, "`") {
		// Command and arithmetic substitutions run at build time: unknown.
		return w.Value, false
	}
	exp := p.File.Scopes().Before(s.Instruction).Expand(w.Raw)
	if exp.Err != nil || !exp.Known() {
		return "", false
	}
	return exp.Result, true
}

// afterWord is the position just after a word (to insert a flag there).
func afterWord(w shellscript.Word) dockerfile.Position { return w.Range.End }

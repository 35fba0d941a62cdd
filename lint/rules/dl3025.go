package rules

import (
	"encoding/json"
	"slices"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3025 = register(&lint.Rule{
	ID:       "DL3025",
	Name:     "json-args-cmd-entrypoint",
	Aliases:  []string{"JSONArgsRecommended"},
	Severity: lint.Warning,
	Summary:  "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
	Rationale: "The shell form runs the command as `/bin/sh -c \"...\"`: the shell is PID 1, " +
		"it does not forward SIGTERM, so `docker stop` waits out its timeout and kills the " +
		"process without a clean shutdown; a shell-form ENTRYPOINT also ignores CMD and " +
		"`docker run` arguments. The JSON (exec) form runs the program directly.\n\n" +
		"hoist follows BuildKit's JSONArgsRecommended rather than hadolint here: when the " +
		"stage (or a stage it is built on) has changed the shell with SHELL, the shell form " +
		"is the deliberate use of that shell (PowerShell on Windows, bash with pipefail) and " +
		"the rule stays silent. hadolint warns regardless, a false positive users can only ignore.",
	Bad:  "FROM alpine:3.20\nCMD node server.js\n",
	Good: "FROM alpine:3.20\nCMD [\"node\", \"server.js\"]\n",
	Fix: "Rewrites `CMD node server.js` as `CMD [\"node\", \"server.js\"]` when the command is plain words " +
		"without any shell syntax (a leading `exec` is dropped); on purpose the program then runs as PID 1 without " +
		"`/bin/sh -c` and gets the signals. Not for a shell-form ENTRYPOINT whose stage, or a stage built on it, " +
		"has a CMD, which the exec form would pass to it as arguments.",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			for _, in := range s.Instructions {
				if in.Name != "cmd" && in.Name != "entrypoint" {
					continue
				}
				if !isShellForm(in) || chainHas(s, in, "shell") {
					continue
				}
				kw := "CMD"
				if in.Name == "entrypoint" {
					kw = "ENTRYPOINT"
				}
				p.ReportFix(in.ArgsRange(), "Use arguments JSON notation for CMD and ENTRYPOINT arguments "+
					"(the shell form runs "+kw+" under /bin/sh -c, which does not pass signals on: write "+kw+
					" [\"executable\", \"arg\", ...])", fixExecForm(p.File, s, in))
			}
		}
	},
})

// fixExecForm rewrites a shell-form CMD or ENTRYPOINT whose arguments are
// plain words as the JSON array of those words, each word edited in place
// so that continuation lines and comments stay. Nil when unsure.
func fixExecForm(f *dockerfile.File, s *dockerfile.Stage, in *dockerfile.Instruction) *lint.Fix {
	if in.Typed == nil || len(in.Heredocs) > 0 || (in.Name == "entrypoint" && fixStagesHaveCmd(f, s)) {
		return nil
	}
	words := in.Words()
	first := 0
	if len(words) > 1 && words[0].Text == "exec" && words[1].Text[0] != '-' {
		first = 1
	}
	if len(words) <= first || slices.Contains(fixShellWords, words[first].Text) {
		return nil
	}
	for i, w := range words {
		r := w.Range
		if r.Start.Line != r.End.Line || r.End.Column-r.Start.Column != len(w.Text) {
			return nil // split by a continuation: the edit would join lines
		}
		for _, c := range []byte(w.Text) {
			if !fixPlainByte(c) || (c == '=' && i == first) {
				return nil
			}
		}
	}
	if first == 1 && words[0].Range.Start.Line != words[1].Range.Start.Line {
		return nil
	}
	var edits []lint.Edit
	for i := first; i < len(words); i++ {
		q, err := json.Marshal(words[i].Text)
		if err != nil {
			return nil
		}
		text := string(q)
		r := words[i].Range
		if i == first {
			text = "[" + text
			r.Start = words[0].Range.Start // drops a leading exec
		}
		if i < len(words)-1 {
			text += ","
		} else {
			text += "]"
		}
		edits = append(edits, lint.NewEdit(r, text))
	}
	return &lint.Fix{Description: "use the exec form: " + in.Keyword + " [...]", Edits: edits}
}

// fixPlainByte reports whether c means itself to /bin/sh wherever it sits
// in a word ('=' only outside the first word, where it is an assignment).
func fixPlainByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '_', '-', '.', '/', ':', ',', '@', '%', '+', '=':
		return true
	}
	return false
}

// fixShellWords are shell keywords and builtins: no program of that name
// would run in exec form.
var fixShellWords = []string{
	"!", "{", "}", "[[", "]]", "case", "do", "done", "elif", "else", "esac", "fi", "for", "function",
	"if", "in", "select", "then", "time", "until", "while",
	".", ":", "alias", "bg", "break", "builtin", "cd", "command", "continue", "declare", "eval",
	"exec", "exit", "export", "fc", "fg", "getopts", "hash", "jobs", "let", "local", "logout",
	"read", "readonly", "return", "set", "shift", "source", "times", "trap", "type", "typeset",
	"ulimit", "umask", "unalias", "unset", "wait",
}

// fixStagesHaveCmd reports whether s, or a stage built on s, has a CMD.
func fixStagesHaveCmd(f *dockerfile.File, s *dockerfile.Stage) bool {
	for _, st := range f.Stages {
		if !slices.Contains(st.Chain(), s) {
			continue
		}
		for _, in := range st.Instructions {
			if in.Name == "cmd" {
				return true
			}
		}
	}
	return false
}

package rules

import (
	"fmt"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

// pipefailShells are the shells that know `-o pipefail` (dash, the
// /bin/sh of Debian and Ubuntu, does not).
var pipefailShells = map[string]bool{"bash": true, "zsh": true, "ash": true, "ksh": true, "mksh": true}

var DL4006 = register(&lint.Rule{
	ID:       "DL4006",
	Name:     "pipefail",
	Severity: lint.Warning,
	Summary:  "Set the SHELL option -o pipefail before RUN with a pipe in it",
	Rationale: "A pipeline's exit status is that of its last command: in `RUN wget -O - https://x | tar -xz` " +
		"a failed download is not a failed build when tar happens to succeed on empty input. " +
		"`SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` makes any failing command of a pipe fail the " +
		"RUN. As hadolint, the rule reports a RUN with a pipe unless the SHELL in force is bash, zsh or " +
		"ash (hoist also accepts ksh and mksh) with `-o pipefail`; `/bin/sh -o pipefail` is still " +
		"reported, because dash, the /bin/sh of Debian and Ubuntu, has no pipefail. Non-POSIX shells " +
		"(pwsh, cmd) and exec-form RUNs are skipped. Unlike hadolint, a script that runs " +
		"`set -o pipefail` (or `set -eo pipefail`) before its pipe is not reported, and the SHELL of " +
		"the stage a stage is built FROM counts (Docker inherits it). Pipes inside `sh -c` strings are " +
		"not checked. Pipes whose every command but the last is echo, printf, yes or true, or a `{ ...; }` block of them (`echo \"$SHA  file\" " +
		"| sha256sum -c -`) are not reported either: nothing upstream can fail, pipefail changes nothing.",
	Bad:  "FROM debian:12\nRUN wget -O - https://example.com/app.tar.gz | tar -xz\n",
	Good: "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN wget -O - https://example.com/app.tar.gz | tar -xz\n",
	Run: func(p *lint.Pass) {
		for _, s := range scripts(p) {
			if s.Skipped != "" || s.Exec || s.AST == nil || s.Instruction.Name != "run" {
				continue
			}
			pls := topPipelines(s)
			if len(pls) == 0 {
				continue
			}
			shell := s.Shell
			if shellHasPipefail(shell) {
				continue
			}
			setAt := setPipefailAt(s)
			for _, pl := range pls {
				if cannotFailUpstream(pl) {
					continue
				}
				op := pl.Ops[0]
				if setAt >= 0 && op.Offset > setAt {
					continue
				}
				p.Report(op.Range, "Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using "+
					"/bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting "+
					"your SHELL to /bin/ash, or disable this check. "+pipefailDetail(shell, pl))
				break
			}
		}
	},
})

// shellHasPipefail reports whether a SHELL (or heredoc shebang) runs a
// shell that knows pipefail with -o pipefail.
func shellHasPipefail(shell []string) bool {
	if len(shell) > 1 && path.Base(shell[0]) == "env" {
		shell = shell[1:]
	}
	if len(shell) == 0 || !pipefailShells[path.Base(shell[0])] {
		return false
	}
	o, pf := false, false
	for _, a := range shell[1:] {
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "o") {
			o = true
		}
		if a == "pipefail" && o {
			pf = true
		}
		if a == "-c" {
			break
		}
	}
	return pf
}

// setPipefailAt is the offset of the script's first `set -o pipefail`
// (-eo, -euxo ... pipefail), -1 when there is none.
func setPipefailAt(s *shellscript.Script) int {
	for _, c := range s.Commands {
		if c.Nested || !c.Is("set") || c.Call == nil {
			continue
		}
		for i, a := range c.Args {
			v := a.Value
			if strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.HasSuffix(v, "o") &&
				i+1 < len(c.Args) && c.Args[i+1].Value == "pipefail" {
				return int(c.Call.End().Offset())
			}
		}
	}
	return -1
}

func pipefailDetail(shell []string, pl *shellscript.Pipeline) string {
	name := "the shell"
	if len(shell) > 0 {
		name = shell[0]
	}
	var why string
	if pipefailShells[path.Base(name)] {
		why = fmt.Sprintf("%s runs without -o pipefail", name)
	} else {
		why = fmt.Sprintf("the shell is %s, which may not know pipefail (dash does not)", name)
	}
	first, last := pl.Commands[0], pl.Commands[len(pl.Commands)-1]
	if first != nil && last != nil {
		first, last = first.Unwrap(), last.Unwrap()
	}
	if first != nil && last != nil && first.Name != "" && last.Name != "" {
		why += fmt.Sprintf("; a failing `%s` is hidden by the exit status of `%s`", first.Base(), last.Base())
	}
	return "Here " + why + ": put `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before this RUN, or start the " +
		"script with `set -o pipefail &&` where the shell supports it"
}

// cannotFailUpstream reports whether every stage of a pipeline but the
// last is a command that does not fail (echo, printf, yes, true), or a
// { ...; } block of such commands.
func cannotFailUpstream(pl *shellscript.Pipeline) bool {
	for _, st := range pl.Stmts[:len(pl.Stmts)-1] {
		if !cannotFail(st) {
			return false
		}
	}
	return true
}

func cannotFail(st *syntax.Stmt) bool {
	if st == nil || st.Negated || st.Background {
		return false
	}
	switch x := st.Cmd.(type) {
	case *syntax.CallExpr:
		if len(x.Args) == 0 {
			return false
		}
		name := x.Args[0].Lit()
		return name == "echo" || name == "printf" || name == "yes" || name == "true"
	case *syntax.Block:
		for _, inner := range x.Stmts {
			if !cannotFail(inner) {
				return false
			}
		}
		return len(x.Stmts) > 0
	}
	return false
}

// topPipelines are the pipelines of a script's own shell (not those of
// `sh -c` strings, which another shell runs).
func topPipelines(s *shellscript.Script) []*shellscript.Pipeline {
	var out []*shellscript.Pipeline
	for _, pl := range s.Pipelines {
		if !pl.Nested {
			out = append(out, pl)
		}
	}
	return out
}

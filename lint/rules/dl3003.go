package rules

import (
	"fmt"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3003 = register(&lint.Rule{
	ID:       "DL3003",
	Name:     "use-workdir",
	Severity: lint.Warning,
	Summary:  "Use WORKDIR to switch to a directory",
	Rationale: "A `cd` in a RUN changes the directory of that one step only, and hides from a reader " +
		"where later instructions run. WORKDIR sets the directory for every following instruction (and " +
		"creates it). Most commands also take the directory as an option (`make -C dir`, `npm --prefix " +
		"dir`, `tar -C dir`, `git -C dir`). Unlike hadolint, which reports every `cd`, hoist does not " +
		"report a `cd` inside a subshell (`(cd /src && make)`, `$(cd dir && pwd)`, `sh -c 'cd dir && ...'`): " +
		"it cannot leak into the rest of the script, and it is what hadolint's own documentation recommends. As hadolint, it " +
		"reports a RUN once, at its first `cd`.",
	Bad:  "FROM debian:12\nRUN cd /usr/src/app && make\n",
	Good: "FROM debian:12\nWORKDIR /usr/src/app\nRUN make\n",
	Run: func(p *lint.Pass) {
		// One finding per RUN, at its first cd, as hadolint reports once per RUN.
		for _, s := range scripts(p) {
			if s.Skipped != "" {
				continue
			}
			var first *shellscript.Command
			n := 0
			for _, raw := range s.Commands {
				c := raw.Unwrap()
				if !c.Is("cd") || raw.Subshell {
					continue
				}
				if first == nil {
					first = c
				}
				n++
			}
			if first == nil {
				continue
			}
			msg := "Use WORKDIR to switch to a directory"
			if pos := first.Positional(); len(pos) > 0 {
				msg += fmt.Sprintf(": `WORKDIR %s` instead of `cd %s`", pos[0].Raw, pos[0].Raw)
			}
			if n > 1 {
				msg += fmt.Sprintf(" (this RUN changes directory %d times)", n)
			}
			p.Report(first.NameWord.Range, msg)
		}
	},
})

package rules

import (
	"fmt"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL4005 = register(&lint.Rule{
	ID:       "DL4005",
	Name:     "use-shell-instruction",
	Severity: lint.Warning,
	Summary:  "Use SHELL to change the default shell",
	Rationale: "Replacing /bin/sh with a link to bash changes the shell of every program in the image " +
		"that runs `sh` (init scripts, package maintainer scripts, `system()` calls), not just of the " +
		"build. `SHELL [\"/bin/bash\", \"-c\"]` changes the shell of the following RUN, CMD and " +
		"ENTRYPOINT shell forms only. hadolint reports any `ln` with a `/bin/sh` argument, also " +
		"`ln -s /bin/sh /usr/local/bin/sh` which links to sh rather than replacing it; hoist reports " +
		"only an `ln` whose link name is /bin/sh (or /usr/bin/sh).",
	Bad:  "FROM debian:12\nRUN ln -sf /bin/bash /bin/sh\n",
	Good: "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\n",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			if !c.Is("ln") || c.HasFlag("-t", "--target-directory") {
				return
			}
			pos := c.Positional()
			if len(pos) < 2 {
				return
			}
			last := pos[len(pos)-1]
			v, ok := wordValue(p, s, last)
			if !ok || (v != "/bin/sh" && v != "/usr/bin/sh") {
				return
			}
			target, _ := wordValue(p, s, pos[len(pos)-2])
			p.Report(last.Range, fmt.Sprintf("Use SHELL to change the default shell: `SHELL [\"%s\", \"-c\"]` instead of "+
				"linking %s to it, which changes the shell of every program in the image", shellPath(target), v))
		})
	},
})

// shellPath is the shell a link points to, for a SHELL suggestion.
func shellPath(target string) string {
	if target == "" {
		return "/bin/bash"
	}
	if target[0] != '/' {
		return "/bin/" + baseName(target)
	}
	return target
}

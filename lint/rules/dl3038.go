package rules

import (
	"fmt"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3038 = register(&lint.Rule{
	ID:       "DL3038",
	Name:     "dnf-assume-yes",
	Severity: lint.Warning,
	Summary:  "Use the -y switch to avoid manual input `dnf install -y <package>`",
	Rationale: "A build has no terminal: `dnf install` asks \"Is this ok [y/N]\", reads end of input and gives up, " +
		"failing the build. microdnf asks too since version 3.8 (EL9 and later). Pass `-y` (`--assumeyes`). " +
		"Besides install, groupinstall and localinstall (hadolint's list), hoist checks the other subcommands " +
		"that ask: update, upgrade, remove, reinstall, downgrade, autoremove, distro-sync, swap, and " +
		"`group`/`module` actions.",
	Bad:  "FROM fedora:40\nRUN dnf install httpd-2.4.62 && dnf clean all\n",
	Good: "FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n",
	Fix:  "adds -y after `dnf` (or `microdnf`)",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			if tc, ok := rpmAsks(s, c, []string{"dnf", "microdnf"}); ok {
				reportMissingYes(p, tc, "-y", fmt.Sprintf("Use the -y switch to avoid manual input `dnf install -y <package>` (`%s %s` waits for a confirmation a build cannot give)", tc.Base(), tc.Sub.Value))
			}
		})
	},
})

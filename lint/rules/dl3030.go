package rules

import (
	"fmt"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3030 = register(&lint.Rule{
	ID:       "DL3030",
	Name:     "yum-assume-yes",
	Severity: lint.Warning,
	Summary:  "Use the -y switch to avoid manual input `yum install -y <package>`",
	Rationale: "A build has no terminal: `yum install` asks \"Is this ok [y/d/N]\", reads end of input and gives " +
		"up, failing the build (or, worse, the step only works while there is nothing to do). Pass `-y` " +
		"(`--assumeyes`). Besides install, groupinstall and localinstall (hadolint's list), hoist checks the " +
		"other subcommands that ask: update, upgrade, remove, reinstall, downgrade, autoremove, distro-sync, " +
		"swap, and `group`/`module` actions.",
	Bad:  "FROM centos:7\nRUN yum install httpd-2.4.6 && yum clean all\n",
	Good: "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
	Fix:  "adds -y after `yum`",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			if tc, ok := rpmAsks(s, c, []string{"yum"}); ok {
				reportMissingYes(p, tc, "-y", fmt.Sprintf("Use the -y switch to avoid manual input `yum install -y <package>` (`yum %s` waits for a confirmation a build cannot give)", tc.Sub.Value))
			}
		})
	},
})

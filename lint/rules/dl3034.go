package rules

import (
	"fmt"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3034 = register(&lint.Rule{
	ID:       "DL3034",
	Name:     "zypper-non-interactive",
	Severity: lint.Warning,
	Summary:  "Non-interactive switch missing from `zypper` command: `zypper install -y`",
	Rationale: "A build has no terminal: zypper asks \"Continue? [y/n/v/...? shows all options] (y)\" and, reading end " +
		"of input, aborts the build. Pass `--non-interactive` (`-n`, before the subcommand) or the " +
		"subcommand's `-y` (`--no-confirm`). Besides install, remove, source-install and patch (hadolint's " +
		"list), update and dist-upgrade are checked: they ask too.",
	Bad:  "FROM opensuse/leap:15.6\nRUN zypper install httpd=2.4.58 && zypper clean\n",
	Good: "FROM opensuse/leap:15.6\nRUN zypper --non-interactive install httpd=2.4.58 && zypper clean\n",
	Fix:  "adds --non-interactive after `zypper`",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			tc, ok := callOf(s, c, []string{"zypper"}, zypperAskSubs, zypperOptions)
			if !ok || c.HasFlag("-y", "--no-confirm", "-n", "--non-interactive") {
				return
			}
			reportMissingYes(p, tc, "--non-interactive", fmt.Sprintf("Non-interactive switch missing from `zypper` command: `zypper install -y` (`zypper %s` waits for a confirmation a build cannot give)", tc.Sub.Value))
		})
	},
})

// zypperAskSubs are the zypper subcommands that ask for a confirmation.
var zypperAskSubs = []string{"install", "in", "remove", "rm", "source-install", "si", "patch", "update", "up",
	"dist-upgrade", "dup", "install-new-recommends", "inr"}

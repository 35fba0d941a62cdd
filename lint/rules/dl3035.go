package rules

import (
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3035 = register(&lint.Rule{
	ID:       "DL3035",
	Name:     "no-zypper-dist-upgrade",
	Severity: lint.Warning,
	Summary:  "Do not use `zypper dist-upgrade`",
	Rationale: "`zypper dist-upgrade` (`dup`) moves the base image to whatever the repositories hold today, possibly " +
		"a new distribution release: the image stops being the base image you named, and every build may differ. " +
		"Pick a newer base image tag instead, and install the specific packages you need.",
	Bad:  "FROM opensuse/leap:15.6\nRUN zypper -n dist-upgrade\n",
	Good: "FROM opensuse/leap:15.6\nRUN zypper -n install httpd=2.4.58 && zypper clean\n",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			if tc, ok := callOf(s, c, []string{"zypper"}, []string{"dist-upgrade", "dup"}, zypperOptions); ok {
				p.Reportf(tc.Sub.Range, "Do not use `zypper %s` (it upgrades the whole distribution of the base image: use a newer base image tag instead)", tc.Sub.Value)
			}
		})
	},
})

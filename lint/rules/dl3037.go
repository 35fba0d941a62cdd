package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3037 = register(&lint.Rule{
	ID:       "DL3037",
	Name:     "pin-zypper-versions",
	Severity: lint.Warning,
	Summary:  "Specify version with `zypper install -y <package>=<version>`",
	Rationale: "`zypper install -y httpd` installs whatever version the repositories hold on the day of the build, so " +
		"the image changes without any change to the Dockerfile. Name the version (`httpd=2.4.58`, or a range " +
		"such as `'httpd>=2.4'`). Files, URLs and capabilities are not package names, and patterns, products and " +
		"patches (`-t pattern`) have no versions to pin. Every unpinned package is reported at its own word.",
	Bad:  "FROM opensuse/leap:15.6\nRUN zypper -n install httpd && zypper clean\n",
	Good: "FROM opensuse/leap:15.6\nRUN zypper -n install httpd=2.4.58 && zypper clean\n",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			tc, ok := callOf(s, c, []string{"zypper"}, []string{"install", "in"}, zypperOptions)
			if !ok {
				return
			}
			if t, ok := tc.FlagValue("-t", "--type"); ok && t != "package" {
				return
			}
			eachOperand(p, s, tc.Ops(zypperOptions), func(w shellscript.Word, v string) {
				if strings.ContainsAny(v, "=<>/()") || strings.HasSuffix(v, ".rpm") || strings.HasPrefix(v, "-") {
					return
				}
				p.Reportf(w.Range, "Specify version with `zypper install -y <package>=<version>` (%s has no version)", v)
			})
		})
	},
})

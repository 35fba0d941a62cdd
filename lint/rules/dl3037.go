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
			pc, ok := pkgCallOf(s, c, []string{"zypper"}, []string{"install", "in"}, pkgZypperValue)
			if !ok {
				return
			}
			if t, ok := pc.FlagValue("-t", "--type"); ok && t != "package" {
				return
			}
			for _, w := range pc.Ops(pkgZypperValue, false) {
				vals, ok := pkgValues(p, s, w)
				if !ok {
					continue
				}
				for _, v := range vals {
					if v == "" || strings.ContainsAny(v, "=<>/()") || strings.HasSuffix(v, ".rpm") || strings.HasPrefix(v, "-") {
						continue
					}
					p.Reportf(w.Range, "Specify version with `zypper install -y <package>=<version>` (%s has no version)", v)
				}
			}
		})
	},
})

package rules

import (
	"fmt"
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3018 = register(&lint.Rule{
	ID:       "DL3018",
	Name:     "pin-apk-versions",
	Severity: lint.Warning,
	Summary:  "Pin versions in apk add",
	Rationale: "An unpinned `apk add curl` installs whatever the Alpine mirror has on the day of the " +
		"build: two builds of the same Dockerfile differ, and an upstream change can break a build " +
		"that nothing in the repository changed. Pin with `package=version`, or `package~version` to " +
		"accept patch releases (`curl~8.5`).\n\n" +
		"Not packages, so never reported: local `.apk` files, the values of `--virtual`/`-t` (the name " +
		"of a virtual package), `--repository`/`-X` and the other options that take one. Constraints " +
		"(`pkg>1.2`, `pkg<2`) count as pinned. Package lists held in an ARG or ENV are expanded with " +
		"their values; an unknown value is not guessed.",
	Bad:  "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
	Good: "FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r2\n",
	Run: func(p *lint.Pass) {
		apkAdds(p, func(s *shellscript.Script, a *parsedCommand) {
			a.reportUnpinned(p, apkPinned, func(list string) string {
				return fmt.Sprintf("Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>` (unpinned: %s)", list)
			})
		})
	},
})

// apkPinned reports whether an apk add operand is pinned (name=version,
// name~version, name>version) or a local .apk file.
func apkPinned(v string) bool {
	return v == "" || strings.ContainsAny(v, "=~<>") || strings.HasSuffix(v, ".apk")
}

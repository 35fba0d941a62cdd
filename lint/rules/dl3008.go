package rules

import (
	"fmt"
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3008 = register(&lint.Rule{
	ID:       "DL3008",
	Name:     "pin-apt-get-versions",
	Severity: lint.Warning,
	Summary:  "Pin versions in apt-get install",
	Rationale: "An unpinned `apt-get install curl` installs whatever version the mirror has on the day of " +
		"the build: two builds of the same Dockerfile differ, and an upstream change can break a build " +
		"that nothing in the repository changed. Pin with `package=version` (a trailing `*` such as " +
		"`curl=7.88.*` accepts patch releases).\n\n" +
		"Not packages, so never reported: local archives (`./pkg.deb`, `/tmp/x.deb`), `package/release` " +
		"(a target release), the values of `-t`/`--target-release`, `-o` and the other options that take " +
		"one. Package lists held in an ARG or ENV (`apt-get install $PACKAGES`) are expanded with their " +
		"values; a list whose value is not known (an ARG without default, `$(cat list)`) is not guessed. " +
		"Like `apt-get`, `apt install` is checked (DL3027 reports the `apt` itself); a simulation " +
		"(`apt-get install -s`) is not. Reported once per install command, at its first unpinned " +
		"package, with the list of all of them.",
	Bad:  "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Good: "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Run: func(p *lint.Pass) {
		aptInstalls(p, func(s *shellscript.Script, a *parsedCommand) {
			tool := aptTool(a.C)
			a.reportUnpinned(p, aptPinned, func(list string) string {
				return fmt.Sprintf("Pin versions in apt get install. Instead of `%s install <package>` use `%s install <package>=<version>` (unpinned: %s)", tool, tool, list)
			})
		})
	},
})

// aptPinned reports whether an apt-get install operand is pinned or not
// a repository package: name=version, name/release, a path or a .deb file.
func aptPinned(v string) bool {
	return v == "" || strings.ContainsAny(v, "=/") || strings.HasSuffix(v, ".deb") || strings.HasSuffix(v, "-")
}

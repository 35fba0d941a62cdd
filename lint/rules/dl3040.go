package rules

import (
	"fmt"

	"github.com/hoistci/hoist/lint"
)

var DL3040 = register(&lint.Rule{
	ID:       "DL3040",
	Name:     "dnf-clean-all",
	Severity: lint.Warning,
	Summary:  "`dnf clean all` missing after dnf command",
	Rationale: "dnf and microdnf keep repository metadata in /var/cache/dnf (microdnf: /var/cache/yum); left in the " +
		"layer it is dead weight, often a hundred megabytes. End the RUN that installs with `dnf clean all` " +
		"(`microdnf clean all`, or `rm -rf /var/cache/dnf`), or keep the cache out of the image with a BuildKit " +
		"cache mount on /var/cache/dnf. The cleanup must come after the last install of the RUN. Besides " +
		"install (hadolint's check), update, upgrade and the other subcommands that download packages are checked. " +
		"Only stages whose layers end up in the image are checked: the last stage and the stages it is built " +
		"FROM (a builder stage whose files are copied out leaves its cache behind, and so does a stage that " +
		"only builder stages are built on, which hadolint would check).",
	Bad:  "FROM fedora:40\nRUN dnf install -y httpd-2.4.62\n",
	Good: "FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n",
	Run: func(p *lint.Pass) {
		rpmCleanupRule(p, []string{"dnf", "microdnf"}, func(tool string) string {
			dir := "/var/cache/dnf"
			if tool == "microdnf" {
				dir = "/var/cache/yum"
			}
			return fmt.Sprintf("`dnf clean all` missing after dnf command (end this RUN with `%s clean all`, or use a cache mount on %s)", tool, dir)
		}, "dnf", "yum")
	},
})

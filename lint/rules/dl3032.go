package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3032 = register(&lint.Rule{
	ID:       "DL3032",
	Name:     "yum-clean-all",
	Severity: lint.Warning,
	Summary:  "`yum clean all` missing after yum command",
	Rationale: "yum keeps repository metadata (and with keepcache, packages) in /var/cache/yum; left in the layer it " +
		"is dead weight, often a hundred megabytes. End the RUN that installs with `yum clean all` (or " +
		"`rm -rf /var/cache/yum`), or keep the cache out of the image with a BuildKit cache mount on " +
		"/var/cache/yum. The cleanup must come after the last install of the RUN. Besides install (hadolint's " +
		"check), update, upgrade and the other subcommands that download packages are checked. " +
		"Only stages whose layers end up in the image are checked: the last stage and the stages it is built " +
		"FROM (a builder stage whose files are copied out leaves its cache behind, and so does a stage that " +
		"only builder stages are built on, which hadolint would check).",
	Bad:  "FROM centos:7\nRUN yum install -y httpd-2.4.6\n",
	Good: "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
	Run: func(p *lint.Pass) {
		rpmCleanupRule(p, []string{"yum"}, func(string) string {
			return "`yum clean all` missing after yum command (end this RUN with `yum clean all`, or use a cache mount on /var/cache/yum)"
		}, "yum")
	},
})

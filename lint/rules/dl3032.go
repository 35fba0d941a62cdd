package rules

import (
	"github.com/hoistci/hoist/internal/shellscript"
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
		"check), update, upgrade and the other subcommands that download packages are checked. Only stages that " +
		"end up in an image are checked (the last stage and the stages others are built FROM), as hadolint " +
		"does for DL3060: a builder stage whose files are copied out leaves its cache behind.",
	Bad:  "FROM centos:7\nRUN yum install -y httpd-2.4.6\n",
	Good: "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
	Run: func(p *lint.Pass) {
		pkgRPMCleanupRule(p, []string{"yum"}, func(string) string {
			return "`yum clean all` missing after yum command (end this RUN with `yum clean all`, or use a cache mount on /var/cache/yum)"
		}, "yum")
	},
})

// pkgRPMCacheDirs are where yum, dnf and microdnf keep their caches.
var pkgRPMCacheDirs = []string{"/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5"}

// pkgRPMCleanupRule reports the RUNs where tools install packages without
// a cache cleanup after them (DL3032, DL3040).
func pkgRPMCleanupRule(p *lint.Pass, tools []string, msg func(tool string) string, keywords ...string) {
	cleaners := []string{"yum", "dnf", "microdnf"}
	kept := pkgKeptStages(p.File)
	for _, s := range scripts(p) {
		if s.Skipped != "" || !pkgShipped(kept, s) || pkgCacheMount(s, pkgRPMCacheDirs, keywords...) {
			continue
		}
		pc, ok := pkgCleanup(s,
			func(c *shellscript.Command) (pkgCall, bool) { return pkgRPMInstalls(s, c, tools) },
			func(c *shellscript.Command) bool { return pkgRPMCleaned(c, cleaners, pkgRPMCacheDirs) })
		if ok {
			p.Report(pc.Span(), msg(pc.Base()))
		}
	}
}

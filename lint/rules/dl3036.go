package rules

import (
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3036 = register(&lint.Rule{
	ID:       "DL3036",
	Name:     "zypper-clean",
	Severity: lint.Warning,
	Summary:  "`zypper clean` missing after zypper use",
	Rationale: "zypper keeps repository metadata and downloaded packages in /var/cache/zypp; left in the layer they " +
		"are dead weight. End the RUN that installs with `zypper clean --all` (or `zypper cc -a`, or " +
		"`rm -rf /var/cache/zypp`), or keep the cache out of the image with a BuildKit cache mount on " +
		"/var/cache/zypp. The cleanup must come after the last install of the RUN. Besides install (hadolint's " +
		"check), update, dist-upgrade, patch and source-install are checked. " +
		"Only stages whose layers end up in the image are checked: the last stage and the stages it is built " +
		"FROM (a builder stage whose files are copied out leaves its cache behind, and so does a stage that " +
		"only builder stages are built on, which hadolint would check).",
	Bad:  "FROM opensuse/leap:15.6\nRUN zypper -n install httpd=2.4.58\n",
	Good: "FROM opensuse/leap:15.6\nRUN zypper -n install httpd=2.4.58 && zypper clean --all\n",
	Run: func(p *lint.Pass) {
		dirs := []string{"/var/cache/zypp"}
		for _, s := range shippedScripts(p) {
			if cacheMounted(s, dirs, "zypp") {
				continue
			}
			tc, ok := uncleanedUse(s,
				func(c *shellscript.Command) (toolCall, bool) {
					return callOf(s, c, []string{"zypper"}, []string{"install", "in", "update", "up", "dist-upgrade", "dup", "patch", "source-install", "si"}, zypperOptions)
				},
				func(c *shellscript.Command) bool {
					if _, ok := callOf(s, c, []string{"zypper"}, []string{"clean", "cc"}, zypperOptions); ok {
						return true
					}
					return removesDir(c, dirs...)
				})
			if ok {
				p.Report(tc.Span(), "`zypper clean` missing after zypper use (end this RUN with `zypper clean --all`, or use a cache mount on /var/cache/zypp)")
			}
		}
	},
})

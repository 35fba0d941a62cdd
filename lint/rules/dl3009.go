package rules

import (
	"fmt"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3009 = register(&lint.Rule{
	ID:       "DL3009",
	Name:     "delete-apt-lists",
	Severity: lint.Info,
	Summary:  "Delete the apt-get lists after installing something",
	Rationale: "`apt-get update` downloads the package lists into /var/lib/apt/lists (tens of megabytes). " +
		"When the RUN that updated does not delete them, they stay in that layer of the image forever: " +
		"a later RUN that deletes them only hides them. End the RUN with `rm -rf /var/lib/apt/lists/*`, " +
		"or keep the lists out of the layer with a BuildKit cache mount " +
		"(`RUN --mount=type=cache,target=/var/lib/apt/lists ...`, or a cache mount on /var/lib/apt).\n\n" +
		"As in hadolint, only stages whose layers end up in the image are checked: the last stage and the " +
		"stages it is built FROM (a builder stage only copied from is not shipped; unlike hadolint, a " +
		"stage used as the base of another builder stage is not reported either). ONBUILD RUN is always " +
		"checked. hoist also recognises `apt update`, apt 3's `apt-get install --update`, `rm` of the " +
		"lists directory in any spelling, `find /var/lib/apt/lists ... -delete` and apt's `apt-get dist-clean`, " +
		"and requires the deletion to come after the last update of the RUN.",
	Bad:  "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n",
	Good: "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Fix:  "append `&& rm -rf /var/lib/apt/lists/*` to the and-list of the RUN's last apt command, in the RUN's continuation style",
	Run: func(p *lint.Pass) {
		for _, s := range scripts(p) {
			if s.Skipped != "" || len(s.Commands) == 0 {
				continue
			}
			in := s.Instruction
			if in.Name != "onbuild" && !aptStageInImage(p.File, in.Stage) {
				continue
			}
			if aptCacheMounted(s, aptListsDir) {
				continue
			}
			var first *aptCmd // first update after the last cleanup
			for _, c := range s.Commands {
				c = c.Unwrap()
				if a, ok := aptUpdates(p, s, c); ok {
					if first == nil {
						first = a
					}
				} else if aptCleansLists(p, s, c) {
					first = nil
				}
			}
			if first == nil {
				continue
			}
			what := first.C.Name + " " + first.Sub()
			if first.Sub() != "update" {
				what += " --update"
			}
			msg := fmt.Sprintf("Delete the apt-get lists after installing something: the lists that `%s` downloads stay in this layer; end the RUN with `rm -rf /var/lib/apt/lists/*`", what)
			var fix *lint.Fix
			if aptInstallsSomething(p, s) {
				fix = aptAppendFix(p, s)
			}
			p.ReportFix(first.Range(), msg, fix)
		}
	},
})

// aptInstallsSomething reports whether the script installs or upgrades
// packages with apt-get or apt (a RUN that only updates is HS020's).
func aptInstallsSomething(p *lint.Pass, s *shellscript.Script) bool {
	for _, c := range s.Commands {
		c = c.Unwrap()
		if aptTool(c) == "" {
			continue
		}
		switch aptParse(p, s, c, aptGetSyntax).Sub() {
		case "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall", "satisfy":
			return true
		}
	}
	return false
}

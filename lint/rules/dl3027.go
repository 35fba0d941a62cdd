package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3027 = register(&lint.Rule{
	ID:       "DL3027",
	Name:     "no-apt",
	Severity: lint.Warning,
	Summary:  "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead",
	Rationale: "`apt` is the interactive front end: its output and behaviour may change between releases " +
		"(it warns \"apt does not have a stable CLI interface. Use with caution in scripts.\"), it draws " +
		"progress bars into the build log, and some defaults differ from apt-get's. `apt-get` and " +
		"`apt-cache` are the stable tools for scripts.\n\n" +
		"The fix replaces `apt` where the mapping is exact: `install`, `update`, `remove`, `purge`, " +
		"`autoremove`, `dist-upgrade`, `clean`, `autoclean`, `build-dep`, `source`, `download`, " +
		"`changelog` -> `apt-get`; `full-upgrade` -> `apt-get dist-upgrade`; `upgrade` -> " +
		"`apt-get upgrade --with-new-pkgs` (apt's upgrade installs new dependencies, apt-get's does " +
		"not); `search`, `show`, `policy`, `depends`, `rdepends`, `showsrc` -> `apt-cache`. Other " +
		"subcommands (`apt list`, `apt edit-sources`, ...) are reported without a fix.",
	Bad:  "FROM debian:12\nRUN apt update \\\n    && apt install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Good: "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Fix:  "replace `apt` with `apt-get` (or `apt-cache` for search/show/policy/depends) where the subcommand maps exactly",
	Run: func(p *lint.Pass) {
		aptCommands(p, func(s *shellscript.Script, a *parsedCommand) {
			if aptTool(a.C) != "apt" {
				return
			}
			tool, fix := aptReplaceFix(p, a)
			msg := "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead"
			if tool != "" {
				msg += ": use `" + tool + "`"
			}
			p.ReportFix(a.C.NameWord.Range, msg, fix)
		})
	},
})

// aptReplacements maps apt subcommands to the tool that does exactly the same.
var aptReplacements = map[string]string{
	"install": "apt-get", "update": "apt-get", "upgrade": "apt-get", "dist-upgrade": "apt-get",
	"full-upgrade": "apt-get", "remove": "apt-get", "purge": "apt-get", "autoremove": "apt-get",
	"clean": "apt-get", "autoclean": "apt-get", "build-dep": "apt-get", "source": "apt-get",
	"download": "apt-get", "changelog": "apt-get",
	"search": "apt-cache", "show": "apt-cache", "policy": "apt-cache", "depends": "apt-cache",
	"rdepends": "apt-cache", "showsrc": "apt-cache",
}

// aptReplaceFix returns the tool that replaces `apt` for the command and the
// fix that makes the replacement (nil when it cannot be made safely).
func aptReplaceFix(p *lint.Pass, a *parsedCommand) (string, *lint.Fix) {
	tool := aptReplacements[a.Sub()]
	if tool == "" {
		return "", nil
	}
	name := a.C.NameWord
	sub, ok := a.SubWord()
	if !ok || !name.Literal || name.Raw != name.Value || !strings.HasSuffix(name.Raw, "apt") ||
		!sourceIs(p.File, name.Range, name.Raw) || !sourceIs(p.File, sub.Range, sub.Raw) {
		return tool, nil
	}
	edits := []lint.Edit{lint.NewEdit(name.Range, strings.TrimSuffix(name.Raw, "apt")+tool)}
	switch a.Sub() {
	case "upgrade":
		if a.Has("with-new-pkgs") {
			break
		}
		edits = append(edits, lint.Insert(afterWord(sub), " --with-new-pkgs"))
	case "full-upgrade":
		if sub.Raw != sub.Value {
			return tool, nil
		}
		edits = append(edits, lint.NewEdit(sub.Range, "dist-upgrade"))
	}
	return tool, &lint.Fix{Description: "replace apt with " + tool, Edits: edits}
}

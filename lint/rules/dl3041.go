package rules

import (
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3041 = register(&lint.Rule{
	ID:       "DL3041",
	Name:     "pin-dnf-versions",
	Severity: lint.Warning,
	Summary:  "Specify version with `dnf install -y <package>-<version>`",
	Rationale: "`dnf install -y httpd` installs whatever version the repositories hold on the day of the build, so " +
		"the image changes without any change to the Dockerfile. Name the version (`httpd-2.4.62`), and a " +
		"module's stream (`dnf module install nodejs:20`). A name counts as versioned when a part after a dash " +
		"starts with a digit, as in hadolint. microdnf is checked too. Files, URLs, groups (@group), " +
		"capabilities and values of options such as `--enablerepo epel` are not package names. Every unpinned " +
		"package is reported at its own word.",
	Bad:  "FROM fedora:40\nRUN dnf install -y httpd && dnf clean all\n",
	Good: "FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n",
	Run: func(p *lint.Pass) {
		rpmUnpinned(p, []string{"dnf", "microdnf"}, func(w shellscript.Word, name string, module bool) {
			if module {
				p.Reportf(w.Range, "Specify version with `dnf install -y <package>-<version>` (module %s has no stream: use %s:<stream>)", name, name)
				return
			}
			p.Reportf(w.Range, "Specify version with `dnf install -y <package>-<version>` (%s has no version)", name)
		})
	},
})

package rules

import (
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3033 = register(&lint.Rule{
	ID:       "DL3033",
	Name:     "pin-yum-versions",
	Severity: lint.Warning,
	Summary:  "Specify version with `yum install -y <package>-<version>`",
	Rationale: "`yum install -y httpd` installs whatever version the repositories hold on the day of the build, so " +
		"the image changes without any change to the Dockerfile. Name the version (`httpd-2.4.6`), and a " +
		"module's stream (`yum module install nodejs:18`). A name counts as versioned when a part after a dash " +
		"starts with a digit (the test hadolint uses for dnf; hadolint's yum rule takes any dash, so " +
		"`python3-devel` passed). Files, URLs, groups (@group), capabilities and values of options such as " +
		"`--enablerepo epel` are not package names. Every unpinned package is reported at its own word.",
	Bad:  "FROM centos:7\nRUN yum install -y httpd && yum clean all\n",
	Good: "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
	Run: func(p *lint.Pass) {
		rpmUnpinned(p, []string{"yum"}, func(w shellscript.Word, name string, module bool) {
			if module {
				p.Reportf(w.Range, "Specify version with `yum install -y <package>-<version>` (module %s has no stream: use %s:<stream>)", name, name)
				return
			}
			p.Reportf(w.Range, "Specify version with `yum install -y <package>-<version>` (%s has no version)", name)
		})
	},
})

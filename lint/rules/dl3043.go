package rules

import (
	"strings"

	"github.com/hoistci/hoist/lint"
)

var DL3043 = register(&lint.Rule{
	ID:       "DL3043",
	Name:     "no-onbuild-onbuild-from-maintainer",
	Severity: lint.Error,
	Summary:  "`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction",
	Rationale: "ONBUILD registers an instruction to run when another Dockerfile builds FROM this " +
		"image. Docker forbids chaining ONBUILD ONBUILD and triggering FROM or MAINTAINER: the " +
		"child build fails at its FROM line, far from the mistake.",
	Bad:  "FROM alpine:3.20\nONBUILD FROM debian:12\n",
	Good: "FROM alpine:3.20\nONBUILD COPY . /app/src\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			trigger := in.OnbuildTrigger()
			if trigger != "onbuild" && trigger != "from" && trigger != "maintainer" {
				continue
			}
			r := in.ArgsRange()
			if ws := in.Words(); len(ws) > 0 {
				r = ws[0].Range
			}
			p.Reportf(r, "`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction "+
				"(ONBUILD %s is not allowed: the build of every child image would fail)", strings.ToUpper(trigger))
		}
	},
})

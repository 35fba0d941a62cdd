package rules

import (
	"strings"

	"github.com/hoistci/hoist/lint"
)

var HS017 = register(&lint.Rule{
	ID:       "HS017",
	Name:     "reserved-stage-name",
	Aliases:  []string{"ReservedStageName"},
	Severity: lint.Warning,
	Summary:  "Reserved words should not be used as stage names",
	Rationale: "Mirrors BuildKit's ReservedStageName check. `scratch` is the empty base image and " +
		"`context` is reserved for the build context, so a stage with either name is ambiguous " +
		"wherever it is referred to (`FROM scratch`, `COPY --from=context`). Stage names are compared " +
		"in lower case, as BuildKit lower-cases them. hoist reports at the name.",
	Bad:  "FROM alpine:3.20 AS scratch\nRUN echo hi\n",
	Good: "FROM alpine:3.20 AS builder\nRUN echo hi\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			_, name, ok := fromAsWords(s.From)
			if !ok {
				continue
			}
			switch n := strings.ToLower(name.Text); n {
			case "scratch", "context":
				what := "the empty base image"
				if n == "context" {
					what = "reserved for the build context"
				}
				p.Reportf(name.Range, "Stage name should not use the same name as reserved stage %q (%s is %s): rename the stage", n, n, what)
			}
		}
	},
})

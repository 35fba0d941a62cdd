package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3024 = register(&lint.Rule{
	ID:       "DL3024",
	Name:     "unique-stage-names",
	Aliases:  []string{"DuplicateStageName"},
	Severity: lint.Error,
	Summary:  "FROM aliases (stage names) must be unique",
	Rationale: "`COPY --from=name`, `FROM name` and `--target name` pick one stage by name; with two " +
		"stages of the same name, which one is meant is ambiguous and the build may take files from the " +
		"wrong one. Names are compared case-insensitively, as BuildKit does (it lower-cases them). Every " +
		"repeat of a name is reported at the name.",
	Bad:  "FROM golang:1.23 AS build\nRUN go build ./...\n\nFROM node:22.11 AS build\nRUN npm ci\n",
	Good: "FROM golang:1.23 AS build-api\nRUN go build ./...\n\nFROM node:22.11 AS build-web\nRUN npm ci\n",
	Run: func(p *lint.Pass) {
		seen := map[string]*dockerfile.Stage{}
		for _, s := range p.File.Stages {
			if s.Name == "" {
				continue
			}
			key := strings.ToLower(s.Name)
			first, dup := seen[key]
			if !dup {
				seen[key] = s
				continue
			}
			r := s.From.ArgsRange()
			if w, ok := s.NameWord(); ok {
				r = w.Range
			}
			p.Reportf(r, "FROM aliases (stage names) must be unique: %q is already the name of the stage on line %d; rename one of them", s.Name, first.From.Range.Start.Line)
		}
	},
})

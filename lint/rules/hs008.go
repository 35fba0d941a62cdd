package rules

import (
	"strings"

	"github.com/hoistci/hoist/lint"
)

var HS008 = register(&lint.Rule{
	ID:       "HS008",
	Name:     "stage-name-casing",
	Aliases:  []string{"StageNameCasing"},
	Severity: lint.Warning,
	Summary:  "Stage names should be lowercase",
	Rationale: "Mirrors BuildKit's StageNameCasing check. BuildKit lower-cases stage names anyway, so " +
		"`AS Builder` defines `builder`: writing it in lower case keeps stage names apart from " +
		"instruction keywords and makes `--from=` and `--target` references match what is written. " +
		"hoist reports at the name itself rather than the whole FROM line, and only when the FROM has " +
		"the `image AS name` shape (BuildKit also looks at the third word of malformed FROMs).",
	Bad:  "FROM alpine:3.20 AS BuilderBase\nRUN echo hi\n",
	Good: "FROM alpine:3.20 AS builder-base\nRUN echo hi\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			_, name, ok := fromAsWords(s.From)
			if !ok || name.Text == strings.ToLower(name.Text) {
				continue
			}
			p.Reportf(name.Range, "Stage name '%s' should be lowercase (BuildKit lower-cases it: write '%s')",
				name.Text, strings.ToLower(name.Text))
		}
	},
})

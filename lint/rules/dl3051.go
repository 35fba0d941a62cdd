package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3051 = register(&lint.Rule{
	ID:       "DL3051",
	Name:     "empty-label",
	Severity: lint.Warning,
	Summary:  "A label of the label schema is empty",
	Rationale: "A label the `label-schema` requires carries information someone relies on (the source URL, the " +
		"version, the maintainer); `LABEL org.opencontainers.image.version=\"\"` satisfies DL3049 and tells " +
		"nothing. Only labels in the schema are checked. A value that refers to a variable (`$VERSION`) is not " +
		"reported: build arguments decide it. The type rules (DL3052-DL3058) leave empty values to this rule, " +
		"where hadolint reports them twice.",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.version: semver\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.version=\"\"\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.version=\"1.4.0\"\n",
	Run: func(p *lint.Pass) {
		if p.Config == nil || len(p.Config.LabelSchema) == 0 {
			return
		}
		for _, in := range labelInstructions(p.File) {
			for _, pr := range labelPairs(p.File, in) {
				if _, ok := p.Config.LabelSchema[pr.Key]; !ok || pr.KeyVars || pr.ValueVars || pr.Value != "" {
					continue
				}
				p.Reportf(pr.Range, "label `%s` is empty. The label-schema requires it: give it a value (type %s)", pr.Key, p.Config.LabelSchema[pr.Key])
			}
		}
	},
})

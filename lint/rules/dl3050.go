package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3050 = register(&lint.Rule{
	ID:       "DL3050",
	Name:     "superfluous-label",
	Severity: lint.Info,
	Summary:  "Superfluous label(s) present",
	Rationale: "With `strict-labels: true` the `label-schema` of the configuration is the complete list of " +
		"labels an image may carry: anything else is a typo of a schema label or metadata nobody agreed to " +
		"publish. Add the label to the schema or remove it. Off unless `strict-labels` is set. hadolint reports " +
		"the LABEL instruction once; hoist reports each superfluous key at the key.",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.version: semver\nstrict-labels: true\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.version=1.4.0 build-host=ci-7\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.version=1.4.0\n",
	Run: func(p *lint.Pass) {
		if p.Config == nil || !p.Config.StrictLabels {
			return
		}
		for _, in := range labelInstructions(p.File) {
			for _, pr := range labelPairs(p.File, in) {
				if _, ok := p.Config.LabelSchema[pr.Key]; ok {
					continue
				}
				p.Reportf(pr.KeyRange, "Superfluous label(s) present. %s is not in the label-schema and strict-labels is on: add it to the schema or remove it", showValue(pr.Key))
			}
		}
	},
})

package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3012 = register(&lint.Rule{
	ID:       "DL3012",
	Name:     "single-healthcheck",
	Aliases:  []string{"MultipleInstructionsDisallowed"},
	Severity: lint.Error,
	Summary:  "Multiple HEALTHCHECK instructions",
	Rationale: "Only the last HEALTHCHECK of a stage takes effect: the earlier ones are dead code that " +
		"readers take for the real check. Keep one per stage. Every HEALTHCHECK after the first one of " +
		"its stage is reported (as hadolint does), naming the one it replaces.",
	Bad: "FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n" +
		"HEALTHCHECK CMD wget -qO- http://localhost/ || exit 1\n",
	Good: "FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			prev := 0
			for _, in := range s.Instructions {
				if in.Name != "healthcheck" {
					continue
				}
				if prev > 0 {
					p.Reportf(in.KeywordRange(), "Multiple HEALTHCHECK instructions in %s: this one replaces the HEALTHCHECK on line %d, only the last one takes effect", stageLabel(s), prev)
				}
				prev = in.Range.Start.Line
			}
		}
	},
})

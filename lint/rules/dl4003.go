package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL4003 = register(&lint.Rule{
	ID:       "DL4003",
	Name:     "multiple-cmd",
	Aliases:  []string{"MultipleInstructionsDisallowed"},
	Severity: lint.Warning,
	Summary:  "Multiple `CMD` instructions found. If you list more than one `CMD` then only the last `CMD` will take effect",
	Rationale: "A stage has one command: each CMD replaces the one before, so all but the last are " +
		"dead code that misleads the reader. The check is per stage (a CMD that overrides one from " +
		"the base image or a base stage is normal). As in hadolint, every CMD after the first in a " +
		"stage is reported, so existing `# hadolint ignore=DL4003` comments keep working; the message " +
		"names the line of the CMD it overrides. BuildKit's MultipleInstructionsDisallowed is an alias.",
	Bad:  "FROM alpine:3.20\nCMD [\"sh\"]\nCMD [\"ash\"]\n",
	Good: "FROM alpine:3.20 AS build\nCMD [\"sh\"]\nFROM alpine:3.20\nCMD [\"ash\"]\n",
	Run:  func(p *lint.Pass) { reportRepeated(p, "cmd", "CMD") },
})

// reportRepeated reports every instruction named name after the first in a
// stage, hadolint's DL4003/DL4004.
func reportRepeated(p *lint.Pass, name, kw string) {
	for _, s := range p.File.Stages {
		prev := 0
		for _, in := range s.Instructions {
			if in.Name != name {
				continue
			}
			if prev > 0 {
				p.Reportf(in.KeywordRange(), "Multiple `%s` instructions found. If you list more than one `%s` then only the last `%s` will take effect "+
					"(this one overrides the %s on line %d: remove the one that is not meant)", kw, kw, kw, kw, prev)
			}
			prev = in.Range.Start.Line
		}
	}
}

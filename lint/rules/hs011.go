package rules

import (
	"unicode/utf8"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var HS011 = register(&lint.Rule{
	ID:       "HS011",
	Name:     "no-empty-continuation",
	Aliases:  []string{"NoEmptyContinuation"},
	Severity: lint.Warning,
	Summary:  "Empty continuation lines will become errors in a future release",
	Rationale: "Mirrors BuildKit's NoEmptyContinuation check. An empty line after a line ending in the " +
		"escape character continues the instruction today, but the syntax is deprecated and a future " +
		"BuildKit will reject it. Remove the empty line, or put a comment on it (comment lines are not " +
		"empty). BuildKit reports once per instruction at its last line; hoist reports every empty line " +
		"where it is.",
	Bad:  "FROM alpine:3.20\nRUN apk add --no-cache \\\n\n    curl\n",
	Good: "FROM alpine:3.20\nRUN apk add --no-cache \\\n    # the HTTP client\n    curl\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			for _, line := range in.EmptyContinuationLines {
				end := utf8.RuneCountInString(p.File.Line(line)) + 1
				r := dockerfile.Range{
					Start: dockerfile.Position{Line: line, Column: 1},
					End:   dockerfile.Position{Line: line, Column: end},
				}
				p.Reportf(r, "Empty continuation line in %s (line %d): remove it or turn it into a comment", in.Keyword, in.Range.Start.Line)
			}
		}
	},
})

package rules

import (
	"fmt"
	"slices"

	"github.com/hoistci/hoist/lint"
)

var HS014 = register(&lint.Rule{
	ID:       "HS014",
	Name:     "undefined-arg-in-from",
	Aliases:  []string{"UndefinedArgInFrom"},
	Severity: lint.Warning,
	Summary:  "FROM command must use declared ARGs",
	Rationale: "Mirrors BuildKit's UndefinedArgInFrom check. FROM (its image and its --platform) only " +
		"sees the ARGs declared before the first FROM and the automatic ones (BUILDPLATFORM, " +
		"TARGETARCH, ...); any other variable expands to nothing, often silently giving a different " +
		"image, or is a misspelt automatic ARG. A close name is suggested as BuildKit does. An ARG " +
		"declared without a default counts as declared (see HS016 for the image it then gives). hoist " +
		"reports at the variable, once per name and FROM.",
	Bad:  "FROM node:22${VARIANT} AS jsbuilder\nRUN echo hi\n",
	Good: "ARG VARIANT=\"-alpine3.20\"\nFROM node:22${VARIANT} AS jsbuilder\nRUN echo hi\n",
	Run: func(p *lint.Pass) {
		if len(p.File.Stages) == 0 {
			return
		}
		// FROM sees the global ARGs, declared with or without a default,
		// and the automatic ones.
		global := p.File.Scopes().Global()
		options := global.Names()
		for _, s := range p.File.Stages {
			seen := map[string]bool{}
			var undeclared []string
			for _, word := range []string{s.Platform, s.BaseName} {
				if word == "" {
					continue
				}
				for _, n := range global.Expand(word).Unmatched {
					if !global.Declared(n) && !seen[n] {
						seen[n] = true
						undeclared = append(undeclared, n)
					}
				}
			}
			slices.Sort(undeclared)
			for _, n := range undeclared {
				msg := fmt.Sprintf("FROM argument '%s' is not declared", n)
				if m := suggestName(n, options); m != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", m)
				} else {
					msg += fmt.Sprintf(": declare it with ARG %s=<default> before the first FROM", n)
				}
				r, _ := varRefRange(p.File, s.From, n, keywordEnd(s.From), len(s.From.Logical()))
				p.Report(r, msg)
			}
		}
	},
})

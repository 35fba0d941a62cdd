package rules

import (
	"fmt"
	"sort"

	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
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
		global := bkGlobalEnv(p.File)
		declared := bkGlobalArgNames(p.File)
		for _, k := range global.Keys() {
			declared[k] = true
		}
		options := bkSortedKeys(declared)
		lex := shell.NewLex(p.File.EscapeToken)
		for _, s := range p.File.Stages {
			seen := map[string]bool{}
			var undeclared []string
			for _, word := range []string{s.Platform, s.BaseName} {
				if word == "" {
					continue
				}
				res, _ := lex.ProcessWordWithMatches(word, global)
				for n := range res.Unmatched {
					if !declared[n] && !seen[n] {
						seen[n] = true
						undeclared = append(undeclared, n)
					}
				}
			}
			sort.Strings(undeclared)
			for _, n := range undeclared {
				msg := fmt.Sprintf("FROM argument '%s' is not declared", n)
				if m := bkSuggest(n, options); m != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", m)
				} else {
					msg += fmt.Sprintf(": declare it with ARG %s=<default> before the first FROM", n)
				}
				r, _ := bkRefRange(p.File, s.From, n, bkKeywordEnd(s.From), len(s.From.Logical()))
				p.Report(r, msg)
			}
		}
	},
})

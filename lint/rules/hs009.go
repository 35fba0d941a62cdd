package rules

import (
	"strings"

	"github.com/hoistci/hoist/lint"
)

var HS009 = register(&lint.Rule{
	ID:       "HS009",
	Name:     "from-as-casing",
	Aliases:  []string{"FromAsCasing"},
	Severity: lint.Warning,
	Summary:  "The 'as' keyword should match the case of the 'from' keyword",
	Rationale: "Mirrors BuildKit's FromAsCasing check: `FROM image as name` mixes an upper-case keyword " +
		"with a lower-case one, which reads badly. As in BuildKit, a FROM keyword that is itself in " +
		"mixed case (`From`) is left to consistent-instruction-casing (HS010). hoist reports at the " +
		"`AS` word rather than the whole FROM line.",
	Bad:  "FROM debian:12 as builder\nRUN echo hi\n",
	Good: "FROM debian:12 AS builder\nRUN echo hi\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			as, _, ok := fromAsWords(s.From)
			if !ok {
				continue
			}
			kw := s.From.Keyword
			var want string
			switch kw {
			case strings.ToLower(kw):
				want = strings.ToLower(as.Text)
			case strings.ToUpper(kw):
				want = strings.ToUpper(as.Text)
			default:
				continue
			}
			if as.Text != want {
				p.Reportf(as.Range, "'%s' and '%s' keywords' casing do not match (write '%s')", as.Text, kw, want)
			}
		}
	},
})

package rules

import (
	"strings"

	"github.com/hoistci/hoist/lint"
)

var DL3061 = register(&lint.Rule{
	ID:       "DL3061",
	Name:     "from-first",
	Severity: lint.Error,
	Summary:  "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment",
	Rationale: "Only ARG (and comments and parser directives) may come before the first FROM: " +
		"everything else needs a stage to act on, and the build fails with \"no build stage in " +
		"current context\". Every instruction before the first FROM other than ARG is reported.",
	Bad:  "LABEL org.opencontainers.image.title=app\nFROM alpine:3.20\n",
	Good: "# syntax=docker/dockerfile:1\nARG ALPINE=3.20\nFROM alpine:${ALPINE}\nLABEL org.opencontainers.image.title=app\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			if in.Name == "from" {
				return
			}
			if in.Name == "arg" {
				continue
			}
			p.Reportf(in.KeywordRange(), "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment "+
				"(%s comes before the first FROM: only ARG may)", strings.ToUpper(in.Keyword))
		}
	},
})

package rules

import (
	"strconv"
	"strings"

	"github.com/hoistci/hoist/lint"
)

var DL3023 = register(&lint.Rule{
	ID:       "DL3023",
	Name:     "copy-from-own-stage",
	Severity: lint.Error,
	Summary:  "COPY --from cannot reference its own FROM alias",
	Rationale: "A stage cannot copy from itself: its files are not built yet when the COPY runs, and " +
		"BuildKit rejects the build. The stage is matched by name (case-insensitive, as BuildKit) or by " +
		"its index. Copy from the stage that produces the files, or from the build context.",
	Bad:  "FROM golang:1.23 AS build\nRUN go build -o /app .\nCOPY --from=build /app /usr/local/bin/app\n",
	Good: "FROM golang:1.23 AS build\nRUN go build -o /app .\n\nFROM alpine:3.20\nCOPY --from=build /app /usr/local/bin/app\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			for _, in := range s.Instructions {
				fl, ok := copyFrom(in)
				if !ok {
					continue
				}
				self := s.Name != "" && strings.EqualFold(fl.Value, s.Name)
				if n, err := strconv.Atoi(fl.Value); err == nil && n == s.Index {
					self = true
				}
				if self {
					p.Reportf(fl.Range, "`COPY --from` cannot reference its own `FROM` alias (--from=%s is the stage this COPY is in): copy from an earlier stage or from the build context", fl.Value)
				}
			}
		}
	},
})

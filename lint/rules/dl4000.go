package rules

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/lint"
)

var DL4000 = register(&lint.Rule{
	ID:       "DL4000",
	Name:     "maintainer-deprecated",
	Aliases:  []string{"MaintainerDeprecated"},
	Severity: lint.Error,
	Summary:  "MAINTAINER is deprecated",
	Rationale: "MAINTAINER has been deprecated since Docker 1.13: it sets a field that no tool reads. " +
		"Use the standard OCI label instead, which registries and scanners show: " +
		"`LABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"`.",
	Bad:  "FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\n",
	Good: "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			if in.Name != "maintainer" {
				continue
			}
			who := strings.TrimSpace(in.Args)
			if m, ok := in.Typed.(*instructions.MaintainerCommand); ok && m.Maintainer != "" {
				who = m.Maintainer
			}
			if who == "" {
				p.Report(in.KeywordRange(), "MAINTAINER is deprecated (use LABEL org.opencontainers.image.authors=... instead)")
				continue
			}
			value := who
			if len(who) < 2 || who[0] != '"' || who[len(who)-1] != '"' {
				value = labelQuote(who, p.File.EscapeToken)
			}
			p.Reportf(in.KeywordRange(), "MAINTAINER is deprecated (use LABEL org.opencontainers.image.authors=%s instead)", value)
		}
	},
})

// labelQuote quotes s as a double-quoted Dockerfile value: no variable is
// expanded and quotes survive.
func labelQuote(s string, escape rune) string {
	e := string(escape)
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '$', escape:
			b.WriteString(e)
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL4000 = register(&lint.Rule{
	ID:       "DL4000",
	Name:     "maintainer-deprecated",
	Aliases:  []string{"MaintainerDeprecated"},
	Severity: lint.Error,
	Summary:  "MAINTAINER is deprecated",
	Rationale: "MAINTAINER has been deprecated since Docker 1.13: it sets a field that no tool reads. " +
		"Use a label instead, which registries and scanners show: the standard OCI label " +
		"`LABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"`, or " +
		"`LABEL maintainer=\"...\"`, the replacement Docker documented for years and the one the " +
		"automatic fix writes.",
	Bad:  "FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\n",
	Good: "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
	Fix: "Replaces `MAINTAINER x` with `LABEL maintainer=\"x\"`, quoted for the file's escape token, in the " +
		"file's keyword casing (not when the stage already has a `maintainer` label, or the MAINTAINER spans lines).",
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
			value := fixMaintainerValue(who, p.File.EscapeToken)
			var fix *lint.Fix
			if in.Typed != nil && utf8.ValidString(who) && in.LineRange().Start.Line == in.LineRange().End.Line && !fixChainHasLabel(in, "maintainer") {
				label := fixKeyword(p.File, "LABEL")
				fix = &lint.Fix{
					Description: "replace MAINTAINER with " + label + " maintainer=" + value,
					Edits:       []lint.Edit{lint.NewEdit(in.LineRange(), label+" maintainer="+value)},
				}
			}
			p.ReportFix(in.KeywordRange(), "MAINTAINER is deprecated (use LABEL maintainer="+value+
				" instead, or the OCI label org.opencontainers.image.authors)", fix)
		}
	},
})

// fixMaintainerValue writes a MAINTAINER's text as a label value. A text
// already written as one quoted string ("Jane Doe") is what its author
// meant as the value and is kept, a $ in it escaped so that nothing
// expands; anything else is quoted so that it stays literal.
func fixMaintainerValue(who string, escape rune) string {
	if !fixOneQuoted(who, escape) {
		return labelQuote(who, escape)
	}
	if who[0] == '\'' {
		return who
	}
	var b strings.Builder
	for i := 0; i < len(who); i++ {
		switch {
		case rune(who[i]) == escape && i+1 < len(who):
			b.WriteByte(who[i])
			i++
		case who[i] == '$':
			b.WriteRune(escape)
		}
		b.WriteByte(who[i])
	}
	return b.String()
}

// fixOneQuoted reports whether s is exactly one single- or double-quoted
// string, as BuildKit's word splitting reads it.
func fixOneQuoted(s string, escape rune) bool {
	if len(s) < 2 || (s[0] != '"' && s[0] != '\'') {
		return false
	}
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case q == '"' && rune(s[i]) == escape:
			i++
		case s[i] == q:
			return i == len(s)-1
		}
	}
	return false
}

// fixChainHasLabel reports whether a LABEL of at's stage, or of a stage
// it is built on, sets key (so that a new one would change its value).
// Outside any stage it answers true: no fix there.
func fixChainHasLabel(at *dockerfile.Instruction, key string) bool {
	if at.Stage == nil {
		return true
	}
	for _, s := range at.Stage.Chain() {
		for _, in := range s.Instructions {
			c, ok := in.Typed.(*instructions.LabelCommand)
			if !ok {
				continue
			}
			for _, kv := range c.Labels {
				if kv.Key == key || strings.Trim(kv.Key, `"'`) == key {
					return true
				}
			}
		}
	}
	return false
}

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

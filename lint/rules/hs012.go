package rules

import (
	"strings"

	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

var HS012 = register(&lint.Rule{
	ID:       "HS012",
	Name:     "legacy-key-value-format",
	Aliases:  []string{"LegacyKeyValueFormat"},
	Severity: lint.Warning,
	Summary:  "Legacy key/value format with whitespace separator should not be used",
	Rationale: "Mirrors BuildKit's LegacyKeyValueFormat check. `ENV key value` and `LABEL key value` are " +
		"the deprecated whitespace form: everything after the key, spaces included, becomes one value, " +
		"and only one pair fits per instruction. Write `key=value` (quote values with spaces). As in " +
		"BuildKit, ARG is not concerned: `ARG a b` declares two ARGs, it is not a legacy pair (BuildKit's " +
		"documentation says otherwise, its code does not). hoist reports at the key.",
	Bad:  "FROM alpine:3.20\nENV APP_HOME /app\n",
	Good: "FROM alpine:3.20\nENV APP_HOME=/app\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			var key, value string
			switch c := in.Typed.(type) {
			case *instructions.EnvCommand:
				if len(c.Env) != 1 || !c.Env[0].NoDelim {
					continue
				}
				key, value = c.Env[0].Key, c.Env[0].Value
			case *instructions.LabelCommand:
				if len(c.Labels) != 1 || !c.Labels[0].NoDelim {
					continue
				}
				key, value = c.Labels[0].Key, c.Labels[0].Value
			default:
				continue
			}
			r := in.ArgsRange()
			if ws := in.Words(); len(ws) > 0 {
				r = ws[0].Range
			}
			p.Reportf(r, "\"%s key=value\" should be used instead of legacy \"%s key value\" format: write %s %s=%s",
				in.Keyword, in.Keyword, in.Keyword, key, legacyValue(value))
		}
	},
})

// legacyValue is how the value of a legacy pair is written after '='.
func legacyValue(v string) string {
	if !strings.ContainsAny(v, " \t") {
		return v
	}
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] && !strings.ContainsRune(v[1:len(v)-1], rune(v[0])) {
		return v
	}
	if len(v) > 40 || strings.ContainsAny(v, "\"\\") {
		return "\"...\" (the value in double quotes)"
	}
	return "\"" + v + "\""
}

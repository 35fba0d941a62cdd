package rules

import (
	"regexp"
	"strings"

	"github.com/hoistci/hoist/lint"
)

// pragmaRe matches the ignore pragmas the engine honours (see lint/pragma.go).
var pragmaRe = regexp.MustCompile(`^(hadolint|hoist)[ \t]+(?:(global|stage)[ \t]+)?ignore[ \t]*=[ \t]*(.*)$`)

var DL1001 = register(&lint.Rule{
	ID:       "DL1001",
	Name:     "inline-ignore-pragma",
	Severity: lint.Ignore,
	Summary:  "Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx`",
	Rationale: "Off by default. Teams that want every exception in one reviewed place (`.hadolint.yaml` or the " +
		"`lint` block of `hoist.hcl`) turn it on: then every inline ignore pragma is reported, whatever its " +
		"scope: `# hadolint ignore=`, `# hadolint global ignore=`, `# hadolint stage ignore=` and hoist's " +
		"own `# hoist ignore=` forms. The pragma still takes effect; this rule only makes it visible.",
	Bad:  "FROM alpine:3.20\n# hadolint ignore=DL3018\nRUN apk add curl\n",
	Good: "FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r2\n",
	Run: func(p *lint.Pass) {
		for _, c := range p.File.Comments {
			if c.Directive {
				continue
			}
			m := pragmaRe.FindStringSubmatch(c.Text)
			if m == nil {
				continue
			}
			scope := "the next instruction"
			switch m[2] {
			case "global":
				scope = "the whole file"
			case "stage":
				scope = "the rest of the stage"
			}
			p.Reportf(c.Range, "Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx` (this one ignores %s for %s): fix the finding, or record the exception in the lint configuration", pragmaRules(m[3]), scope)
		}
	},
})

// pragmaRules is the rule list of a pragma without a trailing reason.
func pragmaRules(s string) string {
	if i := strings.Index(s, " --"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "#"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "nothing"
	}
	return s
}

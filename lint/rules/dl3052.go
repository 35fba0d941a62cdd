package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3052 = register(&lint.Rule{
	ID:       "DL3052",
	Name:     "label-not-url",
	Severity: lint.Warning,
	Summary:  "A label of type url in the label schema is not a valid URL",
	Rationale: "The `label-schema` says this label holds a URL (`org.opencontainers.image.source`, `.url`, " +
		"`.documentation`): tools link to it, so it must be an absolute URL with a scheme (RFC 3986), e.g. " +
		"`https://github.com/acme/web`. `github.com/acme/web` is not one. A value that refers to a variable " +
		"(`LABEL x=$VERSION`) is not checked, since build arguments decide it; an empty value is left to " +
		"DL3051. Only top-level LABELs are checked, not ONBUILD LABEL (as hadolint). The finding points at " +
		"the value, also on the continuation lines of a multi-line LABEL.",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.source: url\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.source=github.com/acme/web\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.source=https://github.com/acme/web\n",
	Run: func(p *lint.Pass) {
		lblCheckValues(p, "url", func(key string) string { return "Label `" + key + "` is not a valid URL." }, func(v string) (bool, string) {
			why := lblURLProblem(v)
			return why == "", why
		})
	},
})

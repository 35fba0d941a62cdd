package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3053 = register(&lint.Rule{
	ID:       "DL3053",
	Name:     "label-not-rfc3339",
	Severity: lint.Warning,
	Summary:  "A label of type rfc3339 in the label schema is not an RFC 3339 timestamp",
	Rationale: "The `label-schema` says this label holds a time (`org.opencontainers.image.created`): the OCI " +
		"annotation spec requires RFC 3339, `2024-05-01T12:00:00Z`, so that every tool parses it the same " +
		"way. A date alone, a space instead of `T`, or a missing time zone are not RFC 3339; dates that do " +
		"not exist (02-30) are rejected too. `date -u +%Y-%m-%dT%H:%M:%SZ` prints one. A value that refers to " +
		"a variable (`LABEL x=$VERSION`) is not checked, since build arguments decide it; an empty value is " +
		"left to DL3051. Only top-level LABELs are checked, not ONBUILD LABEL (as hadolint). The finding " +
		"points at the value, also on the continuation lines of a multi-line LABEL.",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.created: rfc3339\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.created=\"2024-05-01 12:00\"\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.created=2024-05-01T12:00:00Z\n",
	Run: func(p *lint.Pass) {
		lblCheckValues(p, "rfc3339", func(key string) string {
			return "Label `" + key + "` is not a valid time format - must conform to RFC3339."
		}, func(v string) (bool, string) {
			why := lblRFC3339Problem(v)
			return why == "", why
		})
	},
})

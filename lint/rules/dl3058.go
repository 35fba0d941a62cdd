package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3058 = register(&lint.Rule{
	ID:       "DL3058",
	Name:     "label-not-email",
	Severity: lint.Warning,
	Summary:  "A label of type email in the label schema is not an e-mail address",
	Rationale: "The `label-schema` says this label holds an e-mail address (`maintainer`, " +
		"`org.opencontainers.image.authors`): someone is meant to write to it. It must be an RFC 5322 " +
		"address, `jane@example.com`; hoist also accepts the name form `Jane Doe <jane@example.com>` (an RFC " +
		"5322 mailbox, the usual way to write a maintainer), which hadolint reports. A value that refers to a " +
		"variable (`LABEL x=$VERSION`) is not checked, since build arguments decide it; an empty value is " +
		"left to DL3051. Only top-level LABELs are checked, not ONBUILD LABEL (as hadolint). The finding " +
		"points at the value, also on the continuation lines of a multi-line LABEL.",
	ExampleConfig: "label-schema:\n  maintainer: email\n",
	Bad:           "FROM alpine:3.20\nLABEL maintainer=\"Jane Doe\"\n",
	Good:          "FROM alpine:3.20\nLABEL maintainer=\"Jane Doe <jane@example.com>\"\n",
	Run: func(p *lint.Pass) {
		lblCheckValues(p, "email", func(key string) string {
			return "Label `" + key + "` is not a valid email format - must conform to RFC5322."
		}, func(v string) (bool, string) {
			why := lblEmailProblem(v)
			return why == "", why
		})
	},
})

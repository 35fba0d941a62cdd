package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3056 = register(&lint.Rule{
	ID:       "DL3056",
	Name:     "label-not-semver",
	Severity: lint.Warning,
	Summary:  "A label of type semver in the label schema is not a semantic version",
	Rationale: "The `label-schema` says this label holds a semantic version (`org.opencontainers.image.version`): " +
		"MAJOR.MINOR.PATCH with an optional pre-release and build (semver.org 2.0.0: `1.4.0`, `2.0.0-rc.1`, " +
		"`1.4.0+build.7`), so that tools can compare versions. As in hadolint, a leading `v` is not part of " +
		"the version (`v1.4.0` is reported: write `1.4.0`), nor are two-part versions or leading zeros. A " +
		"value that refers to a variable (`LABEL x=$VERSION`) is not checked, since build arguments decide " +
		"it; an empty value is left to DL3051. Only top-level LABELs are checked, not ONBUILD LABEL (as " +
		"hadolint). The finding points at the value, also on the continuation lines of a multi-line LABEL.",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.version: semver\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.version=v1.4\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.version=1.4.0\n",
	Run: func(p *lint.Pass) {
		lblCheckValues(p, "semver", func(key string) string { return "Label `" + key + "` does not conform to semantic versioning." }, func(v string) (bool, string) {
			why := lblSemverProblem(v)
			return why == "", why
		})
	},
})

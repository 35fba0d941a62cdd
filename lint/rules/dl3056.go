package rules

import (
	"fmt"
	"regexp"
	"strings"

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
		checkLabelValues(p, "semver", func(key string) string { return "Label `" + key + "` does not conform to semantic versioning." }, func(v string) (bool, string) {
			why := semverProblem(v)
			return why == "", why
		})
	},
})

// --- DL3056: semantic versions (semver.org 2.0.0) ---

var semverRe = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?` +
	`(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$`)

func semverProblem(v string) string {
	if v == "" || semverRe.MatchString(v) {
		return ""
	}
	if (v[0] == 'v' || v[0] == 'V') && semverRe.MatchString(v[1:]) {
		return fmt.Sprintf("%s: drop the leading `%c` (%s)", showValue(v), v[0], showValue(v[1:]))
	}
	core := v
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core = core[:i]
	}
	core = strings.TrimLeft(core, "vV")
	parts := strings.Split(core, ".")
	numeric := true
	for _, part := range parts {
		if part == "" || strings.Trim(part, "0123456789") != "" {
			numeric = false
		}
	}
	if numeric && len(parts) != 3 {
		return fmt.Sprintf("%s: a semantic version has exactly three numbers, MAJOR.MINOR.PATCH (e.g. 1.4.0)", showValue(v))
	}
	if numeric {
		for _, part := range parts {
			if len(part) > 1 && part[0] == '0' {
				return fmt.Sprintf("%s: numbers must not have leading zeros", showValue(v))
			}
		}
	}
	return fmt.Sprintf("%s is not MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (e.g. 1.4.0 or 2.0.0-rc.1)", showValue(v))
}

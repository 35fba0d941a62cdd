package rules

import (
	"fmt"
	"unicode/utf8"

	"github.com/hoistci/hoist/lint"
)

var DL3055 = register(&lint.Rule{
	ID:       "DL3055",
	Name:     "label-not-git-hash",
	Severity: lint.Warning,
	Summary:  "A label of type hash in the label schema is not a git commit hash",
	Rationale: "The `label-schema` says this label holds a commit (`org.opencontainers.image.revision`): lower-case " +
		"hex, as `git rev-parse HEAD` prints it. hadolint accepts exactly 40 or 7 digits; hoist accepts a " +
		"full SHA-1 (40) or SHA-256 (64) object name and abbreviations of 7 to 40 digits, since git lengthens " +
		"its abbreviations in large repositories. A branch or tag name is not a commit. A value that refers " +
		"to a variable (`LABEL x=$VERSION`) is not checked, since build arguments decide it; an empty value " +
		"is left to DL3051. Only top-level LABELs are checked, not ONBUILD LABEL (as hadolint). The finding " +
		"points at the value, also on the continuation lines of a multi-line LABEL.",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.revision: hash\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.revision=main\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.revision=3f2c1a9b8e7d6c5b4a3928170615f4e3d2c1b0a9\n",
	Run: func(p *lint.Pass) {
		checkLabelValues(p, "hash", func(key string) string { return "Label `" + key + "` is not a valid git hash." }, func(v string) (bool, string) {
			why := gitHashProblem(v)
			return why == "", why
		})
	},
})

// --- DL3055: git hashes ---

// gitHashProblem accepts lower-case hex of a full SHA-1 (40) or SHA-256
// (64) object name, or an abbreviation of 7 to 40 digits.
func gitHashProblem(v string) string {
	upper := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isDigit(c) || c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			r, _ := utf8.DecodeRuneInString(v[i:])
			return fmt.Sprintf("%s contains `%c`: a commit hash is hex digits (`git rev-parse HEAD` prints one)", showValue(v), r)
		}
	}
	if upper {
		return fmt.Sprintf("%s has upper-case digits: git writes hashes in lower case", showValue(v))
	}
	if len(v) < 7 || len(v) > 40 && len(v) != 64 {
		return fmt.Sprintf("%s has %d digits: a commit hash has 40 (64 in SHA-256 repositories), an abbreviation at least 7", showValue(v), len(v))
	}
	return ""
}

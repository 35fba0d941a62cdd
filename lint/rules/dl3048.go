package rules

import (
	"fmt"
	"strings"

	"github.com/hoistci/hoist/lint"
)

var DL3048 = register(&lint.Rule{
	ID:       "DL3048",
	Name:     "invalid-label-key",
	Severity: lint.Style,
	Summary:  "Invalid label key",
	Rationale: "Docker's guidelines for label keys: lower-case letters, digits, `.` and `-`, starting with a " +
		"letter and ending with a letter or digit, no repeated separators, and a reverse-DNS prefix of your own " +
		"(`org.opencontainers.image.*`, `com.example.*`); the namespaces `com.docker.`, `io.docker.` and " +
		"`org.dockerproject.` are reserved for Docker. Keys that follow them sort and filter predictably " +
		"(`docker image ls --filter label=...`) and never collide with another tool's. The finding points at the " +
		"key, also inside a multi-line LABEL; quoted keys are checked without their quotes. As in hadolint, a key " +
		"built from a variable (`$NS.version`) is reported: write label keys literally. ONBUILD LABEL is not " +
		"checked (hadolint does not either).",
	Bad:  "FROM alpine:3.20\nLABEL Maintainer=\"jane@example.com\" com.docker.version=1\n",
	Good: "FROM alpine:3.20\nLABEL maintainer=\"jane@example.com\" org.opencontainers.image.version=1.4.0\n",
	Run: func(p *lint.Pass) {
		for _, in := range labelInstructions(p.File) {
			for _, pr := range labelPairs(p.File, in) {
				key := pr.Key
				if pr.KeyVars {
					key = pr.RawKey
				}
				if why := labelKeyProblem(key); why != "" {
					p.Report(pr.KeyRange, "Invalid label key. "+why)
				}
			}
		}
	},
})

// --- DL3048: label keys ---

var reservedLabelPrefixes = []string{"com.docker.", "io.docker.", "org.dockerproject."}

// labelKeyProblem says what is wrong with a label key under hadolint's
// grammar (lower-case letters, digits, '.' and '-'; starting with a letter,
// ending with a letter or digit; no ".." or "--"; not in Docker's reserved
// namespaces), or "" when it is fine.
func labelKeyProblem(k string) string {
	if k == "" {
		return "the key is empty"
	}
	for _, pre := range reservedLabelPrefixes {
		if strings.HasPrefix(k, pre) {
			return fmt.Sprintf("%s is in the namespace `%s` reserved for Docker: use a reverse-DNS prefix of your own (e.g. com.example.)", showValue(k), pre)
		}
	}
	if strings.ContainsAny(k, "$") {
		return fmt.Sprintf("%s contains `$`: a key built from a variable cannot be checked, write it literally", showValue(k))
	}
	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
		case r >= 'A' && r <= 'Z':
			return fmt.Sprintf("%s contains upper-case `%c`: keys are lower case (%s)", showValue(k), r, showValue(suggestLabelKey(k)))
		case r == '_':
			return fmt.Sprintf("%s contains `_`: keys use only lower-case letters, digits, `.` and `-` (%s)", showValue(k), showValue(suggestLabelKey(k)))
		default:
			return fmt.Sprintf("%s contains `%c`: keys use only lower-case letters, digits, `.` and `-`", showValue(k), r)
		}
	}
	if c := k[0]; c < 'a' || c > 'z' {
		return fmt.Sprintf("%s must start with a lower-case letter", showValue(k))
	}
	if c := k[len(k)-1]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
		return fmt.Sprintf("%s must end with a lower-case letter or a digit", showValue(k))
	}
	for _, sep := range []string{"..", "--"} {
		if strings.Contains(k, sep) {
			return fmt.Sprintf("%s has consecutive separators `%s`", showValue(k), sep)
		}
	}
	return ""
}

func suggestLabelKey(k string) string {
	return strings.ToLower(strings.ReplaceAll(k, "_", "-"))
}

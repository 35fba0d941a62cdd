package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

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
		checkLabelValues(p, "url", func(key string) string { return "Label `" + key + "` is not a valid URL." }, func(v string) (bool, string) {
			why := urlProblem(v)
			return why == "", why
		})
	},
})

// --- DL3052: URLs (RFC 3986 absolute URI, as Network.URI.parseURI) ---

func isUnreserved(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'
}
func isSubDelim(c byte) bool { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }

// uriCharsProblem checks that s consists of unreserved characters, sub-delims,
// percent-encodings and the extra characters given.
func uriCharsProblem(s, extra string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isUnreserved(c), isSubDelim(c), strings.IndexByte(extra, c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "has a `%` that is not followed by two hex digits"
			}
			i += 2
		case c == ' ':
			return "contains a space (encode it as %20)"
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return fmt.Sprintf("contains `%c`, which must be percent-encoded", r)
		}
	}
	return ""
}

func urlProblem(v string) string {
	colon := strings.IndexByte(v, ':')
	scheme := ""
	if colon > 0 {
		scheme = v[:colon]
	}
	validScheme := scheme != "" && isAlpha(scheme[0])
	for i := 0; validScheme && i < len(scheme); i++ {
		c := scheme[i]
		validScheme = isAlpha(c) || isDigit(c) || c == '+' || c == '-' || c == '.'
	}
	if !validScheme {
		if strings.Contains(v, ".") && !strings.ContainsAny(v, " \t") {
			return fmt.Sprintf("%s has no scheme: write the full URL, e.g. https://%s", showValue(v), strings.TrimLeft(v, "/"))
		}
		return fmt.Sprintf("%s is not an absolute URL (scheme:...), e.g. https://example.com/project", showValue(v))
	}
	rest := v[colon+1:]
	frag := ""
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest, frag = rest[:i], rest[i+1:]
	}
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	path := rest
	if strings.HasPrefix(rest, "//") {
		auth := rest[2:]
		path = ""
		if i := strings.IndexByte(auth, '/'); i >= 0 {
			auth, path = auth[:i], auth[i:]
		}
		if why := authorityProblem(auth); why != "" {
			return showValue(v) + " " + why
		}
	}
	for _, part := range []struct{ s, extra string }{{path, ":@/"}, {query, ":@/?"}, {frag, ":@/?"}} {
		if why := uriCharsProblem(part.s, part.extra); why != "" {
			return showValue(v) + " " + why
		}
	}
	return ""
}

func authorityProblem(auth string) string {
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		if why := uriCharsProblem(auth[:i], ":"); why != "" {
			return why
		}
		auth = auth[i+1:]
	}
	host, port := auth, ""
	if strings.HasPrefix(auth, "[") {
		end := strings.IndexByte(auth, ']')
		if end < 0 {
			return "has an unterminated `[` in its host"
		}
		host, port = auth[1:end], auth[end+1:]
		if port != "" && port[0] != ':' {
			return "has text after its `[...]` host"
		}
		port = strings.TrimPrefix(port, ":")
		if host == "" {
			return "has an empty `[]` host"
		}
		for i := 0; i < len(host); i++ {
			c := host[i]
			if !(isHex(c) || c == ':' || c == '.' || host[0] == 'v' && (isUnreserved(c) || isSubDelim(c))) {
				return fmt.Sprintf("has `%c` in its IP address", c)
			}
		}
	} else if i := strings.LastIndexByte(auth, ':'); i >= 0 {
		host, port = auth[:i], auth[i+1:]
	}
	for i := 0; i < len(port); i++ {
		if !isDigit(port[i]) {
			return fmt.Sprintf("has a port %s that is not a number", showValue(port))
		}
	}
	if strings.HasPrefix(auth, "[") {
		return ""
	}
	return uriCharsProblem(host, "")
}

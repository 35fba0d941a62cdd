package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

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
		checkLabelValues(p, "email", func(key string) string {
			return "Label `" + key + "` is not a valid email format - must conform to RFC5322."
		}, func(v string) (bool, string) {
			why := emailProblem(v)
			return why == "", why
		})
	},
})

// --- DL3058: e-mail addresses (RFC 5322) ---

func isAtext(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// emailProblem accepts an RFC 5322 addr-spec (jane@example.com) and, where
// hadolint does not, a name-addr (Jane Doe <jane@example.com>), the usual form
// of a maintainer label.
func emailProblem(v string) string {
	addr := v
	if strings.HasSuffix(v, ">") {
		i := strings.LastIndexByte(v, '<')
		if i < 0 {
			return fmt.Sprintf("%s has a `>` without `<`", showValue(v))
		}
		name := strings.TrimSpace(v[:i])
		if why := displayNameProblem(name); why != "" {
			return showValue(v) + " " + why
		}
		addr = v[i+1 : len(v)-1]
	}
	if why := addrSpecProblem(addr); why != "" {
		return showValue(v) + " " + why
	}
	return ""
}

func displayNameProblem(name string) string {
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		return quotedProblem(name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isAtext(c) && c != ' ' && c != '\t' && c != '.' {
			return fmt.Sprintf("has `%c` in its display name: quote the name (\"Doe, Jane\" <jane@example.com>)", c)
		}
	}
	return ""
}

func quotedProblem(q string) string {
	body := q[1 : len(q)-1]
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\':
			i++
			if i >= len(body) {
				return "ends its quoted text with a lone backslash"
			}
		case c == '"':
			return "has an unescaped `\"` inside quotes"
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "has a control character inside quotes"
		}
	}
	return ""
}

func addrSpecProblem(a string) string {
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return "has no `@`: write an address such as jane@example.com"
	}
	local, domain := a[:at], a[at+1:]
	if local == "" {
		return "has nothing before the `@`"
	}
	if domain == "" {
		return "has no domain after the `@`"
	}
	if len(local) > 64 {
		return "has a local part longer than 64 characters"
	}
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		if why := quotedProblem(local); why != "" {
			return why
		}
	} else if why := dotAtomProblem(local); why != "" {
		return why
	}
	if domain[0] == '[' {
		if domain[len(domain)-1] != ']' {
			return "has an unterminated `[` in its domain"
		}
		for i := 1; i < len(domain)-1; i++ {
			c := domain[i]
			if c < 33 || c > 126 || c == '[' || c == ']' || c == '\\' {
				return "has an invalid domain literal"
			}
		}
		return ""
	}
	if len(domain) > 255 {
		return "has a domain longer than 255 characters"
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" {
			return fmt.Sprintf("has an empty label in its domain %s", showValue(domain))
		}
		if len(label) > 63 {
			return "has a domain label longer than 63 characters"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Sprintf("has a domain label %s that starts or ends with `-`", showValue(label))
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !isAlpha(c) && !isDigit(c) && c != '-' {
				r, _ := utf8.DecodeRuneInString(label[i:])
				return fmt.Sprintf("has `%c` in its domain", r)
			}
		}
	}
	return ""
}

func dotAtomProblem(s string) string {
	if s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return "has a misplaced `.` before the `@`"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAtext(c) && c != '.' {
			r, _ := utf8.DecodeRuneInString(s[i:])
			if r == ' ' {
				return "contains a space"
			}
			return fmt.Sprintf("has `%c` before the `@`", r)
		}
	}
	return ""
}

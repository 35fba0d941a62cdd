package rules

import (
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/util/suggest"
)

// dropQuotes strips surrounding quotes as hadolint's dropQuotes does (every
// leading and trailing quote character, paired or not).
func dropQuotes(s string) string {
	return strings.Trim(s, `"'`)
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isHex(c byte) bool   { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// display shortens s for a message: blanks collapsed, at most max bytes.
func display(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	cut := max - 3
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}

// joinNames lists names for a message, at most max of them.
func joinNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + " and " + strconv.Itoa(len(names)-max) + " more"
}

// suggestName is BuildKit's "did you mean" (edit distance below 3), made
// deterministic by trying the options in sorted order.
func suggestName(name string, options []string) string {
	opts := append([]string(nil), options...)
	sort.Strings(opts)
	m, _ := suggest.Search(name, opts, true)
	return m
}

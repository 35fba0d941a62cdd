package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

// lblPair is one key/value of a LABEL instruction with its positions.
type lblPair struct {
	In *dockerfile.Instruction
	// RawKey and RawValue are as written (quotes and escapes kept).
	RawKey, RawValue string
	// Key and Value are what the build sees: quotes and escapes removed.
	// When they refer to variables they cannot be known here; they are then
	// the raw text and KeyVars / ValueVars are set.
	Key, Value         string
	KeyVars, ValueVars bool
	KeyRange           dockerfile.Range
	// ValueRange is empty (start == end, just after the '=') for an empty value.
	ValueRange dockerfile.Range
	// Range spans the key to the end of the value.
	Range dockerfile.Range
}

// lblLabelInstructions returns the top-level LABEL instructions BuildKit
// accepted. Like hadolint, ONBUILD LABEL is not looked at: it labels the
// images built FROM this one, not this image.
func lblLabelInstructions(f *dockerfile.File) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for _, in := range f.Instructions {
		if in.Name != "label" {
			continue
		}
		if _, ok := in.Typed.(*instructions.LabelCommand); ok {
			out = append(out, in)
		}
	}
	return out
}

// lblPairs splits a LABEL instruction into its pairs the way BuildKit's
// parser does (parseNameVal): "LABEL k=v k2=v2" or the legacy "LABEL k v".
func lblPairs(f *dockerfile.File, in *dockerfile.Instruction) []lblPair {
	lc, ok := in.Typed.(*instructions.LabelCommand)
	if !ok {
		return nil
	}
	args := strings.TrimRight(in.Args, " \t\v\f\r")
	base := in.ArgsOffset
	var pairs []lblPair
	words := lblWords(args, f.EscapeToken)
	if len(words) == 0 {
		return nil
	}
	if !strings.Contains(args[words[0][0]:words[0][1]], "=") {
		// Legacy form: the key runs to the first blank, the value is the rest.
		ks := words[0][0]
		ke := ks
		for ke < len(args) && !lblIsBlank(args[ke]) {
			ke++
		}
		vs := ke
		for vs < len(args) && lblIsBlank(args[vs]) {
			vs++
		}
		pairs = append(pairs, lblMakePair(f, in, args, base, ks, ke, vs, len(args)))
	} else {
		for _, w := range words {
			raw := args[w[0]:w[1]]
			eq := strings.IndexByte(raw, '=')
			if eq < 0 {
				return lblFallbackPairs(in, lc)
			}
			pairs = append(pairs, lblMakePair(f, in, args, base, w[0], w[0]+eq, w[0]+eq+1, w[1]))
		}
	}
	// Our split must agree with BuildKit's; when it does not (it should not
	// happen), keep BuildKit's pairs at the instruction's position.
	if len(pairs) != len(lc.Labels) {
		return lblFallbackPairs(in, lc)
	}
	for i, p := range pairs {
		if p.RawKey != lc.Labels[i].Key {
			return lblFallbackPairs(in, lc)
		}
	}
	return pairs
}

func lblMakePair(f *dockerfile.File, in *dockerfile.Instruction, args string, base, ks, ke, vs, ve int) lblPair {
	p := lblPair{In: in, RawKey: args[ks:ke], RawValue: args[vs:ve]}
	p.KeyRange = in.Span(base+ks, ke-ks)
	p.ValueRange = in.Span(base+vs, ve-vs)
	p.Range = dockerfile.Range{Start: p.KeyRange.Start, End: p.ValueRange.End}
	if ve == vs {
		p.Range.End = p.KeyRange.End
		if vs > ke {
			p.Range.End = in.Span(base+ke, vs-ke).End // include the '='
		}
	}
	p.Key, p.KeyVars = lblUnquote(f, p.RawKey)
	p.Value, p.ValueVars = lblUnquote(f, p.RawValue)
	return p
}

func lblFallbackPairs(in *dockerfile.Instruction, lc *instructions.LabelCommand) []lblPair {
	var out []lblPair
	r := in.ArgsRange()
	for _, kv := range lc.Labels {
		k, kvars := lblUnquoteNoFile(kv.Key)
		v, vvars := lblUnquoteNoFile(kv.Value)
		out = append(out, lblPair{In: in, RawKey: kv.Key, RawValue: kv.Value, Key: k, Value: v,
			KeyVars: kvars, ValueVars: vvars, KeyRange: r, ValueRange: r, Range: r})
	}
	return out
}

// lblUnquote processes a word as the build will (quote and escape removal),
// with no variable defined: a word that refers to a variable (or that the
// lexer rejects) comes back as written with vars set, since its value
// depends on build arguments.
func lblUnquote(f *dockerfile.File, raw string) (string, bool) {
	if raw == "" {
		return "", false
	}
	res, unmatched := f.Expand(raw, dockerfile.NewEnv())
	if len(unmatched) > 0 {
		return raw, true
	}
	return res, false
}

func lblUnquoteNoFile(raw string) (string, bool) {
	return lblUnquote(&dockerfile.File{EscapeToken: '\\'}, raw)
}

func lblIsBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' }

// lblWords returns the [start, end) byte offsets of the words of s, split as
// BuildKit's parseWords does: blanks separate words except inside quotes,
// and the escape token protects the next character.
func lblWords(s string, esc rune) [][2]int {
	var words [][2]int
	const (
		inSpaces = iota
		inWord
		inQuote
	)
	phase := inSpaces
	var quote rune
	start := 0
	content := false
	for pos := 0; pos <= len(s); {
		if pos == len(s) {
			if phase != inSpaces && content {
				words = append(words, [2]int{start, pos})
			}
			break
		}
		ch, w := utf8.DecodeRuneInString(s[pos:])
		switch phase {
		case inSpaces:
			if ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r' || ch == 0x85 || ch == 0xA0 {
				pos += w
				continue
			}
			phase, start, content = inWord, pos, false
			continue
		case inWord:
			if ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r' || ch == 0x85 || ch == 0xA0 {
				if content {
					words = append(words, [2]int{start, pos})
				}
				phase = inSpaces
				pos += w
				continue
			}
			if ch == '\'' || ch == '"' {
				quote, phase, content = ch, inQuote, true
				pos += w
				continue
			}
			if ch == esc {
				if pos+w == len(s) {
					pos += w
					continue
				}
				pos += w
				_, w = utf8.DecodeRuneInString(s[pos:])
			}
			content = true
			pos += w
		case inQuote:
			if ch == quote {
				phase = inWord
			} else if ch == esc && quote != '\'' {
				if pos+w == len(s) {
					phase = inWord
					pos += w
					continue
				}
				pos += w
				_, w = utf8.DecodeRuneInString(s[pos:])
			}
			pos += w
		}
	}
	return words
}

// lblShow formats a value for a message: back-quoted, shortened when long.
func lblShow(v string) string {
	const maxRunes = 60
	if utf8.RuneCountInString(v) > maxRunes {
		r := []rune(v)
		v = string(r[:maxRunes]) + "..."
	}
	return "`" + v + "`"
}

// lblSchemaKeys returns the schema's label names of type typ ("" = every
// type), sorted.
func lblSchemaKeys(cfg *lint.Config, typ string) []string {
	if cfg == nil {
		return nil
	}
	var keys []string
	for k, t := range cfg.LabelSchema {
		if typ == "" || t == typ {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// lblCheckValues runs check over the values of every label whose schema type
// is typ, and reports the bad ones at the value. Values that refer to a
// variable are not checked (build arguments decide them), nor are empty
// values (DL3051 reports those).
func lblCheckValues(p *lint.Pass, typ string, message func(key string) string, check func(v string) (bool, string)) {
	keys := lblSchemaKeys(p.Config, typ)
	if len(keys) == 0 {
		return
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	for _, in := range lblLabelInstructions(p.File) {
		for _, pr := range lblPairs(p.File, in) {
			if !want[pr.Key] || pr.KeyVars || pr.ValueVars || pr.Value == "" {
				continue
			}
			if ok, why := check(pr.Value); !ok {
				msg := message(pr.Key)
				if why != "" {
					msg += " " + why
				}
				p.Report(pr.ValueRange, msg)
			}
		}
	}
}

// --- DL3048: label keys ---

var lblReservedPrefixes = []string{"com.docker.", "io.docker.", "org.dockerproject."}

// lblKeyProblem says what is wrong with a label key under hadolint's
// grammar (lower-case letters, digits, '.' and '-'; starting with a letter,
// ending with a letter or digit; no ".." or "--"; not in Docker's reserved
// namespaces), or "" when it is fine.
func lblKeyProblem(k string) string {
	if k == "" {
		return "the key is empty"
	}
	for _, pre := range lblReservedPrefixes {
		if strings.HasPrefix(k, pre) {
			return fmt.Sprintf("%s is in the namespace `%s` reserved for Docker: use a reverse-DNS prefix of your own (e.g. com.example.)", lblShow(k), pre)
		}
	}
	if strings.ContainsAny(k, "$") {
		return fmt.Sprintf("%s contains `$`: a key built from a variable cannot be checked, write it literally", lblShow(k))
	}
	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
		case r >= 'A' && r <= 'Z':
			return fmt.Sprintf("%s contains upper-case `%c`: keys are lower case (%s)", lblShow(k), r, lblShow(lblSuggestKey(k)))
		case r == '_':
			return fmt.Sprintf("%s contains `_`: keys use only lower-case letters, digits, `.` and `-` (%s)", lblShow(k), lblShow(lblSuggestKey(k)))
		default:
			return fmt.Sprintf("%s contains `%c`: keys use only lower-case letters, digits, `.` and `-`", lblShow(k), r)
		}
	}
	if c := k[0]; c < 'a' || c > 'z' {
		return fmt.Sprintf("%s must start with a lower-case letter", lblShow(k))
	}
	if c := k[len(k)-1]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
		return fmt.Sprintf("%s must end with a lower-case letter or a digit", lblShow(k))
	}
	for _, sep := range []string{"..", "--"} {
		if strings.Contains(k, sep) {
			return fmt.Sprintf("%s has consecutive separators `%s`", lblShow(k), sep)
		}
	}
	return ""
}

func lblSuggestKey(k string) string {
	return strings.ToLower(strings.ReplaceAll(k, "_", "-"))
}

// --- DL3052: URLs (RFC 3986 absolute URI, as Network.URI.parseURI) ---

func lblIsAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func lblIsDigit(c byte) bool { return c >= '0' && c <= '9' }
func lblIsHex(c byte) bool {
	return lblIsDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
func lblIsUnreserved(c byte) bool {
	return lblIsAlpha(c) || lblIsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'
}
func lblIsSubDelim(c byte) bool { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }

// lblURIChars checks that s consists of unreserved characters, sub-delims,
// percent-encodings and the extra characters given.
func lblURIChars(s, extra string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case lblIsUnreserved(c), lblIsSubDelim(c), strings.IndexByte(extra, c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !lblIsHex(s[i+1]) || !lblIsHex(s[i+2]) {
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

func lblURLProblem(v string) string {
	colon := strings.IndexByte(v, ':')
	scheme := ""
	if colon > 0 {
		scheme = v[:colon]
	}
	validScheme := scheme != "" && lblIsAlpha(scheme[0])
	for i := 0; validScheme && i < len(scheme); i++ {
		c := scheme[i]
		validScheme = lblIsAlpha(c) || lblIsDigit(c) || c == '+' || c == '-' || c == '.'
	}
	if !validScheme {
		if strings.Contains(v, ".") && !strings.ContainsAny(v, " \t") {
			return fmt.Sprintf("%s has no scheme: write the full URL, e.g. https://%s", lblShow(v), strings.TrimLeft(v, "/"))
		}
		return fmt.Sprintf("%s is not an absolute URL (scheme:...), e.g. https://example.com/project", lblShow(v))
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
		if why := lblAuthorityProblem(auth); why != "" {
			return lblShow(v) + " " + why
		}
	}
	for _, part := range []struct{ s, extra string }{{path, ":@/"}, {query, ":@/?"}, {frag, ":@/?"}} {
		if why := lblURIChars(part.s, part.extra); why != "" {
			return lblShow(v) + " " + why
		}
	}
	return ""
}

func lblAuthorityProblem(auth string) string {
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		if why := lblURIChars(auth[:i], ":"); why != "" {
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
			if !(lblIsHex(c) || c == ':' || c == '.' || host[0] == 'v' && (lblIsUnreserved(c) || lblIsSubDelim(c))) {
				return fmt.Sprintf("has `%c` in its IP address", c)
			}
		}
	} else if i := strings.LastIndexByte(auth, ':'); i >= 0 {
		host, port = auth[:i], auth[i+1:]
	}
	for i := 0; i < len(port); i++ {
		if !lblIsDigit(port[i]) {
			return fmt.Sprintf("has a port %s that is not a number", lblShow(port))
		}
	}
	if strings.HasPrefix(auth, "[") {
		return ""
	}
	return lblURIChars(host, "")
}

// --- DL3053: RFC 3339 timestamps ---

var lblRFC3339Re = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-]([0-9]{2}):([0-9]{2}))$`)

func lblRFC3339Problem(v string) string {
	m := lblRFC3339Re.FindStringSubmatch(v)
	if m == nil {
		switch {
		case regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`).MatchString(v):
			return fmt.Sprintf("%s is a date without a time: write e.g. %sT00:00:00Z", lblShow(v), v)
		case regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:`).MatchString(v):
			return fmt.Sprintf("%s separates date and time with a space: use `T`, e.g. 2024-05-01T12:00:00Z", lblShow(v))
		case regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$`).MatchString(v):
			return fmt.Sprintf("%s has no time zone: add `Z` for UTC or an offset such as +01:00", lblShow(v))
		}
		return fmt.Sprintf("%s is not of the form 2024-05-01T12:00:00Z (`date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ` prints one)", lblShow(v))
	}
	n := make([]int, 11)
	for i, s := range m {
		if i == 0 || i == 7 || i == 8 || s == "" {
			continue
		}
		n[i], _ = strconv.Atoi(s)
	}
	year, month, day := n[1], n[2], n[3]
	switch {
	case month < 1 || month > 12:
		return fmt.Sprintf("%s has no month %02d", lblShow(v), month)
	case day < 1 || day > lblDaysIn(year, month):
		return fmt.Sprintf("%s has no day %02d in month %02d", lblShow(v), day, month)
	case n[4] > 23 || n[5] > 59 || n[6] > 60:
		return fmt.Sprintf("%s has a time of day out of range", lblShow(v))
	case n[9] > 23 || n[10] > 59:
		return fmt.Sprintf("%s has a time zone offset out of range", lblShow(v))
	}
	return ""
}

func lblDaysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// --- DL3055: git hashes ---

// lblGitHashProblem accepts lower-case hex of a full SHA-1 (40) or SHA-256
// (64) object name, or an abbreviation of 7 to 40 digits.
func lblGitHashProblem(v string) string {
	upper := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case lblIsDigit(c) || c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			r, _ := utf8.DecodeRuneInString(v[i:])
			return fmt.Sprintf("%s contains `%c`: a commit hash is hex digits (`git rev-parse HEAD` prints one)", lblShow(v), r)
		}
	}
	if upper {
		return fmt.Sprintf("%s has upper-case digits: git writes hashes in lower case", lblShow(v))
	}
	if len(v) < 7 || len(v) > 40 && len(v) != 64 {
		return fmt.Sprintf("%s has %d digits: a commit hash has 40 (64 in SHA-256 repositories), an abbreviation at least 7", lblShow(v), len(v))
	}
	return ""
}

// --- DL3056: semantic versions (semver.org 2.0.0) ---

var lblSemverRe = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?` +
	`(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$`)

func lblSemverProblem(v string) string {
	if v == "" || lblSemverRe.MatchString(v) {
		return ""
	}
	if (v[0] == 'v' || v[0] == 'V') && lblSemverRe.MatchString(v[1:]) {
		return fmt.Sprintf("%s: drop the leading `%c` (%s)", lblShow(v), v[0], lblShow(v[1:]))
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
		return fmt.Sprintf("%s: a semantic version has exactly three numbers, MAJOR.MINOR.PATCH (e.g. 1.4.0)", lblShow(v))
	}
	if numeric {
		for _, part := range parts {
			if len(part) > 1 && part[0] == '0' {
				return fmt.Sprintf("%s: numbers must not have leading zeros", lblShow(v))
			}
		}
	}
	return fmt.Sprintf("%s is not MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (e.g. 1.4.0 or 2.0.0-rc.1)", lblShow(v))
}

// --- DL3058: e-mail addresses (RFC 5322) ---

func lblIsAtext(c byte) bool {
	return lblIsAlpha(c) || lblIsDigit(c) || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// lblEmailProblem accepts an RFC 5322 addr-spec (jane@example.com) and, where
// hadolint does not, a name-addr (Jane Doe <jane@example.com>), the usual form
// of a maintainer label.
func lblEmailProblem(v string) string {
	addr := v
	if strings.HasSuffix(v, ">") {
		i := strings.LastIndexByte(v, '<')
		if i < 0 {
			return fmt.Sprintf("%s has a `>` without `<`", lblShow(v))
		}
		name := strings.TrimSpace(v[:i])
		if why := lblDisplayNameProblem(name); why != "" {
			return lblShow(v) + " " + why
		}
		addr = v[i+1 : len(v)-1]
	}
	if why := lblAddrSpecProblem(addr); why != "" {
		return lblShow(v) + " " + why
	}
	return ""
}

func lblDisplayNameProblem(name string) string {
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		return lblQuotedProblem(name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !lblIsAtext(c) && c != ' ' && c != '\t' && c != '.' {
			return fmt.Sprintf("has `%c` in its display name: quote the name (\"Doe, Jane\" <jane@example.com>)", c)
		}
	}
	return ""
}

func lblQuotedProblem(q string) string {
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

func lblAddrSpecProblem(a string) string {
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
		if why := lblQuotedProblem(local); why != "" {
			return why
		}
	} else if why := lblDotAtomProblem(local); why != "" {
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
			return fmt.Sprintf("has an empty label in its domain %s", lblShow(domain))
		}
		if len(label) > 63 {
			return "has a domain label longer than 63 characters"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Sprintf("has a domain label %s that starts or ends with `-`", lblShow(label))
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !lblIsAlpha(c) && !lblIsDigit(c) && c != '-' {
				r, _ := utf8.DecodeRuneInString(label[i:])
				return fmt.Sprintf("has `%c` in its domain", r)
			}
		}
	}
	return ""
}

func lblDotAtomProblem(s string) string {
	if s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return "has a misplaced `.` before the `@`"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !lblIsAtext(c) && c != '.' {
			r, _ := utf8.DecodeRuneInString(s[i:])
			if r == ' ' {
				return "contains a space"
			}
			return fmt.Sprintf("has `%c` before the `@`", r)
		}
	}
	return ""
}

// --- DL3054: SPDX license expressions ---

var (
	lblLicenseIndex   map[string]string // upper case -> canonical
	lblExceptionIndex map[string]string
)

func init() {
	lblLicenseIndex = make(map[string]string, len(lblSPDXLicenses))
	for _, id := range lblSPDXLicenses {
		lblLicenseIndex[strings.ToUpper(id)] = id
	}
	lblExceptionIndex = make(map[string]string, len(lblSPDXExceptions))
	for _, id := range lblSPDXExceptions {
		lblExceptionIndex[strings.ToUpper(id)] = id
	}
}

var lblIdstringRe = regexp.MustCompile(`^[A-Za-z0-9.-]+$`)

// lblSPDXProblem parses an SPDX license expression (SPDX 2.3 annex D):
// license ids (matched without regard to case, an optional trailing '+'),
// LicenseRef-/DocumentRef- references, WITH exceptions, AND, OR and
// parentheses (operators are upper case).
func lblSPDXProblem(v string) string {
	toks := lblSPDXTokens(v)
	ps := &lblSPDXParser{toks: toks}
	why := ps.expr()
	if why == "" && ps.pos < len(toks) {
		t := toks[ps.pos]
		switch up := strings.ToUpper(t); {
		case t == ")":
			why = "has an unmatched `)`"
		case up == "AND" || up == "OR" || up == "WITH":
			why = fmt.Sprintf("operators are upper case: write %s", up)
		default:
			why = fmt.Sprintf("unexpected %s: join licenses with AND or OR", lblShow(t))
		}
	}
	if why == "" {
		return ""
	}
	return lblShow(v) + ": " + why
}

func lblSPDXTokens(v string) []string {
	var toks []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range v {
		switch {
		case r == '(' || r == ')':
			flush()
			toks = append(toks, string(r))
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

type lblSPDXParser struct {
	toks []string
	pos  int
}

func (p *lblSPDXParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *lblSPDXParser) expr() string {
	if why := p.and(); why != "" {
		return why
	}
	for p.peek() == "OR" {
		p.pos++
		if why := p.and(); why != "" {
			return why
		}
	}
	return ""
}

func (p *lblSPDXParser) and() string {
	if why := p.with(); why != "" {
		return why
	}
	for p.peek() == "AND" {
		p.pos++
		if why := p.with(); why != "" {
			return why
		}
	}
	return ""
}

func (p *lblSPDXParser) with() string {
	if why := p.primary(); why != "" {
		return why
	}
	if p.peek() != "WITH" {
		return ""
	}
	p.pos++
	t := p.peek()
	if t == "" || t == "(" || t == ")" {
		return "WITH must be followed by an exception id (e.g. LLVM-exception)"
	}
	p.pos++
	if _, ok := lblExceptionIndex[strings.ToUpper(t)]; ok {
		return ""
	}
	if lblRefOK(t, "AdditionRef-") {
		return ""
	}
	return fmt.Sprintf("unknown license exception %s", lblShow(t))
}

func (p *lblSPDXParser) primary() string {
	t := p.peek()
	switch t {
	case "":
		if p.pos == 0 {
			return "no license given"
		}
		return fmt.Sprintf("a license must follow %s", lblShow(p.toks[p.pos-1]))
	case "(":
		p.pos++
		if why := p.expr(); why != "" {
			return why
		}
		if p.peek() != ")" {
			return "has an unclosed `(`"
		}
		p.pos++
		return ""
	case ")":
		return "has an unmatched `)`"
	case "AND", "OR", "WITH":
		return fmt.Sprintf("expected a license, not %s", t)
	}
	p.pos++
	switch strings.ToUpper(t) {
	case "AND", "OR", "WITH":
		return fmt.Sprintf("operators are upper case: write %s", strings.ToUpper(t))
	}
	if lblRefOK(t, "LicenseRef-") {
		return ""
	}
	id := strings.TrimSuffix(t, "+")
	if _, ok := lblLicenseIndex[strings.ToUpper(id)]; ok && id != "" {
		return ""
	}
	if _, ok := lblExceptionIndex[strings.ToUpper(t)]; ok {
		return fmt.Sprintf("%s is an exception: write <license> WITH %s", lblShow(t), t)
	}
	if s := lblSPDXSuggest(id); s != "" {
		return fmt.Sprintf("unknown license id %s (did you mean %s?)", lblShow(t), s)
	}
	return fmt.Sprintf("unknown license id %s: use an id from https://spdx.org/licenses/ or LicenseRef-<name>", lblShow(t))
}

// lblRefOK accepts "<prefix>idstring" and "DocumentRef-idstring:<prefix>idstring".
func lblRefOK(t, prefix string) bool {
	if strings.HasPrefix(t, "DocumentRef-") {
		doc, ref, ok := strings.Cut(t, ":")
		if !ok || !lblIdstringRe.MatchString(strings.TrimPrefix(doc, "DocumentRef-")) {
			return false
		}
		t = ref
	}
	return strings.HasPrefix(t, prefix) && lblIdstringRe.MatchString(t[len(prefix):])
}

// lblSPDXSuggest names a license id for common spellings that are not ids.
func lblSPDXSuggest(id string) string {
	u := strings.NewReplacer(" ", "-", "_", "-", "V", "").Replace(strings.ToUpper(id))
	common := map[string]string{
		"APACHE": "Apache-2.0", "APACHE2": "Apache-2.0", "APACHE-2": "Apache-2.0", "ASL-2.0": "Apache-2.0", "APACHE2.0": "Apache-2.0",
		"GPL": "GPL-3.0-only", "GPL2": "GPL-2.0-only", "GPL-2": "GPL-2.0-only", "GPL3": "GPL-3.0-only", "GPL-3": "GPL-3.0-only",
		"LGPL": "LGPL-3.0-only", "LGPL2": "LGPL-2.1-only", "LGPL3": "LGPL-3.0-only", "AGPL": "AGPL-3.0-only", "AGPL3": "AGPL-3.0-only",
		"BSD": "BSD-3-Clause", "BSD3": "BSD-3-Clause", "BSD-3": "BSD-3-Clause", "BSD2": "BSD-2-Clause", "BSD-2": "BSD-2-Clause",
		"MPL": "MPL-2.0", "MPL2": "MPL-2.0", "MPL-2": "MPL-2.0", "EPL": "EPL-2.0", "EPL2": "EPL-2.0", "MIT-LICENSE": "MIT",
		"PUBLIC-DOMAIN": "Unlicense or CC0-1.0", "PUBLICDOMAIN": "Unlicense or CC0-1.0", "UNLICENSED": "LicenseRef-Proprietary",
		"PROPRIETARY": "LicenseRef-Proprietary", "COMMERCIAL": "LicenseRef-Proprietary",
	}
	return common[u]
}

// lblSPDXLicenses are the SPDX license list's ids (3.29), deprecated ones
// included since existing labels use them (GPL-2.0, LGPL-2.1, ...); "+"
// forms parse as id + '+'. Sorted (byte order).
var lblSPDXLicenses = strings.Fields(`
0BSD 3D-Slicer-1.0 AAL ADSL AFL-1.1 AFL-1.2 AFL-2.0 AFL-2.1 AFL-3.0 AGPL-1.0 AGPL-1.0-only
AGPL-1.0-or-later AGPL-3.0 AGPL-3.0-only AGPL-3.0-or-later ALGLIB-Documentation AMD-newlib AMDPLPA
AML AML-glslang AMPAS ANTLR-PD ANTLR-PD-fallback APAFML APL-1.0 APSL-1.0 APSL-1.1 APSL-1.2 APSL-2.0
ASWF-Digital-Assets-1.0 ASWF-Digital-Assets-1.1 Abstyles AdaCore-doc Adobe-2006
Adobe-Display-PostScript Adobe-Glyph Adobe-Utopia Advanced-Cryptics-Dictionary Afmparse Aladdin
Apache-1.0 Apache-1.1 Apache-2.0 App-s2p Arphic-1999 Artistic-1.0 Artistic-1.0-Perl Artistic-1.0-cl8
Artistic-2.0 Artistic-dist Aspell-RU BOLA-1.1 BSD-1-Clause BSD-2-Clause BSD-2-Clause-Darwin
BSD-2-Clause-FreeBSD BSD-2-Clause-NetBSD BSD-2-Clause-Patent BSD-2-Clause-Views
BSD-2-Clause-first-lines BSD-2-Clause-pkgconf-disclaimer BSD-2-Clause-pos-unchanged BSD-3-Clause
BSD-3-Clause-Attribution BSD-3-Clause-Clear BSD-3-Clause-HP BSD-3-Clause-LBNL
BSD-3-Clause-Modification BSD-3-Clause-No-Military-License BSD-3-Clause-No-Nuclear-License
BSD-3-Clause-No-Nuclear-License-2014 BSD-3-Clause-No-Nuclear-Warranty BSD-3-Clause-Open-MPI
BSD-3-Clause-OpenWebUI BSD-3-Clause-Sun BSD-3-Clause-Tso BSD-3-Clause-acpica BSD-3-Clause-flex
BSD-4-Clause BSD-4-Clause-Shortened BSD-4-Clause-UC BSD-4.3RENO BSD-4.3TAHOE
BSD-Advertising-Acknowledgement BSD-Attribution-HPND-disclaimer BSD-Inferno-Nettverk
BSD-Mark-Modifications BSD-Protection BSD-Source-Code BSD-Source-Code-no-disclaimer
BSD-Source-alt-GPL BSD-Source-beginning-file BSD-Systemics BSD-Systemics-W3Works BSD-ask-to-endorse
BSL-1.0 BUSL-1.1 Baekmuk Bahyph Barr Beerware BitTorrent-1.0 BitTorrent-1.1 Bitstream-Charter
Bitstream-Vera BlueOak-1.0.0 Boehm-GC Boehm-GC-without-fee Borceux Brian-Gladman-2-Clause
Brian-Gladman-3-Clause Brian-Gladman-3-Clause-no-conversion Buddy Bugroff C-UDA-1.0 CAL-1.0
CAL-1.0-Combined-Work-Exception CAPEC-tou CATOSL-1.1 CC-BY-1.0 CC-BY-2.0 CC-BY-2.5 CC-BY-2.5-AU
CC-BY-3.0 CC-BY-3.0-AT CC-BY-3.0-AU CC-BY-3.0-DE CC-BY-3.0-IGO CC-BY-3.0-NL CC-BY-3.0-US CC-BY-4.0
CC-BY-NC-1.0 CC-BY-NC-2.0 CC-BY-NC-2.5 CC-BY-NC-3.0 CC-BY-NC-3.0-DE CC-BY-NC-3.0-IGO CC-BY-NC-4.0
CC-BY-NC-ND-1.0 CC-BY-NC-ND-2.0 CC-BY-NC-ND-2.5 CC-BY-NC-ND-3.0 CC-BY-NC-ND-3.0-DE
CC-BY-NC-ND-3.0-IGO CC-BY-NC-ND-4.0 CC-BY-NC-SA-1.0 CC-BY-NC-SA-2.0 CC-BY-NC-SA-2.0-DE
CC-BY-NC-SA-2.0-FR CC-BY-NC-SA-2.0-UK CC-BY-NC-SA-2.5 CC-BY-NC-SA-3.0 CC-BY-NC-SA-3.0-DE
CC-BY-NC-SA-3.0-IGO CC-BY-NC-SA-4.0 CC-BY-ND-1.0 CC-BY-ND-2.0 CC-BY-ND-2.5 CC-BY-ND-3.0
CC-BY-ND-3.0-DE CC-BY-ND-4.0 CC-BY-SA-1.0 CC-BY-SA-2.0 CC-BY-SA-2.0-UK CC-BY-SA-2.1-JP CC-BY-SA-2.5
CC-BY-SA-3.0 CC-BY-SA-3.0-AT CC-BY-SA-3.0-DE CC-BY-SA-3.0-IGO CC-BY-SA-4.0 CC-PDDC CC-PDM-1.0
CC-SA-1.0 CC0-1.0 CDDL-1.0 CDDL-1.1 CDL-1.0 CDLA-Permissive-1.0 CDLA-Permissive-2.0 CDLA-Sharing-1.0
CECILL-1.0 CECILL-1.1 CECILL-2.0 CECILL-2.1 CECILL-B CECILL-C CERN-OHL-1.1 CERN-OHL-1.2
CERN-OHL-P-2.0 CERN-OHL-S-2.0 CERN-OHL-W-2.0 CFITSIO CMU-Mach CMU-Mach-nodoc CNRI-Jython CNRI-Python
CNRI-Python-GPL-Compatible COIL-1.0 CPAL-1.0 CPL-1.0 CPOL-1.02 CUA-OPL-1.0 Caldera
Caldera-no-preamble Catharon ClArtistic Clips Community-Spec-1.0 Condor-1.1 Cornell-Lossless-JPEG
Cronyx Crossword CryptoSwift CrystalStacker Cube D-FSL-1.0 DEC-3-Clause DL-DE-BY-2.0 DL-DE-ZERO-2.0
DOC DRL-1.0 DRL-1.1 DSDP DocBook-DTD DocBook-Schema DocBook-Stylesheet DocBook-XML Dotseqn ECL-1.0
ECL-2.0 EFL-1.0 EFL-2.0 EPICS EPL-1.0 EPL-2.0 ESA-PL-permissive-2.4 ESA-PL-strong-copyleft-2.4
ESA-PL-weak-copyleft-2.4 EUDatagrid EUPL-1.0 EUPL-1.1 EUPL-1.2 Elastic-2.0 Entessa ErlPL-1.1 Eurosym
FBM FDK-AAC FDK-MPEG-H FSFAP FSFAP-no-warranty-disclaimer FSFUL FSFULLR FSFULLRSD FSFULLRWD
FSL-1.1-ALv2 FSL-1.1-MIT FTL Fair Ferguson-Twofish Frameworx-1.0 FreeBSD-DOC FreeImage Furuseth
GCR-docs GD GFDL-1.1 GFDL-1.1-invariants-only GFDL-1.1-invariants-or-later
GFDL-1.1-no-invariants-only GFDL-1.1-no-invariants-or-later GFDL-1.1-only GFDL-1.1-or-later GFDL-1.2
GFDL-1.2-invariants-only GFDL-1.2-invariants-or-later GFDL-1.2-no-invariants-only
GFDL-1.2-no-invariants-or-later GFDL-1.2-only GFDL-1.2-or-later GFDL-1.3 GFDL-1.3-invariants-only
GFDL-1.3-invariants-or-later GFDL-1.3-no-invariants-only GFDL-1.3-no-invariants-or-later
GFDL-1.3-only GFDL-1.3-or-later GL2PS GLWTPL GPL-1.0 GPL-1.0-only GPL-1.0-or-later GPL-2.0
GPL-2.0-only GPL-2.0-or-later GPL-2.0-with-GCC-exception GPL-2.0-with-autoconf-exception
GPL-2.0-with-bison-exception GPL-2.0-with-classpath-exception GPL-2.0-with-font-exception GPL-3.0
GPL-3.0-only GPL-3.0-or-later GPL-3.0-with-GCC-exception GPL-3.0-with-autoconf-exception
Game-Programming-Gems Giftware Glide Glulxe Graphics-Gems Gutmann HDF5 HIDAPI HP-1986 HP-1989 HPND
HPND-DEC HPND-Fenneberg-Livingston HPND-INRIA-IMAG HPND-Intel HPND-Kevlin-Henney HPND-MIT-disclaimer
HPND-Markus-Kuhn HPND-Netrek HPND-Pbmplus HPND-SMC HPND-UC HPND-UC-export-US HPND-doc HPND-doc-sell
HPND-export-US HPND-export-US-acknowledgement HPND-export-US-modify HPND-export2-US
HPND-merchantability-variant HPND-sell-MIT-disclaimer-xserver HPND-sell-regexpr HPND-sell-variant
HPND-sell-variant-MIT-disclaimer HPND-sell-variant-MIT-disclaimer-rev
HPND-sell-variant-critical-systems HTMLTIDY HaskellReport Hippocratic-2.1 Hippocratic-3.0-core
IBM-pibs ICU IEC-Code-Components-EULA IJG IJG-short IPA IPL-1.0 ISC ISC-Veillard ISO-permission
ImageMagick Imlib2 Info-ZIP Informatica Inner-Net-2.0 InnoSetup Intel Intel-ACPI Interbase-1.0
JPL-image JPNIC JSON Jam JasPer-2.0 Kastrup Kazlib Knuth-CTAN LAL-1.2 LAL-1.3 LGPL-2.0 LGPL-2.0-only
LGPL-2.0-or-later LGPL-2.1 LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0 LGPL-3.0-only LGPL-3.0-or-later
LGPLLR LOOP LPD-document LPL-1.0 LPL-1.02 LPPL-1.0 LPPL-1.1 LPPL-1.2 LPPL-1.3a LPPL-1.3c
LZMA-SDK-9.11-to-9.20 LZMA-SDK-9.22 Latex2e Latex2e-translated-notice Leptonica LiLiQ-P-1.1
LiLiQ-R-1.1 LiLiQ-Rplus-1.1 Libpng Linux-OpenIB Linux-man-pages-1-para Linux-man-pages-copyleft
Linux-man-pages-copyleft-2-para Linux-man-pages-copyleft-var Lucida-Bitmap-Fonts MIPS MIT MIT-0
MIT-CMU MIT-Click MIT-Festival MIT-Khronos-old MIT-Modern-Variant MIT-STK MIT-Wu MIT-advertising
MIT-enna MIT-feh MIT-open-group MIT-testregex MITNFA MMIXware MMPL-1.0.1 MPEG-SSG MPL-1.0 MPL-1.1
MPL-2.0 MPL-2.0-no-copyleft-exception MS-LPL MS-PL MS-RL MTLL MVT-1.1 Mackerras-3-Clause
Mackerras-3-Clause-acknowledgment MakeIndex Martin-Birgmeier McPhee-slideshow Minpack MirOS Motosoto
MulanPSL-1.0 MulanPSL-2.0 Multics Mup NAIST-2003 NASA-1.3 NBPL-1.0 NCBI-PD NCGL-UK-2.0 NCL NCSA NGPL
NICTA-1.0 NIST-PD NIST-PD-TNT NIST-PD-fallback NIST-Software NLOD-1.0 NLOD-2.0 NLPL NOSL NPL-1.0
NPL-1.1 NPOSL-3.0 NRL NTIA-PD NTP NTP-0 Naumen Net-SNMP NetCDF Newsletr Nokia Noweb Nunit O-UDA-1.0
OAR OCCT-PL OCLC-2.0 ODC-By-1.0 ODbL-1.0 OFFIS OFL-1.0 OFL-1.0-RFN OFL-1.0-no-RFN OFL-1.1
OFL-1.1-RFN OFL-1.1-no-RFN OGC-1.0 OGDL-Taiwan-1.0 OGL-Canada-2.0 OGL-UK-1.0 OGL-UK-2.0 OGL-UK-3.0
OGTSL OLDAP-1.1 OLDAP-1.2 OLDAP-1.3 OLDAP-1.4 OLDAP-2.0 OLDAP-2.0.1 OLDAP-2.1 OLDAP-2.2 OLDAP-2.2.1
OLDAP-2.2.2 OLDAP-2.3 OLDAP-2.4 OLDAP-2.5 OLDAP-2.6 OLDAP-2.7 OLDAP-2.8 OLFL-1.3 OML OPL-1.0
OPL-UK-3.0 OPUBL-1.0 OSC-1.0 OSET-PL-2.1 OSL-1.0 OSL-1.1 OSL-2.0 OSL-2.1 OSL-3.0 OSSP OpenMDW-1.0
OpenPBS-2.3 OpenSSL OpenSSL-standalone OpenVision PADL PDDL-1.0 PHP-3.0 PHP-3.01 PPL PSF-2.0
ParaType-Free-Font-1.3 Parity-6.0.0 Parity-7.0.0 Pixar Plexus PolyForm-Noncommercial-1.0.0
PolyForm-Small-Business-1.0.0 PostgreSQL Python-2.0 Python-2.0.1 QPL-1.0 QPL-1.0-INRIA-2004 Qhull
RHeCos-1.1 RPL-1.1 RPL-1.5 RPSL-1.0 RSA-MD RSCPL Rdisc Ruby Ruby-pty SAX-PD SAX-PD-2.0 SCEA
SGI-B-1.0 SGI-B-1.1 SGI-B-2.0 SGI-OpenGL SGMLUG-PM SGP4 SHL-0.5 SHL-0.51 SISSL SISSL-1.2 SL
SMAIL-GPL SMLNJ SMPPL SNIA SOFA SPL-1.0 SSH-OpenSSH SSH-short SSLeay-standalone SSPL-1.0 SUL-1.0 SWL
Saxpath SchemeReport Sendmail Sendmail-8.23 Sendmail-Open-Source-1.1 SimPL-2.0 Sleepycat Soundex
Spencer-86 Spencer-94 Spencer-99 StandardML-NJ SugarCRM-1.1.3 Sun-PPP Sun-PPP-2000 SunPro Symlinks
TAPR-OHL-1.0 TCL TCP-wrappers TGPPL-1.0 TMate TORQUE-1.1 TOSL TPDL TPL-1.0 TTWL TTYP0 TU-Berlin-1.0
TU-Berlin-2.0 TekHVC TermReadKey ThirdEye TrustedQSL UCAR UCL-1.0 UMich-Merit UPL-1.0 URT-RLE
Ubuntu-font-1.0 UnRAR Unicode-3.0 Unicode-DFS-2015 Unicode-DFS-2016 Unicode-TOU UnixCrypt Unlicense
Unlicense-libtelnet Unlicense-libwhirlpool VOSTROM VSL-1.0 Vim Vixie-Cron W3C W3C-19980720
W3C-20150513 WTFNMFPL WTFPL Watcom-1.0 Widget-Workshop WordNet Wsuipa X11
X11-distribute-modifications-variant X11-no-permit-persons X11-swapped XFree86-1.1 XSkat Xdebug-1.03
Xerox Xfig Xnet YPL-1.0 YPL-1.1 ZPL-1.1 ZPL-2.0 ZPL-2.1 Zed Zeeff Zend-2.0 Zimbra-1.3 Zimbra-1.4
Zlib any-OSI any-OSI-perl-modules atc-game bcrypt-Solar-Designer blessing bzip2-1.0.5 bzip2-1.0.6
check-cvs checkmk copyleft-next-0.3.0 copyleft-next-0.3.1 curl cve-tou diffmark dtoa dvipdfm
eCos-2.0 eGenix etalab-2.0 fwlw gSOAP-1.3b generic-xts gnuplot gtkbook hdparm hyphen-bulgarian
iMatix jove libpng-1.6.35 libpng-2.0 libselinux-1.0 libtiff libutil-David-Nugent lsof magaz mailprio
man2html metamail mpi-permissive mpich2 mplus ngrep pkgconf pnmstitch psfrag psutils python-ldap
radvd snprintf softSurfer ssh-keyscan swrule threeparttable ulem w3m wwl wxWindows xinetd
xkeyboard-config-Zinoviev xlock xpp xzoom zlib-acknowledgement
`)

// lblSPDXExceptions are the SPDX license exception ids. Sorted (byte order).
var lblSPDXExceptions = strings.Fields(`
389-exception Asterisk-exception Asterisk-linking-protocols-exception Autoconf-exception-2.0
Autoconf-exception-3.0 Autoconf-exception-generic Autoconf-exception-generic-3.0
Autoconf-exception-macro Bison-exception-1.24 Bison-exception-2.2 Bootloader-exception
CGAL-linking-exception CLISP-exception-2.0 Classpath-exception-2.0 Classpath-exception-2.0-short
DigiRule-FOSS-exception Digia-Qt-LGPL-exception-1.1 FLTK-exception Fawkes-Runtime-exception
Font-exception-2.0 GCC-exception-2.0 GCC-exception-2.0-note GCC-exception-3.1 GNAT-exception
GNOME-examples-exception GNU-compiler-exception GPL-3.0-389-ds-base-exception
GPL-3.0-interface-exception GPL-3.0-linking-exception GPL-3.0-linking-source-exception GPL-CC-1.0
GStreamer-exception-2005 GStreamer-exception-2008 Gmsh-exception Google-Patent-WebM
Independent-modules-exception KiCad-libraries-exception LGPL-3.0-linking-exception LLGPL
LLVM-exception LZMA-exception Libtool-exception Linux-syscall-note OCCT-exception-1.0
OCaml-LGPL-linking-exception OpenJDK-assembly-exception-1.0 PCRE2-exception
PS-or-PDF-font-exception-20170817 QPL-1.0-INRIA-2004-exception Qt-GPL-exception-1.0
Qt-LGPL-exception-1.1 Qwt-exception-1.0 RRDtool-FLOSS-exception-2.0 SANE-exception SHL-2.0 SHL-2.1
SWI-exception Simple-Library-Usage-exception Spelling-Provider-LGPL-exception Swift-exception
Texinfo-exception UBDL-exception Universal-FOSS-exception-1.0 WxWindows-exception-3.1
cryptsetup-OpenSSL-exception eCos-exception-2.0 erlang-otp-linking-exception fmt-exception
freertos-exception-2.0 gnu-javamail-exception harbour-exception i2p-gpl-java-exception
kvirc-openssl-exception libpri-OpenH323-exception mif-exception mxml-exception
openvpn-openssl-exception polyparse-exception romic-exception rsync-linking-exception
sqlitestudio-OpenSSL-exception stunnel-exception u-boot-exception-2.0 vsftpd-openssl-exception
x11vnc-openssl-exception
`)

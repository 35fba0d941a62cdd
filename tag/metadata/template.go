package metadata

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // tz='Asia/Tokyo' must work where the system has no zoneinfo
)

// metadata-action renders pattern, value, prefix, suffix and enable with
// Handlebars (docker/metadata-action src/meta.ts: handlebars.compile(...)
// in procSchedule, procSemver, procPep440 and setGlobalExp). This is the
// part of Handlebars those inputs use: text, {{name}}, {{name 'arg'
// key='value'}}, {{{name}}} and {{&name}} (not escaped), {{! comment}} and
// \{{ for a literal "{{". Block helpers ({{#if}}) and partials are not
// supported and give an error. As in Handlebars (non-strict mode), an
// unknown name renders as "", and {{name}} output is HTML-escaped.

type tmplNode struct {
	text   string // literal text when !expr
	expr   bool
	noEsc  bool // {{{...}}} or {{&...}}
	name   string
	args   []string // string or number literals
	hash   map[string]string
	source string // the expression as written, for errors
}

func parseTemplate(s string) ([]tmplNode, error) {
	var nodes []tmplNode
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			nodes = append(nodes, tmplNode{text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], `\{{`) {
			// Handlebars: an escaped mustache is text up to the next "{{".
			j := strings.Index(s[i+3:], "{{")
			if j < 0 {
				text.WriteString(s[i+1:])
				break
			}
			text.WriteString(s[i+1 : i+3+j])
			i += 3 + j
			continue
		}
		if !strings.HasPrefix(s[i:], "{{") {
			text.WriteByte(s[i])
			i++
			continue
		}
		flush()
		triple := strings.HasPrefix(s[i:], "{{{")
		open, closer := "{{", "}}"
		if triple {
			open, closer = "{{{", "}}}"
		}
		if strings.HasPrefix(s[i:], "{{!--") {
			end := strings.Index(s[i:], "--}}")
			if end < 0 {
				return nil, fmt.Errorf("template %q: the comment at %q is never closed with --}}", s, s[i:])
			}
			i += end + 4
			continue
		}
		end := strings.Index(s[i+len(open):], closer)
		if end < 0 {
			return nil, fmt.Errorf("template %q: %q is never closed with %s", s, s[i:], closer)
		}
		inner := s[i+len(open) : i+len(open)+end]
		src := s[i : i+len(open)+end+len(closer)]
		i += len(open) + end + len(closer)
		if strings.HasPrefix(inner, "!") {
			continue
		}
		n := tmplNode{expr: true, noEsc: triple, source: src}
		if !triple && strings.HasPrefix(inner, "&") {
			n.noEsc = true
			inner = inner[1:]
		}
		if err := parseExpr(inner, &n); err != nil {
			return nil, fmt.Errorf("template %q: %s: %v", s, src, err)
		}
		nodes = append(nodes, n)
	}
	flush()
	return nodes, nil
}

func parseExpr(inner string, n *tmplNode) error {
	inner = strings.TrimSpace(inner)
	if inner == "" {
		return fmt.Errorf("empty expression")
	}
	if strings.ContainsAny(inner[:1], "#/^>~*") || strings.HasSuffix(inner, "~") {
		return fmt.Errorf("block helpers, partials and whitespace control are not supported here; use a plain expression such as {{branch}}")
	}
	toks, err := tokenize(inner)
	if err != nil {
		return err
	}
	if toks[0].str {
		return fmt.Errorf("an expression starts with a name, not a string")
	}
	n.name = toks[0].s
	for _, t := range toks[1:] {
		switch {
		case t.key != "":
			if n.hash == nil {
				n.hash = map[string]string{}
			}
			n.hash[t.key] = t.s
		default:
			n.args = append(n.args, t.s)
		}
	}
	return nil
}

type tmplToken struct {
	s   string
	str bool   // a quoted string
	key string // key=value hash argument
}

func tokenize(s string) ([]tmplToken, error) {
	var toks []tmplToken
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		var key string
		// key=value
		j := i
		for j < len(s) && isIdentByte(s[j]) {
			j++
		}
		if j > i && j < len(s) && s[j] == '=' {
			key = s[i:j]
			i = j + 1
			if i >= len(s) {
				return nil, fmt.Errorf("%s= has no value", key)
			}
			c = s[i]
		}
		if c == '\'' || c == '"' {
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("the string %s is never closed", s[i:])
			}
			toks = append(toks, tmplToken{s: s[i+1 : i+1+end], str: true, key: key})
			i += end + 2
			continue
		}
		j = i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' {
			j++
		}
		word := s[i:j]
		for k := 0; k < len(word); k++ {
			if !isIdentByte(word[k]) && word[k] != '.' && word[k] != '/' && word[k] != '@' {
				return nil, fmt.Errorf("unexpected %q in %q", word[k], word)
			}
		}
		toks = append(toks, tmplToken{s: word, key: key})
		i = j
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	return toks, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '-' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// tmplFunc renders one name; ok is false for an unknown name.
type tmplFunc func(n tmplNode) (s string, ok bool, err error)

func renderTemplate(s string, lookup tmplFunc) (string, error) {
	nodes, err := parseTemplate(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, n := range nodes {
		if !n.expr {
			b.WriteString(n.text)
			continue
		}
		v, ok, err := lookup(n)
		if err != nil {
			return "", fmt.Errorf("%s: %v", n.source, err)
		}
		if !ok {
			if len(n.args) > 0 || len(n.hash) > 0 {
				return "", fmt.Errorf("%s: there is no helper %q (Handlebars: Missing helper)", n.source, n.name)
			}
			v = ""
		}
		if !n.noEsc {
			v = htmlEscape(v)
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// isRawStatement is Meta.isRawStatement: the pattern is exactly one
// {{raw}} expression.
func isRawStatement(pattern string) bool {
	nodes, err := parseTemplate(pattern)
	return err == nil && len(nodes) == 1 && nodes[0].expr && nodes[0].name == "raw"
}

// templateNames lists the names a template uses (nil when it does not
// parse).
func templateNames(pattern string) map[string]bool {
	nodes, err := parseTemplate(pattern)
	if err != nil {
		return nil
	}
	names := map[string]bool{}
	for _, n := range nodes {
		if n.expr {
			names[n.name] = true
		}
	}
	return names
}

// htmlEscape is Handlebars' escapeExpression.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;", "`", "&#x60;", "=", "&#x3D;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

// dateHelper is metadata-action's date/commit_date helper: the time in the
// zone tz (UTC by default; any other hash key is an error) in a moment.js
// format.
func dateHelper(t time.Time, n tmplNode) (string, error) {
	format := ""
	if len(n.args) > 0 {
		format = n.args[0]
	}
	loc := time.UTC
	for k, v := range n.hash {
		if k != "tz" {
			return "", fmt.Errorf("unknown %s attribute; %s takes only tz='Area/City'", k, n.name)
		}
		l, err := time.LoadLocation(v)
		if err != nil {
			return "", fmt.Errorf("unknown time zone %q; use an IANA name such as 'Europe/Berlin'", v)
		}
		loc = l
	}
	if format == "" {
		// moment().format() without a format is ISO 8601 with the offset.
		format = "YYYY-MM-DDTHH:mm:ssZ"
	}
	return momentFormat(t.In(loc), format), nil
}

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	dayNames   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// momentTokens are moment.js format tokens, longest first where one is a
// prefix of another (moment's formattingTokens).
var momentTokens = []string{
	"YYYYYY", "YYYYY", "YYYY", "YY", "Y",
	"MMMM", "MMM", "MM", "Mo", "M",
	"DDDD", "DDDo", "DDD", "Do", "DD", "D",
	"dddd", "ddd", "dd", "do", "d", "E", "e",
	"Qo", "Q",
	"HH", "H", "hh", "h", "kk", "k",
	"mm", "m", "ss", "s",
	"SSSSSSSSS", "SSSSSSSS", "SSSSSSS", "SSSSSS", "SSSSS", "SSSS", "SSS", "SS", "S",
	"A", "a", "ZZ", "Z", "zz", "z", "X", "x",
	"WW", "Wo", "W", "ww", "wo", "w",
}

func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// momentFormat renders t by a moment.js format (English locale): tokens as
// listed above, [text] and \c literal, anything else as it is.
func momentFormat(t time.Time, f string) string {
	var b strings.Builder
	for i := 0; i < len(f); {
		if f[i] == '[' {
			if end := strings.IndexByte(f[i:], ']'); end > 0 {
				b.WriteString(f[i+1 : i+end])
				i += end + 1
				continue
			}
		}
		if f[i] == '\\' && i+1 < len(f) {
			b.WriteByte(f[i+1])
			i += 2
			continue
		}
		tok := ""
		for _, k := range momentTokens {
			if strings.HasPrefix(f[i:], k) {
				tok = k
				break
			}
		}
		if tok == "" {
			b.WriteByte(f[i])
			i++
			continue
		}
		i += len(tok)
		b.WriteString(momentToken(t, tok))
	}
	return b.String()
}

func momentToken(t time.Time, tok string) string {
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	_, isoWeek := t.ISOWeek()
	// Locale week (en: weeks start on Sunday, week 1 contains Jan 1).
	jan1 := time.Date(t.Year(), 1, 1, 0, 0, 0, 0, t.Location())
	week := (t.YearDay()+int(jan1.Weekday())-1)/7 + 1
	_, offset := t.Zone()
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	switch tok {
	case "YYYYYY":
		return "+" + pad(t.Year(), 6)
	case "YYYYY":
		return pad(t.Year(), 5)
	case "YYYY":
		return pad(t.Year(), 4)
	case "YY":
		return pad(t.Year()%100, 2)
	case "Y":
		return strconv.Itoa(t.Year())
	case "MMMM":
		return monthNames[t.Month()-1]
	case "MMM":
		return monthNames[t.Month()-1][:3]
	case "MM":
		return pad(int(t.Month()), 2)
	case "Mo":
		return ordinal(int(t.Month()))
	case "M":
		return strconv.Itoa(int(t.Month()))
	case "DDDD":
		return pad(t.YearDay(), 3)
	case "DDDo":
		return ordinal(t.YearDay())
	case "DDD":
		return strconv.Itoa(t.YearDay())
	case "Do":
		return ordinal(t.Day())
	case "DD":
		return pad(t.Day(), 2)
	case "D":
		return strconv.Itoa(t.Day())
	case "dddd":
		return dayNames[t.Weekday()]
	case "ddd":
		return dayNames[t.Weekday()][:3]
	case "dd":
		return dayNames[t.Weekday()][:2]
	case "do":
		return ordinal(int(t.Weekday()))
	case "d", "e":
		return strconv.Itoa(int(t.Weekday()))
	case "E":
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return strconv.Itoa(wd)
	case "Qo":
		return ordinal((int(t.Month())-1)/3 + 1)
	case "Q":
		return strconv.Itoa((int(t.Month())-1)/3 + 1)
	case "HH":
		return pad(t.Hour(), 2)
	case "H":
		return strconv.Itoa(t.Hour())
	case "hh":
		return pad(h12, 2)
	case "h":
		return strconv.Itoa(h12)
	case "kk":
		k := t.Hour()
		if k == 0 {
			k = 24
		}
		return pad(k, 2)
	case "k":
		k := t.Hour()
		if k == 0 {
			k = 24
		}
		return strconv.Itoa(k)
	case "mm":
		return pad(t.Minute(), 2)
	case "m":
		return strconv.Itoa(t.Minute())
	case "ss":
		return pad(t.Second(), 2)
	case "s":
		return strconv.Itoa(t.Second())
	case "A":
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case "a":
		if t.Hour() < 12 {
			return "am"
		}
		return "pm"
	case "ZZ":
		return sign + pad(offset/3600, 2) + pad(offset%3600/60, 2)
	case "Z":
		return sign + pad(offset/3600, 2) + ":" + pad(offset%3600/60, 2)
	case "zz", "z":
		name, _ := t.Zone()
		return name
	case "X":
		return strconv.FormatInt(t.Unix(), 10)
	case "x":
		return strconv.FormatInt(t.UnixMilli(), 10)
	case "WW":
		return pad(isoWeek, 2)
	case "Wo":
		return ordinal(isoWeek)
	case "W":
		return strconv.Itoa(isoWeek)
	case "ww":
		return pad(week, 2)
	case "wo":
		return ordinal(week)
	case "w":
		return strconv.Itoa(week)
	}
	if tok[0] == 'S' { // fractional seconds, truncated to len(tok) digits
		frac := pad(t.Nanosecond(), 9)
		return frac[:len(tok)]
	}
	return tok
}

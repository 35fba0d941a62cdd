package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var HS012 = register(&lint.Rule{
	ID:       "HS012",
	Name:     "legacy-key-value-format",
	Aliases:  []string{"LegacyKeyValueFormat"},
	Severity: lint.Warning,
	Summary:  "Legacy key/value format with whitespace separator should not be used",
	Rationale: "Mirrors BuildKit's LegacyKeyValueFormat check. `ENV key value` and `LABEL key value` are " +
		"the deprecated whitespace form: everything after the key, spaces included, becomes one value, " +
		"and only one pair fits per instruction. Write `key=value` (quote values with spaces). As in " +
		"BuildKit, ARG is not concerned: `ARG a b` declares two ARGs, it is not a legacy pair (BuildKit's " +
		"documentation says otherwise, its code does not). hoist reports at the key.",
	Bad:  "FROM alpine:3.20\nENV APP_HOME /app\n",
	Good: "FROM alpine:3.20\nENV APP_HOME=/app\n",
	Fix: "Writes `key=value`, double-quoting a value with spaces, only when BuildKit's parser and expander " +
		"give exactly the same value (continuation lines are kept).",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			var key, value string
			switch c := in.Typed.(type) {
			case *instructions.EnvCommand:
				if len(c.Env) != 1 || !c.Env[0].NoDelim {
					continue
				}
				key, value = c.Env[0].Key, c.Env[0].Value
			case *instructions.LabelCommand:
				if len(c.Labels) != 1 || !c.Labels[0].NoDelim {
					continue
				}
				key, value = c.Labels[0].Key, c.Labels[0].Value
			default:
				continue
			}
			r := in.ArgsRange()
			if ws := in.Words(); len(ws) > 0 {
				r = ws[0].Range
			}
			fix, written := fixLegacyPair(p.File, in, key, value)
			if fix == nil || len(written) > 40 || strings.ContainsAny(written, "\t\v\f\r") {
				written = legacyValue(value)
			}
			p.ReportFix(r, "\""+in.Keyword+" key=value\" should be used instead of legacy \""+in.Keyword+
				" key value\" format: write "+in.Keyword+" "+key+"="+written, fix)
		}
	},
})

// legacyValue is how the value of a legacy pair is written after '='.
func legacyValue(v string) string {
	if !strings.ContainsAny(v, " \t") {
		return v
	}
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] && !strings.ContainsRune(v[1:len(v)-1], rune(v[0])) {
		return v
	}
	if len(v) > 40 || strings.ContainsAny(v, "\"\\") {
		return "\"...\" (the value in double quotes)"
	}
	return "\"" + v + "\""
}

// fixLegacyPair builds the fix of the legacy pair `key value` of in: the
// separator becomes '=' and the value is made one word, in the first of
// these ways that BuildKit reads as the same value: as it is (no space,
// or already one quoted string); in double quotes added around it (it has
// no quote or escape of its own; works across continuation lines); or
// rewritten as one double-quoted string (on one line only). It returns
// the fix and the value as now written, or nil.
func fixLegacyPair(f *dockerfile.File, in *dockerfile.Instruction, key, value string) (*lint.Fix, string) {
	if value == "" || !strings.HasPrefix(in.Args, key) {
		return nil, ""
	}
	rest := in.Args[len(key):]
	sep := len(rest) - len(strings.TrimLeft(rest, " \t\v\f\r"))
	if sep == 0 || !strings.HasPrefix(rest[sep:], value) {
		return nil, ""
	}
	keyEnd := in.ArgsOffset + len(key)
	valOff := keyEnd + sep
	sepRange := dockerfile.Range{Start: in.Pos(keyEnd), End: in.Pos(valOff)}
	// The separator may end a line (ENV KEY \ + value on the next): the
	// two lines are joined, unless comments or blank lines sit between.
	if sepRange.End.Line-sepRange.Start.Line > 1 {
		return nil, ""
	}
	valRange := in.Span(valOff, len(value))
	desc := "write " + in.Keyword + " " + key + "=value"
	if fixPlainWord(key, f.EscapeToken) && fixPlainWord(value, f.EscapeToken) || fixSamePair(f, in.Name, key, value, value) {
		return &lint.Fix{Description: desc, Edits: []lint.Edit{lint.NewEdit(sepRange, "=")}}, value
	}
	esc := string(f.EscapeToken)
	if !strings.ContainsAny(value, "\"'"+esc) {
		quoted := "\"" + value + "\""
		// With no $, < or bad UTF-8 either, every byte means itself both
		// bare and in double quotes: no check needed.
		literal := !strings.ContainsAny(value, "$<") && utf8.ValidString(value)
		if fixPlainWord(key, f.EscapeToken) && literal || fixSamePair(f, in.Name, key, value, quoted) {
			return &lint.Fix{Description: desc, Edits: []lint.Edit{
				lint.NewEdit(sepRange, "=\""),
				lint.Insert(valRange.End, "\""),
			}}, quoted
		}
	}
	if valRange.Start.Line != valRange.End.Line || valRange.End.Column-valRange.Start.Column != utf8.RuneCountInString(value) {
		return nil, ""
	}
	quoted, ok := fixRequote(value, f.EscapeToken)
	if !ok || !fixSamePair(f, in.Name, key, value, quoted) {
		return nil, ""
	}
	whole := dockerfile.Range{Start: sepRange.Start, End: valRange.End}
	return &lint.Fix{Description: desc, Edits: []lint.Edit{lint.NewEdit(whole, "="+quoted)}}, quoted
}

// fixPlainWord reports whether s is valid UTF-8 (BuildKit's word splitter
// turns bad bytes into U+FFFD) with no space, quote or escape token: BuildKit
// reads key=s as one word giving the same text, no check needed.
func fixPlainWord(s string, escape rune) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '"' || r == '\'' || r == escape
	})
}

// fixRequote rewrites the legacy value v (quotes and escapes as the shell
// lexer reads them) as one double-quoted string. It gives up on ${...}
// (whose words follow their own quoting) and unbalanced quotes.
func fixRequote(v string, escape rune) (string, bool) {
	var b strings.Builder
	lit := func(r rune) {
		if r == '"' || r == '$' || r == escape {
			b.WriteRune(escape)
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	rs := []rune(v)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == escape:
			if i+1 < len(rs) {
				i++
				lit(rs[i])
			}
		case r == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				lit(rs[j])
				j++
			}
			if j == len(rs) {
				return "", false
			}
			i = j
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				switch {
				case rs[j] == escape && j+1 < len(rs):
					// Kept as written: it means the same inside our quotes.
					b.WriteRune(rs[j])
					j++
				case rs[j] == '$' && j+1 < len(rs) && rs[j+1] == '{':
					return "", false
				}
				b.WriteRune(rs[j])
				j++
			}
			if j == len(rs) {
				return "", false
			}
			i = j
		case r == '$':
			if i+1 < len(rs) && rs[i+1] == '{' {
				return "", false
			}
			b.WriteRune(r)
		default:
			lit(r)
		}
	}
	b.WriteByte('"')
	return b.String(), true
}

// fixSamePair reports whether BuildKit reads `name key=written` as the one
// new-form pair of key with the same value as the legacy `name key value`:
// the values must expand alike with no variable set and with every
// variable set.
func fixSamePair(f *dockerfile.File, name, key, value, written string) bool {
	var src strings.Builder
	if f.EscapeToken != '\\' {
		src.WriteString("# escape=" + string(f.EscapeToken) + "\n")
	}
	src.WriteString(name + " " + key + "=" + written + "\n")
	res, err := parser.Parse(strings.NewReader(src.String()))
	if err != nil || res.EscapeToken != f.EscapeToken || len(res.AST.Children) != 1 {
		return false
	}
	typed, err := instructions.ParseInstruction(res.AST.Children[0])
	if err != nil {
		return false
	}
	var pairs instructions.KeyValuePairs
	switch c := typed.(type) {
	case *instructions.EnvCommand:
		pairs = c.Env
	case *instructions.LabelCommand:
		pairs = c.Labels
	}
	if len(pairs) != 1 || pairs[0].NoDelim || pairs[0].Key != key {
		return false
	}
	lex := shell.NewLex(f.EscapeToken)
	for _, env := range []shell.EnvGetter{fixNoEnv{}, fixAnyEnv{}} {
		want, _, err1 := lex.ProcessWord(value, env)
		got, _, err2 := lex.ProcessWord(pairs[0].Value, env)
		if err1 != nil || err2 != nil || got != want {
			return false
		}
	}
	return true
}

// fixNoEnv has no variable set; fixAnyEnv has every variable set (to a
// value naming it).
type (
	fixNoEnv  struct{}
	fixAnyEnv struct{}
)

func (fixNoEnv) Get(string) (string, bool)       { return "", false }
func (fixNoEnv) Keys() []string                  { return nil }
func (fixAnyEnv) Get(name string) (string, bool) { return "<" + name + " value>", true }
func (fixAnyEnv) Keys() []string                 { return nil }

package dockerfile

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// KeyValue is one name[=value] of an ARG, ENV or LABEL instruction, split
// the way BuildKit's parser splits them (parseWords, then parseNameVal for
// ENV and LABEL, parseNameOrNameVal for ARG): words end at blanks outside
// quotes, the escape token protects the next character (outside single
// quotes), and each word is cut at its first '='.
type KeyValue struct {
	// Key and Value are the text as written, quotes and escapes kept: what
	// BuildKit's typed instruction holds before expansion. Unquote gives
	// what the build sees when they refer to no variable.
	Key, Value string
	// HasValue is false for an ARG without '=' (declared without default).
	HasValue bool
	// Legacy marks the "ENV KEY value" form: one pair whose value is the
	// rest of the line.
	Legacy bool
	// KeyOffset and ValueOffset are where Key and Value start in the
	// logical line; ValueOffset is just after the '=' (or the blanks of the
	// legacy form), also when the value is empty.
	KeyOffset, ValueOffset int
	KeyRange               Range
	// ValueRange is empty (Start == End) for an empty value.
	ValueRange Range
	// Range spans the key to the end of the value; for an empty value it
	// ends after the '='.
	Range Range
}

// KeyValues splits the arguments of an ARG, ENV or LABEL instruction (also
// when it is an ONBUILD trigger) into its pairs, with their positions. It
// returns nil for other instructions and when BuildKit rejects the
// arguments (a word without '=' after a first word with one, "ENV KEY"
// without a value, an ARG with an empty name).
func (in *Instruction) KeyValues() []KeyValue {
	kind, args, off := in.Name, in.Args, in.ArgsOffset
	if kind == "onbuild" {
		kind = in.OnbuildTrigger()
		// The trigger's arguments follow its keyword, as BuildKit's
		// splitCommand cuts them.
		lead := len(args) - len(strings.TrimLeftFunc(args, unicode.IsSpace))
		kw := strings.IndexAny(args[lead:], blanks)
		if kw < 0 {
			return nil
		}
		args, off = args[lead+kw:], off+lead+kw
	}
	if kind != "arg" && kind != "env" && kind != "label" {
		return nil
	}
	// BuildKit trims the arguments (strings.TrimSpace) before splitting.
	lead := len(args) - len(strings.TrimLeftFunc(args, unicode.IsSpace))
	rest := strings.TrimRightFunc(args[lead:], unicode.IsSpace)
	off += lead
	spans, ok := splitKeyValues(kind, rest, in.escape)
	if !ok {
		return nil
	}
	out := make([]KeyValue, 0, len(spans))
	for _, sp := range spans {
		kv := KeyValue{
			Key:         rest[sp.ks:sp.ke],
			Value:       rest[sp.vs:sp.ve],
			HasValue:    sp.hasValue,
			Legacy:      sp.legacy,
			KeyOffset:   off + sp.ks,
			ValueOffset: off + sp.vs,
		}
		kv.KeyRange = in.Span(kv.KeyOffset, sp.ke-sp.ks)
		kv.ValueRange = in.Span(kv.ValueOffset, sp.ve-sp.vs)
		kv.Range = Range{Start: kv.KeyRange.Start, End: kv.ValueRange.End}
		if sp.ve == sp.vs {
			kv.Range.End = kv.KeyRange.End
			if sp.vs > sp.ke {
				kv.Range.End = in.Span(off+sp.ke, sp.vs-sp.ke).End
			}
		}
		out = append(out, kv)
	}
	return out
}

// blanks are what BuildKit's reWhitespace matches.
const blanks = " \t\v\f\r"

// kvSpan is a pair as byte offsets into the (trimmed) arguments.
type kvSpan struct {
	ks, ke, vs, ve   int
	hasValue, legacy bool
}

// splitKeyValues is BuildKit's parseNameVal (kind "env", "label") or
// parseNameOrNameVal plus parseArg (kind "arg") over rest, the trimmed
// arguments. ok is false where BuildKit reports a syntax error.
func splitKeyValues(kind, rest string, escape rune) ([]kvSpan, bool) {
	words := wordSpans(rest, escape)
	if len(words) == 0 {
		return nil, true
	}
	var out []kvSpan
	if kind == "arg" {
		for _, w := range words {
			eq := strings.IndexByte(rest[w[0]:w[1]], '=')
			if eq < 0 {
				out = append(out, kvSpan{ks: w[0], ke: w[1], vs: w[1], ve: w[1]})
				continue
			}
			if eq == 0 {
				return nil, false
			}
			out = append(out, kvSpan{ks: w[0], ke: w[0] + eq, vs: w[0] + eq + 1, ve: w[1], hasValue: true})
		}
		return out, true
	}
	if !strings.Contains(rest[words[0][0]:words[0][1]], "=") {
		// Legacy form: the key runs to the first blank, the value is the rest.
		ke := strings.IndexAny(rest, blanks)
		if ke < 0 {
			return nil, false
		}
		vs := ke
		for vs < len(rest) && strings.IndexByte(blanks, rest[vs]) >= 0 {
			vs++
		}
		return []kvSpan{{ks: 0, ke: ke, vs: vs, ve: len(rest), hasValue: true, legacy: true}}, true
	}
	for _, w := range words {
		eq := strings.IndexByte(rest[w[0]:w[1]], '=')
		if eq < 0 {
			return nil, false
		}
		out = append(out, kvSpan{ks: w[0], ke: w[0] + eq, vs: w[0] + eq + 1, ve: w[1], hasValue: true})
	}
	return out, true
}

// wordSpans is BuildKit's parseWords returning [start, end) byte offsets:
// words end at blanks outside quotes; the escape token protects the next
// character (inside double quotes too, not inside single quotes). Words keep
// their quotes and escapes, so each is the source text, except that an
// escape token ending the input is dropped, as BuildKit drops it.
func wordSpans(s string, escape rune) [][2]int {
	const (
		inSpaces = iota
		inWord
		inQuote
	)
	var words [][2]int
	phase := inSpaces
	var quote rune
	start, end := 0, 0
	content := false // BuildKit's blankOK || sbuilder.Len() > 0
	for pos := 0; ; {
		if pos >= len(s) {
			if phase != inSpaces && content {
				words = append(words, [2]int{start, end})
			}
			return words
		}
		ch, w := utf8.DecodeRuneInString(s[pos:])
		switch phase {
		case inSpaces:
			if unicode.IsSpace(ch) {
				pos += w
				continue
			}
			phase, start, end, content = inWord, pos, pos, false
			continue
		case inWord:
			if unicode.IsSpace(ch) {
				if content {
					words = append(words, [2]int{start, end})
				}
				phase = inSpaces
				pos += w
				continue
			}
			if ch == '\'' || ch == '"' {
				quote, phase = ch, inQuote
			}
			if ch == escape {
				if pos+w == len(s) {
					pos += w // an escape token at the end is dropped
					continue
				}
				pos += w
				_, w = utf8.DecodeRuneInString(s[pos:])
			}
		case inQuote:
			if ch == quote {
				phase = inWord
			}
			if ch == escape && quote != '\'' {
				if pos+w == len(s) {
					phase = inWord
					pos += w
					continue
				}
				pos += w
				_, w = utf8.DecodeRuneInString(s[pos:])
			}
		}
		content = true
		pos += w
		end = pos
	}
}

// VarRef is a variable reference ($NAME or ${NAME...}) in a text.
type VarRef struct {
	Name string
	// Offset is the byte offset of the '$'; Len runs through the name
	// ("$NAME", "${NAME"), not the modifier or closing brace of a braced
	// reference.
	Offset, Len int
	// Braced is set for ${NAME...}.
	Braced bool
}

// VarRefs finds the variable references BuildKit's shell lexer expands in
// text: not after the escape token, not inside single quotes. Names are read
// as the lexer reads them: letters, digits and '_', or a run of digits, or
// one special parameter such as $@ or $$.
func VarRefs(text string, escape rune) []VarRef { return varRefs(text, escape, true) }

// RawVarRefs is VarRefs for the text BuildKit expands raw, with '\' as the
// escape and quotes taken literally: the bodies of unquoted heredocs.
func RawVarRefs(text string) []VarRef { return varRefs(text, '\\', false) }

func varRefs(s string, escape rune, quotes bool) []VarRef {
	var refs []VarRef
	inSingle, inDouble := false, false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case inSingle:
			if r == '\'' {
				inSingle = false
			}
			i += size
			continue
		case r == escape:
			i += size
			if i < len(s) {
				_, n := utf8.DecodeRuneInString(s[i:])
				i += n
			}
			continue
		case quotes && r == '\'' && !inDouble:
			inSingle = true
			i += size
			continue
		case quotes && r == '"':
			inDouble = !inDouble
			i += size
			continue
		case r != '$':
			i += size
			continue
		}
		j := i + 1
		braced := j < len(s) && s[j] == '{'
		if braced {
			j++
		}
		name := varName(s[j:])
		if name == "" {
			i++
			continue
		}
		end := j + len(name)
		refs = append(refs, VarRef{Name: name, Offset: i, Len: end - i, Braced: braced})
		i = end
	}
	return refs
}

// varName reads a variable name as BuildKit's processName does.
func varName(s string) string {
	if s == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(s)
	if unicode.IsDigit(r) {
		n := 0
		for n < len(s) {
			d, sz := utf8.DecodeRuneInString(s[n:])
			if !unicode.IsDigit(d) {
				break
			}
			n += sz
		}
		return s[:n]
	}
	if strings.ContainsRune("@*#?-$!0", r) {
		return s[:size]
	}
	n := 0
	for n < len(s) {
		c, sz := utf8.DecodeRuneInString(s[n:])
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '_' {
			break
		}
		n += sz
	}
	return s[:n]
}

// Unquote returns word as the build sees it when it refers to no variable:
// quotes and escapes removed by BuildKit's shell lexer. When word refers to
// a variable (its value then depends on the scope) or the lexer rejects it,
// Unquote returns word as written and false.
func Unquote(word string, escape rune) (string, bool) {
	if plainWord(word) {
		return word, true
	}
	res, err := shell.NewLex(escape).ProcessWordWithMatches(word, emptyEnv{})
	if err != nil || len(res.Unmatched) > 0 {
		return word, false
	}
	return res.Result, true
}

// plainWord reports whether BuildKit's lexer leaves word as it is: no
// variable, quote or escape character (either escape token), and nothing
// its text scanner would change (invalid UTF-8, a leading byte-order mark).
func plainWord(word string) bool {
	return !strings.ContainsAny(word, "$'\"\\`") && utf8.ValidString(word) && !strings.HasPrefix(word, "\ufeff")
}

type emptyEnv struct{}

func (emptyEnv) Get(string) (string, bool) { return "", false }
func (emptyEnv) Keys() []string            { return nil }

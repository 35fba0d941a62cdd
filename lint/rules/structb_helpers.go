package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// sbChain returns s and the stages it is built on, nearest first.
func sbChain(s *dockerfile.Stage) []*dockerfile.Stage {
	var out []*dockerfile.Stage
	seen := map[*dockerfile.Stage]bool{}
	for ; s != nil && !seen[s]; s = s.BaseStage {
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// sbBefore returns the instructions of s that come before in (all of them
// when in is not in s).
func sbBefore(s *dockerfile.Stage, in *dockerfile.Instruction) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for _, x := range s.Instructions {
		if x == in {
			break
		}
		out = append(out, x)
	}
	return out
}

// sbSeenInChain reports whether an instruction named name occurs in the
// stage before in, or anywhere in a stage the stage is built on.
func sbSeenInChain(s *dockerfile.Stage, in *dockerfile.Instruction, name string) bool {
	for i, st := range sbChain(s) {
		list := st.Instructions
		if i == 0 {
			list = sbBefore(st, in)
		}
		for _, x := range list {
			if x.Name == name {
				return true
			}
		}
	}
	return false
}

// sbWord is a quote-aware word of an instruction's arguments, as BuildKit's
// parseWords splits them (quotes and escapes kept in Text).
type sbWord struct {
	Text   string
	Offset int // in the logical line
}

// sbWords splits in.Args the way BuildKit splits ENV and LABEL arguments:
// on blanks outside quotes, with the escape token protecting the next rune.
func sbWords(in *dockerfile.Instruction, escape rune) []sbWord {
	s := in.Args
	var words []sbWord
	start := -1
	var quote rune
	for pos := 0; pos < len(s); {
		ch, w := utf8.DecodeRuneInString(s[pos:])
		if start < 0 {
			if unicode.IsSpace(ch) {
				pos += w
				continue
			}
			start = pos
		}
		switch {
		case quote != 0:
			if ch == escape && quote == '"' && pos+w < len(s) {
				_, w2 := utf8.DecodeRuneInString(s[pos+w:])
				pos += w + w2
				continue
			}
			if ch == quote {
				quote = 0
			}
		case unicode.IsSpace(ch):
			words = append(words, sbWord{Text: s[start:pos], Offset: in.ArgsOffset + start})
			start = -1
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == escape && pos+w < len(s):
			_, w2 := utf8.DecodeRuneInString(s[pos+w:])
			pos += w + w2
			continue
		}
		pos += w
	}
	if start >= 0 {
		words = append(words, sbWord{Text: s[start:], Offset: in.ArgsOffset + start})
	}
	return words
}

// sbRef is a variable reference ($NAME or ${NAME...}) in a word.
type sbRef struct {
	Name   string
	Offset int // byte offset of the '$' in the text
	Len    int // bytes up to the end of the name (and '}' for ${NAME})
}

func sbIsNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func sbIsNameChar(c byte) bool { return sbIsNameStart(c) || (c >= '0' && c <= '9') }

// sbRefs finds the variable references BuildKit's shell lexer would expand
// in text: none inside single quotes, none after an escape token.
func sbRefs(text string, escape rune) []sbRef {
	var refs []sbRef
	esc := byte('\\')
	if escape == '`' {
		esc = '`'
	}
	inSingle, inDouble := false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inSingle:
			if c == '\'' {
				inSingle = false
			}
		case c == esc:
			i++ // the next byte is literal
		case c == '\'' && !inDouble:
			inSingle = true
		case c == '"':
			inDouble = !inDouble
		case c == '$' && i+1 < len(text):
			if text[i+1] == '{' {
				j := i + 2
				for j < len(text) && sbIsNameChar(text[j]) {
					j++
				}
				if j > i+2 {
					n := j - i
					if j < len(text) && text[j] == '}' {
						n++
					}
					refs = append(refs, sbRef{Name: text[i+2 : j], Offset: i, Len: n})
				}
				i = j - 1
			} else if sbIsNameStart(text[i+1]) {
				j := i + 1
				for j < len(text) && sbIsNameChar(text[j]) {
					j++
				}
				refs = append(refs, sbRef{Name: text[i+1 : j], Offset: i, Len: j - i})
				i = j - 1
			}
		}
	}
	return refs
}

// sbHasVar reports whether text refers to any variable.
func sbHasVar(text string, escape rune) bool { return len(sbRefs(text, escape)) > 0 }

// sbUnquote drops one pair of surrounding quotes.
func sbUnquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return strings.Trim(s, `"'`)
}

// sbFirstWord returns the first whitespace-separated word of the arguments.
func sbFirstWord(in *dockerfile.Instruction) (dockerfile.Word, bool) {
	ws := in.Words()
	if len(ws) == 0 {
		return dockerfile.Word{}, false
	}
	return ws[0], true
}

// sbDockerHub are the spellings of Docker Hub's registry in image
// references and in trusted-registry lists.
var sbDockerHub = []string{"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"}

func sbIsDockerHub(registry string) bool {
	registry = strings.ToLower(registry)
	for _, h := range sbDockerHub {
		if registry == h {
			return true
		}
	}
	return false
}

// sbRegistryMatches is hadolint's pattern match: "*" matches all,
// "*.example.com" a suffix, "registry.example*" a prefix, anything else the
// exact host (case-insensitive: host names are).
func sbRegistryMatches(pattern, registry string) bool {
	pattern = strings.ToLower(strings.TrimSpace(pattern))
	registry = strings.ToLower(registry)
	switch {
	case pattern == "":
		return false
	case pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(registry, pattern[1:])
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(registry, pattern[:len(pattern)-1])
	}
	return registry == pattern
}

// sbRegistryTrusted checks registry against the trusted list; Docker Hub is
// trusted under any of its spellings.
func sbRegistryTrusted(registry string, trusted []string) bool {
	candidates := []string{registry}
	if registry == "" || sbIsDockerHub(registry) {
		candidates = sbDockerHub
	}
	for _, p := range trusted {
		for _, c := range candidates {
			if sbRegistryMatches(p, c) {
				return true
			}
		}
	}
	return false
}

// sbLabelQuote quotes s as a double-quoted Dockerfile value: no variable is
// expanded and quotes survive.
func sbLabelQuote(s string, escape rune) string {
	e := string(escape)
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '$', escape:
			b.WriteString(e)
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// sbMountFrom returns the from= values of a RUN's --mount flags.
func sbMountFrom(in *dockerfile.Instruction) []string {
	var out []string
	for _, fl := range in.Flags {
		if fl.Name != "mount" {
			continue
		}
		for _, field := range strings.Split(fl.Value, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
			if ok && strings.EqualFold(k, "from") && v != "" {
				out = append(out, sbUnquote(v))
			}
		}
	}
	return out
}

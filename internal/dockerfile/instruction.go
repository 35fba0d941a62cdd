package dockerfile

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Instruction is one Dockerfile instruction with exact positions.
//
// BuildKit joins continuation lines into one logical line (dropping the escape
// characters, comment lines and empty lines between); Instruction keeps a map
// from every byte of that logical line back to the physical line and column,
// so any token a rule finds in the logical text gets its real position.
type Instruction struct {
	// Node is BuildKit's AST node.
	Node *parser.Node
	// Keyword is the instruction keyword as written ("RUN", "run", ...).
	Keyword string
	// Name is the lower-case keyword ("run").
	Name string
	// Range spans the keyword to the end of the last line, heredoc bodies included.
	Range Range
	// Flags are the builder flags (--from=..., --mount=...) in order.
	Flags []Flag
	// Args is the logical text after the keyword and the flags.
	Args string
	// ArgsOffset is where Args begins in the logical line.
	ArgsOffset int
	// Heredocs are the heredoc bodies attached to the instruction.
	Heredocs []Heredoc
	// Typed is BuildKit's typed instruction (*instructions.Stage for FROM,
	// an instructions.Command otherwise); nil when Err is set.
	Typed any
	// Err is set when BuildKit rejects the instruction's arguments.
	Err *ParseError
	// Stage is the stage the instruction belongs to (the stage a FROM opens);
	// nil for global ARGs and anything else before the first FROM.
	Stage *Stage
	// Index is the instruction's position in File.Instructions.
	Index int
	// EmptyContinuationLines are blank lines inside the instruction's
	// continuation (deprecated by BuildKit).
	EmptyContinuationLines []int

	logical  string
	escape   rune       // the file's escape token
	kwOffset int        // where the keyword starts in logical
	offsets  []Position // offsets[i] is the position of logical[i]; len = len(logical)+1
}

// Flag is one builder flag such as --from=build.
type Flag struct {
	// Name is without the leading dashes ("from").
	Name string
	// Value is the unquoted value ("" when the flag has no '=').
	Value string
	// HasValue tells "--link" from "--link=".
	HasValue bool
	// Raw is the flag as written.
	Raw   string
	Range Range
}

// Heredoc is a here-document attached to RUN, COPY or ADD.
type Heredoc struct {
	parser.Heredoc
	// Body spans the content lines and the terminator line.
	Body Range
	// ContentStart is the first line of content (== terminator line when empty).
	ContentStart int
}

// Word is a whitespace-separated word of an instruction's arguments.
type Word struct {
	Text   string
	Offset int // in the logical line
	Range  Range
}

// Logical returns the logical line (continuations joined) as BuildKit sees it.
func (in *Instruction) Logical() string { return in.logical }

// Pos maps a byte offset of the logical line to its source position.
func (in *Instruction) Pos(off int) Position {
	if off < 0 {
		off = 0
	}
	if off >= len(in.offsets) {
		off = len(in.offsets) - 1
	}
	return in.offsets[off]
}

// Span returns the range of n bytes of the logical line starting at off.
func (in *Instruction) Span(off, n int) Range {
	if n <= 0 {
		p := in.Pos(off)
		return Range{Start: p, End: p}
	}
	last := in.Pos(off + n - 1)
	return Range{Start: in.Pos(off), End: Position{last.Line, last.Column + 1}}
}

// KeywordRange is the range of the keyword.
func (in *Instruction) KeywordRange() Range { return in.Span(in.kwOffset, len(in.Keyword)) }

// LineRange is the range of the instruction without its heredoc bodies.
func (in *Instruction) LineRange() Range {
	return Range{Start: in.Range.Start, End: in.Span(0, len(in.logical)).End}
}

// ArgsRange is the range of the arguments after the flags.
func (in *Instruction) ArgsRange() Range {
	a := strings.TrimRight(in.Args, " \t")
	if a == "" {
		return in.KeywordRange()
	}
	return in.Span(in.ArgsOffset, len(a))
}

// Find returns the range of the first occurrence of s in the arguments
// (after the flags), or the arguments' range when s is not there.
func (in *Instruction) Find(s string) Range {
	if s != "" {
		if i := strings.Index(in.Args, s); i >= 0 {
			return in.Span(in.ArgsOffset+i, len(s))
		}
	}
	return in.ArgsRange()
}

// FindFrom is Find starting at a logical offset (to find later occurrences).
func (in *Instruction) FindFrom(s string, off int) (Range, int, bool) {
	if off < in.ArgsOffset {
		off = in.ArgsOffset
	}
	if s == "" || off > len(in.logical) {
		return in.ArgsRange(), -1, false
	}
	i := strings.Index(in.logical[off:], s)
	if i < 0 {
		return in.ArgsRange(), -1, false
	}
	return in.Span(off+i, len(s)), off + i, true
}

// Words splits the arguments on whitespace, keeping each word's range.
// It knows nothing of quotes: it is for instructions whose words cannot
// contain spaces (FROM, EXPOSE, USER, ...).
func (in *Instruction) Words() []Word {
	var words []Word
	s := in.Args
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		if j > i {
			off := in.ArgsOffset + i
			words = append(words, Word{Text: s[i:j], Offset: off, Range: in.Span(off, j-i)})
		}
		i = j
	}
	return words
}

// Flag returns the first flag with the given name.
func (in *Instruction) Flag(name string) (Flag, bool) {
	for _, fl := range in.Flags {
		if fl.Name == name {
			return fl, true
		}
	}
	return Flag{}, false
}

// IsJSON reports whether the instruction uses the exec (JSON array) form.
func (in *Instruction) IsJSON() bool {
	return in.Node != nil && in.Node.Attributes["json"]
}

// Command returns the typed command (nil for FROM or on error).
func (in *Instruction) Command() instructions.Command {
	c, _ := in.Typed.(instructions.Command)
	return c
}

// OnbuildTrigger returns the keyword of an ONBUILD's trigger instruction
// in lower case ("" when in is not an ONBUILD or has none).
func (in *Instruction) OnbuildTrigger() string {
	if in.Name != "onbuild" || in.Node == nil || in.Node.Next == nil || len(in.Node.Next.Children) == 0 {
		return ""
	}
	return strings.ToLower(in.Node.Next.Children[0].Value)
}

// newInstruction builds the positioned instruction for a top-level AST node.
func (f *File) newInstruction(n *parser.Node) *Instruction {
	in := &Instruction{Node: n, Keyword: n.Value, Name: strings.ToLower(n.Value), escape: f.EscapeToken}
	lastLine := f.mapLogical(in, n.StartLine)
	if in.logical != n.Original {
		// The reconstruction disagrees with BuildKit (should not happen):
		// keep BuildKit's text and pin every offset to the first line.
		in.logical = n.Original
		in.offsets = make([]Position, len(n.Original)+1)
		for i := range in.offsets {
			in.offsets[i] = Position{n.StartLine, 1}
		}
		lastLine = n.StartLine
	}
	f.splitKeywordFlags(in)

	cursor := lastLine + 1
	for _, h := range n.Heredocs {
		lines := strings.Count(h.Content, "\n")
		if h.Content != "" && !strings.HasSuffix(h.Content, "\n") {
			lines++
		}
		term := cursor + lines
		in.Heredocs = append(in.Heredocs, Heredoc{
			Heredoc:      h,
			ContentStart: cursor,
			Body:         Range{Start: Position{cursor, 1}, End: Position{term, f.lineEndColumn(term)}},
		})
		cursor = term + 1
	}
	end := in.Span(0, len(in.logical)).End
	if len(in.Heredocs) > 0 {
		end = in.Heredocs[len(in.Heredocs)-1].Body.End
	}
	in.Range = Range{Start: in.Pos(in.kwOffset), End: end}
	return in
}

// mapLogical rebuilds BuildKit's logical line from the physical lines
// starting at line start, recording where every byte came from. It returns
// the last physical line consumed.
func (f *File) mapLogical(in *Instruction, start int) int {
	esc := byte(f.EscapeToken)
	var b strings.Builder
	offs := make([]Position, 0, len(f.Line(start))+1)
	add := func(line int, text string, byteCol int) {
		phys := f.Line(line)
		col := utf8.RuneCountInString(phys[:min(byteCol, len(phys))]) + 1
		b.WriteString(text)
		for i := 0; i < len(text); {
			size := 1
			if text[i] >= utf8.RuneSelf {
				_, size = utf8.DecodeRuneInString(text[i:])
			}
			for k := 0; k < size; k++ {
				offs = append(offs, Position{line, col})
			}
			i += size
			col++
		}
	}
	trimCont := func(s string) (string, bool) { return trimContinuation(s, esc) }

	line := start
	phys := f.Line(line)
	if line == 1 {
		phys = strings.TrimPrefix(phys, "\ufeff")
	}
	trimmed := strings.TrimLeftFunc(phys, unicode.IsSpace)
	lead := len(phys) - len(trimmed)
	text, end := trimCont(trimmed)
	add(line, text, lead)
	for !end && line < len(f.Lines) {
		line++
		phys = f.Line(line)
		if isCommentLine(phys) {
			continue
		}
		if strings.TrimSpace(phys) == "" {
			in.EmptyContinuationLines = append(in.EmptyContinuationLines, line)
			continue
		}
		text, end = trimCont(phys)
		add(line, text, 0)
	}
	// The position after the last byte: one column past the end of the text.
	endPos := Position{start, lead + 1}
	if len(offs) > 0 {
		last := offs[len(offs)-1]
		endPos = Position{last.Line, last.Column + 1}
	}
	in.offsets = append(offs, endPos)
	in.logical = b.String()
	return line
}

// trimContinuation does what BuildKit's continuation regexp
// `([^E])E[ \t]*$|^E[ \t]*$` does (E the escape token), without a regexp:
// a line ending in an unescaped escape token continues on the next line.
// It returns the line without the token and whether the line ends the
// instruction.
func trimContinuation(s string, esc byte) (string, bool) {
	t := strings.TrimRight(s, " \t")
	n := len(t)
	if n == 0 || t[n-1] != esc {
		return s, true
	}
	if n == 1 {
		return "", false
	}
	if t[n-2] == esc {
		return s, true
	}
	return t[:n-1], false
}

func isCommentLine(s string) bool {
	t := strings.TrimLeft(s, " \t")
	return strings.HasPrefix(t, "#")
}

// splitKeywordFlags finds the keyword, the builder flags and the start of
// the arguments in the logical line, the way BuildKit's splitCommand does.
func (f *File) splitKeywordFlags(in *Instruction) {
	s := in.logical
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	in.kwOffset = i
	for i < len(s) && !isSpace(s[i]) {
		i++
	}
	var parsed []string
	if in.Node != nil {
		parsed = in.Node.Flags
	}
	for {
		j := i
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if !strings.HasPrefix(s[j:], "--") {
			i = j
			break
		}
		k := j
		var quote byte
		for k < len(s) {
			c := s[k]
			if quote != 0 {
				if c == quote {
					quote = 0
				} else if rune(c) == f.EscapeToken && k+1 < len(s) {
					k++
				}
			} else if c == '\'' || c == '"' {
				quote = c
			} else if rune(c) == f.EscapeToken && k+1 < len(s) {
				k++
			} else if isSpace(c) {
				break
			}
			k++
		}
		raw := s[j:k]
		i = k
		if raw == "--" {
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			break
		}
		fl := Flag{Raw: raw, Range: in.Span(j, len(raw))}
		text := raw[2:]
		if len(in.Flags) < len(parsed) {
			text = strings.TrimPrefix(parsed[len(in.Flags)], "--")
		}
		fl.Name, fl.Value, fl.HasValue = strings.Cut(text, "=")
		in.Flags = append(in.Flags, fl)
	}
	in.ArgsOffset = i
	in.Args = s[i:]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' }

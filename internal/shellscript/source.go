package shellscript

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// sourceMap gives the Dockerfile position of every byte of a script's
// source; offs has one more entry for the position just past the end.
type sourceMap struct {
	offs []dockerfile.Position
	// A script that is one stretch of an instruction's logical line maps
	// through the instruction instead of a copy: in, base and n.
	in      *dockerfile.Instruction
	base, n int
}

func (m *sourceMap) pos(off int) dockerfile.Position {
	if m != nil && m.in != nil {
		return m.in.Pos(m.base + max(0, min(off, m.n)))
	}
	if m == nil || len(m.offs) == 0 {
		return dockerfile.Position{Line: 1, Column: 1}
	}
	if off < 0 {
		off = 0
	}
	if off >= len(m.offs) {
		off = len(m.offs) - 1
	}
	return m.offs[off]
}

// builder assembles a source string piece by piece with its positions.
type builder struct {
	b    strings.Builder
	offs []dockerfile.Position
}

// addLogical appends n bytes of the instruction's logical line from start.
func (b *builder) addLogical(in *dockerfile.Instruction, start, n int) {
	text := in.Logical()
	end := min(start+n, len(text))
	for i := start; i < end; i++ {
		b.offs = append(b.offs, in.Pos(i))
	}
	b.b.WriteString(text[start:end])
}

// addLines appends text whose first line is Dockerfile line `line`, column 1.
func (b *builder) addLines(text string, line int) {
	col := 1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		for k := 0; k < size; k++ {
			b.offs = append(b.offs, dockerfile.Position{Line: line, Column: col})
		}
		b.b.WriteString(text[i : i+size])
		i += size
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
}

func (b *builder) finish(end dockerfile.Position) (string, *sourceMap) {
	return b.b.String(), &sourceMap{offs: append(b.offs, end)}
}

// logicalMap maps n bytes of the logical line from start.
func logicalMap(in *dockerfile.Instruction, start, n int) *sourceMap {
	return &sourceMap{in: in, base: start, n: max(0, min(n, len(in.Logical())-start))}
}

// fromOnbuild takes the script of ONBUILD RUN ...: the text after the RUN
// keyword and its flags.
func (s *Script) fromOnbuild(in *dockerfile.Instruction) {
	args := in.Args
	i := 0
	skipSpace := func() {
		for i < len(args) && (args[i] == ' ' || args[i] == '\t') {
			i++
		}
	}
	skipWord := func() {
		for i < len(args) && args[i] != ' ' && args[i] != '\t' {
			i++
		}
	}
	skipSpace()
	skipWord() // RUN
	skipSpace()
	for strings.HasPrefix(args[i:], "--") {
		start := i
		skipWord()
		if name, value, ok := strings.Cut(args[start+2:i], "="); ok && strings.EqualFold(name, "mount") {
			s.Mounts = append(s.Mounts, parseMount(value, in.Span(in.ArgsOffset+start, i-start)))
		}
		skipSpace()
	}
	rest := args[i:]
	if strings.HasPrefix(rest, "[") {
		s.Exec = true
		s.Skipped = "ONBUILD RUN in exec form"
		return
	}
	s.Source = rest
	s.src = logicalMap(in, in.ArgsOffset+i, len(rest))
}

// fromExec reads an exec-form RUN: one command whose words are the JSON
// strings; for ["sh", "-c", "script"] the script's commands follow.
func (s *Script) fromExec(in *dockerfile.Instruction) {
	s.Exec = true
	s.Source = in.Args
	s.src = logicalMap(in, in.ArgsOffset, len(in.Args))
	rc, ok := in.Typed.(*instructions.RunCommand)
	if !ok || len(rc.CmdLine) == 0 {
		return
	}
	words := make([]Word, 0, len(rc.CmdLine))
	off := 0
	for _, arg := range rc.CmdLine {
		enc, _ := json.Marshal(arg)
		start, end := off, off
		if i := strings.Index(s.Source[off:], string(enc)); i >= 0 {
			start, end = off+i, off+i+len(enc)
			off = end
		}
		words = append(words, Word{Value: arg, Literal: true, Raw: s.rawText(start, end), Range: s.Span(start, end)})
	}
	cmd := &Command{Script: s, Name: words[0].Value, NameWord: words[0], Args: words[1:]}
	cmd.Range = dockerfile.Range{Start: words[0].Range.Start, End: words[len(words)-1].Range.End}
	s.Commands = append(s.Commands, cmd)
	// The JSON string's content starts after its quote; escapes inside it
	// make later columns approximate.
	if script, start, ok := s.shellString(cmd.Unwrap(), s.Source); ok {
		cmd.RunsNested = s.nested(script, start, func(o int) int { return o })
	}
}

// fromHeredocs builds the script of a RUN with heredocs. `RUN <<EOF` alone
// runs the heredoc's body (with its shebang's interpreter, if any);
// otherwise the command line runs with the heredocs as here-documents, as
// a shell would read it. It returns false when the script is skipped.
func (s *Script) fromHeredocs(in *dockerfile.Instruction) bool {
	hs := in.Heredocs
	if len(hs) == 1 && isHeredocMarker(strings.TrimSpace(in.Args)) {
		h := hs[0]
		if strings.HasPrefix(h.Content, "#!") {
			first, _, _ := strings.Cut(h.Content, "\n")
			fields := strings.Fields(strings.TrimPrefix(first, "#!"))
			if len(fields) > 0 {
				interp := fields[0]
				if path.Base(interp) == "env" && len(fields) > 1 {
					interp = fields[1]
				}
				if !posixShells[path.Base(interp)] {
					s.Skipped = fmt.Sprintf("the heredoc runs %s, not a shell", path.Base(interp))
					return false
				}
				s.Shell = []string{interp}
			}
		}
		var b builder
		b.addLines(h.Content, h.ContentStart)
		s.Source, s.src = b.finish(h.Body.End)
		return true
	}
	var b builder
	b.addLogical(in, in.ArgsOffset, len(in.Args))
	b.addLines("\n", in.LineRange().End.Line)
	for _, h := range hs {
		content := h.Content
		if content != "" && !strings.HasSuffix(content, "\n") {
			content += "\n"
		}
		b.addLines(content, h.ContentStart)
		b.addLines(h.Name+"\n", h.Body.End.Line)
	}
	s.Source, s.src = b.finish(in.Range.End)
	return true
}

// isHeredocMarker reports whether s is only a heredoc marker: <<EOF,
// <<-EOF, <<"EOF", <<'EOF'.
func isHeredocMarker(s string) bool {
	if !strings.HasPrefix(s, "<<") {
		return false
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "<<"), "-")
	s = strings.Trim(s, `"'`)
	return s != "" && !strings.ContainsAny(s, " \t<>|&;")
}

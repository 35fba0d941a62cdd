package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// isShellForm reports whether a CMD or ENTRYPOINT uses the shell form.
func isShellForm(in *dockerfile.Instruction) bool {
	switch c := in.Typed.(type) {
	case *instructions.CmdCommand:
		return c.PrependShell
	case *instructions.EntrypointCommand:
		return c.PrependShell
	}
	// BuildKit rejected the instruction: judge by the form as written.
	return in.Typed == nil && !in.IsJSON() && len(in.Words()) > 0
}

// lastRange returns the range of the last occurrence of s in the
// instruction's arguments (a COPY's destination), or the arguments' range.
func lastRange(in *dockerfile.Instruction, s string) dockerfile.Range {
	if s != "" {
		if i := strings.LastIndex(in.Args, s); i >= 0 {
			return in.Span(in.ArgsOffset+i, len(s))
		}
	}
	return in.ArgsRange()
}

// copyFrom returns the --from flag of a COPY (not of an ONBUILD trigger).
func copyFrom(in *dockerfile.Instruction) (dockerfile.Flag, bool) {
	if in.Name != "copy" {
		return dockerfile.Flag{}, false
	}
	fl, ok := in.Flag("from")
	if !ok || fl.Value == "" {
		return dockerfile.Flag{}, false
	}
	return fl, true
}

// mountFroms returns the from= values of a RUN's --mount flags.
func mountFroms(in *dockerfile.Instruction) []string {
	var out []string
	for _, fl := range in.Flags {
		if fl.Name != "mount" {
			continue
		}
		for _, field := range strings.Split(fl.Value, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
			if ok && strings.EqualFold(k, "from") && v != "" {
				out = append(out, dropQuotes(v))
			}
		}
	}
	return out
}

// fromAsWords are a FROM's words when it has the "image AS name" shape, as
// BuildKit's stage name checks look at them.
func fromAsWords(in *dockerfile.Instruction) (as, name dockerfile.Word, ok bool) {
	ws := in.Words()
	if len(ws) != 3 || !strings.EqualFold(ws[1].Text, "as") {
		return dockerfile.Word{}, dockerfile.Word{}, false
	}
	return ws[1], ws[2], true
}

// keywordEnd is the logical offset just after the instruction keyword.
func keywordEnd(in *dockerfile.Instruction) int {
	i := strings.Index(in.Logical(), in.Keyword)
	if i < 0 {
		return 0
	}
	return i + len(in.Keyword)
}

// varRefRange is the range of the first reference to name in the logical
// line of in between the byte offsets lo and hi, then in its expanding
// heredoc bodies.
func varRefRange(f *dockerfile.File, in *dockerfile.Instruction, name string, lo, hi int) (dockerfile.Range, bool) {
	logical := in.Logical()
	lo = max(0, min(lo, len(logical)))
	hi = max(lo, min(hi, len(logical)))
	for _, r := range dockerfile.VarRefs(logical[lo:hi], f.EscapeToken) {
		if r.Name == name {
			return in.Span(lo+r.Offset, r.Len), true
		}
	}
	for _, h := range in.Heredocs {
		if !h.Expand {
			continue
		}
		for line := h.ContentStart; line < h.Body.End.Line; line++ {
			text := f.Line(line)
			for _, r := range dockerfile.RawVarRefs(text) {
				if r.Name == name {
					col := utf8.RuneCountInString(text[:r.Offset]) + 1
					n := utf8.RuneCountInString(text[r.Offset : r.Offset+r.Len])
					return dockerfile.Range{
						Start: dockerfile.Position{Line: line, Column: col},
						End:   dockerfile.Position{Line: line, Column: col + n},
					}, true
				}
			}
		}
	}
	return in.ArgsRange(), false
}

// sourceRange finds the word of a COPY/ADD source among the instruction's
// words, skipping those already used by an earlier source (the text of
// the instruction where no word is the source).
func sourceRange(in *dockerfile.Instruction, words []dockerfile.Word, used map[int]bool, src string) dockerfile.Range {
	if in.IsJSON() {
		return in.Find(`"` + src + `"`)
	}
	for i, w := range words {
		if !used[i] && w.Text == src {
			used[i] = true
			return w.Range
		}
	}
	return in.Find(src)
}

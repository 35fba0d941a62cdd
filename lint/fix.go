package lint

import (
	"bytes"
	"sort"
	"unicode/utf8"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// maxFixPasses bounds the fix loop: each pass applies the fixes that do not
// overlap, then lints again, until nothing is left to fix.
const maxFixPasses = 8

// Fix lints src and applies the findings' fixes until none is left (or
// maxFixPasses is reached). It returns the fixed source and the findings
// whose fixes were applied, in the order applied.
func (l *Linter) Fix(name string, src []byte) ([]byte, []Finding) {
	var applied []Finding
	cur := src
	for pass := 0; pass < maxFixPasses; pass++ {
		res := l.Lint(name, cur)
		next, done := ApplyFixes(cur, res.Findings)
		if len(done) == 0 {
			break
		}
		// A fix that leaves the file unparsable is not a fix.
		if f := dockerfile.Parse(name, next); f.Err != nil {
			break
		}
		applied = append(applied, done...)
		cur = next
	}
	return cur, applied
}

// ApplyFixes applies the fixes of findings to src. Edits that overlap an
// edit already taken are left for a later pass (with their whole fix, so a
// fix is applied entirely or not at all). It returns the new source and the
// findings whose fixes were applied.
func ApplyFixes(src []byte, findings []Finding) ([]byte, []Finding) {
	idx := newOffsetIndex(src)
	var taken []span
	overlaps := func(s span) bool {
		for _, t := range taken {
			if s.start < t.end && t.start < s.end || (s.start == s.end && s.start == t.start) || (t.start == t.end && t.start == s.start) {
				return true
			}
		}
		return false
	}
	var edits []edit
	var applied []Finding
	for _, fd := range findings {
		if fd.Fix == nil || len(fd.Fix.Edits) == 0 {
			continue
		}
		var mine []edit
		ok := true
		for _, e := range fd.Fix.Edits {
			s, ok1 := idx.offset(e.Range.Start)
			t, ok2 := idx.offset(e.Range.End)
			if !ok1 || !ok2 || t < s || overlaps(span{s, t}) {
				ok = false
				break
			}
			mine = append(mine, edit{span{s, t}, e.New})
		}
		if !ok || selfOverlap(mine) {
			continue
		}
		for _, e := range mine {
			taken = append(taken, e.span)
		}
		edits = append(edits, mine...)
		applied = append(applied, fd)
	}
	if len(edits) == 0 {
		return src, nil
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	out := append([]byte(nil), src...)
	for _, e := range edits {
		out = append(out[:e.start], append([]byte(e.text), out[e.end:]...)...)
	}
	return out, applied
}

type span struct{ start, end int }

type edit struct {
	span
	text string
}

// selfOverlap reports whether edits of one fix overlap each other.
func selfOverlap(edits []edit) bool {
	for i := range edits {
		for j := i + 1; j < len(edits); j++ {
			a, b := edits[i].span, edits[j].span
			if a.start < b.end && b.start < a.end || a.start == b.start {
				return true
			}
		}
	}
	return false
}

// offsetIndex converts Dockerfile positions (line, code-point column) to
// byte offsets of the source.
type offsetIndex struct {
	src   []byte
	lines []int // byte offset where each line starts
	bom   int
}

func newOffsetIndex(src []byte) *offsetIndex {
	idx := &offsetIndex{src: src, lines: []int{0}}
	if bytes.HasPrefix(src, []byte("\ufeff")) {
		idx.bom = 3
		idx.lines[0] = 3
	}
	for i, c := range src {
		if c == '\n' {
			idx.lines = append(idx.lines, i+1)
		}
	}
	return idx
}

func (x *offsetIndex) offset(p dockerfile.Position) (int, bool) {
	if p.Line < 1 || p.Line > len(x.lines) || p.Column < 1 {
		return 0, false
	}
	off := x.lines[p.Line-1]
	for col := 1; col < p.Column; col++ {
		if off >= len(x.src) || x.src[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(x.src[off:])
		off += size
	}
	return off, true
}

package policy

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Related is the Extra of a diagnostic about more than one place — a
// duplicate name (both definitions), a cycle (every reference in it) — so
// that Render can show each place.
type Related struct {
	Notes []Note
}

// Note is another place a diagnostic is about.
type Note struct {
	Message string
	Subject hcl.Range
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// Render writes diagnostics for people, in the order given, each as
//
//	hoist.hcl:12:3: error: Unsupported argument
//	  An argument named "tag" is not expected here. Did you mean "tags"?
//	   12 |   tag = ["edge"]
//	      |   ^^^
//
// then, for a diagnostic about several places, a "note" with its own source
// line for each, and, for an evaluation error, the values of the variables
// the expression used ("with git.tag = ...", sorted). files gives the
// source lines (Policy.Files); a diagnostic whose file is missing is
// written without them. color adds ANSI colours. The output depends only on
// its inputs: no terminal width, no map order.
func Render(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, color bool) error {
	paint := func(code, s string) string {
		if !color || s == "" {
			return s
		}
		return code + s + ansiReset
	}
	var buf bytes.Buffer
	for i, d := range diags {
		if d == nil {
			continue
		}
		if i > 0 {
			buf.WriteByte('\n')
		}
		sev, code := "error", ansiRed
		if d.Severity == hcl.DiagWarning {
			sev, code = "warning", ansiYellow
		}
		loc := ""
		if d.Subject != nil {
			loc = fmt.Sprintf("%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(&buf, "%s%s %s\n", paint(ansiBold, loc), paint(ansiBold+code, sev+":"), paint(ansiBold, d.Summary))
		if detail := strings.TrimSpace(d.Detail); detail != "" {
			for _, line := range strings.Split(detail, "\n") {
				if line == "" {
					buf.WriteByte('\n')
					continue
				}
				fmt.Fprintf(&buf, "  %s\n", line)
			}
		}
		if d.Subject != nil {
			snippet(&buf, files, *d.Subject, func(s string) string { return paint(code, s) })
		}
		for _, line := range exprValues(d) {
			fmt.Fprintf(&buf, "  with %s\n", line)
		}
		if rel, ok := hcl.DiagnosticExtra[*Related](d); ok {
			for _, n := range rel.Notes {
				fmt.Fprintf(&buf, "%s %s %s\n", paint(ansiBold, rangeString(n.Subject)+":"), paint(ansiBold+ansiCyan, "note:"), n.Message)
				snippet(&buf, files, n.Subject, func(s string) string { return paint(ansiCyan, s) })
			}
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// snippet writes the first source line of a range with carets under the
// range (to the end of the line when it goes on).
func snippet(buf *bytes.Buffer, files map[string]*hcl.File, rng hcl.Range, paint func(string) string) {
	f := files[rng.Filename]
	if f == nil || f.Bytes == nil {
		return
	}
	src := f.Bytes
	start := rng.Start.Byte
	if start < 0 || start > len(src) {
		return
	}
	lineStart := bytes.LastIndexByte(src[:start], '\n') + 1
	lineEnd := len(src)
	if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
		lineEnd = start + i
	}
	end := rng.End.Byte
	if end > lineEnd || end < start {
		end = lineEnd
	}
	line := strings.TrimRight(string(src[lineStart:lineEnd]), "\r")
	disp, cols := displayColumns(line)
	before := utf8.RuneCount(src[lineStart:start])
	width := utf8.RuneCount(src[start:end])
	from := col(cols, before)
	to := col(cols, before+width)
	lineNo := fmt.Sprintf("%d", rng.Start.Line)
	gutter := strings.Repeat(" ", max(5-len(lineNo), 1)) + lineNo + " | "
	fmt.Fprintf(buf, "%s%s\n", gutter, disp)
	fmt.Fprintf(buf, "%s| %s%s\n", strings.Repeat(" ", len(gutter)-2), strings.Repeat(" ", from), paint(strings.Repeat("^", max(to-from, 1))))
}

// displayColumns expands tabs to 4 spaces and drops other control
// characters; cols[i] is the display column of rune i.
func displayColumns(s string) (string, []int) {
	var b strings.Builder
	cols := make([]int, 0, len(s)+1)
	d := 0
	for _, r := range s {
		cols = append(cols, d)
		switch {
		case r == '\t':
			b.WriteString("    ")
			d += 4
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			b.WriteRune('?')
			d++
		default:
			b.WriteRune(r)
			d++
		}
	}
	cols = append(cols, d)
	return b.String(), cols
}

func col(cols []int, i int) int {
	if i < len(cols) {
		return cols[i]
	}
	return cols[len(cols)-1]
}

// exprValues are "name = value" for the known values an evaluation error's
// expression used, sorted.
func exprValues(d *hcl.Diagnostic) []string {
	if d.Expression == nil || d.EvalContext == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, t := range d.Expression.Variables() {
		val, diags := t.TraverseAbs(d.EvalContext)
		if diags.HasErrors() || !val.IsWhollyKnown() || val.IsMarked() {
			continue
		}
		name := traversalString(t)
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, fmt.Sprintf("%s = %s", name, valueString(val)))
	}
	sort.Strings(out)
	return out
}

func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			b.WriteString("[" + valueString(s.Key) + "]")
		default:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// valueString writes a value as HCL, on one line, cut when long.
func valueString(v cty.Value) string {
	var b strings.Builder
	writeValue(&b, v)
	s := b.String()
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}

// writeValue writes a known value in HCL syntax, keys sorted. (hclwrite
// does this too, but needs a module hoist does not otherwise require.)
func writeValue(b *strings.Builder, v cty.Value) {
	switch {
	case v.IsNull():
		b.WriteString("null")
	case !v.IsKnown():
		b.WriteString("(not known)")
	case v.Type() == cty.String:
		b.WriteString(strconv.Quote(v.AsString()))
	case v.Type() == cty.Number:
		b.WriteString(v.AsBigFloat().Text('f', -1))
	case v.Type() == cty.Bool:
		b.WriteString(strconv.FormatBool(v.True()))
	case v.Type().IsListType() || v.Type().IsSetType() || v.Type().IsTupleType():
		b.WriteByte('[')
		for i, e := range v.AsValueSlice() {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	case v.Type().IsMapType() || v.Type().IsObjectType():
		m := v.AsValueMap()
		b.WriteByte('{')
		for i, k := range sortedKeys(m) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(b, "%s = ", strconv.Quote(k))
			writeValue(b, m[k])
		}
		b.WriteByte('}')
	default:
		b.WriteString(v.Type().FriendlyName())
	}
}

// suggest returns ` Did you mean "x"?` for the closest name, or "".
func suggest(given string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := levenshtein(given, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

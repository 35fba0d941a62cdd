package format

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hoistci/hoist/lint"
)

func init() { register("tty", writeTTY) }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiPurple = "\x1b[35m"
	ansiGreen  = "\x1b[32m"
)

func severityColor(s lint.Severity) string {
	switch s {
	case lint.Error:
		return ansiRed
	case lint.Warning:
		return ansiYellow
	case lint.Info:
		return ansiCyan
	default:
		return ansiPurple
	}
}

// writeTTY writes findings for people: a header with file:line:col, the
// severity and the rule, the message, then a code frame with a caret
// under the columns, and a summary line at the end.
//
//	Dockerfile:2:6: warning DL3006 (tag-image-version)
//	  Always tag the version of an image explicitly
//	     2 | FROM ubuntu
//	       |      ^^^^^^
func writeTTY(w io.Writer, r *Report, opts Options) error {
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	ew := &errWriter{w: w}
	files := 0
	for _, res := range r.Results {
		if len(res.Findings) > 0 {
			files++
		}
		for _, f := range res.Findings {
			ew.printf("%s %s %s\n",
				paint(ansiBold, fmt.Sprintf("%s:%d:%d:", f.File, f.Line, f.Column)),
				paint(severityColor(f.Severity), f.Severity.String()),
				paint(ansiDim, fmt.Sprintf("%s (%s)", f.RuleID, f.RuleName)))
			for _, l := range strings.Split(f.Message, "\n") {
				ew.printf("  %s\n", l)
			}
			frame(ew, res.Lines, f, func(s string) string { return paint(severityColor(f.Severity), s) })
			ew.printf("\n")
		}
	}
	c := lint.Count(r.Results)
	n := len(r.Results)
	if c.Total() == 0 {
		ew.printf("%s\n", paint(ansiGreen, fmt.Sprintf("no problems in %d %s", n, plural(n, "file", "files"))))
		return ew.err
	}
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{c.Error, "error"}, {c.Warning, "warning"}, {c.Info, "info"}, {c.Style, "style"}} {
		if p.n > 0 {
			name := p.name
			if p.n > 1 && name != "info" && name != "style" {
				name += "s"
			}
			parts = append(parts, fmt.Sprintf("%d %s", p.n, name))
		}
	}
	color := ansiYellow
	if c.Error > 0 {
		color = ansiRed
	}
	ew.printf("%s\n", paint(color, fmt.Sprintf("%d %s (%s) in %d of %d %s",
		c.Total(), plural(c.Total(), "problem", "problems"), strings.Join(parts, ", "), files, n, plural(n, "file", "files"))))
	return ew.err
}

// frame prints the finding's first source line with a caret underline.
func frame(ew *errWriter, lines []string, f lint.Finding, paint func(string) string) {
	if f.Line < 1 || f.Line > len(lines) {
		return
	}
	src := lines[f.Line-1]
	disp, cols := expandTabs(src)
	gutter := fmt.Sprintf("%5d | ", f.Line)
	ew.printf("%s%s\n", gutter, disp)
	startCol := f.Column
	if startCol < 1 {
		startCol = 1
	}
	endCol := f.EndColumn
	if f.EndLine > f.Line || endCol <= startCol {
		endCol = len(cols) + 1
	}
	startDisp := dispCol(cols, startCol)
	endDisp := dispCol(cols, endCol)
	width := max(endDisp-startDisp, 1)
	ew.printf("%s%s%s\n", strings.Repeat(" ", len(gutter)-2)+"| ", strings.Repeat(" ", startDisp), paint(strings.Repeat("^", width)))
}

// expandTabs renders tabs as 4 spaces; cols[i] is the display offset of rune i.
func expandTabs(s string) (string, []int) {
	var b strings.Builder
	var cols []int
	d := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		cols = append(cols, d)
		if r == '\t' {
			b.WriteString("    ")
			d += 4
			continue
		}
		b.WriteRune(r)
		d++
	}
	cols = append(cols, d)
	return b.String(), cols
}

func dispCol(cols []int, col int) int {
	if col-1 < len(cols) {
		return cols[col-1]
	}
	return cols[len(cols)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}

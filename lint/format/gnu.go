package format

import (
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/hoistci/hoist/lint"
)

func init() { register("gnu", writeGNU) }

// gnuTabWidth is the tab stop the GNU coding standard counts columns with.
const gnuTabWidth = 8

// writeGNU writes one line per finding in the GNU coding standard's format
// for compiler messages ("Formatting Error Messages"), which Emacs'
// compilation mode, Vim's quickfix and many editors read:
//
//	Dockerfile:2.6-11: warning: [DL3006] Always tag the version of an image explicitly
//	Dockerfile:4.1-6.12: error: [DL1000] ...
//
// The position is line.column, then the end of the range: -column when it is
// on the same line, -line.column when not, nothing when the range is one
// character. Columns are screen columns with tab stops every 8, as the
// standard asks (hoist counts a tab as one column elsewhere), and the end
// column is inclusive (the last character, as Bison and GCC print ranges).
// The severity is error, warning or info; style is written "note", the word
// GCC and Emacs know for the lowest level (Emacs would take an unknown word
// for an error). Messages are folded onto one line.
func writeGNU(w io.Writer, r *Report, _ Options) error {
	ew := &errWriter{w: w}
	for _, res := range r.Results {
		for _, f := range res.Findings {
			ew.printf("%s:%s: %s: [%s] %s\n", res.Path, gnuRange(res, f), gnuSeverity(f.Severity), f.RuleID, oneLine(f.Message))
		}
	}
	return ew.err
}

func gnuSeverity(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Warning:
		return "warning"
	case lint.Info:
		return "info"
	}
	return "note"
}

func gnuRange(res *lint.FileResult, f lint.Finding) string {
	line := max(f.Line, 1)
	if f.Column < 1 {
		if f.EndLine > line {
			return fmt.Sprintf("%d-%d", line, f.EndLine)
		}
		return strconv.Itoa(line)
	}
	start := displayColumn(sourceLine(res, line), f.Column, gnuTabWidth)
	pos := fmt.Sprintf("%d.%d", line, start)
	if f.EndLine < line || f.EndColumn < 1 {
		return pos
	}
	endLine, endCol := f.EndLine, f.EndColumn
	if endLine > line && endCol == 1 {
		// The range stops before the first character of its last line: it
		// really ends with the line before.
		endLine--
		endCol = utf8.RuneCountInString(sourceLine(res, endLine)) + 1
	}
	// The exclusive end's screen column minus one is the last screen column
	// the range covers (the far edge of a tab that ends it, too).
	end := displayColumn(sourceLine(res, endLine), endCol, gnuTabWidth) - 1
	switch {
	case endLine > line && end >= 1:
		return fmt.Sprintf("%s-%d.%d", pos, endLine, end)
	case endLine == line && end > start:
		return fmt.Sprintf("%s-%d", pos, end)
	}
	return pos
}

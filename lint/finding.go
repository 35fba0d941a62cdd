package lint

import "github.com/hoistci/hoist/internal/dockerfile"

// Finding is one problem found in a Dockerfile. Its JSON form is hoist's
// stable report schema (a superset of hadolint's: code, column, file, level,
// line, message).
type Finding struct {
	RuleID    string   `json:"code"`
	RuleName  string   `json:"rule"`
	Severity  Severity `json:"level"`
	Message   string   `json:"message"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Column    int      `json:"column"`
	EndLine   int      `json:"endLine"`
	EndColumn int      `json:"endColumn"`
	DocsURL   string   `json:"docs"`
	// Fix is the automatic fix, when the rule has one for this finding.
	Fix *Fix `json:"fix,omitempty"`
}

// Fix is a set of text edits that resolve a finding.
type Fix struct {
	// Description says what the fix does ("add --no-install-recommends").
	Description string `json:"description"`
	Edits       []Edit `json:"edits"`
}

// Edit replaces the source in Range (end exclusive) with New; an empty
// range inserts.
type Edit struct {
	Range dockerfile.Range `json:"-"`
	New   string           `json:"new"`
	// Line, Column, EndLine, EndColumn repeat Range for JSON consumers.
	Line      int `json:"line"`
	Column    int `json:"column"`
	EndLine   int `json:"endLine"`
	EndColumn int `json:"endColumn"`
}

// NewEdit makes an edit replacing r with text.
func NewEdit(r dockerfile.Range, text string) Edit {
	return Edit{Range: r, New: text, Line: r.Start.Line, Column: r.Start.Column, EndLine: r.End.Line, EndColumn: r.End.Column}
}

// Insert makes an edit inserting text at p.
func Insert(p dockerfile.Position, text string) Edit {
	return NewEdit(dockerfile.Range{Start: p, End: p}, text)
}

// FileResult is the outcome of linting one file.
type FileResult struct {
	// Path is the file as named on the command line ("-" for stdin).
	Path string
	// Lines are the source lines, for code frames.
	Lines []string
	// Findings are sorted by position, then rule ID.
	Findings []Finding
}

// Counts tallies findings per severity.
type Counts struct {
	Error, Warning, Info, Style int
}

// Total is the number of findings counted.
func (c Counts) Total() int { return c.Error + c.Warning + c.Info + c.Style }

// Count tallies the findings of all results.
func Count(results []*FileResult) Counts {
	var c Counts
	for _, r := range results {
		for _, f := range r.Findings {
			switch f.Severity {
			case Error:
				c.Error++
			case Warning:
				c.Warning++
			case Info:
				c.Info++
			case Style:
				c.Style++
			}
		}
	}
	return c
}

// Failed reports whether any finding is at or above threshold.
func Failed(results []*FileResult, threshold Severity) bool {
	if threshold == None {
		return false
	}
	for _, r := range results {
		for _, f := range r.Findings {
			if f.Severity >= threshold && f.Severity != Ignore {
				return true
			}
		}
	}
	return false
}

package dockerfile

import "fmt"

// Position is a place in a Dockerfile. Line and Column are 1-based; Column
// counts Unicode code points (a tab is one column), as SARIF's
// "unicodeCodePoints" column kind.
type Position struct {
	Line   int
	Column int
}

func (p Position) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Before reports whether p comes strictly before q.
func (p Position) Before(q Position) bool {
	return p.Line < q.Line || (p.Line == q.Line && p.Column < q.Column)
}

// Range is a span of source. End is exclusive: it is the position just after
// the last character of the span (as SARIF's endColumn).
type Range struct {
	Start Position
	End   Position
}

func (r Range) String() string { return fmt.Sprintf("%s-%s", r.Start, r.End) }

// Contains reports whether line lies within the lines the range touches.
func (r Range) ContainsLine(line int) bool { return line >= r.Start.Line && line <= r.End.Line }

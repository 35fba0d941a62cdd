package rules

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3009 = register(&lint.Rule{
	ID:       "DL3009",
	Name:     "delete-apt-lists",
	Severity: lint.Info,
	Summary:  "Delete the apt-get lists after installing something",
	Rationale: "`apt-get update` downloads the package lists into /var/lib/apt/lists (tens of megabytes). " +
		"When the RUN that updated does not delete them, they stay in that layer of the image forever: " +
		"a later RUN that deletes them only hides them. End the RUN with `rm -rf /var/lib/apt/lists/*`, " +
		"or keep the lists out of the layer with a BuildKit cache mount " +
		"(`RUN --mount=type=cache,target=/var/lib/apt/lists ...`, or a cache mount on /var/lib/apt).\n\n" +
		"As in hadolint, only stages whose layers end up in the image are checked: the last stage and the " +
		"stages it is built FROM (a builder stage only copied from is not shipped; unlike hadolint, a " +
		"stage used as the base of another builder stage is not reported either). ONBUILD RUN is always " +
		"checked. hoist also recognises `apt update`, apt 3's `apt-get install --update`, `rm` of the " +
		"lists directory in any spelling, `find /var/lib/apt/lists ... -delete` and apt's `apt-get dist-clean`, " +
		"and requires the deletion to come after the last update of the RUN.",
	Bad:  "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n",
	Good: "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Fix:  "append `&& rm -rf /var/lib/apt/lists/*` to the and-list of the RUN's last apt command, in the RUN's continuation style",
	Run: func(p *lint.Pass) {
		for _, s := range shippedScripts(p) {
			if cacheMounted(s, []string{aptListsDir}) {
				continue
			}
			var first *parsedCommand // first update after the last cleanup
			for _, c := range s.Commands {
				c = c.Unwrap()
				if a, ok := aptUpdates(p, s, c); ok {
					if first == nil {
						first = a
					}
				} else if aptCleansLists(p, s, c) {
					first = nil
				}
			}
			if first == nil {
				continue
			}
			what := first.C.Name + " " + first.Sub()
			if first.Sub() != "update" {
				what += " --update"
			}
			msg := fmt.Sprintf("Delete the apt-get lists after installing something: the lists that `%s` downloads stay in this layer; end the RUN with `rm -rf /var/lib/apt/lists/*`", what)
			var fix *lint.Fix
			if aptInstallSub(p, s, "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall", "satisfy") != nil {
				fix = listsCleanupFix(p, s)
			}
			p.ReportFix(first.Range(), msg, fix)
		}
	},
})

// listsCleanupFix builds the edit that appends `&& rm -rf
// /var/lib/apt/lists/*` to the and-list of the script's last apt command:
// that command must be part of a top-level statement made only of
// commands joined by `&&`, and everything after that statement must be
// harmless without the lists (listsInert). It follows the RUN's
// continuation style; nil when unsure.
func listsCleanupFix(p *lint.Pass, s *shellscript.Script) *lint.Fix {
	const rm = "rm -rf /var/lib/apt/lists/*"
	in := s.Instruction
	var c *shellscript.Command
	for _, x := range s.Commands {
		if usesApt(x.Unwrap()) {
			c = x
		}
	}
	if c == nil || c.Nested || c.AndOr == nil || !c.AndOr.TopLevel || len(in.Heredocs) > 0 || !plainAndList(c) {
		return nil
	}
	last := c.AndOr.Parts[len(c.AndOr.Parts)-1]
	end := int(last.Cmd.End().Offset())
	for _, r := range last.Redirs {
		if e := int(r.End().Offset()); e > end {
			end = e
		}
	}
	if end > len(s.Source) || end <= int(last.Pos().Offset()) {
		return nil
	}
	pos := s.Span(int(last.Pos().Offset()), end).End
	if pos.Line < 1 || pos.Line > len(p.File.Lines) {
		return nil
	}
	for _, x := range s.Commands {
		if !x.Range.Start.Before(pos) && !listsInert(x.Unwrap()) {
			return nil
		}
	}
	esc := string(p.File.EscapeToken)
	if esc == "\x00" {
		esc = `\`
	}
	rest := strings.TrimSpace(fromColumn(p.File.Lines[pos.Line-1], pos.Column))
	fix := &lint.Fix{Description: "delete the apt lists after the install: && " + rm}
	multi := in.Range.Start.Line != in.Range.End.Line
	if !multi || (rest != "" && rest != esc) {
		fix.Edits = []lint.Edit{lint.Insert(pos, " && "+rm)}
		return fix
	}
	nl := "\n"
	if strings.HasSuffix(p.File.Lines[pos.Line-1], "\r") || strings.Contains(string(p.File.Source), "\r\n") {
		nl = "\r\n"
	}
	trailing, indent := continuationStyle(p.File, in, esc, c.NameWord.Range.Start.Line)
	if trailing {
		fix.Edits = []lint.Edit{lint.Insert(pos, " && "+esc+nl+indent+rm)}
	} else {
		fix.Edits = []lint.Edit{lint.Insert(pos, " "+esc+nl+indent+"&& "+rm)}
	}
	return fix
}

// plainAndList reports whether c is one of the commands of a list made
// only of plain commands joined by && (no ||, pipeline, negation or
// background job).
func plainAndList(c *shellscript.Command) bool {
	l := c.AndOr
	if st := l.Stmt; st.Negated || st.Background || st.Coprocess || st.Disown || (len(l.Parts) > 1 && len(st.Redirs) > 0) {
		return false
	}
	for _, op := range l.Ops {
		if op != syntax.AndStmt {
			return false
		}
	}
	direct := false
	for _, part := range l.Parts {
		if part.Negated || part.Background || part.Coprocess || part.Disown || part.Cmd == nil {
			return false
		}
		if b, ok := part.Cmd.(*syntax.BinaryCmd); ok && b.Op != syntax.AndStmt {
			return false
		}
		if part == c.Stmt {
			direct = true
		}
	}
	return direct
}

// fromColumn is the text of line from a 1-based code-point column.
func fromColumn(line string, col int) string {
	n := 1
	for i := range line {
		if n == col {
			return line[i:]
		}
		n++
	}
	return ""
}

// continuationStyle reads how a multi-line RUN continues its lines:
// trailing is true for `cmd && \` + `    next`, false for `cmd \` +
// `    && next`; indent is the indentation of the line where the command
// at line cmdLine starts (when that is a continuation line), else of the
// continuation lines, else four spaces.
func continuationStyle(f *dockerfile.File, in *dockerfile.Instruction, esc string, cmdLine int) (trailing bool, indent string) {
	lead, trail := 0, 0
	var lines []int // continuation lines of the RUN, comments and blanks skipped
	for l := in.Range.Start.Line; l <= in.Range.End.Line && l <= len(f.Lines); l++ {
		t := strings.TrimSpace(f.Lines[l-1])
		if l > in.Range.Start.Line && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		if l > in.Range.Start.Line {
			lines = append(lines, l)
			if strings.HasPrefix(t, "&&") {
				lead++
			}
		}
		if body, ok := strings.CutSuffix(t, esc); ok && strings.HasSuffix(strings.TrimSpace(body), "&&") {
			trail++
		}
	}
	trailing = trail > lead
	indentOf := func(l int) string {
		s := f.Lines[l-1]
		return s[:len(s)-len(strings.TrimLeft(s, " \t"))]
	}
	if cmdLine > in.Range.Start.Line && cmdLine <= len(f.Lines) {
		if ind := indentOf(cmdLine); ind != "" {
			return trailing, ind
		}
	}
	for _, l := range lines {
		t := strings.TrimSpace(f.Lines[l-1])
		if trailing || strings.HasPrefix(t, "&&") {
			if ind := indentOf(l); ind != "" {
				return trailing, ind
			}
		}
	}
	return trailing, "    "
}

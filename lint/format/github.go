package format

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hoistci/hoist/lint"
)

func init() { register("github", writeGitHub) }

// maxAnnotations is how many annotations of one type (error, warning,
// notice) GitHub shows for a step; it drops the rest silently.
const maxAnnotations = 10

// writeGitHub writes GitHub Actions workflow commands, one annotation per
// finding:
//
//	::warning file=Dockerfile,line=2,col=6,endLine=2,endColumn=12,title=DL3006 tag-image-version::Always tag ...
//
// error findings are ::error, warning ::warning, info and style ::notice.
// Data and properties are escaped as @actions/core does. col and endColumn
// are given only when the finding is on one line (GitHub rejects columns on
// a multi-line annotation); endColumn is exclusive, as everywhere in hoist.
// Paths are relative to Report.WorkDir (the repository root) with forward
// slashes; a finding in stdin gets an annotation without a file, its
// position at the start of the message ("stdin:2:5: ...").
//
// Only the first 10 annotations of each type are written, since GitHub shows
// no more. The rest are printed as plain log lines and, per type that was
// cut, one notice says how many were left out. Notice slots are shared with
// those messages, so they are never the ones GitHub drops.
func writeGitHub(w io.Writer, r *Report, _ Options) error {
	total := map[string]int{}
	for _, res := range r.Results {
		for _, f := range res.Findings {
			total[annotationType(f.Severity)]++
		}
	}

	limit := map[string]int{"error": maxAnnotations, "warning": maxAnnotations, "notice": maxAnnotations}
	cut := 0
	for _, t := range []string{"error", "warning"} {
		if total[t] > maxAnnotations {
			cut++
		}
	}
	if total["notice"] > maxAnnotations-cut {
		cut++
	}
	limit["notice"] = maxAnnotations - cut

	ew := &errWriter{w: w}
	type item struct {
		f    lint.Finding
		path string
	}
	shown := map[string]int{}
	var hidden []item
	// Walk the findings in report order so the log reads top to bottom.
	for _, res := range r.Results {
		path, _ := repoPath(r.WorkDir, res.Path)
		if isStdin(res.Path) {
			path = ""
		}
		for _, f := range res.Findings {
			t := annotationType(f.Severity)
			if shown[t] >= limit[t] {
				hidden = append(hidden, item{f, path})
				continue
			}
			shown[t]++
			ew.printf("%s\n", annotation(t, path, f))
		}
	}
	for _, it := range hidden {
		// Plain lines keep the full list in the log. They are folded onto one
		// line so a message can never start a line with "::" and be taken
		// for a workflow command.
		name := it.path
		if name == "" {
			name = stdinURI
		}
		ew.printf("%s:%d:%d: %s %s (%s): %s\n", oneLine(name), it.f.Line, it.f.Column,
			it.f.Severity, it.f.RuleID, it.f.RuleName, oneLine(it.f.Message))
	}
	for _, t := range []string{"error", "warning", "notice"} {
		if n := total[t] - shown[t]; n > 0 {
			label := t
			if t == "notice" {
				label = "info and style"
			}
			ew.printf("::notice::%s\n", escapeData(fmt.Sprintf(
				"%d more %s %s not shown as annotations; see the job summary or use --format sarif",
				n, label, plural(n, "finding", "findings"))))
		}
	}
	return ew.err
}

func annotationType(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Warning:
		return "warning"
	}
	return "notice"
}

func annotation(typ, path string, f lint.Finding) string {
	var props []string
	add := func(k, v string) { props = append(props, k+"="+escapeProperty(v)) }
	if path != "" {
		add("file", path)
		if f.Line >= 1 {
			add("line", strconv.Itoa(f.Line))
			sameLine := f.EndLine <= f.Line
			if sameLine && f.Column >= 1 {
				add("col", strconv.Itoa(f.Column))
			}
			if f.EndLine > f.Line {
				add("endLine", strconv.Itoa(f.EndLine))
			} else if f.EndLine == f.Line {
				add("endLine", strconv.Itoa(f.Line))
			}
			if sameLine && f.Column >= 1 && f.EndColumn > f.Column {
				add("endColumn", strconv.Itoa(f.EndColumn))
			}
		}
	}
	msg := f.Message
	if path == "" && f.Line >= 1 {
		// No file to attach the annotation to: keep the position in the text.
		msg = fmt.Sprintf("%s:%d:%d: %s", stdinURI, f.Line, f.Column, msg)
	}
	title := f.RuleID
	if f.RuleName != "" {
		title += " " + f.RuleName
	}
	add("title", title)
	return "::" + typ + " " + strings.Join(props, ",") + "::" + escapeData(msg)
}

// escapeData escapes a command's message as @actions/core's escapeData.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value as @actions/core's escapeProperty.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

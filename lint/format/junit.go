package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/hoistci/hoist/lint"
)

func init() { register("junit", writeJUnit) }

// writeJUnit writes JUnit XML for CI test reports (GitLab's
// artifacts:reports:junit, Jenkins, Azure Pipelines). Like hadolint's JUnit
// formatter it has one <testsuite> per file and one <testcase> per finding,
// whose <failure> has the severity as type and the message as message, and a
// parse error (DL1000) is an <error>, not a <failure>. Unlike hadolint's:
//
//   - Testcases have name and classname (the file), which consumers need to
//     show them; suites and cases carry file and line.
//   - A file with no findings has one passing testcase, so it shows up as
//     checked rather than missing.
//   - Only findings at or above Report.Threshold fail; one below it is a
//     passing testcase with the details in <system-out>, so the report agrees
//     with hoist's exit code.
//   - There are no timestamps (time is 0), so the output is reproducible.
func writeJUnit(w io.Writer, r *Report, _ Options) error {
	var body strings.Builder
	var tests, failures, errs int
	for _, res := range r.Results {
		var cases strings.Builder
		var sTests, sFailures, sErrors int
		file := res.Path
		for _, f := range res.Findings {
			sTests++
			name := fmt.Sprintf("%s %s at %d:%d", f.RuleID, f.RuleName, f.Line, f.Column)
			if f.RuleName == "" {
				name = fmt.Sprintf("%s at %d:%d", f.RuleID, f.Line, f.Column)
			}
			fmt.Fprintf(&cases, "    <testcase name=%s classname=%s file=%s line=\"%d\" time=\"0\">\n",
				xmlAttr(name), xmlAttr(file), xmlAttr(file), max(f.Line, 1))
			details := junitDetails(file, f)
			switch {
			case !failing(f.Severity, r.Threshold):
				fmt.Fprintf(&cases, "      <system-out>%s</system-out>\n", xmlText(details))
			case f.RuleID == lint.ParseErrorRule.ID:
				sErrors++
				fmt.Fprintf(&cases, "      <error message=%s type=%s>%s</error>\n",
					xmlAttr(f.Message), xmlAttr(f.Severity.String()), xmlText(details))
			default:
				sFailures++
				fmt.Fprintf(&cases, "      <failure message=%s type=%s>%s</failure>\n",
					xmlAttr(f.Message), xmlAttr(f.Severity.String()), xmlText(details))
			}
			cases.WriteString("    </testcase>\n")
		}
		if len(res.Findings) == 0 {
			sTests++
			fmt.Fprintf(&cases, "    <testcase name=\"hoist lint\" classname=%s file=%s time=\"0\"></testcase>\n",
				xmlAttr(file), xmlAttr(file))
		}
		fmt.Fprintf(&body, "  <testsuite name=%s tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" time=\"0\" file=%s>\n",
			xmlAttr(file), sTests, sFailures, sErrors, xmlAttr(file))
		body.WriteString(cases.String())
		body.WriteString("  </testsuite>\n")
		tests += sTests
		failures += sFailures
		errs += sErrors
	}
	ew := &errWriter{w: w}
	ew.printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	ew.printf("<testsuites name=\"hoist lint\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" time=\"0\">\n",
		tests, failures, errs)
	ew.printf("%s", body.String())
	ew.printf("</testsuites>\n")
	return ew.err
}

// failing reports whether a finding fails the run at threshold, as lint.Failed.
func failing(s, threshold lint.Severity) bool {
	return threshold != lint.None && s >= threshold && s != lint.Ignore
}

func junitDetails(file string, f lint.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", f.Severity, f.Message)
	fmt.Fprintf(&b, "File: %s\n", file)
	fmt.Fprintf(&b, "Line: %d, Column: %d\n", f.Line, f.Column)
	rule := f.RuleID
	if f.RuleName != "" {
		rule += " (" + f.RuleName + ")"
	}
	fmt.Fprintf(&b, "Rule: %s\n", rule)
	if f.DocsURL != "" {
		fmt.Fprintf(&b, "Docs: %s\n", f.DocsURL)
	}
	return b.String()
}

// xmlAttr quotes s as a double-quoted attribute value. Line breaks and tabs
// are written as references so that parsers keep them (attribute value
// normalisation would turn literal ones into spaces).
func xmlAttr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\n':
			b.WriteString("&#10;")
		case '\r':
			b.WriteString("&#13;")
		case '\t':
			b.WriteString("&#9;")
		default:
			writeXMLRune(&b, c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// xmlText escapes s as character data; newlines and tabs stay literal.
func xmlText(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			b.WriteString("&#13;")
		default:
			writeXMLRune(&b, c)
		}
	}
	return b.String()
}

func writeXMLRune(b *strings.Builder, c rune) {
	if !xmlChar(c) {
		c = '\uFFFD'
	}
	b.WriteRune(c)
}

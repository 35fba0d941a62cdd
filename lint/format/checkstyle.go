package format

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

func init() { register("checkstyle", writeCheckstyle) }

// writeCheckstyle writes Checkstyle XML byte for byte as hadolint does
// (src/Hadolint/Formatter/Checkstyle.hs), so tools that parse hadolint's
// output keep working: one line, single-quoted attributes each followed by a
// space, every character but ASCII letters, digits, space, '.' and '/'
// written as a numeric reference, a <file> per file with findings and none
// for a clean file, severity error|warning|info|style and the rule ID as
// source. Unlike hadolint, column is the finding's real column (hadolint
// always writes 1), and the document ends with a newline.
//
//	<?xml version='1.0' encoding='UTF-8'?><checkstyle version='4.3'><file name='Dockerfile' ><error line='2' column='6' severity='warning' message='...' source='DL3006' /></file></checkstyle>
func writeCheckstyle(w io.Writer, r *Report, _ Options) error {
	var b strings.Builder
	b.WriteString("<?xml version='1.0' encoding='UTF-8'?><checkstyle version='4.3'>")
	for _, res := range r.Results {
		if len(res.Findings) == 0 {
			continue
		}
		b.WriteString("<file " + csAttr("name", res.Path) + ">")
		for _, f := range res.Findings {
			b.WriteString("<error ")
			b.WriteString(csAttr("line", strconv.Itoa(max(f.Line, 1))))
			b.WriteString(csAttr("column", strconv.Itoa(max(f.Column, 1))))
			b.WriteString(csAttr("severity", f.Severity.String()))
			b.WriteString(csAttr("message", f.Message))
			b.WriteString(csAttr("source", f.RuleID))
			b.WriteString("/>")
		}
		b.WriteString("</file>")
	}
	b.WriteString("</checkstyle>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func csAttr(name, value string) string {
	return name + "='" + csEscape(value) + "' "
}

// csEscape is hadolint's escape: everything outside [A-Za-z0-9 ./] becomes
// &#N;. Code points XML 1.0 forbids even as references (most C0 controls)
// become U+FFFD, so that the output stays well-formed.
func csEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == ' ', c == '.', c == '/':
			b.WriteRune(c)
		default:
			if !xmlChar(c) {
				c = utf8.RuneError
			}
			b.WriteString("&#" + strconv.Itoa(int(c)) + ";")
		}
	}
	return b.String()
}

// xmlChar reports whether c may appear in an XML 1.0 document.
func xmlChar(c rune) bool {
	return c == '\t' || c == '\n' || c == '\r' ||
		(c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF)
}

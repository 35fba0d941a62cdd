package policy

import (
	"bytes"
	"sort"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src, a policy or variable file in HCL native syntax, in
// canonical form. It is hclwrite.Format — two-space indentation, one space
// around operators, the "=" of consecutive attributes aligned, and so are
// their line comments — plus what people expect of a formatter:
//
//   - no blank line at the start or end of the file, after an opening brace
//     or bracket, or before a closing one, and never two in a row;
//   - no trailing spaces, in comments too;
//   - an attribute whose whole value is one interpolation, `"${var.x}"`,
//     becomes the expression itself, `var.x` (HCL gives both the same value,
//     of the same type);
//   - the file ends with one newline; CRLF line endings stay CRLF.
//
// Only whitespace, comments' trailing spaces and such redundant
// interpolations change: the policy means the same afterwards. Formatting is
// idempotent. A file that does not parse is not formatted: the diagnostics
// say why, and the result is nil; so is a file where HCL's formatter would
// join two tokens into one (`0 .0`), which would change its meaning.
// Heredoc contents are left as they are.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if !utf8.Valid(src) {
		return nil, hcl.Diagnostics{formatNotUTF8(src, filename)}
	}
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	crlf := false
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		crlf = true
	}
	unwrapped := formatUnwrap(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), filename)
	out := hclwrite.Format(formatTidy(unwrapped))
	if len(bytes.TrimSpace(out)) == 0 {
		return []byte{}, nil
	}
	// hclwrite only moves whitespace, except where removing a space joins
	// two tokens into one: "0 .0" (a number, indexed) becomes the number
	// "0.0". A result whose tokens differ means something else, so the
	// file is left as it is.
	if at := formatChanged(unwrapped, out); at != nil {
		at.Filename = filename
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot format",
			Detail: "Formatting would change what this means (HCL's formatter joins tokens here, e.g. `0 .0` into the number `0.0`); " +
				"the file is left as it is. Write the expression without the space, or in parentheses.",
			Subject: at,
		}}
	}
	// The end of the file is never inside a heredoc (its closing marker
	// comes last), so whatever whitespace ends the file is layout.
	out = append(bytes.TrimRight(out, " \t\r\n"), '\n')
	if crlf {
		out = bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n"))
	}
	// The steps above only ever change layout; a result that no longer
	// parses would be a bug in them, and must never replace a user's file.
	if _, diags := hclsyntax.ParseConfig(out, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot format",
			Detail:   "Formatting " + filename + " gave a result that does not parse; the file is left as it is. Please report this as a bug in hoist, with the file.",
		}}
	}
	return out, nil
}

// formatTokens returns the tokens of src that carry meaning: all but
// newlines (Format removes only blank lines, and a newline that ends an
// attribute is never blank) and comments (only their trailing spaces
// change).
func formatTokens(src []byte) hclsyntax.Tokens {
	toks, _ := hclsyntax.LexConfig(src, "", hcl.InitialPos)
	out := toks[:0]
	for _, t := range toks {
		if t.Type != hclsyntax.TokenNewline && t.Type != hclsyntax.TokenComment {
			out = append(out, t)
		}
	}
	return out
}

// formatChanged returns where the tokens of formatted first differ from
// those of src (a range in src), or nil when they are the same.
func formatChanged(src, formatted []byte) *hcl.Range {
	a, b := formatTokens(src), formatTokens(formatted)
	for i := range a {
		if i >= len(b) || a[i].Type != b[i].Type || !bytes.Equal(a[i].Bytes, b[i].Bytes) {
			r := a[i].Range
			return &r
		}
	}
	if len(b) > len(a) {
		r := a[len(a)-1].Range // the EOF token
		return &r
	}
	return nil
}

// formatEdit replaces src[start:end] with text.
type formatEdit struct {
	start, end int
	text       string
}

func formatApply(src []byte, edits []formatEdit) []byte {
	if len(edits) == 0 {
		return src
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b bytes.Buffer
	last := 0
	for _, e := range edits {
		if e.start < last { // overlapping: keep the first
			continue
		}
		b.Write(src[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(src[last:])
	return b.Bytes()
}

// formatUnwrap turns attribute values that are a single interpolation
// ("${expr}") into the expression. src must parse; when the result would
// not (it always should), src is returned unchanged.
func formatUnwrap(src []byte, filename string) []byte {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return src
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return src
	}
	toks, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	var edits []formatEdit
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		for _, attr := range b.Attributes {
			w, ok := attr.Expr.(*hclsyntax.TemplateWrapExpr)
			if !ok {
				continue
			}
			outer, inner := w.SrcRange, w.Wrapped.Range()
			if outer.Start.Byte >= len(src) || src[outer.Start.Byte] != '"' || formatHasComment(toks, outer) {
				continue // a heredoc, or a comment that would be lost
			}
			text := string(src[inner.Start.Byte:inner.End.Byte])
			if bytes.ContainsRune([]byte(text), '\n') {
				// a newline would end the attribute; inside parentheses
				// it does not
				text = "(" + text + ")"
			}
			edits = append(edits, formatEdit{outer.Start.Byte, outer.End.Byte, text})
		}
		for _, blk := range b.Blocks {
			walk(blk.Body)
		}
	}
	walk(body)
	out := formatApply(src, edits)
	if _, diags := hclsyntax.ParseConfig(out, filename, hcl.InitialPos); diags.HasErrors() {
		return src
	}
	return out
}

func formatHasComment(toks hclsyntax.Tokens, rng hcl.Range) bool {
	for _, t := range toks {
		if t.Type == hclsyntax.TokenComment && t.Range.Start.Byte >= rng.Start.Byte && t.Range.End.Byte <= rng.End.Byte {
			return true
		}
	}
	return false
}

// formatTidy removes the blank lines Format does not keep and the trailing
// spaces of comments. It works on tokens, so heredoc contents (string
// tokens) are never touched.
func formatTidy(src []byte) []byte {
	toks, _ := hclsyntax.LexConfig(src, "", hcl.InitialPos)
	endsLine := func(i int) bool {
		t := toks[i]
		return t.Type == hclsyntax.TokenNewline || t.Type == hclsyntax.TokenComment && bytes.HasSuffix(t.Bytes, []byte("\n"))
	}
	blank := func(i int) bool {
		return toks[i].Type == hclsyntax.TokenNewline && (i == 0 || endsLine(i-1))
	}
	// content before/after: the nearest token that is not a newline
	prevContent := func(i int) hclsyntax.TokenType {
		for j := i - 1; j >= 0; j-- {
			if toks[j].Type != hclsyntax.TokenNewline {
				return toks[j].Type
			}
		}
		return hclsyntax.TokenNil
	}
	nextContent := func(i int) hclsyntax.TokenType {
		for j := i + 1; j < len(toks); j++ {
			if toks[j].Type != hclsyntax.TokenNewline {
				return toks[j].Type
			}
		}
		return hclsyntax.TokenEOF
	}
	var edits []formatEdit
	for i, t := range toks {
		switch t.Type {
		case hclsyntax.TokenNewline:
			if !blank(i) {
				continue
			}
			drop := i > 0 && blank(i-1)
			switch prevContent(i) {
			case hclsyntax.TokenNil, hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen:
				drop = true
			}
			switch nextContent(i) {
			case hclsyntax.TokenEOF, hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen:
				drop = true
			}
			if drop {
				start := 0
				if i > 0 {
					start = toks[i-1].Range.End.Byte
				}
				edits = append(edits, formatEdit{start, t.Range.End.Byte, ""})
			}
		case hclsyntax.TokenComment:
			var tidy bytes.Buffer
			for _, l := range bytes.SplitAfter(t.Bytes, []byte("\n")) {
				nl := bytes.HasSuffix(l, []byte("\n"))
				// a lone CR (a CRLF became LF before) is trailing space too
				tidy.Write(bytes.TrimRight(bytes.TrimSuffix(l, []byte("\n")), " \t\r"))
				if nl {
					tidy.WriteByte('\n')
				}
			}
			if !bytes.Equal(tidy.Bytes(), t.Bytes) {
				edits = append(edits, formatEdit{t.Range.Start.Byte, t.Range.End.Byte, tidy.String()})
			}
		}
	}
	return formatApply(src, edits)
}

// formatNotUTF8 points at the first byte that is not UTF-8: HCL files are
// UTF-8, and rewriting text in another encoding could garble it.
func formatNotUTF8(src []byte, filename string) *hcl.Diagnostic {
	pos := hcl.InitialPos
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
		pos.Byte = i
		if r == '\n' {
			pos.Line++
			pos.Column = 1
		} else {
			pos.Column++
		}
	}
	end := pos
	end.Byte++
	end.Column++
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid UTF-8",
		Detail:   "A policy file must be UTF-8 text; this byte is not. Save the file as UTF-8.",
		Subject:  &hcl.Range{Filename: filename, Start: pos, End: end},
	}
}

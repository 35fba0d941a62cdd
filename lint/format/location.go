package format

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hoistci/hoist/lint"
)

// stdinURI names the standard input in formats that want a path relative to
// the repository (SARIF, github, codeclimate): there is no file to point at,
// so it is a name no Dockerfile discovery would produce.
const stdinURI = "stdin"

// isStdin reports whether path names the standard input.
func isStdin(path string) bool { return path == "-" }

// repoPath is the file as code hosts want it: relative to workDir (the
// repository root, when the caller knows it), with forward slashes and no
// leading "./". ok is false when the file lies outside workDir (or is stdin),
// in which case path is the cleaned absolute path, still with forward slashes.
func repoPath(workDir, path string) (p string, ok bool) {
	if isStdin(path) {
		return stdinURI, false
	}
	clean := filepath.Clean(path)
	if workDir != "" {
		base, err1 := filepath.Abs(workDir)
		abs, err2 := filepath.Abs(clean)
		if err1 == nil && err2 == nil {
			rel, err := filepath.Rel(base, abs)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return filepath.ToSlash(abs), false
			}
			return filepath.ToSlash(rel), true
		}
	}
	if filepath.IsAbs(clean) {
		return filepath.ToSlash(clean), false
	}
	return filepath.ToSlash(clean), true
}

// fileURI is the file:// URI of an absolute path (with a trailing slash when dir).
func fileURI(abs string, dir bool) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x -> /C:/x
	}
	if dir && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// relativeURI percent-encodes a forward-slash relative path as a URI reference.
func relativeURI(p string) string {
	// url.URL writes "./a:b" for a first segment with a colon, so that it is
	// not read as a scheme.
	return (&url.URL{Path: p}).String()
}

// sourceLine returns line n of res (1-based), or "" when unknown.
func sourceLine(res *lint.FileResult, n int) string {
	if res == nil || n < 1 || n > len(res.Lines) {
		return ""
	}
	return strings.TrimSuffix(res.Lines[n-1], "\r")
}

// fingerprintKeys returns, for each finding of res, a key that identifies the
// problem independently of where its line sits in the file: the rule, the
// file, the finding's source line with surrounding whitespace trimmed, and how
// many earlier findings of the same rule share that text (so two identical
// lines get different keys). Inserting or deleting other lines keeps every
// key; editing the flagged line changes it, as it should.
func fingerprintKeys(res *lint.FileResult, path string) []fingerprintKey {
	keys := make([]fingerprintKey, len(res.Findings))
	seen := map[string]int{}
	for i, f := range res.Findings {
		text := strings.TrimSpace(sourceLine(res, f.Line))
		if text == "" {
			// No source (stdin without lines, a file-level finding): the
			// message is the next most stable thing about the finding.
			text = "message:" + f.Message
		}
		base := f.RuleID + "\x00" + path + "\x00" + text
		seen[base]++
		keys[i] = fingerprintKey{base: base, occurrence: seen[base]}
	}
	return keys
}

type fingerprintKey struct {
	base       string
	occurrence int
}

// lineHash is the SARIF primaryLocationLineHash form, "<hash>:<occurrence>",
// as CodeQL writes it.
func (k fingerprintKey) lineHash() string {
	sum := sha256.Sum256([]byte(k.base))
	return hex.EncodeToString(sum[:8]) + ":" + strconv.Itoa(k.occurrence)
}

// oneLine folds a message onto a single line for line-oriented formats:
// every run of line breaks (and the indentation after it) becomes one space.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var b strings.Builder
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i, l := range lines {
		if i > 0 {
			b.WriteByte(' ')
			l = strings.TrimLeft(l, " \t")
		}
		b.WriteString(strings.TrimRight(l, " \t"))
	}
	return b.String()
}

// displayColumn converts a 1-based code-point column on line to a 1-based
// screen column with tab stops every tabWidth columns (what the GNU coding
// standard asks of compilers). Columns past the end of the line continue one
// column per position.
func displayColumn(line string, col, tabWidth int) int {
	if col < 1 {
		return col
	}
	d := 0 // screen columns used before the current rune
	i := 1
	for len(line) > 0 && i < col {
		r, size := utf8.DecodeRuneInString(line)
		line = line[size:]
		if r == '\t' {
			d += tabWidth - d%tabWidth
		} else {
			d++
		}
		i++
	}
	return d + 1 + (col - i)
}

package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only blank lines", "\n\n  \n", ""},
		{"adds the final newline", "a = 1", "a = 1\n"},
		{"one final newline", "a = 1\n\n\n", "a = 1\n"},
		{"leading blank lines", "\n\n# policy\na = 1\n", "# policy\na = 1\n"},
		{
			"aligns and indents",
			"image \"web\" {\nrepository=\"ghcr.io/acme/web\"\n\t\tcontext = \".\"\n}\n",
			"image \"web\" {\n  repository = \"ghcr.io/acme/web\"\n  context    = \".\"\n}\n",
		},
		{
			"blank lines inside braces",
			"tag \"main\" {\n\n\n  when = true\n\n\n\n  tags = [\"edge\"]\n\n}\n",
			"tag \"main\" {\n  when = true\n\n  tags = [\"edge\"]\n}\n",
		},
		{
			"blank lines inside brackets",
			"lint {\n  ignore = [\n\n    \"DL3008\",\n\n  ]\n}\n",
			"lint {\n  ignore = [\n    \"DL3008\",\n  ]\n}\n",
		},
		{
			"blank lines between blocks",
			"lint {}\n\n\n\npolicy {}\n",
			"lint {}\n\npolicy {}\n",
		},
		{
			"a comment before the closing brace keeps its blank line above",
			"lint {\n  strict_labels = true\n\n  # more later\n\n}\n",
			"lint {\n  strict_labels = true\n\n  # more later\n}\n",
		},
		{"trailing spaces", "a = 1   \nb = 2\t\n", "a = 1\nb = 2\n"},
		{"a lone CR ending a comment or the file", "# one \r\na = 1 # two \r", "# one\r\na = 1 # two\r\n"},
		{"a lone CR in a file of LF endings", "a = 1\n# two \r", "a = 1\n# two\n"},
		{"trailing spaces in comments", "# hello   \na = 1 # one  \n/* two  \n   three */\n", "# hello\na = 1 # one\n/* two\n   three */\n"},
		{"unwraps a lone interpolation", "image \"web\" {\n  repository = \"${var.registry}\"\n}\n", "image \"web\" {\n  repository = var.registry\n}\n"},
		{"unwraps with strip markers", "a = \"${~ local.x ~}\"\n", "a = local.x\n"},
		{"keeps a real template", "a = \"${var.registry}/web\"\nb = \"${x}${y}\"\nc = \"pr-${git.pr}\"\n", "a = \"${var.registry}/web\"\nb = \"${x}${y}\"\nc = \"pr-${git.pr}\"\n"},
		{"keeps nested interpolations", "a = [\"${x}\"]\n", "a = [\"${x}\"]\n"},
		{"unwraps a nested string", "a = \"${\"b\"}\"\n", "a = \"b\"\n"},
		{"multi-line interpolation gets parentheses", "a = \"${foo(\n  1)}\"\n", "a = (foo(\n1))\n"},
		{"keeps an interpolation with a comment", "a = \"${x # why\n}\"\n", "a = \"${x # why\n}\"\n"},
		{
			"heredocs are left alone",
			"a = <<EOT\n  keep   \n\n\n  this\nEOT\n",
			"a = <<EOT\n  keep   \n\n\n  this\nEOT\n",
		},
		{"CRLF stays CRLF", "lint {\r\n\r\n\r\nstrict_labels=true\r\n}\r\n", "lint {\r\n  strict_labels = true\r\n}\r\n"},
		{"one-line blocks stay", "protect \"releases\" { match = semver_valid(image.tag) }\n", "protect \"releases\" { match = semver_valid(image.tag) }\n"},
		{"operators", "a = x==1&&!y||z\nb = [1,2,3]\nc = {a=1,b=2}\n", "a = x == 1 && !y || z\nb = [1, 2, 3]\nc = { a = 1, b = 2 }\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := Format([]byte(tt.in), "hoist.hcl")
			if diags.HasErrors() {
				t.Fatalf("diagnostics: %v", diags)
			}
			if string(got) != tt.want {
				t.Errorf("Format(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			again, _ := Format(got, "hoist.hcl")
			if !bytes.Equal(again, got) {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestFormatSyntaxError(t *testing.T) {
	out, diags := Format([]byte("tag \"x\" {\n  tags = [\n}\n"), "hoist.hcl")
	if out != nil || !diags.HasErrors() || diags[0].Subject == nil || diags[0].Subject.Filename != "hoist.hcl" {
		t.Errorf("a file with a syntax error: %q %v", out, diags)
	}
}

// The test policies are written by hand in canonical form, except where a
// test needs otherwise; formatting them must keep their meaning.
func TestFormatTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.hcl")
	more, _ := filepath.Glob("testdata/*/*/*.hcl")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("only %d files", len(files))
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
			continue
		}
		checkFormatMeaning(t, name, src)
	}
}

// checkFormatMeaning formats src and checks that the result parses, is
// idempotent, and has the same tokens apart from layout (after unwrapping,
// which changes tokens on purpose). Format may refuse only where
// hclwrite.Format itself would change the tokens.
func checkFormatMeaning(t *testing.T, name string, src []byte) {
	t.Helper()
	unwrapped := formatUnwrap(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), name)
	out, diags := Format(src, name)
	if diags.HasErrors() {
		if diags[0].Summary == "Cannot format" && diags[0].Subject != nil &&
			significantTokens(unwrapped) != significantTokens(hclwrite.Format(formatTidy(unwrapped))) {
			return
		}
		t.Fatalf("%s: %v", name, diags)
	}
	again, _ := Format(out, name)
	if !bytes.Equal(again, out) {
		t.Fatalf("%s: not idempotent:\n%q\n%q", name, out, again)
	}
	if a, b := significantTokens(unwrapped), significantTokens(bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n"))); a != b {
		t.Fatalf("%s: formatting changed the tokens:\n%s\n---\n%s", name, a, b)
	}
}

// significantTokens lists formatTokens(src), a token per line.
func significantTokens(src []byte) string {
	var b strings.Builder
	for _, t := range formatTokens(src) {
		b.WriteString(t.Type.String())
		b.WriteByte(' ')
		b.Write(t.Bytes)
		b.WriteByte('\n')
	}
	return b.String()
}

func FuzzFormat(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.hcl")
	for _, name := range files {
		if src, err := os.ReadFile(name); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte("a = \"${x}\"\n\n\nb {\n\n c = 1 # x  \n\n}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, diags := hclsyntax.ParseConfig(src, "fuzz.hcl", hcl.InitialPos); diags.HasErrors() || !utf8.Valid(src) {
			if out, diags := Format(src, "fuzz.hcl"); out != nil || !diags.HasErrors() {
				t.Fatalf("a file that does not parse was formatted")
			}
			return
		}
		checkFormatMeaning(t, "fuzz.hcl", src)
	})
}

func TestFormatNotUTF8(t *testing.T) {
	out, diags := Format([]byte("a = 1\nb = \"\xe8\"\n"), "hoist.hcl")
	if out != nil || len(diags) != 1 || diags[0].Summary != "Invalid UTF-8" || diags[0].Subject.Start.Line != 2 || diags[0].Subject.Start.Column != 6 {
		t.Errorf("%q %v %+v", out, diags, diags[0].Subject)
	}
}

// TestFormatRefusesJoiningTokens: hclwrite.Format removes the space of
// "0 .0" (the number 0, indexed by 0), making the number 0.0; Format
// refuses instead of changing the policy's meaning, pointing at the place.
func TestFormatRefusesJoiningTokens(t *testing.T) {
	out, diags := Format([]byte("a = 1\nb = [\n  0 .0,\n]\n"), "hoist.hcl")
	if out != nil || len(diags) != 1 || diags[0].Summary != "Cannot format" || diags[0].Subject == nil ||
		diags[0].Subject.Filename != "hoist.hcl" || diags[0].Subject.Start.Line != 3 || diags[0].Subject.Start.Column != 3 {
		t.Fatalf("%q %v", out, diags)
	}
}

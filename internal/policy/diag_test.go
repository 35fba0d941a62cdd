package policy

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func rng(file string, line, col, byteOff, endLine, endCol, endByte int) *hcl.Range {
	return &hcl.Range{Filename: file, Start: hcl.Pos{Line: line, Column: col, Byte: byteOff}, End: hcl.Pos{Line: endLine, Column: endCol, Byte: endByte}}
}

func TestRender(t *testing.T) {
	src := "a = 1\n\tbé = \"x\"\r\nlast = [\n  1,\n]"
	files := map[string]*hcl.File{"p.hcl": {Bytes: []byte(src)}}
	tests := []struct {
		name string
		diag *hcl.Diagnostic
		want string
	}{
		{
			name: "no subject",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared variable", Detail: "line one\n\nline three"},
			want: "error: Undeclared variable\n  line one\n\n  line three\n",
		},
		{
			name: "warning on the first line",
			diag: &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "S", Subject: rng("p.hcl", 1, 5, 4, 1, 6, 5)},
			want: "p.hcl:1:5: warning: S\n    1 | a = 1\n      |     ^\n",
		},
		{
			name: "tab and multi-byte characters before the subject, CRLF line",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Subject: rng("p.hcl", 2, 7, 13, 2, 10, 16)},
			want: "p.hcl:2:7: error: S\n    2 |     bé = \"x\"\n      |          ^^^\n",
		},
		{
			name: "a range over several lines is underlined to the end of its first",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Subject: rng("p.hcl", 3, 8, 25, 5, 2, 34)},
			want: "p.hcl:3:8: error: S\n    3 | last = [\n      |        ^\n",
		},
		{
			name: "empty range",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Subject: rng("p.hcl", 1, 1, 0, 1, 1, 0)},
			want: "p.hcl:1:1: error: S\n    1 | a = 1\n      | ^\n",
		},
		{
			name: "past the end",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Subject: rng("p.hcl", 5, 2, len(src), 5, 3, len(src)+1)},
			want: "p.hcl:5:2: error: S\n    5 | ]\n      |  ^\n",
		},
		{
			name: "nonsense range",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Subject: rng("p.hcl", 9, 1, 999, 9, 2, 1000)},
			want: "p.hcl:9:1: error: S\n",
		},
		{
			name: "unknown file",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Subject: rng("other.hcl", 1, 1, 0, 1, 2, 1)},
			want: "other.hcl:1:1: error: S\n",
		},
		{
			name: "notes",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Subject: rng("p.hcl", 1, 1, 0, 1, 2, 1),
				Extra: &Related{Notes: []Note{{Message: "here too", Subject: *rng("p.hcl", 3, 1, 18, 3, 5, 22)}}}},
			want: "p.hcl:1:1: error: S\n    1 | a = 1\n      | ^\np.hcl:3:1: note: here too\n    3 | last = [\n      | ^^^^\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, hcl.Diagnostics{tt.diag}, files, false); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", b.String(), tt.want)
			}
		})
	}
}

func TestRenderColor(t *testing.T) {
	files := map[string]*hcl.File{"p.hcl": {Bytes: []byte("a = 1\n")}}
	var b bytes.Buffer
	d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Bad", Detail: "why", Subject: rng("p.hcl", 1, 5, 4, 1, 6, 5)}}
	if err := Render(&b, d, files, true); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[1mp.hcl:1:5: \x1b[0m\x1b[1m\x1b[31merror:\x1b[0m \x1b[1mBad\x1b[0m\n  why\n    1 | a = 1\n      |     \x1b[31m^\x1b[0m\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestRenderExpressionValues(t *testing.T) {
	src := `"${git.tag}-${length(push.tags)}-${git.tag}-${var.m["k"]}"`
	expr, diags := hclsyntax.ParseExpression([]byte(src), "e.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"git":  cty.ObjectVal(map[string]cty.Value{"tag": cty.StringVal("v1 \"2\"")}),
		"push": cty.ObjectVal(map[string]cty.Value{"tags": cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})}),
		"var":  cty.ObjectVal(map[string]cty.Value{"m": cty.MapVal(map[string]cty.Value{"k": cty.NullVal(cty.String)})}),
	}}
	d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "S", Expression: expr, EvalContext: ctx}}
	var b bytes.Buffer
	if err := Render(&b, d, nil, false); err != nil {
		t.Fatal(err)
	}
	want := "error: S\n  with git.tag = \"v1 \\\"2\\\"\"\n  with push.tags = [\"a\", \"b\"]\n  with var.m[\"k\"] = null\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		v    cty.Value
		want string
	}{
		{cty.StringVal("x"), `"x"`},
		{cty.NumberFloatVal(1.5), "1.5"},
		{cty.True, "true"},
		{cty.NullVal(cty.String), "null"},
		{cty.UnknownVal(cty.String), "(not known)"},
		{cty.ObjectVal(map[string]cty.Value{"b": cty.NumberIntVal(2), "a": cty.ListValEmpty(cty.String)}), `{"a" = [], "b" = 2}`},
		{cty.SetVal([]cty.Value{cty.StringVal("x")}), `["x"]`},
		{cty.StringVal(strings.Repeat("x", 300)), `"` + strings.Repeat("x", 196) + "..."},
	}
	for _, tt := range tests {
		if got := valueString(tt.v); got != tt.want {
			t.Errorf("%#v: got %s, want %s", tt.v, got, tt.want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderWriteError(t *testing.T) {
	if err := Render(failWriter{}, hcl.Diagnostics{{Summary: "S"}}, nil, false); err == nil {
		t.Fatal("want the write error")
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"image", "git", "registry"}
	for given, want := range map[string]string{
		"imag":    ` Did you mean "image"?`,
		"gti":     ` Did you mean "git"?`,
		"registy": ` Did you mean "registry"?`,
		"zzz":     "",
		"rgstr":   "",
	} {
		if got := suggest(given, names); got != want {
			t.Errorf("%s: got %q, want %q", given, got, want)
		}
	}
}

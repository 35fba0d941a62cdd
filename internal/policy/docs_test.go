package policy

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// TestDocsExamples keeps docs/policy.md honest. Each ```hcl snippet is
// either a policy, which must load without diagnostics (with a "registry"
// variable declared when it uses one without declaring it), a variable
// file (its first line says so), or lines of expressions, which must
// type-check against the facts; an expression without facts followed by
// a comment that is an HCL constant ("# 5400", "# "feature-foo-12"",
// "# false: ...") must evaluate to that constant.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	snippets := 0
	for i, block := range strings.Split(string(doc), "```hcl\n")[1:] {
		src, _, ok := strings.Cut(block, "```")
		if !ok {
			t.Fatalf("snippet %d is not closed", i)
		}
		snippets++
		if strings.HasPrefix(src, "# vars/") {
			continue
		}
		if _, diags := hclsyntax.ParseConfig([]byte(src), "doc.hcl", hcl.InitialPos); !diags.HasErrors() {
			docsPolicy(t, src)
			continue
		}
		for _, line := range strings.Split(src, "\n") {
			docsExpression(t, line)
		}
	}
	if snippets < 20 {
		t.Errorf("only %d hcl snippets", snippets)
	}
}

func docsPolicy(t *testing.T, src string) {
	t.Helper()
	if strings.Contains(src, "var.registry") && !strings.Contains(src, `variable "registry"`) {
		src += "\nvariable \"registry\" {\n  default = \"ghcr.io/acme\"\n}\n"
	}
	p, diags := LoadSources([]Source{{Name: "doc.hcl", Data: []byte(src)}}, LoadOptions{Functions: Functions(), FactTypes: FactTypes()})
	if len(diags) > 0 {
		var b bytes.Buffer
		_ = Render(&b, diags, p.Files, false)
		t.Errorf("docs snippet:\n%s\n%s", src, b.String())
	}
}

func docsExpression(t *testing.T, line string) {
	t.Helper()
	code, comment := line, ""
	toks, _ := hclsyntax.LexExpression([]byte(line), "doc.hcl", hcl.InitialPos)
	for _, tok := range toks {
		if tok.Type == hclsyntax.TokenComment {
			code, comment = line[:tok.Range.Start.Byte], strings.TrimPrefix(string(tok.Bytes), "#")
			break
		}
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return
	}
	expr, diags := hclsyntax.ParseExpression([]byte(code), "doc.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Errorf("docs expression %q: %v", code, diags)
		return
	}
	facts := map[string]cty.Value{}
	for name, ty := range FactTypes() {
		facts[name] = cty.UnknownVal(ty)
	}
	got, diags := expr.Value(&hcl.EvalContext{Variables: facts, Functions: Functions()})
	if diags.HasErrors() {
		t.Errorf("docs expression %q: %v", code, diags)
		return
	}
	if len(expr.Variables()) > 0 {
		return
	}
	want, ok := docsConstant(comment)
	if !ok {
		return
	}
	if !got.Equals(want).True() && !(got.IsNull() && want.IsNull()) {
		t.Errorf("docs: %s gives %s, not %s", code, valueString(got), valueString(want))
	}
}

// docsConstant reads the comment after an expression as a constant: the
// whole comment, or what comes before a colon.
func docsConstant(comment string) (cty.Value, bool) {
	comment = strings.TrimSpace(comment)
	for _, c := range []string{comment, strings.SplitN(comment, ":", 2)[0]} {
		e, diags := hclsyntax.ParseExpression([]byte(c), "comment", hcl.InitialPos)
		if diags.HasErrors() || len(e.Variables()) > 0 {
			continue
		}
		v, diags := e.Value(nil)
		if !diags.HasErrors() {
			return v, true
		}
	}
	return cty.NilVal, false
}

package policy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// TestSchemaCoveredByTestdata makes sure every block and attribute of the
// language appears in a policy that loads without errors, in both syntaxes
// somewhere.
func TestSchemaCoveredByTestdata(t *testing.T) {
	var native, json strings.Builder
	for _, pattern := range []string{"testdata/good/*", "testdata/multi/*", "testdata/equiv/*"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case strings.HasSuffix(f, ".hcl"):
				native.Write(data)
			case strings.HasSuffix(f, ".hcl.json"):
				json.Write(data)
			}
		}
	}
	var check func(spec *blockSpec)
	check = func(spec *blockSpec) {
		for _, a := range spec.attrs {
			if !regexp.MustCompile(`(?m)^\s*` + a.name + `\s*=`).MatchString(native.String()) {
				t.Errorf("%s.%s is not in any native-syntax test policy", spec.typ, a.name)
			}
		}
		for _, b := range spec.blocks {
			if !regexp.MustCompile(`(?m)^\s*` + b.typ + `\b`).MatchString(native.String()) {
				t.Errorf("block %s is not in any native-syntax test policy", b.typ)
			}
			if spec == rootSpec && !strings.Contains(json.String(), `"`+b.typ+`"`) && b.typ != "variable" {
				t.Errorf("block %s is not in any JSON test policy", b.typ)
			}
			check(b)
		}
	}
	check(rootSpec)
}

func TestSchemaIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range rootSpec.blocks {
		if seen[b.typ] {
			t.Errorf("block %s twice", b.typ)
		}
		seen[b.typ] = true
		if b.single && len(b.labels) > 0 {
			t.Errorf("%s: a single block has no name", b.typ)
		}
		names := map[string]bool{}
		for _, a := range b.attrs {
			if names[a.name] {
				t.Errorf("%s.%s twice", b.typ, a.name)
			}
			names[a.name] = true
			if a.kind != kindType && a.typ == cty.NilType {
				t.Errorf("%s.%s has no type", b.typ, a.name)
			}
		}
		if got := len(b.hclSchema().Attributes); got != len(b.attrs) {
			t.Errorf("%s: schema has %d attributes, spec %d", b.typ, got, len(b.attrs))
		}
	}
}

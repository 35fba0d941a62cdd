package policy

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// The function table and fact types come from another part of the package
// (funcs.go, facts.go); the loader takes them as inputs, so the tests use
// go-cty's stdlib and small stand-ins with the same signatures.

var testFactTypes = map[string]cty.Type{
	"git": cty.Object(map[string]cty.Type{
		"tag": cty.String, "branch": cty.String, "default_branch": cty.String, "sha": cty.String,
		"short_sha": cty.String, "pr": cty.Number, "ref": cty.String, "event": cty.String, "repository": cty.String,
	}),
	"registry": cty.Object(map[string]cty.Type{"versions": cty.List(cty.String)}),
	"push":     cty.Object(map[string]cty.Type{"repository": cty.String, "tags": cty.List(cty.String), "digest": cty.String}),
	"lint":     cty.Object(map[string]cty.Type{"errors": cty.Number, "warnings": cty.Number, "infos": cty.Number, "findings": cty.List(cty.DynamicPseudoType)}),
	"image": cty.Object(map[string]cty.Type{
		"repository": cty.String, "tag": cty.String, "tags": cty.List(cty.String), "digest": cty.String,
		"created": cty.String, "age": cty.Number, "size": cty.Number, "untagged": cty.Bool,
		"platforms": cty.List(cty.String), "labels": cty.Map(cty.String), "annotations": cty.Map(cty.String),
	}),
	"env": cty.Map(cty.String),
}

func stringFunc(params []string, ret cty.Type, impl func(args []string) (cty.Value, error)) function.Function {
	var ps []function.Parameter
	for _, p := range params {
		ps = append(ps, function.Parameter{Name: p, Type: cty.String})
	}
	return function.New(&function.Spec{
		Params: ps,
		Type:   function.StaticReturnType(ret),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			var s []string
			for _, a := range args {
				s = append(s, a.AsString())
			}
			return impl(s)
		},
	})
}

var testSemverRE = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$`)

var testDurationRE = regexp.MustCompile(`^([0-9]+)([smhdw])$`)

func testDuration(s string) (time.Duration, error) {
	m := testDurationRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("invalid duration %q: write a number and a unit, s, m, h, d or w, such as \"36h\" or \"14d\"", s)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

func testFunctions() map[string]function.Function {
	return map[string]function.Function{
		"can":      tryfunc.CanFunc,
		"try":      tryfunc.TryFunc,
		"contains": stdlib.ContainsFunc,
		"length":   stdlib.LengthFunc,
		"lower":    stdlib.LowerFunc,
		"upper":    stdlib.UpperFunc,
		"regex":    stdlib.RegexFunc,
		"concat":   stdlib.ConcatFunc,
		"format":   stdlib.FormatFunc,
		"join":     stdlib.JoinFunc,
		"tonumber": stdlib.MakeToFunc(cty.Number),
		"startswith": stringFunc([]string{"s", "prefix"}, cty.Bool, func(a []string) (cty.Value, error) {
			return cty.BoolVal(strings.HasPrefix(a[0], a[1])), nil
		}),
		"semver_valid": stringFunc([]string{"version"}, cty.Bool, func(a []string) (cty.Value, error) {
			return cty.BoolVal(testSemverRE.MatchString(a[0])), nil
		}),
		"semver_prerelease": stringFunc([]string{"version"}, cty.String, func(a []string) (cty.Value, error) {
			m := testSemverRE.FindStringSubmatch(a[0])
			if m == nil {
				return cty.NilVal, fmt.Errorf("%q is not a semantic version", a[0])
			}
			return cty.StringVal(m[4]), nil
		}),
		"semver_tags": function.New(&function.Spec{
			Params: []function.Parameter{{Name: "version", Type: cty.String}, {Name: "published", Type: cty.List(cty.String)}},
			Type:   function.StaticReturnType(cty.List(cty.String)),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				m := testSemverRE.FindStringSubmatch(args[0].AsString())
				if m == nil {
					return cty.NilVal, fmt.Errorf("%q is not a semantic version", args[0].AsString())
				}
				return cty.ListVal([]cty.Value{cty.StringVal(strings.TrimPrefix(args[0].AsString(), "v"))}), nil
			},
		}),
		"duration": stringFunc([]string{"d"}, cty.Number, func(a []string) (cty.Value, error) {
			d, err := testDuration(a[0])
			if err != nil {
				return cty.NilVal, err
			}
			return cty.NumberIntVal(int64(d / time.Second)), nil
		}),
	}
}

func testOptions() LoadOptions {
	return LoadOptions{Functions: testFunctions(), FactTypes: testFactTypes}
}

// loadString loads one native-syntax source named hoist.hcl.
func loadString(t *testing.T, src string, opts LoadOptions) (*Policy, hcl.Diagnostics) {
	t.Helper()
	return LoadSources([]Source{{Name: "hoist.hcl", Data: []byte(src)}}, opts)
}

// mustLoad loads a source that must have no diagnostics at all.
func mustLoad(t *testing.T, src string, opts LoadOptions) *Policy {
	t.Helper()
	p, diags := loadString(t, src, opts)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", render(diags, p.Files))
	}
	return p
}

func render(diags hcl.Diagnostics, files map[string]*hcl.File) string {
	var b bytes.Buffer
	if err := Render(&b, diags, files, false); err != nil {
		return err.Error()
	}
	return b.String()
}

package policy

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// fact builds a fact object of the test type with some attributes set and
// the others null.
func fact(name string, set map[string]cty.Value) cty.Value {
	ty := testFactTypes[name]
	attrs := map[string]cty.Value{}
	for a, at := range ty.AttributeTypes() {
		if v, ok := set[a]; ok {
			attrs[a] = v
		} else {
			attrs[a] = cty.NullVal(at)
		}
	}
	return cty.ObjectVal(attrs)
}

func eval(t *testing.T, s *Scope, expr hcl.Expression, want cty.Type) cty.Value {
	t.Helper()
	v, diags := s.Eval(expr, want)
	if diags.HasErrors() {
		t.Fatalf("eval: %s", render(diags, nil))
	}
	return v
}

const lazyPolicy = `
variable "registry" { default = "ghcr.io/acme" }
locals {
  repo    = "${var.registry}/web"
  stable  = semver_prerelease(git.tag) == ""
  release = local.stable && semver_valid(git.tag)
  old     = image.age > 86400
}
image "web" { repository = local.repo }
tag "release" {
  when = local.release
  tags = semver_tags(git.tag, registry.versions)
}
prune "old" {
  match = local.old && image.untagged
}
`

func TestLocalsStaticAndDynamic(t *testing.T) {
	p := mustLoad(t, lazyPolicy, testOptions())
	byName := map[string]*Local{}
	for _, l := range p.Locals {
		byName[l.Name] = l
	}
	if !byName["repo"].Static() || byName["repo"].Value.AsString() != "ghcr.io/acme/web" {
		t.Errorf("repo: %#v", byName["repo"])
	}
	if byName["stable"].Static() || strings.Join(byName["stable"].Facts, ",") != "git" {
		t.Errorf("stable: %v", byName["stable"].Facts)
	}
	if strings.Join(byName["release"].Facts, ",") != "git" || strings.Join(byName["old"].Facts, ",") != "image" {
		t.Errorf("release %v old %v", byName["release"].Facts, byName["old"].Facts)
	}
	if p.Images[0].Repository != "ghcr.io/acme/web" {
		t.Errorf("image: %s", p.Images[0].Repository)
	}
}

func TestScopeEvaluatesLocalsLazily(t *testing.T) {
	p := mustLoad(t, lazyPolicy, testOptions())
	// A prune decision: image facts only, git unknown (null). The git
	// locals would fail (semver_prerelease(null)); they are not needed.
	s := p.NewScope(map[string]cty.Value{
		"image": fact("image", map[string]cty.Value{"age": cty.NumberIntVal(90000), "untagged": cty.True}),
	})
	if v := eval(t, s, p.Prunes[0].Match, cty.Bool); !v.True() {
		t.Errorf("prune match: %#v", v)
	}
	// The tag rule needs them, and fails closed, saying why.
	_, diags := s.Eval(p.Tags[0].When, cty.Bool)
	if !diags.HasErrors() {
		t.Fatal("want an error: git.tag is null")
	}
	if got := render(diags, p.Files); !strings.Contains(got, "hoist.hcl:5:") || !strings.Contains(got, "git.tag = null") {
		t.Errorf("diagnostic should point at local.stable and show git.tag:\n%s", got)
	}
	// The prune rule still evaluates in the same scope.
	if v := eval(t, s, p.Prunes[0].Match, cty.Bool); !v.True() {
		t.Errorf("prune match after a failure: %#v", v)
	}
	if _, diags := s.Local("release"); !diags.HasErrors() {
		t.Error("local.release should fail like local.stable")
	}
}

func TestScopeWithGitFacts(t *testing.T) {
	p := mustLoad(t, lazyPolicy, testOptions())
	tests := []struct {
		tag  string
		want bool
	}{
		{"v1.2.3", true},
		{"v1.2.3-rc.1", false},
	}
	for _, tt := range tests {
		s := p.NewScope(map[string]cty.Value{
			"git":      fact("git", map[string]cty.Value{"tag": cty.StringVal(tt.tag)}),
			"registry": fact("registry", map[string]cty.Value{"versions": cty.ListValEmpty(cty.String)}),
		})
		if got := eval(t, s, p.Tags[0].When, cty.Bool); got.True() != tt.want {
			t.Errorf("%s: when = %#v", tt.tag, got)
		}
		tags := eval(t, s, p.Tags[0].Tags, cty.List(cty.String))
		if tags.LengthInt() != 1 || tags.Index(cty.NumberIntVal(0)).AsString() != strings.TrimPrefix(tt.tag, "v") {
			t.Errorf("%s: tags = %#v", tt.tag, tags)
		}
		if v, diags := s.Local("repo"); diags.HasErrors() || v.AsString() != "ghcr.io/acme/web" {
			t.Errorf("static local: %#v %v", v, diags)
		}
	}
}

func TestScopeEvaluatesEachLocalOnce(t *testing.T) {
	calls := 0
	opts := testOptions()
	opts.Functions["count_call"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "s", Type: cty.String, AllowNull: true}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			calls++
			return cty.StringVal("x"), nil
		},
	})
	p := mustLoad(t, `
locals {
  a = count_call(git.branch)
  b = "${local.a}-b"
}
tag "one" { tags = [local.a] }
tag "two" { tags = [local.b, local.a] }
`, opts)
	calls = 0 // type-checking at load calls nothing with unknown args, but be sure
	s := p.NewScope(map[string]cty.Value{"git": fact("git", map[string]cty.Value{"branch": cty.StringVal("main")})})
	eval(t, s, p.Tags[0].Tags, cty.List(cty.String))
	v := eval(t, s, p.Tags[1].Tags, cty.List(cty.String))
	if calls != 1 {
		t.Errorf("local.a evaluated %d times in one scope", calls)
	}
	if v.Index(cty.NumberIntVal(0)).AsString() != "x-b" {
		t.Errorf("got %#v", v)
	}
	eval(t, p.NewScope(nil), p.Tags[0].Tags, cty.List(cty.String))
	if calls != 2 {
		t.Errorf("a new scope evaluates again: %d calls", calls)
	}
}

func TestFactStringsAreNeverTemplates(t *testing.T) {
	evil := `${file("/etc/passwd")}%{ for x in [1] }x%{ endfor }`
	native := `
tag "branch" {
  when = git.branch != ""
  tags = ["b-${git.branch}", lower(git.branch)]
}
`
	json := `{"tag": {"branch": {"when": "${git.branch != \"\"}", "tags": ["b-${git.branch}", "${lower(git.branch)}"]}}}`
	for name, src := range map[string]string{"hoist.hcl": native, "hoist.hcl.json": json} {
		p, diags := LoadSources([]Source{{Name: name, Data: []byte(src)}}, testOptions())
		if len(diags) > 0 {
			t.Fatalf("%s: %s", name, render(diags, p.Files))
		}
		s := p.NewScope(map[string]cty.Value{"git": fact("git", map[string]cty.Value{"branch": cty.StringVal(evil)})})
		v := eval(t, s, p.Tags[0].Tags, cty.List(cty.String))
		if got := v.Index(cty.NumberIntVal(0)).AsString(); got != "b-"+evil {
			t.Errorf("%s: fact was interpreted: %q", name, got)
		}
		if got := v.Index(cty.NumberIntVal(1)).AsString(); got != strings.ToLower(evil) {
			t.Errorf("%s: %q", name, got)
		}
	}
}

func TestScopeResultChecks(t *testing.T) {
	p := mustLoad(t, `
tag "pr" {
  when = git.pr != null
  tags = ["pr-${git.pr}"]
}
check "c" {
  condition     = git.event
  error_message = "x"
}
`, testOptions())
	s := p.NewScope(nil) // no facts: every fact is null
	if v := eval(t, s, p.Tags[0].When, cty.Bool); v.True() {
		t.Error("git.pr is null, when must be false")
	}
	_, diags := s.Eval(p.Tags[0].Tags, cty.List(cty.String))
	if !diags.HasErrors() {
		t.Error("interpolating a null pr must fail")
	}
	_, diags = s.Eval(p.Checks[0].Condition, cty.Bool)
	if got := render(diags, p.Files); !strings.Contains(got, "Null value") || !strings.Contains(got, "with git.event = null") {
		t.Errorf("got:\n%s", got)
	}
	s = p.NewScope(map[string]cty.Value{"git": fact("git", map[string]cty.Value{"event": cty.StringVal("push")})})
	_, diags = s.Eval(p.Checks[0].Condition, cty.Bool)
	if got := render(diags, p.Files); !strings.Contains(got, "Incorrect value type") || !strings.Contains(got, `with git.event = "push"`) {
		t.Errorf("got:\n%s", got)
	}
	s = p.NewScope(map[string]cty.Value{"git": fact("git", map[string]cty.Value{"event": cty.StringVal("true")})})
	if v := eval(t, s, p.Checks[0].Condition, cty.Bool); !v.True() {
		t.Errorf("a string \"true\" converts: %#v", v)
	}
	if v := eval(t, s, p.Checks[0].Condition, cty.DynamicPseudoType); v.AsString() != "true" {
		t.Errorf("no conversion: %#v", v)
	}
	if _, diags := s.Eval(nil, cty.Bool); !diags.HasErrors() {
		t.Error("nil expression")
	}
	if _, diags := s.Local("nope"); !diags.HasErrors() {
		t.Error("unknown local")
	}
}

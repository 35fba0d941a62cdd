package policy

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const testSHA = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"

type tagCase struct {
	name  string
	facts Facts
	want  string // the tags, space-separated; "error:TEXT" for an error containing TEXT
}

func runTagCases(t *testing.T, p *Policy, cases []tagCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := p.TagSet(c.facts)
			if want, isErr := strings.CutPrefix(c.want, "error:"); isErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("want an error with %q, got %v (tags %v)", want, err, res.Names())
				}
				if len(res.Tags) != 0 {
					t.Errorf("a failed tag set must have no tags: %v", res.Names())
				}
				return
			}
			if err != nil {
				var ee *EvalError
				if errors.As(err, &ee) {
					t.Fatalf("%v\n%s", err, render(ee.Diags, res.Files))
				}
				t.Fatal(err)
			}
			if got := strings.Join(res.Names(), " "); got != c.want {
				t.Errorf("tags %q, want %q", got, c.want)
			}
		})
	}
}

func release(tag string, published ...string) Facts {
	return Facts{Git: &Git{Tag: tag, SHA: testSHA, DefaultBranch: "main", Event: "push"}, Registry: &Registry{Versions: published}}
}

// The semver cases and more, through the built-in rules.
func TestTagSetDefaults(t *testing.T) {
	runTagCases(t, nil, []tagCase{
		{"v1.2.3 nothing published", release("v1.2.3"), "1.2.3 1.2 1 latest sha-1a2b3c4"},
		{"v1.9.1 when 2.0.0 exists", release("v1.9.1", "2.0.0", "1.9.0"), "1.9.1 1.9 1 sha-1a2b3c4"},
		{"v1.8.5 when 1.9.1 exists", release("v1.8.5", "1.9.1", "v1.8.4"), "1.8.5 1.8 sha-1a2b3c4"},
		{"v1.8.5 when 1.8.6 exists", release("v1.8.5", "1.8.6"), "1.8.5 sha-1a2b3c4"},
		{"v2.1.0-rc.1 prerelease", release("v2.1.0-rc.1", "2.0.0"), "2.1.0-rc.1 sha-1a2b3c4"},
		{"v0.3.0", release("v0.3.0", "0.2.9"), "0.3.0 0.3 latest sha-1a2b3c4"},
		{"v0.3.1 when 0.4.0 exists", release("v0.3.1", "0.4.0"), "0.3.1 0.3 sha-1a2b3c4"},
		{"build metadata dropped", release("v1.2.3+build.5"), "1.2.3 1.2 1 latest sha-1a2b3c4"},
		{"republishing the same version", release("v1.2.3", "1.2.3", "1.2.2"), "1.2.3 1.2 1 latest sha-1a2b3c4"},
		{"published prereleases and junk do not hold back", release("v2.0.0", "2.1.0-rc.1", "latest", "sha-abc", "nightly"), "2.0.0 2.0 2 latest sha-1a2b3c4"},
		{"no v prefix", release("3.0.0"), "3.0.0 3.0 3 latest sha-1a2b3c4"},
		{"other git tag, sanitized", release("Nightly/2024"), "nightly-2024 sha-1a2b3c4"},
		{"branch", Facts{Git: &Git{Branch: "feature/Foo#12", DefaultBranch: "main", SHA: testSHA}}, "feature-foo-12 sha-1a2b3c4"},
		{"default branch", Facts{Git: &Git{Branch: "main", DefaultBranch: "main", SHA: testSHA}}, "main sha-1a2b3c4"},
		{"pull request: no branch tag", Facts{Git: &Git{Branch: "feature/x", PR: 12, SHA: testSHA, Event: "pull_request"}}, "pr-12 sha-1a2b3c4"},
		{"short sha given longer", Facts{Git: &Git{Branch: "main", SHA: testSHA, ShortSHA: "1A2B3C4D"}}, "main sha-1a2b3c4"},
		{"injection is a plain string", Facts{Git: &Git{Branch: `${file("/etc/passwd")}`}}, "file-etc-passwd"},
		{"registry not asked: fail closed", Facts{Git: &Git{Tag: "v1.2.3", SHA: testSHA}}, `error:tag "semver" (default.hcl:`},
		{"no facts at all", Facts{}, "error:this event yields no tag"},
		{"no sha, no tag, no branch", Facts{Git: &Git{Event: "schedule"}}, "error:this event yields no tag"},
	})
}

// The same cases through DESIGN.md §4.6's example policy.
func TestTagSetDesignExample(t *testing.T) {
	p := loadDesign(t)
	main := func(sha string) Facts {
		return Facts{Git: &Git{Branch: "main", DefaultBranch: "main", SHA: sha}}
	}
	runTagCases(t, p, []tagCase{
		{"v1.2.3 nothing published", release("v1.2.3"), "1.2.3 1.2 1 latest"},
		{"v1.9.1 when 2.0.0 exists", release("v1.9.1", "2.0.0", "1.9.0"), "1.9.1 1.9 1"},
		{"v1.8.5 when 1.9.1 exists", release("v1.8.5", "1.9.1"), "1.8.5 1.8"},
		{"v0.3.0", release("v0.3.0"), "0.3.0 0.3 latest"},
		// local.stable excludes prereleases and no other rule fires: the
		// example gives a prerelease no tag at all, so it is refused.
		{"v2.1.0-rc.1 gets nothing", release("v2.1.0-rc.1"), "error:this event yields no tag"},
		{"main", main(testSHA), "edge sha-1a2b3c4"},
		{"main without a sha fails closed", main(""), `error:tag "main" (testdata/good/design.hcl:24): cannot evaluate tags`},
		{"pull request", Facts{Git: &Git{Branch: "feature/x", DefaultBranch: "main", PR: 12}}, "pr-12"},
		{"feature branch gets nothing", Facts{Git: &Git{Branch: "feature/x", DefaultBranch: "main", SHA: testSHA}}, "error:this event yields no tag"},
	})
}

func TestTagSetDecisions(t *testing.T) {
	p := loadReal(t, `
tag "edge" {
  when = git.branch == "main"
  tags = ["edge", "Main/Branch"]
}
tag "also-edge" {
  tags = ["edge", "sha-${git.short_sha}", "edge"]
}
tag "pr" {
  when = git.pr != null
  tags = ["pr-${git.pr}"]
}
tag "empty" {
  tags = []
}
`)
	res, err := p.TagSet(Facts{Git: &Git{Branch: "main", SHA: testSHA}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Defaults {
		t.Error("the policy has tag rules: no defaults")
	}
	if got := strings.Join(res.Names(), " "); got != "edge main-branch sha-1a2b3c4" {
		t.Errorf("tags: %s", got)
	}
	edge := res.Tags[0]
	if len(edge.Rules) != 2 || edge.Rules[0].Name != "edge" || edge.Rules[1].Name != "also-edge" || edge.Rules[1].Location() != "hoist.hcl:6" {
		t.Errorf("edge's rules: %+v", edge.Rules)
	}
	var got []string
	for _, r := range res.Rules {
		got = append(got, fmt.Sprintf("%s fired=%v %q %v", r.Rule, r.Fired, r.Reason, r.Tags))
	}
	want := []string{
		`tag "edge" fired=true "when holds (git.branch = \"main\"); sanitized \"Main/Branch\" to \"main-branch\"" [edge main-branch]`,
		`tag "also-edge" fired=true "no when: always applies" [edge sha-1a2b3c4]`,
		`tag "pr" fired=false "when is false (git.pr = null)" []`,
		`tag "empty" fired=true "no when: always applies, but its tags are empty" []`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTagSetInvalidTags(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`tag "bad" { tags = ["///"] }`, "Cannot make a tag of"},
		{`tag "bad" { tags = [git.tag] }`, "Element 0 of the tags is null"},
		{`tag "bad" { tags = git.tag == null ? null : [] }`, "Null value"},
		{`tag "bad" {
  when = git.tag
  tags = ["x"]
}`, "Null value"},
	} {
		p := loadReal(t, c.src)
		res, err := p.TagSet(Facts{Git: &Git{Branch: "main"}})
		var ee *EvalError
		if !errors.As(err, &ee) {
			t.Errorf("%s: want an *EvalError, got %v", c.src, err)
			continue
		}
		if out := render(ee.Diags, res.Files); !strings.Contains(out, c.want) || !strings.Contains(out, "hoist.hcl:") {
			t.Errorf("%s: diagnostics lack %q:\n%s", c.src, c.want, out)
		}
		if len(res.Tags) != 0 || res.Rules[0].Err == nil {
			t.Errorf("%s: result %+v", c.src, res)
		}
	}
}

// A policy without tag rules (only prune rules, say) gets the built-in
// ones, and says so; so does no policy at all.
func TestTagSetFallsBackToDefaults(t *testing.T) {
	p := loadReal(t, `prune "old" { match = image.untagged }`)
	for _, pol := range []*Policy{p, nil} {
		res, err := pol.TagSet(Facts{Git: &Git{Branch: "dev", SHA: testSHA}})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Defaults || strings.Join(res.Names(), " ") != "dev sha-1a2b3c4" {
			t.Errorf("defaults: %+v", res)
		}
		if loc := res.Tags[0].Rules[0].Location(); loc != "default.hcl:27" {
			t.Errorf("branch rule at %s", loc)
		}
		if res.Files[DefaultSourceName] == nil {
			t.Error("the default source must be in Files, for Render")
		}
	}
}

// The same facts give the same decisions, every time.
func TestTagSetDeterministic(t *testing.T) {
	p := loadDesign(t)
	facts := Facts{Git: &Git{Tag: "v1.9.1", Branch: "main", DefaultBranch: "main", SHA: testSHA, PR: 3}, Registry: &Registry{Versions: []string{"2.0.0", "1.9.0", "1.8.0"}}}
	summary := func() string {
		res, err := p.TagSet(facts)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, tg := range res.Tags {
			fmt.Fprintf(&b, "%s:%v ", tg.Name, tg.Rules)
		}
		for _, r := range res.Rules {
			fmt.Fprintf(&b, "|%s %v %s %v", r.Rule.Ref(), r.Fired, r.Reason, r.Tags)
		}
		return b.String()
	}
	first := summary()
	if !strings.Contains(first, "1.9.1:") || !strings.Contains(first, "edge:") || !strings.Contains(first, "pr-3:") {
		t.Fatalf("unexpected: %s", first)
	}
	for range 50 {
		if got := summary(); got != first {
			t.Fatalf("decisions differ:\n%s\n%s", first, got)
		}
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	var names []string
	for _, r := range p.Tags {
		names = append(names, r.Name+"@"+r.Location())
	}
	if got := strings.Join(names, " "); got != "semver@default.hcl:17 git-tag@default.hcl:22 branch@default.hcl:27 pr@default.hcl:32 sha@default.hcl:37" {
		t.Errorf("default rules: %s", got)
	}
	if len(p.Checks)+len(p.Protects)+len(p.Prunes) != 0 {
		t.Error("the defaults have tag rules only")
	}
	if _, err := p.PruneDecisions([]Image{{Repository: "r", Tag: "t"}}, testNow); !errors.Is(err, ErrNoPruneRules) {
		t.Errorf("prune with the defaults: %v", err)
	}
}

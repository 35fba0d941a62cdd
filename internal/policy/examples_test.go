package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/hoistci/hoist/lint"
)

// The example policies in examples/policies are documentation: each must
// load without a single diagnostic with the real functions and facts, be
// formatted canonically, and decide what its header comment says.

const examplesDir = "../../examples/policies"

func loadExample(t *testing.T, name string, varFiles ...string) *Policy {
	t.Helper()
	dir := filepath.Join(examplesDir, name)
	for i, f := range varFiles {
		varFiles[i] = filepath.Join(dir, f)
	}
	p, diags := Load([]string{dir}, LoadOptions{Functions: Functions(), FactTypes: FactTypes(), VarFiles: varFiles})
	if len(diags) > 0 {
		var b bytes.Buffer
		_ = Render(&b, diags, p.Files, false)
		t.Fatalf("%s:\n%s", name, b.String())
	}
	return p
}

func TestExamplesAreFormatted(t *testing.T) {
	var files []string
	err := filepath.WalkDir(examplesDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".hcl") {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) < 3 {
		t.Fatalf("%v %v", err, files)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, diags := Format(src, f)
		if diags.HasErrors() || !bytes.Equal(out, src) {
			t.Errorf("%s is not formatted (go run ./cmd/hoist policy fmt %s): %v", f, f, diags)
		}
	}
}

// exampleTags applies every tag rule whose when holds, as the tag command
// does: the union of their tags, in rule order. It stops at the first
// evaluation error, as a push must.
func exampleTags(t *testing.T, p *Policy, f Facts) ([]string, bool) {
	t.Helper()
	s := p.NewScope(f.Variables())
	var tags []string
	for _, r := range p.Tags {
		if r.When != nil {
			when, diags := s.Eval(r.When, cty.Bool)
			if diags.HasErrors() {
				return nil, false
			}
			if when.False() {
				continue
			}
		}
		val, diags := s.Eval(r.Tags, cty.List(cty.String))
		if diags.HasErrors() {
			return nil, false
		}
		for _, v := range val.AsValueSlice() {
			if !slices.Contains(tags, v.AsString()) {
				tags = append(tags, v.AsString())
			}
		}
	}
	return tags, true
}

// exampleFailedChecks are the names of the checks whose condition is false.
func exampleFailedChecks(t *testing.T, p *Policy, f Facts) []string {
	t.Helper()
	s := p.NewScope(f.Variables())
	var failed []string
	for _, c := range p.Checks {
		ok, diags := s.Eval(c.Condition, cty.Bool)
		if diags.HasErrors() || ok.False() {
			failed = append(failed, c.Name)
		}
	}
	return failed
}

// exampleMatches are the names of the protect and prune rules whose match
// holds for an image, as "protect NAME" and "prune NAME", with repository
// globs applied.
func exampleMatches(t *testing.T, p *Policy, im *Image) []string {
	t.Helper()
	s := p.NewScope(Facts{Image: im}.Variables())
	var out []string
	match := func(kind, name, repo string, expr hcl.Expression) {
		if repo != "" {
			if ok, err := Glob(repo, im.Repository); err != nil || !ok {
				return
			}
		}
		val, diags := s.Eval(expr, cty.Bool)
		if diags.HasErrors() {
			t.Fatalf("%s %s: %v", kind, name, diags)
		}
		if val.True() {
			out = append(out, kind+" "+name)
		}
	}
	for _, r := range p.Protects {
		match("protect", r.Name, r.Repository, r.Match)
	}
	for _, r := range p.Prunes {
		match("prune", r.Name, r.Repository, r.Match)
	}
	return out
}

func age(d time.Duration) *time.Duration { return &d }

func TestExampleLibrary(t *testing.T) {
	p := loadExample(t, "library")
	for _, tt := range []struct {
		name string
		git  *Git
		pub  []string
		want []string
	}{
		{"first stable", &Git{Tag: "v1.4.0"}, nil, []string{"1.4.0", "1.4", "1", "latest"}},
		{"backport", &Git{Tag: "v1.3.5"}, []string{"1.4.0", "1.3.4", "latest"}, []string{"1.3.5", "1.3"}},
		{"0.x", &Git{Tag: "v0.3.0"}, nil, []string{"0.3.0", "0.3", "latest"}},
		{"newest prerelease", &Git{Tag: "v2.0.0-rc.1"}, []string{"1.4.0"}, []string{"2.0.0-rc.1", "next"}},
		{"prerelease of a backport", &Git{Tag: "v1.4.1-rc.1"}, []string{"1.4.0", "2.0.0-rc.1"}, []string{"1.4.1-rc.1"}},
		{"main", &Git{Branch: "main", DefaultBranch: "main", SHA: "1a2b3c4d5e6f"}, nil, []string{"edge", "sha-1a2b3c4"}},
		{"feature branch", &Git{Branch: "feature/x", DefaultBranch: "main", SHA: "1a2b3c4d5e6f"}, nil, nil},
		{"pull request", &Git{Branch: "feature/x", DefaultBranch: "main", PR: 42}, nil, []string{"pr-42"}},
		{"a tag that is not a version", &Git{Tag: "nightly"}, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := exampleTags(t, p, Facts{Git: tt.git, Registry: &Registry{Versions: tt.pub}})
			if !ok || !slices.Equal(got, tt.want) {
				t.Errorf("tags %v (ok %v), want %v", got, ok, tt.want)
			}
		})
	}
	// Without the published versions a release cannot be tagged: the
	// evaluation fails, and nothing is pushed.
	if got, ok := exampleTags(t, p, Facts{Git: &Git{Tag: "v1.4.0"}}); ok {
		t.Errorf("unknown registry: tags %v", got)
	}

	clean := &Lint{}
	if f := exampleFailedChecks(t, p, Facts{Git: &Git{Tag: "v1.4.0"}, Push: &Push{Tags: []string{"1.4.0", "latest"}}, Lint: clean}); len(f) != 0 {
		t.Errorf("a clean release fails %v", f)
	}
	f := exampleFailedChecks(t, p, Facts{Git: &Git{Tag: "v2.0.0-rc.1"}, Push: &Push{Tags: []string{"2.0.0-rc.1", "latest"}}, Lint: &Lint{Errors: 1, Warnings: 9}})
	if want := []string{"latest-only-from-a-release", "lint-clean", "few-warnings"}; !slices.Equal(f, want) {
		t.Errorf("failed checks %v, want %v", f, want)
	}
	f = exampleFailedChecks(t, p, Facts{Git: &Git{PR: 7}, Push: &Push{Tags: []string{"pr-7", "edge"}}, Lint: clean})
	if want := []string{"pull-requests-stay-in-their-lane"}; !slices.Equal(f, want) {
		t.Errorf("failed checks %v, want %v", f, want)
	}

	for tag, want := range map[string][]string{
		"1.4.0":      {"protect releases"},
		"1.4":        {"protect floating"},
		"next":       {"protect floating"},
		"pr-12":      {"prune pull-requests"},
		"sha-1a2b3c": {"prune commits"},
	} {
		im := &Image{Repository: "ghcr.io/acme/widget", Tag: tag, Tags: []string{tag}, Age: age(time.Hour)}
		if got := exampleMatches(t, p, im); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", tag, got, want)
		}
	}
	if got := exampleMatches(t, p, &Image{Repository: "ghcr.io/acme/widget"}); !slices.Equal(got, []string{"prune untagged"}) {
		t.Errorf("untagged: %v", got)
	}
	if p.Limits.MinAge != 48*time.Hour || p.Limits.MaxDeletions != 200 {
		t.Errorf("limits %+v", p.Limits)
	}
}

func TestExampleMonorepo(t *testing.T) {
	p := loadExample(t, "monorepo")
	var repos []string
	for _, im := range p.Images {
		repos = append(repos, im.Repository)
	}
	if want := []string{"ghcr.io/acme-shop/api", "ghcr.io/acme-shop/web", "ghcr.io/acme-shop/worker", "ghcr.io/acme-shop/migrate"}; !slices.Equal(repos, want) {
		t.Errorf("repositories %v", repos)
	}
	if web := p.Images[1]; web.Target != "runtime" || web.Labels["org.opencontainers.image.title"] != "web" || web.Labels["org.opencontainers.image.vendor"] != "Acme" {
		t.Errorf("web: %+v", web)
	}
	if mig := p.Images[3]; !slices.Equal(mig.Platforms, []string{"linux/amd64"}) {
		t.Errorf("migrate platforms %v", mig.Platforms)
	}

	sha := "0123456789abcdef"
	for _, tt := range []struct {
		name string
		git  *Git
		want []string
	}{
		{"release", &Git{Tag: "v3.2.0", SHA: sha}, []string{"3.2.0", "3.2", "3", "latest"}},
		{"prerelease", &Git{Tag: "v3.3.0-beta.1", SHA: sha}, nil},
		{"main", &Git{Branch: "main", DefaultBranch: "main", SHA: sha}, []string{"main", "sha-0123456"}},
		{"release branch", &Git{Branch: "release/3.2", DefaultBranch: "main", SHA: sha}, []string{"release-3.2", "sha-0123456"}},
		{"pull request", &Git{Branch: "fix/Bug#12", DefaultBranch: "main", PR: 87, SHA: sha}, []string{"pr-87"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := exampleTags(t, p, Facts{Git: tt.git, Registry: &Registry{Versions: []string{"3.1.4"}}})
			if !ok || !slices.Equal(got, tt.want) {
				t.Errorf("tags %v (ok %v), want %v", got, ok, tt.want)
			}
		})
	}

	f := exampleFailedChecks(t, p, Facts{Git: &Git{Tag: "v3.3.0-beta.1"}, Push: &Push{Repository: "docker.io/acme/api"}, Lint: &Lint{}})
	if want := []string{"own-registry", "no-prerelease-tags"}; !slices.Equal(f, want) {
		t.Errorf("failed checks %v, want %v", f, want)
	}

	untaggedMigrate := exampleMatches(t, p, &Image{Repository: "ghcr.io/acme-shop/migrate"})
	untaggedAPI := exampleMatches(t, p, &Image{Repository: "ghcr.io/acme-shop/api"})
	if !slices.Equal(untaggedMigrate, []string{"prune migrate-untagged"}) || !slices.Equal(untaggedAPI, []string{"prune untagged"}) {
		t.Errorf("untagged: migrate %v, api %v", untaggedMigrate, untaggedAPI)
	}
	if got := exampleMatches(t, p, &Image{Repository: "ghcr.io/other/api", Tag: "pr-1", Tags: []string{"pr-1"}}); len(got) != 0 {
		t.Errorf("another namespace: %v", got)
	}
	if got := exampleMatches(t, p, &Image{Repository: "ghcr.io/acme-shop/web", Tag: "release-3.2", Tags: []string{"release-3.2"}}); !slices.Equal(got, []string{"protect floating"}) {
		t.Errorf("release branch image: %v", got)
	}
}

func TestExampleProduction(t *testing.T) {
	p := loadExample(t, "production", "vars/prod.hcl")
	pr := p.Prunes[0]
	if pr.Name != "old-candidates" || pr.KeepLatest != 5 || pr.OlderThan != 60*24*time.Hour || pr.Repository != "registry.acme.internal/prod/*" {
		t.Errorf("old-candidates: %+v", pr)
	}
	if p.Limits.MinAge != 7*24*time.Hour || p.Limits.MaxDeletions != 25 {
		t.Errorf("limits %+v", p.Limits)
	}
	if ls := p.Lint.Settings; *ls.FailureThreshold != lint.Warning || ls.Overrides["DL3002"] != lint.Error || !slices.Equal(ls.TrustedRegistries, []string{"registry.acme.internal", "cgr.dev"}) {
		t.Errorf("lint %+v", p.Lint)
	}
	staging := loadExample(t, "production", "vars/staging.hcl")
	if pr := staging.Prunes[0]; pr.KeepLatest != 30 || pr.OlderThan != 90*24*time.Hour {
		t.Errorf("staging old-candidates: %+v", pr)
	}
	// No registry, no policy.
	if _, diags := Load([]string{filepath.Join(examplesDir, "production")}, LoadOptions{Functions: Functions(), FactTypes: FactTypes()}); !diags.HasErrors() {
		t.Error("the production policy loads without a registry")
	}

	pub := []string{"4.6.0", "4.6.1", "4.7.0-rc.1"}
	for _, tt := range []struct {
		tag  string
		want []string
	}{
		{"v4.7.0", []string{"4.7.0", "4.7", "4"}},
		{"v4.6.2", []string{"4.6.2", "4.6", "4"}}, // a prerelease (4.7.0-rc.1) holds no floating tag back
		{"v4.6.0", []string{"4.6.0"}},
		{"v4.8.0-rc.2", []string{"4.8.0-rc.2"}},
		{"v4.8.0-beta.1", nil},
	} {
		got, ok := exampleTags(t, p, Facts{Git: &Git{Tag: tt.tag}, Registry: &Registry{Versions: pub}})
		if !ok || !slices.Equal(got, tt.want) {
			t.Errorf("%s: tags %v (ok %v), want %v", tt.tag, got, ok, tt.want)
		}
	}

	clean := &Lint{}
	good := Facts{Git: &Git{Tag: "v4.7.0"}, Registry: &Registry{Versions: pub}, Lint: clean,
		Push: &Push{Repository: "registry.acme.internal/prod/payments", Tags: []string{"4.7.0", "4.7", "4"}}}
	if f := exampleFailedChecks(t, p, good); len(f) != 0 {
		t.Errorf("a good release fails %v", f)
	}
	bad := Facts{Git: &Git{Branch: "main", PR: 3}, Registry: &Registry{Versions: pub}, Lint: &Lint{Warnings: 1, Infos: 2},
		Push: &Push{Repository: "docker.io/acme/payments", Tags: []string{"latest"}}}
	want := []string{"releases-only", "never-from-a-pull-request", "own-registry", "no-latest", "lint-clean", "lint-infos"}
	if f := exampleFailedChecks(t, p, bad); !slices.Equal(f, want) {
		t.Errorf("failed checks %v, want %v", f, want)
	}
	major := good
	major.Git = &Git{Tag: "v5.0.0"}
	if f := exampleFailedChecks(t, p, major); !slices.Equal(f, []string{"new-major-version"}) {
		t.Errorf("new major: %v", f)
	}
	// The first release ever is not a "new major version".
	first := good
	first.Git, first.Registry = &Git{Tag: "v1.0.0"}, &Registry{}
	if f := exampleFailedChecks(t, p, first); len(f) != 0 {
		t.Errorf("first release: %v", f)
	}

	repo := "registry.acme.internal/prod/payments"
	for _, tt := range []struct {
		name string
		im   *Image
		want []string
	}{
		{"a candidate that became the release", &Image{Repository: repo, Tag: "4.7.0-rc.1", Tags: []string{"4.7.0-rc.1", "4.7.0", "4.7"}},
			[]string{"protect releases", "protect floating", "prune old-candidates"}},
		{"a candidate", &Image{Repository: repo, Tag: "4.8.0-rc.1", Tags: []string{"4.8.0-rc.1"}}, []string{"prune old-candidates"}},
		{"a retained candidate", &Image{Repository: repo, Tag: "4.8.0-rc.1", Tags: []string{"4.8.0-rc.1"}, Annotations: map[string]string{"com.acme.retain": "true"}},
			[]string{"protect retained", "prune old-candidates"}},
		{"untagged", &Image{Repository: repo}, []string{"prune untagged"}},
		{"another registry", &Image{Repository: "ghcr.io/acme/payments"}, nil},
	} {
		if got := exampleMatches(t, p, tt.im); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

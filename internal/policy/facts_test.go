package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

func factFull() Facts {
	age := 15*24*time.Hour + 90*time.Minute
	return Facts{
		Git: &Git{
			Tag:           "v1.9.1",
			Branch:        "main",
			DefaultBranch: "main",
			SHA:           "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
			PR:            12,
			Ref:           "refs/tags/v1.9.1",
			Event:         "push",
			Repository:    "acme/web",
		},
		Registry: &Registry{Versions: []string{"2.0.0", "1.9.0"}},
		Push:     &Push{Repository: "ghcr.io/acme/web", Tags: []string{"1.9.1", "1.9"}, Digest: "sha256:abc"},
		Lint: &Lint{Errors: 1, Warnings: 2, Infos: 0, Findings: []LintFinding{
			{Code: "DL3008", Rule: "apt-get-pin", Level: "warning", Message: "pin versions", File: "Dockerfile", Line: 3, Column: 1},
			{Code: "HS001", Level: "error", Message: "no line"},
		}},
		Image: &Image{
			Repository:  "ghcr.io/acme/web",
			Tag:         "pr-12",
			Tags:        []string{"pr-12", "sha-1a2b3c4"},
			Digest:      "sha256:def",
			Created:     time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600)),
			Age:         &age,
			Size:        123456789,
			Platforms:   []string{"linux/amd64", "linux/arm64"},
			Labels:      map[string]string{"org.opencontainers.image.source": "https://github.com/acme/web"},
			Annotations: map[string]string{"a": "b"},
		},
		Env: map[string]string{"CI": "true"},
	}
}

func TestFactsTypes(t *testing.T) {
	types := FactTypes()
	for name, facts := range map[string]Facts{"empty": {}, "full": factFull(), "empty groups": {
		Git: &Git{}, Registry: &Registry{}, Push: &Push{}, Lint: &Lint{}, Image: &Image{}, Env: map[string]string{},
	}} {
		t.Run(name, func(t *testing.T) {
			vars := facts.Variables()
			if len(vars) != len(types) {
				t.Fatalf("Variables() has %d entries, FactTypes() %d", len(vars), len(types))
			}
			for k, ty := range types {
				v, ok := vars[k]
				if !ok {
					t.Fatalf("Variables() lacks %q", k)
				}
				if !v.Type().Equals(ty) {
					t.Errorf("%s: type %s, want %s", k, v.Type().GoString(), ty.GoString())
				}
				if v.IsNull() || !v.IsWhollyKnown() {
					t.Errorf("%s is null or unknown; a group is an object (of nulls) and env a map", k)
				}
			}
		})
	}
}

// The attributes of DESIGN.md §4.6, no more and no fewer.
func TestFactsAttributes(t *testing.T) {
	want := map[string]string{
		"git":      "branch default_branch event pr ref repository sha short_sha tag",
		"registry": "versions",
		"push":     "digest repository tags",
		"lint":     "errors findings infos warnings",
		"image":    "age annotations created digest labels platforms repository size tag tags untagged",
	}
	for name, ty := range FactTypes() {
		if name == "env" {
			if !ty.Equals(cty.Map(cty.String)) {
				t.Errorf("env is %s, want map(string)", ty.FriendlyName())
			}
			continue
		}
		var attrs []string
		for a := range ty.AttributeTypes() {
			attrs = append(attrs, a)
		}
		if got := strings.Join(slices.Sorted(slices.Values(attrs)), " "); got != want[name] {
			t.Errorf("%s attributes: %s, want %s", name, got, want[name])
		}
	}
}

func TestFactsValues(t *testing.T) {
	fnRun(t, []fnCase{
		{expr: `git.tag`, want: `"v1.9.1"`},
		{expr: `git.branch == git.default_branch`, want: `true`},
		{expr: `git.sha`, want: `"1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"`},
		{expr: `git.short_sha`, want: `"1a2b3c4"`}, // from sha when not given
		{expr: `"sha-${git.short_sha}"`, want: `"sha-1a2b3c4"`},
		{expr: `git.pr`, want: `12`},
		{expr: `"pr-${git.pr}"`, want: `"pr-12"`},
		{expr: `git.ref`, want: `"refs/tags/v1.9.1"`},
		{expr: `git.event`, want: `"push"`},
		{expr: `git.repository`, want: `"acme/web"`},
		{expr: `registry.versions`, want: `["2.0.0","1.9.0"]`},
		{expr: `semver_tags(git.tag, registry.versions)`, want: `["1.9.1","1.9","1"]`},
		{expr: `push.repository`, want: `"ghcr.io/acme/web"`},
		{expr: `contains(push.tags, "latest")`, want: `false`},
		{expr: `push.digest`, want: `"sha256:abc"`},
		{expr: `lint.errors == 0`, want: `false`},
		{expr: `lint.warnings`, want: `2`},
		{expr: `lint.infos`, want: `0`},
		{expr: `[for f in lint.findings : f.code if f.level == "warning"]`, want: `["DL3008"]`},
		{expr: `lint.findings[0].line`, want: `3`},
		{expr: `lint.findings[1].line`, want: `null`}, // 0: unknown
		{expr: `lint.findings[1].rule`, want: `null`},
		{expr: `image.repository`, want: `"ghcr.io/acme/web"`},
		{expr: `can(regex("^pr-[0-9]+$", image.tag))`, want: `true`},
		{expr: `image.tags`, want: `["pr-12","sha-1a2b3c4"]`},
		{expr: `image.digest`, want: `"sha256:def"`},
		{expr: `image.created`, want: `"2025-03-04T04:06:07Z"`}, // UTC
		{expr: `formatdate("YYYY", image.created)`, want: `"2025"`},
		{expr: `image.age`, want: `1301400`},
		{expr: `image.age > duration("14d")`, want: `true`},
		{expr: `image.size`, want: `123456789`},
		{expr: `image.untagged`, want: `false`},
		{expr: `image.platforms`, want: `["linux/amd64","linux/arm64"]`},
		{expr: `image.labels["org.opencontainers.image.source"]`, want: `"https://github.com/acme/web"`},
		{expr: `image.annotations.a`, want: `"b"`},
		{expr: `env.CI`, want: `"true"`},
		{expr: `lookup(env, "HOME", "none")`, want: `"none"`},
	}, factFull().Variables())
}

// An unknown fact is null of its type, never a made-up value.
func TestFactsNull(t *testing.T) {
	t.Run("no groups", func(t *testing.T) {
		fnRun(t, []fnCase{
			{expr: `git.tag == null`, want: `true`},
			{expr: `git.pr != null`, want: `false`},
			{expr: `git.pr`, want: `null`},
			{expr: `registry.versions`, want: `null`},
			{expr: `push.tags`, want: `null`},
			{expr: `lint.errors`, want: `null`},
			{expr: `image.untagged`, want: `null`},
			{expr: `env`, want: `{}`},
			{expr: `lookup(env, "CI", "false")`, want: `"false"`},
			// Deciding with an unknown fact fails rather than guessing.
			{expr: `semver_tags("v1.2.3", registry.versions)`, wantErr: "Invalid function argument"},
			{expr: `lint.errors == 0`, want: `false`},
			{expr: `"pr-${git.pr}"`, wantErr: "Invalid template interpolation value"},
			{expr: `git.nope`, wantErr: "Unsupported attribute"},
		}, Facts{}.Variables())
	})
	t.Run("zero values", func(t *testing.T) {
		fnRun(t, []fnCase{
			{expr: `git.tag`, want: `null`},
			{expr: `git.branch`, want: `null`},
			{expr: `git.short_sha`, want: `null`},
			{expr: `git.pr`, want: `null`},
			// A present group's collections are known and empty.
			{expr: `registry.versions`, want: `[]`},
			{expr: `semver_tags("v1.2.3", registry.versions)`, want: `["1.2.3","1.2","1","latest"]`},
			{expr: `push.tags`, want: `[]`},
			{expr: `push.digest`, want: `null`},
			{expr: `lint.errors`, want: `0`},
			{expr: `lint.findings`, want: `[]`},
			{expr: `image.tag`, want: `null`},
			{expr: `image.tags`, want: `[]`},
			{expr: `image.untagged`, want: `true`},
			{expr: `image.created`, want: `null`},
			{expr: `image.age`, want: `null`},
			{expr: `image.size`, want: `null`},
			{expr: `image.labels`, want: `{}`},
			// Predicates on an untagged image's tag are simply false.
			{expr: `semver_valid(image.tag)`, want: `false`},
			{expr: `startswith(image.tag, "sha-")`, want: `false`},
			{expr: `glob("pr-*", image.tag)`, want: `false`},
			{expr: `can(regex("^pr-[0-9]+$", image.tag))`, want: `false`},
		}, Facts{Git: &Git{SHA: "abc"}, Registry: &Registry{}, Push: &Push{}, Lint: &Lint{}, Image: &Image{}}.Variables())
	})
	t.Run("short sha given", func(t *testing.T) {
		fnRun(t, []fnCase{
			{expr: `git.short_sha`, want: `"1a2b3c4d"`},
		}, Facts{Git: &Git{SHA: "1a2b3c4d5e6f", ShortSHA: "1a2b3c4d"}}.Variables())
	})
}

// DESIGN.md §4.6's local.stable and tag rules on a branch build and a tag
// build.
func TestFactsDesignExample(t *testing.T) {
	const stable = `git.tag != "" && semver_valid(git.tag) && semver_prerelease(git.tag) == ""`
	cases := []struct {
		name  string
		facts Facts
		expr  string
		want  string
	}{
		{"branch build is not stable", Facts{Git: &Git{Branch: "main", DefaultBranch: "main", SHA: "1a2b3c4d5e"}}, stable, `false`},
		{"release is stable", Facts{Git: &Git{Tag: "v1.2.3"}}, stable, `true`},
		{"prerelease is not stable", Facts{Git: &Git{Tag: "v1.2.3-rc.1"}}, stable, `false`},
		{"junk tag is not stable", Facts{Git: &Git{Tag: "nightly"}}, stable, `false`},
		{"main rule", Facts{Git: &Git{Branch: "main", DefaultBranch: "main", SHA: "1a2b3c4d5e"}}, `git.branch == git.default_branch ? ["edge", "sha-${git.short_sha}"] : []`, `["edge","sha-1a2b3c4"]`},
		{"main rule on a tag build", Facts{Git: &Git{Tag: "v1.2.3", DefaultBranch: "main"}}, `git.branch == git.default_branch`, `false`},
		{"pr rule", Facts{Git: &Git{PR: 7}}, `git.pr != null ? ["pr-${git.pr}"] : []`, `["pr-7"]`},
		{"pr rule off a PR", Facts{Git: &Git{Branch: "main"}}, `git.pr != null`, `false`},
		{"no latest from prerelease", Facts{Git: &Git{Tag: "v2.0.0-rc.1"}, Push: &Push{Tags: []string{"2.0.0-rc.1", "latest"}}},
			`(` + stable + `) || !contains(push.tags, "latest")`, `false`},
		{"branch tag", Facts{Git: &Git{Branch: "feature/Foo#12"}}, `sanitize_tag(git.branch)`, `"feature-foo-12"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, diags := fnEval(t, c.expr, c.facts.Variables())
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got := fnJSON(t, v); got != c.want {
				t.Fatalf("%s = %s, want %s", c.expr, got, c.want)
			}
		})
	}
}

// Strings from outside (branch names, tags, labels, env) are values, never
// templates: HCL parses only the policy's own source.
func TestFactsInjection(t *testing.T) {
	const evil = `${file("/etc/passwd")}`
	const directive = `%{ if true }yes%{ endif }`
	facts := Facts{
		Git:   &Git{Branch: evil, Tag: directive, Repository: "${jsonencode(env)}"},
		Image: &Image{Tag: evil, Labels: map[string]string{"x": evil}},
		Env:   map[string]string{"X": evil},
	}
	fnRun(t, []fnCase{
		{expr: `git.branch`, want: `"${file(\"/etc/passwd\")}"`},
		{expr: `"b-${git.branch}"`, want: `"b-${file(\"/etc/passwd\")}"`},
		{expr: `format("%s", git.branch)`, want: `"${file(\"/etc/passwd\")}"`},
		{expr: `git.tag`, want: `"%{ if true }yes%{ endif }"`},
		{expr: `"${git.tag}"`, want: `"%{ if true }yes%{ endif }"`},
		{expr: `git.repository`, want: `"${jsonencode(env)}"`},
		{expr: `image.tag == "${image.labels.x}"`, want: `true`},
		{expr: `env.X`, want: `"${file(\"/etc/passwd\")}"`},
		{expr: `sanitize_tag(git.branch)`, want: `"file-etc-passwd"`},
		{expr: `semver_valid(git.branch)`, want: `false`},
		{expr: `can(regex("passwd", git.branch))`, want: `true`},
		{expr: `length(git.branch)`, want: `22`},
	}, facts.Variables())
}

// Checking a policy before any fact is known evaluates with unknown values
// of the fact types: expressions stay unknown, never fail or panic.
func TestFactsUnknown(t *testing.T) {
	vars := map[string]cty.Value{}
	for name, ty := range FactTypes() {
		vars[name] = cty.UnknownVal(ty)
	}
	for _, src := range []string{
		`semver_tags(git.tag, registry.versions)`,
		`git.tag != "" && semver_valid(git.tag) && semver_prerelease(git.tag) == ""`,
		`["edge", "sha-${git.short_sha}"]`,
		`contains(push.tags, "latest")`,
		`lint.errors == 0`,
		`can(regex("^pr-[0-9]+$", image.tag))`,
		`image.age > duration("14d")`,
		`glob("ghcr.io/**", image.repository)`,
		`sanitize_tag(git.branch)`,
		`lookup(env, "CI", "")`,
	} {
		v, diags := fnEval(t, src, vars)
		if diags.HasErrors() {
			t.Errorf("%s: %s", src, diags.Error())
			continue
		}
		if v.IsWhollyKnown() {
			t.Errorf("%s = %#v, want unknown", src, v)
		}
	}
}

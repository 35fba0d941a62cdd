package policy

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestSemverTags(t *testing.T) {
	cases := []struct {
		name      string
		version   string
		published []string
		want      string // space-separated tags
		wantErr   string
	}{
		// The table from issue 4.
		{name: "first release", version: "v1.2.3", want: "1.2.3 1.2 1 latest"},
		{name: "backport below a newer major", version: "v1.9.1", published: []string{"2.0.0", "1.9.0"}, want: "1.9.1 1.9 1"},
		{name: "backport below a newer minor", version: "v1.8.5", published: []string{"1.9.1", "1.8.4"}, want: "1.8.5 1.8"},
		{name: "prerelease", version: "v2.1.0-rc.1", published: []string{"2.0.0"}, want: "2.1.0-rc.1"},
		{name: "0.x has no bare major", version: "v0.3.0", want: "0.3.0 0.3 latest"},

		// And more.
		{name: "without v", version: "1.2.3", want: "1.2.3 1.2 1 latest"},
		{name: "newer than everything", version: "v2.1.0", published: []string{"2.0.0", "1.9.1", "v1.0.0"}, want: "2.1.0 2.1 2 latest"},
		{name: "patch below a newer patch", version: "v1.9.0", published: []string{"1.9.1"}, want: "1.9.0"},
		{name: "0.x backport", version: "v0.3.1", published: []string{"0.4.0"}, want: "0.3.1 0.3"},
		{name: "0.0.x", version: "0.0.1", want: "0.0.1 0.0 latest"},
		{name: "first 1.0 after 0.x", version: "v1.0.0", published: []string{"0.9.9"}, want: "1.0.0 1.0 1 latest"},
		{name: "build metadata dropped", version: "v1.2.3+build.7", want: "1.2.3 1.2 1 latest"},
		{name: "prerelease with build metadata", version: "v1.2.3-beta.2+exp.sha.5114f85", want: "1.2.3-beta.2"},
		{name: "republishing the same version", version: "v1.2.3", published: []string{"1.2.3", "1.2.2"}, want: "1.2.3 1.2 1 latest"},
		{name: "republishing with other build metadata", version: "v1.2.3+b2", published: []string{"1.2.3+b1"}, want: "1.2.3 1.2 1 latest"},
		{name: "republishing an old version", version: "v1.2.3", published: []string{"1.2.3", "1.3.0"}, want: "1.2.3 1.2"},
		{name: "published prereleases do not hold tags back", version: "v1.9.1", published: []string{"2.0.0-rc.1", "1.10.0-beta"}, want: "1.9.1 1.9 1 latest"},
		{name: "release after its own prerelease", version: "v2.0.0", published: []string{"2.0.0-rc.2", "1.9.1"}, want: "2.0.0 2.0 2 latest"},
		{name: "numeric, not lexical, order", version: "v1.10.0", published: []string{"1.9.0", "1.2.0"}, want: "1.10.0 1.10 1 latest"},
		{name: "numeric order below", version: "v1.9.0", published: []string{"1.10.0"}, want: "1.9.0 1.9"},
		{name: "junk tags ignored", version: "v1.2.3", published: []string{"latest", "edge", "sha-1a2b3c4", "pr-12", "2", "2.0", "v3", "V9.9.9", "9.9.9.9", "01.0.0", "", "main"}, want: "1.2.3 1.2 1 latest"},
		{name: "published with v", version: "1.2.3", published: []string{"v1.3.0"}, want: "1.2.3 1.2"},
		{name: "large numbers", version: "v100000000000000000000.0.0", published: []string{"99999999999999999999.0.0"}, want: "100000000000000000000.0.0 100000000000000000000.0 100000000000000000000 latest"},
		{name: "invalid version", version: "main", wantErr: `"main" is not a semantic version`},
		{name: "shorthand is not a version", version: "v1.2", wantErr: "is not a semantic version"},
		{name: "capital V", version: "V1.2.3", wantErr: "is not a semantic version"},
		{name: "leading zero", version: "v1.02.3", wantErr: "is not a semantic version"},
		{name: "empty", version: "", wantErr: "is not a semantic version"},
		{name: "too long for a tag", version: "1.0.0-" + strings.Repeat("a", 123), wantErr: "longer than the 128 characters"},
		{name: "just fits", version: "1.0.0-" + strings.Repeat("a", 122), want: "1.0.0-" + strings.Repeat("a", 122)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SemverTags(c.version, c.published)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("SemverTags(%q, %q) = %q, %v; want error %q", c.version, c.published, got, err, c.wantErr)
				}
			} else if err != nil || strings.Join(got, " ") != c.want {
				t.Fatalf("SemverTags(%q, %q) = %q, %v; want %s", c.version, c.published, got, err, c.want)
			}

			// The same through an HCL expression, as a tag rule writes it.
			pub := make([]cty.Value, len(c.published))
			for i, p := range c.published {
				pub[i] = cty.StringVal(p)
			}
			published := cty.ListValEmpty(cty.String)
			if len(pub) > 0 {
				published = cty.ListVal(pub)
			}
			v, diags := fnEval(t, `semver_tags(git.tag, registry.versions)`, map[string]cty.Value{
				"git":      cty.ObjectVal(map[string]cty.Value{"tag": cty.StringVal(c.version)}),
				"registry": cty.ObjectVal(map[string]cty.Value{"versions": published}),
			})
			if c.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), c.wantErr) {
					t.Fatalf("semver_tags: diagnostics %q, want %q", diags.Error(), c.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			var tags []string
			for _, e := range v.AsValueSlice() {
				tags = append(tags, e.AsString())
			}
			if strings.Join(tags, " ") != c.want {
				t.Fatalf("semver_tags = %q, want %s", tags, c.want)
			}
		})
	}
}

// semver_tags takes a list, a set or a tuple literal; an unknown published
// list (no registry facts) fails closed instead of assuming nothing is there.
func TestSemverTagsArguments(t *testing.T) {
	fnRun(t, []fnCase{
		{expr: `semver_tags("v1.9.1", ["2.0.0"])`, want: `["1.9.1","1.9","1"]`},
		{expr: `semver_tags("v1.9.1", toset(["2.0.0", "1.0.0"]))`, want: `["1.9.1","1.9","1"]`},
		{expr: `semver_tags("v1.9.1", [])`, want: `["1.9.1","1.9","1","latest"]`},
		{expr: `semver_tags("v1.9.1", [null, "2.0.0"])`, want: `["1.9.1","1.9","1"]`},
		{expr: `semver_tags("v1.9.1", null)`, wantErr: "Invalid function argument"},
		{expr: `semver_tags(null, [])`, wantErr: "Invalid function argument"},
		{expr: `semver_tags("v1.9.1", "2.0.0")`, wantErr: "list of string required"},
		{expr: `semver_tags("v1.9.1", [{}])`, wantErr: "Invalid function argument"},
		{expr: `contains(semver_tags("v2.0.0-rc.1", []), "latest")`, want: `false`},
	}, nil)
}

func TestSemverFunctions(t *testing.T) {
	fnRun(t, []fnCase{
		{expr: `semver_valid("v1.2.3")`, want: `true`},
		{expr: `semver_valid("1.2.3")`, want: `true`},
		{expr: `semver_valid("1.2.3-rc.1+build.5")`, want: `true`},
		{expr: `semver_valid("1.2.3-0.3.7")`, want: `true`},
		{expr: `semver_valid("1.0.0-x-y-z.--")`, want: `true`},
		{expr: `semver_valid("1.2")`, want: `false`},
		{expr: `semver_valid("v1")`, want: `false`},
		{expr: `semver_valid("V1.2.3")`, want: `false`},
		{expr: `semver_valid("vv1.2.3")`, want: `false`},
		{expr: `semver_valid("01.2.3")`, want: `false`},
		{expr: `semver_valid("1.2.3-01")`, want: `false`},
		{expr: `semver_valid("1.2.3-")`, want: `false`},
		{expr: `semver_valid("1.2.3+")`, want: `false`},
		{expr: `semver_valid("1.2.3-rc..1")`, want: `false`},
		{expr: `semver_valid(" 1.2.3")`, want: `false`},
		{expr: `semver_valid("1.2.3\n")`, want: `false`},
		{expr: `semver_valid("latest")`, want: `false`},
		{expr: `semver_valid("")`, want: `false`},
		{expr: `semver_valid(null)`, want: `false`},

		{expr: `semver_compare("1.2.3", "v1.2.3")`, want: `0`},
		{expr: `semver_compare("1.2.3+a", "1.2.3+b")`, want: `0`},
		{expr: `semver_compare("1.2.3", "1.10.0")`, want: `-1`},
		{expr: `semver_compare("2.0.0", "1.99.99")`, want: `1`},
		{expr: `semver_compare("1.0.0-rc.1", "1.0.0")`, want: `-1`},
		{expr: `semver_compare("1.0.0-alpha", "1.0.0-alpha.1")`, want: `-1`},
		{expr: `semver_compare("1.0.0-alpha.beta", "1.0.0-beta")`, want: `-1`},
		{expr: `semver_compare("1.0.0-beta.2", "1.0.0-beta.11")`, want: `-1`},
		{expr: `semver_compare("1.0.0-rc.1", "1.0.0-beta.11")`, want: `1`},
		{expr: `semver_compare("1.0.0", "main")`, wantErr: `"main" is not a semantic version`},
		{expr: `semver_compare("x", "1.0.0")`, wantErr: `"x" is not a semantic version`},

		{expr: `semver_prerelease("v2.0.0-rc.1")`, want: `"rc.1"`},
		{expr: `semver_prerelease("v2.0.0-rc.1+b")`, want: `"rc.1"`},
		{expr: `semver_prerelease("v2.0.0")`, want: `""`},
		{expr: `semver_prerelease("v2.0.0+b")`, want: `""`},
		{expr: `semver_prerelease("2.0")`, wantErr: "is not a semantic version"},

		{expr: `semver_major("v1.2.3")`, want: `1`},
		{expr: `semver_minor("v1.2.3")`, want: `2`},
		{expr: `semver_patch("v1.2.3-rc.1")`, want: `3`},
		{expr: `semver_major("0.0.0")`, want: `0`},
		{expr: `semver_major("v1.2.3") >= 1`, want: `true`},
		{expr: `semver_patch("nope")`, wantErr: "is not a semantic version"},

		{expr: `semver_max(["1.2.3", "v1.10.0", "1.9.9"])`, want: `"v1.10.0"`},
		{expr: `semver_max(["1.2.3", "2.0.0-rc.1"])`, want: `"2.0.0-rc.1"`},
		{expr: `semver_max(["latest", "1.0.0", "edge", null])`, want: `"1.0.0"`},
		{expr: `semver_max(["1.0.0+b", "1.0.0+a"])`, want: `"1.0.0+b"`}, // equal: the first wins
		{expr: `semver_max(["latest"])`, want: `null`},
		{expr: `semver_max([])`, want: `null`},
		{expr: `semver_max(null)`, wantErr: "Invalid function argument"},

		// DESIGN.md's stable test on a branch build (no tag): && stops at
		// the first false, so semver_prerelease never sees the null.
		{expr: `semver_valid(null) && semver_prerelease(null) == ""`, want: `false`},
	}, nil)
}

func TestSemverUnknown(t *testing.T) {
	// Validating a policy without facts evaluates with unknown values: the
	// functions answer unknown instead of failing or panicking.
	vars := map[string]cty.Value{
		"s": cty.UnknownVal(cty.String),
		"l": cty.ListVal([]cty.Value{cty.StringVal("1.0.0"), cty.UnknownVal(cty.String)}),
	}
	for _, src := range []string{
		`semver_valid(s)`, `semver_compare(s, "1.0.0")`, `semver_prerelease(s)`, `semver_major(s)`,
		`semver_max(l)`, `semver_tags("1.0.0", l)`, `semver_tags(s, [])`, `duration(s)`, `glob("*", s)`,
		`startswith(s, "x")`, `sanitize_tag(s)`, `length(s)`,
	} {
		v, diags := fnEval(t, src, vars)
		if diags.HasErrors() {
			t.Errorf("%s: %s", src, diags.Error())
			continue
		}
		if v.IsKnown() {
			t.Errorf("%s = %#v, want unknown", src, v)
		}
	}
}

func TestSemverCompareGo(t *testing.T) {
	cases := []struct {
		a, b    string
		want    int
		wantErr string
	}{
		{a: "v1.2.3", b: "1.2.3", want: 0},
		{a: "1.2.3+a", b: "1.2.3+b", want: 0},
		{a: "1.9.0", b: "1.10.0", want: -1},
		{a: "1.0.0", b: "1.0.0-rc.1", want: 1},
		{a: "1.0", b: "1.0.0", wantErr: `"1.0" is not a semantic version`},
		{a: "1.0.0", b: "latest", wantErr: `"latest" is not a semantic version`},
	}
	for _, c := range cases {
		got, err := SemverCompare(c.a, c.b)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("SemverCompare(%q, %q) = %d, %v; want error %q", c.a, c.b, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("SemverCompare(%q, %q) = %d, %v; want %d", c.a, c.b, got, err, c.want)
		}
	}
}

package policy

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// brokenCases are testdata/broken's policies: a file (.hcl, .hcl.json) or a
// directory of files loaded together. Lines "# --var name=value" in a file
// set --var values.
func brokenCases(t *testing.T) map[string][]string {
	t.Helper()
	entries, err := os.ReadDir("testdata/broken")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{}
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join("testdata/broken", name)
		switch {
		case e.IsDir():
			cases[name] = []string{p}
		case strings.HasSuffix(name, ".hcl.json"):
			cases[strings.TrimSuffix(name, ".hcl.json")] = []string{p}
		case strings.HasSuffix(name, ".hcl"):
			cases[strings.TrimSuffix(name, ".hcl")] = []string{p}
		}
	}
	return cases
}

func varDirectives(t *testing.T, paths []string) map[string]string {
	vars := map[string]string{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue // a directory
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "# --var "); ok {
				k, v, _ := strings.Cut(rest, "=")
				vars[k] = v
			}
		}
		f.Close()
	}
	return vars
}

func TestBrokenGolden(t *testing.T) {
	cases := brokenCases(t)
	if len(cases) < 15 {
		t.Fatalf("only %d broken policies", len(cases))
	}
	for name, paths := range cases {
		t.Run(name, func(t *testing.T) {
			opts := testOptions()
			opts.Vars = varDirectives(t, paths)
			p, diags := Load(paths, opts)
			if !diags.HasErrors() {
				t.Fatalf("%s loaded without errors", name)
			}
			for _, d := range diags {
				if d.Subject != nil && p.Files[d.Subject.Filename] == nil {
					t.Errorf("diagnostic %q points at unknown file %q", d.Summary, d.Subject.Filename)
				}
			}
			got := render(diags, p.Files)
			// Loading twice gives the same diagnostics in the same order.
			p2, diags2 := Load(paths, opts)
			if again := render(diags2, p2.Files); again != got {
				t.Errorf("not deterministic:\n%s\n---\n%s", got, again)
			}
			golden := filepath.Join("testdata/broken", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ from %s (go test -update rewrites it):\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestGoodPolicies(t *testing.T) {
	files, _ := filepath.Glob("testdata/good/*")
	if len(files) == 0 {
		t.Fatal("no good policies")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, diags := Load([]string{f}, testOptions())
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", render(diags, p.Files))
			}
		})
	}
}

func TestBrokenPolicyFailsClosed(t *testing.T) {
	p, diags := loadString(t, `
tag "main" {
  when = true
  tags = ["edge"]
}
check "x" {
  enforcement_level = "nope"
  condition = true
  error_message = "x"
}
`, testOptions())
	if !diags.HasErrors() {
		t.Fatal("want an error")
	}
	if len(p.Tags) != 1 {
		t.Fatalf("tags: %d", len(p.Tags))
	}
	_, d := p.NewScope(nil).Eval(p.Tags[0].When, cty.Bool)
	if !d.HasErrors() || d[0].Summary != "Policy has errors" {
		t.Fatalf("evaluating a broken policy: %v", d)
	}
}

func TestLoadDesignExample(t *testing.T) {
	p, diags := Load([]string{"testdata/good/design.hcl"}, testOptions())
	if len(diags) > 0 {
		t.Fatalf("%s", render(diags, p.Files))
	}
	if got := len(p.Variables); got != 1 || p.Variables[0].Value.AsString() != "ghcr.io/acme" || p.Variables[0].Source != "default" {
		t.Errorf("variables: %+v", p.Variables)
	}
	if p.Lint == nil || p.Lint.Settings.FailureThreshold == nil || p.Lint.Settings.FailureThreshold.String() != "warning" ||
		strings.Join(p.Lint.Settings.Ignored, ",") != "DL3008" || strings.Join(p.Lint.Settings.TrustedRegistries, ",") != "ghcr.io,docker.io" {
		t.Errorf("lint: %+v", p.Lint)
	}
	if len(p.Images) != 1 || p.Images[0].Repository != "ghcr.io/acme/web" || p.Images[0].BuildArgs["GO_VERSION"] != "1.26" || p.Images[0].Dockerfile != "Dockerfile" {
		t.Errorf("images: %+v", p.Images)
	}
	var names []string
	for _, r := range p.Tags {
		names = append(names, r.Name)
	}
	if strings.Join(names, " ") != "release main pr" {
		t.Errorf("tags: %v", names)
	}
	if len(p.Checks) != 2 || p.Checks[0].Level != HardMandatory || p.Checks[1].Level != HardMandatory {
		t.Errorf("checks: %+v", p.Checks)
	}
	if len(p.Protects) != 2 || len(p.Prunes) != 3 {
		t.Fatalf("protect/prune: %d %d", len(p.Protects), len(p.Prunes))
	}
	pr := p.Prunes[0]
	if pr.Repository != "ghcr.io/acme/web" || pr.OlderThan.Hours() != 14*24 || pr.KeepLatest != 0 {
		t.Errorf("prune pr-builds: %+v", pr)
	}
	if p.Prunes[1].KeepLatest != 10 || p.Prunes[1].Repository != "" || p.Prunes[2].OlderThan.Hours() != 72 {
		t.Errorf("prunes: %+v %+v", p.Prunes[1], p.Prunes[2])
	}
	if p.Limits.MinAge.Hours() != 24 || p.Limits.MaxDeletions != 500 || p.Limits.Location() != "testdata/good/design.hcl:60" {
		t.Errorf("limits: %+v at %s", p.Limits, p.Limits.Location())
	}
	if loc := p.Tags[1].Location(); loc != "testdata/good/design.hcl:24" {
		t.Errorf("tag main at %s", loc)
	}
	if len(p.Locals) != 1 || p.Locals[0].Static() || strings.Join(p.Locals[0].Facts, ",") != "git" {
		t.Errorf("locals: %+v", p.Locals[0])
	}
}

func TestDefaults(t *testing.T) {
	p := mustLoad(t, `
check "c" {
  condition     = true
  error_message = "x"
}
image "web" {
  repository = "localhost:5000/web"
}
`, testOptions())
	if p.Limits.MinAge != DefaultMinAge || p.Limits.MaxDeletions != DefaultMaxDeletions || p.Limits.Location() != "default" {
		t.Errorf("limits: %+v", p.Limits)
	}
	if p.Checks[0].Level != HardMandatory {
		t.Errorf("level: %s", p.Checks[0].Level)
	}
	if p.Images[0].Context != "." || p.Images[0].Dockerfile != "" || p.Images[0].Dir != "." {
		t.Errorf("image: %+v", p.Images[0])
	}
	if p.Lint != nil {
		t.Errorf("lint: %+v", p.Lint)
	}
}

func TestEmptyPolicy(t *testing.T) {
	p, diags := Load(nil, testOptions())
	if len(diags) > 0 || len(p.Tags)+len(p.Prunes)+len(p.Protects)+len(p.Checks) != 0 {
		t.Fatalf("empty policy: %v %+v", diags, p)
	}
}

func TestMissingFile(t *testing.T) {
	p, diags := Load([]string{"testdata/nope.hcl"}, testOptions())
	if got := render(diags, p.Files); got != "error: Cannot read policy file\n  testdata/nope.hcl does not exist.\n" {
		t.Errorf("got %q", got)
	}
}

func TestDurationsAndNumbers(t *testing.T) {
	p := mustLoad(t, `
variable "retention" { default = "2w" }
prune "a" {
  match      = true
  older_than = var.retention
}
prune "b" {
  match       = true
  older_than  = 3600
  keep_latest = 0
}
policy {
  min_age       = "0s"
  max_deletions = 0
}
`, testOptions())
	if p.Prunes[0].OlderThan.Hours() != 14*24 || p.Prunes[1].OlderThan.Hours() != 1 {
		t.Errorf("older_than: %v %v", p.Prunes[0].OlderThan, p.Prunes[1].OlderThan)
	}
	if p.Limits.MinAge != 0 || p.Limits.MaxDeletions != 0 {
		t.Errorf("explicit zeros must stay zero: %+v", p.Limits)
	}
}

func TestNoDurationFunction(t *testing.T) {
	opts := testOptions()
	delete(opts.Functions, "duration")
	_, diags := loadString(t, `policy { min_age = "1d" }`, opts)
	if !diags.HasErrors() || diags[0].Summary != "Cannot read duration" {
		t.Fatalf("got %v", diags)
	}
}

func TestLintBlock(t *testing.T) {
	p := mustLoad(t, `
lint {
  failure_threshold  = "none"
  ignore             = ["DL3008", "SC2086"]
  trusted_registries = ["ghcr.io"]
  override           = { DL3007 = "error", "DL3018" = "ignore" }
  label_schema       = { maintainer = "email", "org.opencontainers.image.source" = "url" }
  strict_labels      = true
}
`, testOptions())
	s := p.Lint.Settings
	if s.Source != "hoist.hcl" || s.FailureThreshold.String() != "none" || len(s.Ignored) != 2 ||
		s.Overrides["DL3007"].String() != "error" || s.Overrides["DL3018"].String() != "ignore" ||
		s.LabelSchema["maintainer"] != "email" || s.StrictLabels == nil || !*s.StrictLabels {
		t.Errorf("settings: %+v", s)
	}
}

func TestUnknownFactsWithoutTypes(t *testing.T) {
	// Without fact types the names are still known, so misspelt facts are
	// caught; attributes are not.
	opts := LoadOptions{Functions: testFunctions()}
	mustLoad(t, `tag "t" { tags = [git.anything] }`, opts)
	_, diags := loadString(t, `tag "t" { tags = [gti.tag] }`, opts)
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, `Did you mean "git"?`) {
		t.Fatalf("got %v", diags)
	}
}

func TestDiagnosticsSorted(t *testing.T) {
	// hcl reports unsupported arguments in map order; Load sorts them.
	src := "tag \"t\" {\n  tags = []\n  a = 1\n  b = 2\n  c = 3\n  d = 4\n  e = 5\n}\n"
	for i := 0; i < 20; i++ {
		_, diags := loadString(t, src, testOptions())
		var lines []int
		for _, d := range diags {
			lines = append(lines, d.Subject.Start.Line)
		}
		for j := 1; j < len(lines); j++ {
			if lines[j] < lines[j-1] {
				t.Fatalf("not sorted: %v", lines)
			}
		}
	}
}

func TestSubjectsPointIntoSource(t *testing.T) {
	// Every golden case's subjects lie inside their files.
	for name, paths := range brokenCases(t) {
		opts := testOptions()
		opts.Vars = varDirectives(t, paths)
		p, diags := Load(paths, opts)
		for _, d := range diags {
			checkRange(t, name, p.Files, d.Subject)
			if rel, ok := hcl.DiagnosticExtra[*Related](d); ok {
				for _, n := range rel.Notes {
					checkRange(t, name, p.Files, &n.Subject)
				}
			}
		}
	}
}

func checkRange(t *testing.T, name string, files map[string]*hcl.File, r *hcl.Range) {
	t.Helper()
	if r == nil {
		return
	}
	f := files[r.Filename]
	if f == nil {
		t.Errorf("%s: range in unknown file %q", name, r.Filename)
		return
	}
	// hcl's JSON parser points one byte past the end for an unexpected end
	// of input; Render copes with it.
	if r.Start.Byte < 0 || r.End.Byte > len(f.Bytes)+1 || r.Start.Byte > r.End.Byte || r.Start.Line < 1 {
		t.Errorf("%s: bad range %v", name, r)
	}
}

func TestMultiFile(t *testing.T) {
	files := []string{"testdata/multi/1-vars.hcl", "testdata/multi/2-images.hcl", "testdata/multi/3-prune.hcl.json"}
	for name, paths := range map[string][]string{"files": files, "directory": {"testdata/multi"}, "repeated": append(files, "testdata/multi")} {
		t.Run(name, func(t *testing.T) {
			p, diags := Load(paths, testOptions())
			if len(diags) > 0 {
				t.Fatalf("%s", render(diags, p.Files))
			}
			if len(p.Files) != 3 {
				t.Errorf("files: %v", sortedKeys(p.Files))
			}
			if len(p.Variables) != 2 || len(p.Locals) != 2 || len(p.Images) != 1 || len(p.Tags) != 1 || len(p.Protects) != 1 || len(p.Prunes) != 2 {
				t.Fatalf("blocks: %d %d %d %d %d %d", len(p.Variables), len(p.Locals), len(p.Images), len(p.Tags), len(p.Protects), len(p.Prunes))
			}
			if p.Variables[0].Description != "where the images go" {
				t.Errorf("description: %q", p.Variables[0].Description)
			}
			ci := p.Prunes[0]
			if ci.Name != "ci-builds" || ci.Repository != "ghcr.io/acme/web" || ci.KeepLatest != 10 || ci.Location() != "testdata/multi/3-prune.hcl.json:9" {
				t.Errorf("ci-builds: %+v at %s", ci, ci.Location())
			}
			if p.Prunes[1].OlderThan.Hours() != 72 || p.Limits.MinAge.Hours() != 24 || p.Limits.MaxDeletions != 50 {
				t.Errorf("untagged %+v limits %+v", p.Prunes[1], p.Limits)
			}
			if got := strings.Join(p.Images[0].Platforms, " "); got != "linux/amd64 linux/arm64/v8" {
				t.Errorf("platforms: %s", got)
			}
			// The JSON rule uses a local from another file.
			s := p.NewScope(map[string]cty.Value{"image": fact("image", map[string]cty.Value{"tag": cty.StringVal("sha-abc1234")})})
			if v := eval(t, s, ci.Match, cty.Bool); !v.True() {
				t.Errorf("match: %#v", v)
			}
			if v := eval(t, s, p.Protects[0].Match, cty.Bool); v.True() {
				t.Errorf("protect: %#v", v)
			}
		})
	}
}

func TestMultiFileDuplicates(t *testing.T) {
	p, diags := LoadSources([]Source{
		{Name: "a.hcl", Data: []byte("variable \"x\" { default = 1 }\nlocals { y = 1 }\npolicy {}\n")},
		{Name: "b.hcl.json", Data: []byte(`{"variable": {"x": {"default": 2}}, "locals": {"y": 2}, "policy": {}}`)},
	}, testOptions())
	got := render(diags, p.Files)
	want := `b.hcl.json:1:15: error: Duplicate variable block
  A variable "x" block was already defined at a.hcl:1:1. The names of variable blocks must be unique across all files of the policy.
    1 | {"variable": {"x": {"default": 2}}, "locals": {"y": 2}, "policy": {}}
      |               ^^^
a.hcl:1:1: note: first defined here
    1 | variable "x" { default = 1 }
      | ^^^^^^^^^^^^

b.hcl.json:1:48: error: Duplicate local value
  A local value named "y" was already defined at a.hcl:2:10. Local value names must be unique across all locals blocks and files of the policy.
    1 | {"variable": {"x": {"default": 2}}, "locals": {"y": 2}, "policy": {}}
      |                                                ^^^
a.hcl:2:10: note: first defined here
    2 | locals { y = 1 }
      |          ^

b.hcl.json:1:57: error: Duplicate policy block
  A policy block was already defined at a.hcl:3:1. A policy has at most one policy block, across all its files.
    1 | {"variable": {"x": {"default": 2}}, "locals": {"y": 2}, "policy": {}}
      |                                                         ^^^^^^^^
a.hcl:3:1: note: first defined here
    3 | policy {}
      | ^^^^^^
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestJSONMatchesNative loads the same policy written in both syntaxes and
// compares what was decoded and what the rules give for the same facts.
func TestJSONMatchesNative(t *testing.T) {
	load := func(path string) *Policy {
		p, diags := Load([]string{path}, testOptions())
		if len(diags) > 0 {
			t.Fatalf("%s", render(diags, p.Files))
		}
		return p
	}
	n, j := load("testdata/equiv/policy.hcl"), load("testdata/equiv/policy.hcl.json")
	strip := func(p *Policy) string {
		var b strings.Builder
		fmt.Fprintf(&b, "vars %s=%s\n", p.Variables[0].Name, p.Variables[0].Value.GoString())
		s := p.Lint.Settings
		s.Source = ""
		fmt.Fprintf(&b, "lint %v %v %v %v %v\n", *s.FailureThreshold, s.Ignored, s.Overrides, s.TrustedRegistries, *s.StrictLabels)
		img := *p.Images[0]
		img.Rule = Rule{}
		img.Dir = ""
		fmt.Fprintf(&b, "image %+v\n", img)
		fmt.Fprintf(&b, "check %s %s\n", p.Checks[0].Name, p.Checks[0].Level)
		fmt.Fprintf(&b, "protect %s %q\n", p.Protects[0].Name, p.Protects[0].Repository)
		fmt.Fprintf(&b, "prune %s %v %d\n", p.Prunes[0].Name, p.Prunes[0].OlderThan, p.Prunes[0].KeepLatest)
		fmt.Fprintf(&b, "limits %v %d\n", p.Limits.MinAge, p.Limits.MaxDeletions)
		return b.String()
	}
	if a, b := strip(n), strip(j); a != b {
		t.Errorf("native:\n%s\njson:\n%s", a, b)
	}
	facts := map[string]cty.Value{
		"git":   fact("git", map[string]cty.Value{"branch": cty.StringVal("main"), "default_branch": cty.StringVal("main"), "short_sha": cty.StringVal("abc1234")}),
		"push":  fact("push", map[string]cty.Value{"tags": cty.ListVal([]cty.Value{cty.StringVal("latest")})}),
		"image": fact("image", map[string]cty.Value{"tag": cty.StringVal("pr-12")}),
	}
	results := func(p *Policy) string {
		s := p.NewScope(facts)
		var out []string
		for _, e := range []struct {
			expr hcl.Expression
			ty   cty.Type
		}{
			{p.Tags[0].When, cty.Bool}, {p.Tags[0].Tags, cty.List(cty.String)},
			{p.Checks[0].Condition, cty.Bool}, {p.Checks[0].ErrorMessage, cty.String},
			{p.Protects[0].Match, cty.Bool}, {p.Prunes[0].Match, cty.Bool},
		} {
			out = append(out, eval(t, s, e.expr, e.ty).GoString())
		}
		return strings.Join(out, "\n")
	}
	if a, b := results(n), results(j); a != b {
		t.Errorf("native:\n%s\njson:\n%s", a, b)
	}
}

// FuzzLoad feeds arbitrary bytes to the loader as native syntax and as
// JSON: it must never panic, every diagnostic must point inside a known
// file, rendering must work, and a policy that loads must evaluate (or fail
// with diagnostics) without panicking.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"testdata/good", "testdata/broken", "testdata/broken/duplicate_across_files", "testdata/multi", "testdata/equiv"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".hcl") || strings.HasSuffix(e.Name(), ".json") {
				data, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err == nil {
					f.Add(data)
				}
			}
		}
	}
	f.Add([]byte(lazyPolicy))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"fuzz.hcl", "fuzz.hcl.json"} {
			opts := testOptions()
			opts.Vars = map[string]string{"registry": "ghcr.io/x"}
			p, diags := LoadSources([]Source{{Name: name, Data: data}}, opts)
			if p == nil {
				t.Fatal("nil policy")
			}
			for _, d := range diags {
				checkRange(t, name, p.Files, d.Subject)
			}
			if err := Render(io.Discard, diags, p.Files, true); err != nil {
				t.Fatal(err)
			}
			s := p.NewScope(nil)
			var exprs []hcl.Expression
			for _, r := range p.Tags {
				exprs = append(exprs, r.When, r.Tags)
			}
			for _, r := range p.Checks {
				exprs = append(exprs, r.Condition, r.ErrorMessage)
			}
			for _, r := range p.Protects {
				exprs = append(exprs, r.Match)
			}
			for _, r := range p.Prunes {
				exprs = append(exprs, r.Match)
			}
			for _, e := range exprs {
				if e == nil {
					continue
				}
				v, d := s.Eval(e, cty.DynamicPseudoType)
				if diags.HasErrors() && !d.HasErrors() {
					t.Fatalf("a broken policy evaluated to %#v", v)
				}
			}
		}
	})
}

func TestReferences(t *testing.T) {
	tests := []struct {
		expr string // in a tag rule's tags, after variable "registry" and local "l"
		want string // summary of the first error, "" for none
	}{
		{`[var.registry]`, ""},
		{`[var["registry"]]`, ""},
		{`[local.l, local["l"]]`, ""},
		{`[git.tag, env.HOME, image.labels["a"]]`, ""},
		{`[for t in push.tags : upper(t)]`, ""},
		{`[for k, v in env : "${k}=${v}"]`, ""},
		{`var`, "Invalid reference"},
		{`[var[0]]`, "Invalid reference"},
		{`[local]`, "Invalid reference"},
		{`[var.nope]`, "Reference to undeclared input variable"},
		{`[local.nope]`, "Reference to undeclared local value"},
		{`[self.tag]`, "Unknown variable"},
		{`[git.nope]`, "Unsupported attribute"},
		{`[push.tags]`, "Incorrect value type"},
		{`[nofunc(1)]`, "Call to unknown function"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			src := "variable \"registry\" { default = \"r\" }\nlocals { l = \"x\" }\ntag \"t\" { tags = " + tt.expr + " }\n"
			p, diags := loadString(t, src, testOptions())
			got := ""
			if len(diags) > 0 {
				got = diags[0].Summary
			}
			if got != tt.want {
				t.Errorf("got %q, want %q:\n%s", got, tt.want, render(diags, p.Files))
			}
		})
	}
}

func TestNullElements(t *testing.T) {
	p, diags := loadString(t, `
variable "none" { default = null }
lint { ignore = ["DL3008", var.none] }
image "web" {
  repository = "r/web"
  labels     = { a = var.none }
}
`, testOptions())
	got := render(diags, p.Files)
	for _, want := range []string{"hoist.hcl:3:28: error: Invalid value\n  Element 1 of the argument \"ignore\" of the lint block is null.",
		"hoist.hcl:6:22: error: Invalid value\n  The value of \"a\" in the argument \"labels\" of image \"web\" is null."} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in:\n%s", want, got)
		}
	}
}

func TestDiagnosticsSortedAcrossFiles(t *testing.T) {
	p, diags := LoadSources([]Source{
		{Name: "z.hcl", Data: []byte("tag \"a\" {\n  tags = [var.x]\n}\n")},
		{Name: "a.hcl", Data: []byte("nope {}\n")},
	}, testOptions())
	got := render(diags, p.Files)
	if i, j := strings.Index(got, "z.hcl:2"), strings.Index(got, "a.hcl:1"); i < 0 || j < 0 || i > j {
		t.Errorf("files must keep load order:\n%s", got)
	}
}

func TestRepositoryPatterns(t *testing.T) {
	for _, tt := range []struct{ pattern, want string }{
		{`"ghcr.io/acme/*"`, ""},
		{`"ghcr.io/acme/[a-"`, "Invalid repository pattern"},
		{`""`, "Invalid repository pattern"},
	} {
		_, diags := loadString(t, `protect "p" {
  repository = `+tt.pattern+`
  match      = true
}`, testOptions())
		got := ""
		if len(diags) > 0 {
			got = diags[0].Summary
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.pattern, got, tt.want)
		}
	}
}

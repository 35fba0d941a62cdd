package lint

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// testRules are small rules for engine tests: one fires on every RUN, one
// (with a BuildKit alias) on every FROM.
var (
	everyRun = &Rule{ID: "HS901", Name: "every-run", Severity: Warning, Summary: "s", Rationale: "r", Bad: "b", Good: "g",
		Run: func(p *Pass) {
			for _, in := range p.File.Instructions {
				if in.Name == "run" {
					p.ReportInstruction(in, "a RUN")
				}
			}
		}}
	everyFrom = &Rule{ID: "HS902", Name: "every-from", Aliases: []string{"EveryFrom", "Shared"}, Severity: Info, Summary: "s", Rationale: "r", Bad: "b", Good: "g",
		Run: func(p *Pass) {
			for _, s := range p.File.Stages {
				p.Report(s.BaseWord().Range, "a FROM")
			}
		}}
	offByDefault = &Rule{ID: "HS903", Name: "off-by-default", Aliases: []string{"Shared"}, Severity: Ignore, Summary: "s", Rationale: "r", Bad: "b", Good: "g",
		Run: func(p *Pass) {
			p.Report(dockerfile.Range{Start: dockerfile.Position{Line: 1, Column: 1}, End: dockerfile.Position{Line: 1, Column: 2}}, "off")
		}}
	panics = &Rule{ID: "HS904", Name: "panics", Severity: Ignore, Summary: "s", Rationale: "r", Bad: "b", Good: "g",
		Run: func(p *Pass) { panic("boom") }}
)

func testRegistry(t *testing.T) *Registry {
	t.Helper()
	reg, err := NewRegistry(ParseErrorRule, UnknownRuleRule, everyRun, everyFrom, offByDefault, panics)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

type hit struct {
	id   string
	line int
}

func hits(res *FileResult) []hit {
	out := []hit{}
	for _, f := range res.Findings {
		out = append(out, hit{f.RuleID, f.Line})
	}
	return out
}

func TestRegistryLookup(t *testing.T) {
	reg := testRegistry(t)
	if got := reg.Lookup("every-run"); len(got) != 1 || got[0] != everyRun {
		t.Errorf("lookup by name: %v", got)
	}
	if got := reg.Lookup("everyfrom"); len(got) != 1 || got[0] != everyFrom {
		t.Errorf("lookup by alias, any case: %v", got)
	}
	if got := reg.Lookup("Shared"); len(got) != 2 {
		t.Errorf("a shared alias names both rules: %v", got)
	}
	if _, err := NewRegistry(everyRun, &Rule{ID: "HS999", Name: "every-run", Run: func(*Pass) {}}); err == nil {
		t.Error("duplicate names must be refused")
	}
}

func TestPragmaScopes(t *testing.T) {
	src := `FROM a:1 AS one
# hadolint ignore=HS901
RUN one
RUN two
# hoist ignore=every-run -- reason here
# another comment
RUN three \
  continued
# hadolint stage ignore=HS901
FROM b:1
RUN four
RUN five
FROM c:1
RUN six
`
	l := New(testRegistry(t), DefaultConfig())
	got := hits(l.Lint("Dockerfile", []byte(src)))
	want := []hit{{"HS902", 1}, {"HS901", 4}, {"HS902", 10}, {"HS902", 13}, {"HS901", 14}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}

	// A blank line breaks the link between a pragma and the next instruction.
	got = hits(l.Lint("Dockerfile", []byte("FROM a:1\n# hadolint ignore=HS901\n\nRUN x\n")))
	if !reflect.DeepEqual(got, []hit{{"HS902", 1}, {"HS901", 4}}) {
		t.Errorf("blank line: %v", got)
	}

	global := "FROM a:1\nRUN x\n# hadolint global ignore=every-run,EveryFrom\nRUN y\n"
	if got := hits(l.Lint("Dockerfile", []byte(global))); len(got) != 0 {
		t.Errorf("global ignore: %v", got)
	}
	cfg := DefaultConfig()
	cfg.DisableIgnorePragma = true
	if got := hits(New(testRegistry(t), cfg).Lint("Dockerfile", []byte(global))); len(got) != 3 {
		t.Errorf("disable-ignore-pragma: %v", got)
	}
}

func TestCheckDirective(t *testing.T) {
	reg := testRegistry(t)
	l := New(reg, DefaultConfig())
	res := l.Lint("Dockerfile", []byte("# check=skip=EveryFrom\nFROM a:1\nRUN x\n"))
	if got := hits(res); !reflect.DeepEqual(got, []hit{{"HS901", 3}}) {
		t.Errorf("skip: %v", got)
	}
	res = l.Lint("Dockerfile", []byte("# check=error=true\nFROM a:1\nRUN x\n"))
	if len(res.Findings) != 2 || res.Findings[0].Severity != Error || res.Findings[1].Severity != Warning {
		t.Errorf("error=true raises only BuildKit-aliased rules: %+v", res.Findings)
	}
	res = l.Lint("Dockerfile", []byte("# check=skip=all\nFROM a:1\nRUN x\n"))
	if got := hits(res); !reflect.DeepEqual(got, []hit{{"HS901", 3}}) {
		t.Errorf("skip=all: %v", got)
	}
	res = l.Lint("Dockerfile", []byte("# check=skip=NoSuch\nFROM a:1\n"))
	if got := hits(res); !reflect.DeepEqual(got, []hit{{"HS007", 1}, {"HS902", 2}}) {
		t.Errorf("unknown check: %v", got)
	}
}

func TestSeverityOverridesAndIgnore(t *testing.T) {
	reg := testRegistry(t)
	cfg := DefaultConfig()
	Settings{Overrides: map[string]Severity{"every-run": Error, "HS903": Style}, Ignored: []string{"EveryFrom"}}.Apply(&cfg)
	res := New(reg, cfg).Lint("Dockerfile", []byte("FROM a:1\nRUN x\n"))
	if len(res.Findings) != 2 {
		t.Fatalf("findings: %+v", res.Findings)
	}
	if res.Findings[0].RuleID != "HS903" || res.Findings[0].Severity != Style {
		t.Errorf("override switches a rule on: %+v", res.Findings[0])
	}
	if res.Findings[1].Severity != Error {
		t.Errorf("override by name: %+v", res.Findings[1])
	}
	if !Failed([]*FileResult{res}, Error) || Failed([]*FileResult{res}, None) {
		t.Error("threshold")
	}
}

func TestRulePanicIsAFinding(t *testing.T) {
	reg := testRegistry(t)
	cfg := DefaultConfig()
	cfg.Overrides["panics"] = Warning
	res := New(reg, cfg).Lint("Dockerfile", []byte("FROM a:1\nRUN x\n"))
	var found bool
	for _, f := range res.Findings {
		if f.RuleID == "DL1000" && strings.Contains(f.Message, "internal error in rule HS904") {
			found = true
		}
	}
	if !found || len(res.Findings) != 3 {
		t.Errorf("a panicking rule must be reported and the others kept: %+v", res.Findings)
	}
}

func TestParseErrorOnly(t *testing.T) {
	res := New(testRegistry(t), DefaultConfig()).Lint("Dockerfile", []byte("FROM a:1\nRUN <<EOF\nx\n"))
	if got := hits(res); !reflect.DeepEqual(got, []hit{{"DL1000", 2}}) {
		t.Errorf("got %v", got)
	}
}

func TestHadolintConfig(t *testing.T) {
	yml := `
ignored:
  - DL3008
  - SC2086
failure-threshold: warning
override:
  error: [DL3006]
  info:
    - every-run
trustedRegistries: [ghcr.io, docker.io]
label-schema:
  maintainer: text
  org.opencontainers.image.created: rfc3339
strict-labels: true
no-fail: false
disable-ignore-pragma: true
surprise: 1
`
	s, warnings, err := ParseHadolintConfig("cfg.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "cfg.yaml:17:1") {
		t.Errorf("warnings = %v", warnings)
	}
	cfg := DefaultConfig()
	s.Apply(&cfg)
	if cfg.FailureThreshold != Warning || !cfg.StrictLabels || !cfg.DisableIgnorePragma || cfg.NoFail {
		t.Errorf("scalars: %+v", cfg)
	}
	if !reflect.DeepEqual(cfg.Ignored, []string{"DL3008", "SC2086"}) || cfg.Overrides["DL3006"] != Error || cfg.Overrides["every-run"] != Info {
		t.Errorf("lists: %+v", cfg)
	}
	if cfg.LabelSchema["org.opencontainers.image.created"] != "rfc3339" || len(cfg.TrustedRegistries) != 2 {
		t.Errorf("schema/registries: %+v", cfg)
	}
	unknown := cfg.UnknownRuleNames(testRegistry(t))
	if !reflect.DeepEqual(unknown, []string{"DL3008", "DL3006"}) {
		t.Errorf("unknown names (SC codes are fine): %v", unknown)
	}

	for _, bad := range []struct{ yml, where string }{
		{"failure-threshold: loud\n", "cfg.yaml:1:20"},
		{"override:\n  fatal: [DL3006]\n", "cfg.yaml:2:3"},
		{"label-schema:\n  a: colour\n", "cfg.yaml:2:6"},
		{"no-fail: maybe\n", "cfg.yaml:1:10"},
		{"ignored: [\n", "cfg.yaml:"},
	} {
		_, _, err := ParseHadolintConfig("cfg.yaml", []byte(bad.yml))
		if err == nil || !strings.HasPrefix(err.Error(), bad.where) {
			t.Errorf("%q: error %v, want it at %s", bad.yml, err, bad.where)
		}
	}
}

func TestEnvSettingsPrecedence(t *testing.T) {
	env := map[string]string{
		"HADOLINT_FAILURE_THRESHOLD": "error",
		"HOIST_FAILURE_THRESHOLD":    "style",
		"HADOLINT_IGNORE":            "DL3000",
		"HOIST_IGNORE":               "DL3001,DL3002",
		"HOIST_NO_FAIL":              "true",
		"HOIST_OVERRIDE_ERROR":       "DL3006",
		"HOIST_REQUIRE_LABELS":       "maintainer:email,version",
	}
	s, err := EnvSettings(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	file := Settings{FailureThreshold: ptr(Warning), Ignored: []string{"DL9"}}
	flags := Settings{FailureThreshold: ptr(Error)}
	cfg := DefaultConfig()
	file.Apply(&cfg)
	s.Apply(&cfg)
	if cfg.FailureThreshold != Style {
		t.Errorf("env over file, HOIST_ over HADOLINT_: %v", cfg.FailureThreshold)
	}
	flags.Apply(&cfg)
	if cfg.FailureThreshold != Error || !cfg.NoFail {
		t.Errorf("flags over env: %+v", cfg)
	}
	if !reflect.DeepEqual(cfg.Ignored, []string{"DL9", "DL3000", "DL3001", "DL3002"}) {
		t.Errorf("ignore lists add up: %v", cfg.Ignored)
	}
	if cfg.LabelSchema["maintainer"] != "email" || cfg.LabelSchema["version"] != "text" || cfg.Overrides["DL3006"] != Error {
		t.Errorf("labels/overrides: %+v", cfg)
	}
	if _, err := EnvSettings(func(k string) string {
		if k == "HOIST_NO_FAIL" {
			return "perhaps"
		}
		return ""
	}); err == nil {
		t.Error("invalid boolean accepted")
	}
}

func ptr[T any](v T) *T { return &v }

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	files := []string{
		"Dockerfile", "api/Dockerfile.prod", "api/Dockerfile.prod.dockerignore", "web/app.Dockerfile",
		"web/x.dockerfile", "Containerfile", "web/Dockerfile-dev", ".hidden/Containerfile.dev", "node_modules/Dockerfile",
		"vendor/Dockerfile", ".git/Dockerfile", "README.md", "notDockerfile",
	}
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("FROM a:1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Discover([]string{dir, filepath.Join(dir, "README.md"), "-", dir})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = strings.TrimPrefix(strings.TrimPrefix(got[i], dir), "/")
	}
	want := []string{".hidden/Containerfile.dev", "Containerfile", "Dockerfile", "api/Dockerfile.prod", "web/Dockerfile-dev", "web/app.Dockerfile", "web/x.dockerfile", "README.md", "-"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if _, err := Discover([]string{filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing path: %v", err)
	}
}

func TestLintAllKeepsOrder(t *testing.T) {
	l := New(testRegistry(t), DefaultConfig())
	var inputs []Input
	for i := 0; i < 50; i++ {
		inputs = append(inputs, Input{Path: string(rune('a'+i%26)) + strings.Repeat("x", i), Content: []byte("FROM a:1\n")})
	}
	res := l.LintAll(inputs)
	for i, r := range res {
		if r.Path != inputs[i].Path {
			t.Fatalf("result %d is %s, want %s", i, r.Path, inputs[i].Path)
		}
	}
}

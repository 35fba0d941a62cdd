package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// actionFile is the part of action.yml these tests read.
type actionFile struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	ID    string            `yaml:"id"`
	Name  string            `yaml:"name"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Uses  string            `yaml:"uses"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
}

func readAction(t *testing.T) actionFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

// An expression in a script is pasted into the script's text before bash
// reads it: an input (or a branch name, a PR title, an output) with a quote
// and a `;` becomes code. Scripts read such values from env: only.
var expression = regexp.MustCompile(`\$\{\{`)

// TestActionNoExpressionsInScripts is the script-injection guard for
// action.yml, the test workflows and the examples of docs/action.md.
func TestActionNoExpressionsInScripts(t *testing.T) {
	a := readAction(t)
	for _, s := range a.Runs.Steps {
		if expression.MatchString(s.Run) {
			t.Errorf("action.yml: step %q has an expression in its script; pass the value through env:", s.ID)
		}
	}
	raw, err := os.ReadFile(filepath.Join("..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`run:[^\n]*\$\{\{\s*inputs\.`).Match(raw) {
		t.Error("action.yml interpolates an input into a run: line")
	}

	workflows, _ := filepath.Glob(filepath.Join("..", "testdata", "workflows", "*.yml"))
	if len(workflows) == 0 {
		t.Fatal("no workflows in testdata/workflows")
	}
	for _, f := range workflows {
		for _, run := range workflowScripts(t, f) {
			if expression.MatchString(run) {
				t.Errorf("%s: a script has an expression:\n%s", f, run)
			}
		}
	}
	for i, block := range docBlocks(t, "yaml") {
		var wf any
		if err := yaml.Unmarshal([]byte(block), &wf); err != nil {
			t.Errorf("docs/action.md: yaml block %d does not parse: %v\n%s", i+1, err, block)
			continue
		}
		if m, ok := wf.(map[string]any); !ok || m["jobs"] == nil {
			continue // a fragment, not a workflow
		}
		f := filepath.Join(t.TempDir(), "wf.yml")
		if err := os.WriteFile(f, []byte(block), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, run := range workflowScripts(t, f) {
			if expression.MatchString(run) {
				t.Errorf("docs/action.md: yaml block %d: a script has an expression:\n%s", i+1, run)
			}
		}
	}
}

// workflowScripts returns the run: scripts of every job of a workflow.
func workflowScripts(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []actionStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(wf.Jobs) == 0 {
		t.Fatalf("%s has no jobs", path)
	}
	var runs []string
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if s.Run != "" {
				runs = append(runs, s.Run)
			}
		}
	}
	return runs
}

// docBlocks returns the fenced code blocks of docs/action.md in a language.
func docBlocks(t *testing.T, lang string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "action.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur *strings.Builder
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && l == "```"+lang:
			cur = &strings.Builder{}
		case cur != nil && l == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(l + "\n")
		}
	}
	return blocks
}

// TestActionInputsReachHoist: every input is described and reaches `hoist
// action` as INPUT_<NAME> (upper case, dashes kept, as GitHub names them)
// from the input of that very name; every output comes from the hoist step.
func TestActionInputsReachHoist(t *testing.T) {
	a := readAction(t)
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q", a.Runs.Using)
	}
	var build, run *actionStep
	for i := range a.Runs.Steps {
		switch a.Runs.Steps[i].ID {
		case "build":
			build = &a.Runs.Steps[i]
		case "hoist":
			run = &a.Runs.Steps[i]
		}
	}
	if build == nil || run == nil {
		t.Fatal("action.yml needs the steps build and hoist")
	}
	for _, s := range []*actionStep{build, run} {
		if s.Shell != "bash" {
			t.Errorf("step %s: shell %q; bash runs on Linux, macOS and Windows runners", s.ID, s.Shell)
		}
	}
	notForHoist := map[string]string{"version": "HOIST_WANT_VERSION", "github-token": "GITHUB_TOKEN"}
	for in, spec := range a.Inputs {
		if strings.TrimSpace(spec.Description) == "" {
			t.Errorf("input %s has no description", in)
		}
		if spec.Default == nil {
			t.Errorf("input %s has no default (empty means hoist's own default)", in)
		}
		key := "INPUT_" + strings.ToUpper(in)
		env := run.Env
		if k, ok := notForHoist[in]; ok {
			key = k
			if in == "version" {
				env = build.Env
			}
		}
		if got, want := env[key], "${{ inputs."+in+" }}"; got != want {
			t.Errorf("input %s: %s is %q, want %q", in, key, got, want)
		}
	}
	for k, v := range run.Env {
		in, ok := strings.CutPrefix(k, "INPUT_")
		if !ok {
			continue
		}
		if _, declared := a.Inputs[strings.ToLower(in)]; !declared {
			t.Errorf("env %s=%s names no input", k, v)
		}
	}
	for out, spec := range a.Outputs {
		if strings.TrimSpace(spec.Description) == "" {
			t.Errorf("output %s has no description", out)
		}
		want := "${{ steps.hoist.outputs." + out + " }}"
		if out == "hoist-version" {
			want = "${{ steps.build.outputs.version }}"
		}
		if spec.Value != want {
			t.Errorf("output %s = %q, want %q", out, spec.Value, want)
		}
	}
	for _, want := range []string{"digest", "imageid", "metadata", "tags", "labels", "annotations", "version", "results", "plan", "sarif-file"} {
		if _, ok := a.Outputs[want]; !ok {
			t.Errorf("output %s is missing", want)
		}
	}
	if !strings.Contains(run.Run, `"$HOIST_BIN" action`) {
		t.Errorf("the hoist step does not run `hoist action`:\n%s", run.Run)
	}
	if !strings.Contains(build.Run, "go build -trimpath") || !strings.Contains(build.Run, "actions/setup-go") || !strings.Contains(build.Run, "hoist.exe") {
		t.Errorf("the build step must build with go build -trimpath, name hoist.exe on Windows and point at actions/setup-go when Go is missing:\n%s", build.Run)
	}
}

// TestActionScriptsShellcheck runs ShellCheck on the action's scripts as
// bash runs them (`bash -e -o pipefail`).
func TestActionScriptsShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("shellcheck is not installed")
		}
		t.Skip("shellcheck is not installed (apt-get install shellcheck)")
	}
	for _, s := range readAction(t).Runs.Steps {
		if s.Run == "" {
			continue
		}
		f := filepath.Join(t.TempDir(), s.ID+".sh")
		if err := os.WriteFile(f, []byte("#!/usr/bin/env bash\nset -eo pipefail\n"+s.Run), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(sc, "--shell=bash", f).CombinedOutput(); err != nil {
			t.Errorf("shellcheck of step %s: %v\n%s", s.ID, err, out)
		}
	}
}

// TestActionDocs: docs/action.md has every input in its Inputs table and
// every output in its Outputs table.
func TestActionDocs(t *testing.T) {
	a := readAction(t)
	b, err := os.ReadFile(filepath.Join("..", "docs", "action.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := func(title string) string {
		_, rest, ok := strings.Cut(string(b), "\n## "+title+"\n")
		if !ok {
			t.Fatalf("docs/action.md has no section %q", title)
		}
		body, _, _ := strings.Cut(rest, "\n## ")
		return body
	}
	check := func(title string, names []string) {
		body := section(title)
		slices.Sort(names)
		for _, n := range names {
			if !strings.Contains(body, "| `"+n+"` |") {
				t.Errorf("docs/action.md: the %s table has no row for `%s`", title, n)
			}
		}
	}
	var ins, outs []string
	for in := range a.Inputs {
		ins = append(ins, in)
	}
	for out := range a.Outputs {
		outs = append(outs, out)
	}
	check("Inputs", ins)
	check("Outputs", outs)
}

// TestActionBuildsForEveryRunnerOS: the action builds hoist on the runner,
// so hoist must compile for macOS and Windows runners too (lint, tag and
// prune are promised there).
func TestActionBuildsForEveryRunnerOS(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles hoist; skipped with -short")
	}
	for _, p := range []struct{ goos, goarch string }{{"darwin", "arm64"}, {"windows", "amd64"}} {
		t.Run(p.goos, func(t *testing.T) {
			cmd := exec.Command("go", "build", "-trimpath", "-o", os.DevNull, "./cmd/hoist")
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), "GOOS="+p.goos, "GOARCH="+p.goarch, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("hoist does not build for %s/%s runners: %v\n%s", p.goos, p.goarch, err, out)
			}
		})
	}
}

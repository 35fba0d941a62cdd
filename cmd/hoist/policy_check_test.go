package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const validPolicy = `variable "registry" {
  type = string
}

image "web" {
  repository = "${var.registry}/web"
}

tag "main" {
  when = git.branch == "main"
  tags = ["edge"]
}
`

func TestPolicyCheck(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hoist.hcl"), validPolicy)
	writeFile(t, filepath.Join(dir, "vars.hcl"), "registry = \"ghcr.io/from-file\"\n")

	r := hoist(t, dir, "", nil, "policy", "check")
	if r.code != 2 || !strings.Contains(r.stderr, "hoist.hcl:1:1: error: No value for required variable") ||
		!strings.Contains(r.stderr, "    1 | variable \"registry\" {\n      | ^^^^^^^^^^^^^^^^^^^") ||
		!strings.HasSuffix(r.stderr, "\nhoist: invalid policy hoist.hcl: 1 error\n") {
		t.Errorf("a required variable without a value: %+v", r)
	}
	for _, tt := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--var", "registry=ghcr.io/acme"}, nil},
		{[]string{"--var-file", "vars.hcl"}, nil},
		{nil, map[string]string{"HOIST_VAR_registry": "ghcr.io/acme"}},
		{[]string{"hoist.hcl", "--var", "registry=ghcr.io/acme"}, nil},
		{[]string{"--var", "registry=ghcr.io/A", "--var", "registry=ghcr.io/acme"}, nil}, // the last --var wins
	} {
		r := hoist(t, dir, "", tt.env, append([]string{"policy", "check"}, tt.args...)...)
		if r.code != 0 || r.stdout != "hoist.hcl: valid (1 variable, 1 image, 1 tag rule)\n" || r.stderr != "" {
			t.Errorf("%v %v: %+v", tt.args, tt.env, r)
		}
	}
	// --var beats --var-file beats HOIST_VAR_: an invalid value shows which won.
	r = hoist(t, dir, "", map[string]string{"HOIST_VAR_registry": "ghcr.io/acme"}, "policy", "check", "--var-file", "vars.hcl", "--var", "registry=Not/Valid")
	if r.code != 2 || !strings.Contains(r.stderr, `"Not/Valid/web" is not a repository name`) {
		t.Errorf("precedence: %+v", r)
	}
	for _, args := range [][]string{
		{"policy", "check", "--var", "registry"},
		{"policy", "check", "--var", "=x"},
		{"policy", "check", "--var", "nosuch=1", "--var", "registry=ghcr.io/acme"},
		{"policy", "check", "--var-file", "missing.hcl", "--var", "registry=ghcr.io/acme"},
		{"policy", "check", "missing.hcl"},
		{"policy", "check", "--color", "sometimes"},
	} {
		if r := hoist(t, dir, "", nil, args...); r.code != 2 || r.stderr == "" || r.stdout != "" {
			t.Errorf("%v: want exit 2 with a message, got %+v", args, r)
		}
	}
	if r := hoist(t, t.TempDir(), "", nil, "policy", "check"); r.code != 2 || !strings.Contains(r.stderr, "no policy file: ./hoist.hcl does not exist") {
		t.Errorf("no policy file: %+v", r)
	}
}

func TestPolicyCheckDiagnostics(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hoist.hcl"), "lint {\n  failure_threshold = \"loud\"\n}\n\ntag \"x\" {\n  tag = [\"a\"]\n}\n")
	r := hoist(t, dir, "", nil, "policy", "check", "--color", "never")
	want := `hoist.hcl:2:23: error: Invalid failure threshold
  "loud" is not a failure threshold: use error, warning, info, style or none.
    2 |   failure_threshold = "loud"
      |                       ^^^^^^

hoist.hcl:5:1: error: Missing required argument
  The argument "tags" is required in tag "x", but no definition was found.
    5 | tag "x" {
      | ^^^^^^^

hoist.hcl:6:3: error: Unsupported argument
  An argument named "tag" is not expected here. Did you mean "tags"?
    6 |   tag = ["a"]
      |   ^^^

hoist: invalid policy hoist.hcl: 3 errors
`
	if r.code != 2 || r.stderr != want || r.stdout != "" {
		t.Errorf("exit %d\nstdout %q\nstderr:\n%s\nwant:\n%s", r.code, r.stdout, r.stderr, want)
	}
	r = hoist(t, dir, "", nil, "policy", "check", "--color", "always")
	if !strings.Contains(r.stderr, "\x1b[") {
		t.Errorf("--color always: %q", r.stderr)
	}
	r = hoist(t, dir, "", map[string]string{"NO_COLOR": "1"}, "policy", "check")
	if strings.Contains(r.stderr, "\x1b[") {
		t.Errorf("NO_COLOR: %q", r.stderr)
	}
}

func TestPolicyCheckDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy", "1-vars.hcl"), "variable \"registry\" {\n  default = \"ghcr.io/acme\"\n}\n")
	writeFile(t, filepath.Join(dir, "policy", "2-images.hcl"), "image \"web\" {\n  repository = \"${var.registry}/web\"\n}\n")
	writeFile(t, filepath.Join(dir, "policy", "3-prune.hcl.json"), `{"prune": {"old": {"match": "${image.untagged}", "older_than": "30d"}}}`)
	r := hoist(t, dir, "", nil, "policy", "check", "policy")
	want := filepath.Join("policy", "1-vars.hcl") + ", " + filepath.Join("policy", "2-images.hcl") + ", " + filepath.Join("policy", "3-prune.hcl.json") + ": valid (1 variable, 1 image, 1 prune rule)\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("a directory: %+v\nwant %q", r, want)
	}
}

// Every example policy passes hoist policy check (the production one needs
// its variable file).
func TestPolicyCheckExamples(t *testing.T) {
	root := repoRoot(t)
	entries, err := os.ReadDir(filepath.Join(root, "examples", "policies"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		args := []string{"policy", "check", filepath.Join("examples", "policies", e.Name())}
		vars, _ := filepath.Glob(filepath.Join(root, "examples", "policies", e.Name(), "vars", "*.hcl"))
		for _, v := range vars {
			rel, _ := filepath.Rel(root, v)
			r := hoist(t, root, "", nil, append(args, "--var-file", rel)...)
			if r.code != 0 || !strings.Contains(r.stdout, ": valid (") {
				t.Errorf("%s with %s: %+v", e.Name(), rel, r)
			}
		}
		if len(vars) > 0 {
			continue
		}
		if r := hoist(t, root, "", nil, args...); r.code != 0 || !strings.Contains(r.stdout, ": valid (") {
			t.Errorf("%s: %+v", e.Name(), r)
		}
	}
	if n < 3 {
		t.Errorf("only %d example policies", n)
	}
}

// The README's tour of hoist policy shows real output.
func TestReadmePolicyTour(t *testing.T) {
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, tour, ok := strings.Cut(string(data), "## A short tour of `hoist policy`")
	if !ok {
		t.Fatal("no policy tour in README.md")
	}
	_, rest, _ := strings.Cut(tour, "```hcl\n")
	policy, rest, _ := strings.Cut(rest, "```")
	_, rest, _ = strings.Cut(rest, "$ hoist policy check\n")
	wantErr, rest, _ := strings.Cut(rest, "$ hoist policy check examples/policies/library\n")
	wantOut, _, _ := strings.Cut(rest, "```")

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hoist.hcl"), policy)
	if r := hoist(t, dir, "", nil, "policy", "check"); r.code != 0 {
		t.Errorf("the tour's policy: %+v", r)
	}
	writeFile(t, filepath.Join(dir, "hoist.hcl"), strings.Replace(policy, "registry.versions)", "registry.version)", 1))
	if r := hoist(t, dir, "", nil, "policy", "check", "--color", "never"); r.code != 2 || r.stderr != wantErr {
		t.Errorf("misspelt: %+v\nwant stderr:\n%s", r, wantErr)
	}
	if r := hoist(t, root, "", nil, "policy", "check", "examples/policies/library"); r.code != 0 || r.stdout != wantOut {
		t.Errorf("library: %+v\nwant %q", r, wantOut)
	}
}

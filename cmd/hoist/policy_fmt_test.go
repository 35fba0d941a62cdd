package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	unformattedPolicy = "\n\nimage \"web\" {\n\n  repository=\"${var.registry}\"\n\tcontext = \".\"   # here\n}\n\n\n\ntag \"main\" {\ntags=[\"edge\"]\n}"
	formattedPolicy   = "image \"web\" {\n  repository = var.registry\n  context    = \".\" # here\n}\n\ntag \"main\" {\n  tags = [\"edge\"]\n}\n"
)

func TestPolicyFmt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hoist.hcl")
	writeFile(t, path, unformattedPolicy)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	read := func(p string) string {
		t.Helper()
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	r := hoist(t, dir, "", nil, "policy", "fmt", "--check")
	if r.code != 1 || r.stdout != "hoist.hcl\n" || !strings.Contains(r.stderr, "1 of 1 file is not formatted") || read(path) != unformattedPolicy {
		t.Errorf("--check: %+v", r)
	}
	r = hoist(t, dir, "", nil, "policy", "fmt", "--diff")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "--- a/hoist.hcl\n+++ b/hoist.hcl\n") || !strings.Contains(r.stdout, "+  repository = var.registry\n") || read(path) != unformattedPolicy {
		t.Errorf("--diff: %+v", r)
	}
	r = hoist(t, dir, "", nil, "policy", "fmt", "--check", "--diff")
	if r.code != 1 || !strings.Contains(r.stdout, "-tags=[\"edge\"]\n") || !strings.Contains(r.stdout, "+  tags = [\"edge\"]\n") {
		t.Errorf("--check --diff: %+v", r)
	}
	r = hoist(t, dir, "", nil, "policy", "fmt")
	if r.code != 0 || r.stdout != "hoist.hcl\n" || read(path) != formattedPolicy {
		t.Errorf("fmt: %+v\n%q", r, read(path))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v: fmt must keep it", st.Mode())
	}
	r = hoist(t, dir, "", nil, "policy", "fmt", "--check")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("formatted: %+v", r)
	}

	r = hoist(t, dir, unformattedPolicy, nil, "policy", "fmt", "-")
	if r.code != 0 || r.stdout != formattedPolicy {
		t.Errorf("stdin: %+v", r)
	}
	if r := hoist(t, dir, unformattedPolicy, nil, "policy", "fmt", "--check", "-"); r.code != 1 || r.stdout != "<stdin>\n" {
		t.Errorf("stdin --check: %+v", r)
	}
}

func TestPolicyFmtErrors(t *testing.T) {
	dir := t.TempDir()
	broken := "tag \"x\" {\n  tags = [\"a\"\n}\n"
	writeFile(t, filepath.Join(dir, "p", "a.hcl"), broken)
	writeFile(t, filepath.Join(dir, "p", "b.hcl"), "lint   {}\n")
	json := `{"lint": {}}`
	writeFile(t, filepath.Join(dir, "p", "c.hcl.json"), json)

	r := hoist(t, dir, "", nil, "policy", "fmt", "--color", "never", "p")
	if r.code != 2 || !strings.Contains(r.stderr, filepath.Join("p", "a.hcl")+":3:1: error: ") || !strings.Contains(r.stderr, "1 of 2 files could not be formatted") {
		t.Errorf("syntax error: %+v", r)
	}
	if !strings.Contains(r.stderr, "note: "+filepath.Join("p", "c.hcl.json")+": JSON policy files are not formatted") {
		t.Errorf("JSON note: %s", r.stderr)
	}
	for name, want := range map[string]string{"a.hcl": broken, "b.hcl": "lint {}\n", "c.hcl.json": json} {
		data, _ := os.ReadFile(filepath.Join(dir, "p", name))
		if string(data) != want {
			t.Errorf("%s: %q, want %q", name, data, want)
		}
	}
	for _, args := range [][]string{
		{"policy", "fmt"}, // no ./hoist.hcl
		{"policy", "fmt", "missing.hcl"},
		{"policy", "fmt", "--color", "sometimes", "p/b.hcl"},
	} {
		if r := hoist(t, dir, "", nil, args...); r.code != 2 || r.stderr == "" {
			t.Errorf("%v: %+v", args, r)
		}
	}
}

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// hoist lint reads the lint block of ./hoist.hcl (or of the policy -c
// names) in the place of .hadolint.yaml.
func TestLintPolicyBlock(t *testing.T) {
	dir := t.TempDir()
	// DL3006 (untagged FROM) is a warning, DL3007 (FROM :latest) a warning.
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM ubuntu\nFROM debian:latest\n")
	writeFile(t, filepath.Join(dir, "hoist.hcl"), `lint {
  ignore            = ["DL3006"]
  failure_threshold = "error"
}
`)
	r := hoist(t, dir, "", nil, "lint", "--shellcheck", "off", "Dockerfile")
	if r.code != 0 || strings.Contains(r.stdout, "DL3006") || !strings.Contains(r.stdout, "DL3007") || r.stderr != "" {
		t.Errorf("lint block of ./hoist.hcl: %+v", r)
	}
	// Flags and the environment still win over the file.
	if r := hoist(t, dir, "", nil, "lint", "--shellcheck", "off", "--failure-threshold", "warning", "Dockerfile"); r.code != 1 {
		t.Errorf("flags beat the policy: %+v", r)
	}
	if r := hoist(t, dir, "", map[string]string{"HOIST_FAILURE_THRESHOLD": "warning"}, "lint", "--shellcheck", "off", "Dockerfile"); r.code != 1 {
		t.Errorf("env beats the policy: %+v", r)
	}

	// With a .hadolint.yaml as well, hoist.hcl wins and says so.
	writeFile(t, filepath.Join(dir, ".hadolint.yaml"), "ignored: [DL3007]\n")
	r = hoist(t, dir, "", nil, "lint", "--shellcheck", "off", "Dockerfile")
	if r.code != 0 || !strings.Contains(r.stdout, "DL3007") || !strings.Contains(r.stderr, "hoist: note: .hadolint.yaml is ignored: the lint block of hoist.hcl configures hoist lint") {
		t.Errorf("both files: %+v", r)
	}
	// -c names the file to read: then nothing is ignored, nothing noted.
	r = hoist(t, dir, "", nil, "lint", "--shellcheck", "off", "-c", ".hadolint.yaml", "Dockerfile")
	if r.code != 1 || !strings.Contains(r.stdout, "DL3006") || strings.Contains(r.stdout, "DL3007") || r.stderr != "" {
		t.Errorf("-c .hadolint.yaml: %+v", r)
	}

	// A policy without a lint block says nothing about lint: .hadolint.yaml applies.
	writeFile(t, filepath.Join(dir, "hoist.hcl"), "policy {\n  max_deletions = 10\n}\n")
	r = hoist(t, dir, "", nil, "lint", "--shellcheck", "off", "Dockerfile")
	if r.code != 1 || !strings.Contains(r.stdout, "DL3006") || strings.Contains(r.stdout, "DL3007") || r.stderr != "" {
		t.Errorf("policy without a lint block: %+v", r)
	}
}

func TestLintPolicyFlagAndVariables(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM ubuntu\n")
	writeFile(t, filepath.Join(dir, "ci", "policy.hcl"), `variable "threshold" {
  type = string
}

lint {
  failure_threshold = var.threshold
}
`)
	// -c names a policy; its required variable comes from --var or HOIST_VAR_.
	r := hoist(t, dir, "", nil, "lint", "--color", "never", "--shellcheck", "off", "-c", "ci/policy.hcl", "Dockerfile")
	if r.code != 2 || !strings.Contains(r.stderr, filepath.Join("ci", "policy.hcl")+":1:1: error: No value for required variable") || r.stdout != "" {
		t.Errorf("missing variable: %+v", r)
	}
	if r := hoist(t, dir, "", nil, "lint", "--shellcheck", "off", "-c", "ci/policy.hcl", "--var", "threshold=error", "Dockerfile"); r.code != 0 {
		t.Errorf("--var: %+v", r)
	}
	if r := hoist(t, dir, "", map[string]string{"HOIST_VAR_threshold": "warning"}, "lint", "--shellcheck", "off", "-c", "ci/policy.hcl", "Dockerfile"); r.code != 1 {
		t.Errorf("HOIST_VAR_: %+v", r)
	}
	r = hoist(t, dir, "", nil, "lint", "--color", "never", "--shellcheck", "off", "-c", "ci/policy.hcl", "--var", "threshold=loud", "Dockerfile")
	if r.code != 2 || !strings.Contains(r.stderr, `"loud" is not a failure threshold`) {
		t.Errorf("invalid value: %+v", r)
	}

	// An invalid ./hoist.hcl stops hoist lint with its diagnostics, even
	// when the error is outside the lint block.
	writeFile(t, filepath.Join(dir, "hoist.hcl"), "lint {}\n\ntag \"x\" {\n  tags = git.nope\n}\n")
	r = hoist(t, dir, "", nil, "lint", "--color", "never", "--shellcheck", "off", "Dockerfile")
	if r.code != 2 || !strings.Contains(r.stderr, "hoist.hcl:4:13: error: Unsupported attribute") || !strings.Contains(r.stderr, "hoist: invalid policy hoist.hcl: 1 error") || r.stdout != "" {
		t.Errorf("invalid hoist.hcl: %+v", r)
	}
}

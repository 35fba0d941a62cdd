package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const explainSHA = "1a2b3c4d5e6f7a8b9c0d"

// explainDir makes a directory with hoist.hcl (none when src is "").
func explainDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if src != "" {
		writeFile(t, filepath.Join(dir, "hoist.hcl"), src)
	}
	return dir
}

func designPolicy(t *testing.T) string {
	t.Helper()
	// DESIGN.md §4.6's example, kept once, with the policy package's tests.
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "internal", "policy", "testdata", "good", "design.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// The semver cases through the built-in rules (no hoist.hcl).
func TestExplainDefaults(t *testing.T) {
	dir := explainDir(t, "")
	cases := []struct {
		args []string
		tags string
	}{
		{[]string{"--git-tag", "v1.2.3"}, "Tags: 1.2.3 1.2 1 latest\n"},
		{[]string{"--git-tag", "v1.9.1", "--published", "2.0.0,1.9.0", "--sha", explainSHA}, "Tags: 1.9.1 1.9 1 sha-1a2b3c4\n"},
		{[]string{"--git-tag", "v1.8.5", "--published", "1.9.1", "--published", "1.8.4"}, "Tags: 1.8.5 1.8\n"},
		{[]string{"--git-tag", "v2.1.0-rc.1", "--published", "2.0.0"}, "Tags: 2.1.0-rc.1\n"},
		{[]string{"--git-tag", "v0.3.0"}, "Tags: 0.3.0 0.3 latest\n"},
		{[]string{"--branch", "feature/Foo#12", "--sha", explainSHA}, "Tags: feature-foo-12 sha-1a2b3c4\n"},
		{[]string{"--branch", "feature/x", "--pr", "12", "--sha", explainSHA}, "Tags: pr-12 sha-1a2b3c4\n"},
	}
	for _, c := range cases {
		r := hoist(t, dir, "", nil, append([]string{"policy", "explain"}, c.args...)...)
		if r.code != 0 {
			t.Errorf("%v: exit %d\n%s%s", c.args, r.code, r.stdout, r.stderr)
			continue
		}
		wantContains(t, strings.Join(c.args, " "), r.stdout, c.tags, "Policy: none found, hoist's built-in rules (default.hcl)", `tag "semver"   default.hcl:17`, "Checks: none")
	}

	r := hoist(t, dir, "", nil, "policy", "explain", "--event", "schedule")
	if r.code != 1 {
		t.Errorf("no tag must be refused with exit 1: %+v", r)
	}
	wantContains(t, "stdout", r.stdout, "Tags: refused, nothing would be pushed")
	wantContains(t, "stderr", r.stderr, "hoist: refused: this event yields no tag")
}

// DESIGN.md §4.6's example, found as ./hoist.hcl, against golden output.
func TestExplainGolden(t *testing.T) {
	goldens := filepath.Join(repoRoot(t), "testdata", "policy", "explain")
	dir := explainDir(t, designPolicy(t))
	cases := []struct {
		golden string
		code   int
		args   []string
	}{
		{"release.golden", 0, []string{"--git-tag", "v1.9.1", "--published", "2.0.0,1.9.0", "--lint-errors", "0", "--repository", "ghcr.io/acme/web"}},
		{"main-lint-errors.golden", 1, []string{"--branch", "main", "--sha", explainSHA, "--lint-errors", "2", "--lint-warnings", "5"}},
		{"prune.golden", 0, []string{"--now", "2026-06-01T00:00:00Z",
			"--image", "ghcr.io/acme/web:pr-12@sha256:aaaa", "--created", "20d",
			"--image", "ghcr.io/acme/web:pr-13", "--created", "2026-05-31T21:00:00Z",
			"--image", "ghcr.io/acme/web:sha-1a2b3c4", "--created", "2d", "--tags", "edge",
			"--image", "ghcr.io/acme/web:edge", "--created", "2d",
			"--image", "ghcr.io/acme/web@sha256:bbbb", "--created", "2026-05-01",
			"--image", "ghcr.io/acme/web:1.2.3", "--created", "200d",
			"--image", "ghcr.io/acme/web:pr-7@sha256:cccc", "--created", "10h",
			"--image", "ghcr.io/acme/other:pr-1", "--created", "30d",
		}},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			r := hoist(t, dir, "", nil, append([]string{"policy", "explain", "--color", "never"}, c.args...)...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, c.code, r.stdout, r.stderr)
			}
			got := r.stdout
			if r.stderr != "" {
				got += "--- stderr\n" + r.stderr
			}
			path := filepath.Join(goldens, c.golden)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./cmd/hoist -run TestExplainGolden -update)", err)
			}
			if string(want) != got {
				t.Errorf("output differs from %s (run with -update if deliberate):\n%s", path, got)
			}
			// The same facts give the same output.
			if again := hoist(t, dir, "", nil, append([]string{"policy", "explain", "--color", "never"}, c.args...)...); again.stdout != r.stdout || again.stderr != r.stderr {
				t.Error("a second run differs")
			}
		})
	}
}

func TestExplainJSON(t *testing.T) {
	dir := explainDir(t, designPolicy(t))
	r := hoist(t, dir, "", nil, "policy", "explain", "--format", "json", "--git-tag", "v2.0.0-rc.1", "--pr", "7",
		"--lint-errors", "0", "--now", "2026-06-01", "--image", "ghcr.io/acme/web:pr-7", "--created", "15d")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Policy struct {
			Files    []string `json:"files"`
			Defaults bool     `json:"defaults"`
		} `json:"policy"`
		Facts struct {
			Git struct {
				Tag *string `json:"tag"`
				PR  *int    `json:"pr"`
			} `json:"git"`
			Push struct {
				Tags []string `json:"tags"`
			} `json:"push"`
			Now string `json:"now"`
		} `json:"facts"`
		Tags struct {
			Tags []struct {
				Tag   string `json:"tag"`
				Rules []struct{ Kind, Name, Location string }
			} `json:"tags"`
			Rules []struct {
				Rule   struct{ Kind, Name, Location string } `json:"rule"`
				Fired  bool                                  `json:"fired"`
				Reason string                                `json:"reason"`
			} `json:"rules"`
		} `json:"tags"`
		Checks struct {
			Results []struct {
				Rule   struct{ Name, Location string } `json:"rule"`
				Level  string                          `json:"level"`
				Status string                          `json:"status"`
				Blocks bool                            `json:"blocks"`
			} `json:"results"`
			Blocks bool `json:"blocks"`
		} `json:"checks"`
		Prune struct {
			Decisions []struct {
				Image struct {
					Ref        string `json:"ref"`
					Tag        string `json:"tag"`
					AgeSeconds int64  `json:"age_seconds"`
				} `json:"image"`
				Action  string `json:"action"`
				Rule    struct{ Kind, Name, Location string }
				Reason  string `json:"reason"`
				Matches []struct {
					Verdict string `json:"verdict"`
				} `json:"matches"`
			} `json:"decisions"`
			Deletions int `json:"deletions"`
			Limits    struct {
				MinAge        string `json:"min_age"`
				MinAgeSeconds int64  `json:"min_age_seconds"`
				MaxDeletions  int    `json:"max_deletions"`
			} `json:"limits"`
		} `json:"prune"`
		Diagnostics []any `json:"diagnostics"`
		OK          bool  `json:"ok"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if !rep.OK || rep.Policy.Defaults || rep.Policy.Files[0] != "hoist.hcl" || *rep.Facts.Git.Tag != "v2.0.0-rc.1" || *rep.Facts.Git.PR != 7 || rep.Facts.Now != "2026-06-01T00:00:00Z" {
		t.Errorf("report: %+v", rep)
	}
	// The prerelease is not stable: only the pr rule fires.
	if len(rep.Tags.Tags) != 1 || rep.Tags.Tags[0].Tag != "pr-7" || rep.Tags.Tags[0].Rules[0].Location != "hoist.hcl:28" {
		t.Errorf("tags: %+v", rep.Tags.Tags)
	}
	if len(rep.Tags.Rules) != 3 || rep.Tags.Rules[0].Fired || rep.Tags.Rules[0].Reason != "when is false (local.stable = false)" {
		t.Errorf("tag rules: %+v", rep.Tags.Rules)
	}
	if strings.Join(rep.Facts.Push.Tags, ",") != "pr-7" {
		t.Errorf("push.tags: %v", rep.Facts.Push.Tags)
	}
	if len(rep.Checks.Results) != 2 || rep.Checks.Results[1].Rule.Name != "lint-clean" || rep.Checks.Results[1].Status != "pass" || rep.Checks.Blocks {
		t.Errorf("checks: %+v", rep.Checks)
	}
	d := rep.Prune.Decisions
	if len(d) != 1 || d[0].Action != "delete" || d[0].Rule.Name != "pr-builds" || d[0].Rule.Location != "hoist.hcl:46" || d[0].Image.AgeSeconds != 15*86400 || d[0].Image.Ref != "ghcr.io/acme/web:pr-7" || d[0].Matches[0].Verdict != "delete" {
		t.Errorf("decisions: %+v", d)
	}
	if rep.Prune.Deletions != 1 || rep.Prune.Limits.MinAge != "1d" || rep.Prune.Limits.MinAgeSeconds != 86400 || rep.Prune.Limits.MaxDeletions != 500 {
		t.Errorf("prune: %+v", rep.Prune)
	}
	if rep.Diagnostics == nil || len(rep.Diagnostics) != 0 {
		t.Errorf("diagnostics must be an empty list: %v", rep.Diagnostics)
	}
	// Sections not asked for are null.
	r = hoist(t, dir, "", nil, "policy", "explain", "--format", "json", "--image", "ghcr.io/acme/web:x", "--created", "3d")
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil || string(raw["tags"]) != "null" || string(raw["checks"]) != "null" || string(raw["prune"]) == "null" {
		t.Errorf("sections: %v %s", err, r.stdout)
	}
}

const checkLevelsPolicy = `
check "soft" {
  enforcement_level = "soft-mandatory"
  condition         = git.branch == git.default_branch
  error_message     = "push from ${git.branch}, not ${git.default_branch}"
}
check "advice" {
  enforcement_level = "advisory"
  condition         = lint.warnings == 0
  error_message     = "${lint.warnings} lint warnings"
}
`

func TestExplainCheckLevels(t *testing.T) {
	dir := explainDir(t, checkLevelsPolicy)
	r := hoist(t, dir, "", nil, "policy", "explain", "--branch", "dev", "--sha", explainSHA, "--lint-warnings", "3")
	if r.code != 1 {
		t.Errorf("soft-mandatory fails: %+v", r)
	}
	wantContains(t, "stdout", r.stdout, "Checks: 1 of 2 refuse the push", "push from dev, not main", "FAIL", "--override soft", "warn", "3 lint warnings")
	wantContains(t, "stderr", r.stderr, `hoist: refused: check "soft" (soft-mandatory, hoist.hcl:2) fails: push from dev, not main`)

	r = hoist(t, dir, "", nil, "policy", "explain", "--branch", "dev", "--sha", explainSHA, "--lint-warnings", "3", "--override", "soft")
	if r.code != 0 {
		t.Errorf("overridden: %+v", r)
	}
	wantContains(t, "stdout", r.stdout, "overridden", "Checks: the push may go ahead (2 checks)")

	r = hoist(t, dir, "", nil, "policy", "explain", "--branch", "dev", "--sha", explainSHA, "--override", "sfot")
	if r.code != 2 {
		t.Errorf("unknown override: %+v", r)
	}
	wantContains(t, "stderr", r.stderr, `override "sfot": the policy has no check of that name (its soft-mandatory checks are soft). Did you mean "soft"?`)
	// an unknown override is bad input even when there is no tag set
	if r := hoist(t, dir, "", nil, "policy", "explain", "--event", "x", "--override", "nope"); r.code != 2 {
		t.Errorf("unknown override without tags: %+v", r)
	}
}

func TestExplainPolicyErrors(t *testing.T) {
	dir := explainDir(t, "tag \"x\" {\n  tagz = [\"a\"]\n}\n")
	r := hoist(t, dir, "", nil, "policy", "explain", "--branch", "main", "--color", "never")
	if r.code != 2 || r.stdout != "" {
		t.Errorf("a policy that does not load is exit 2 with nothing on stdout: %+v", r)
	}
	wantContains(t, "stderr", r.stderr, "hoist.hcl:2:3: error: Unsupported argument", `    2 |   tagz = ["a"]`, "hoist: invalid policy hoist.hcl: 2 errors")

	// An evaluation error: rendered with file:line:col and the source line,
	// and the push is refused (exit 1).
	dir = explainDir(t, "tag \"x\" {\n  tags = [\"b-${git.branch}\", sanitize_tag(git.tag)]\n}\n")
	r = hoist(t, dir, "", nil, "policy", "explain", "--branch", "main", "--color", "never")
	if r.code != 1 {
		t.Errorf("evaluation error: %+v", r)
	}
	wantContains(t, "stdout", r.stdout, "ERROR", "Checks: not evaluated")
	wantContains(t, "stderr", r.stderr, "hoist.hcl:2:43: error:", `    2 |   tags = ["b-${git.branch}", sanitize_tag(git.tag)]`, "with git.tag = null", `hoist: refused: tag "x" (hoist.hcl:1): cannot evaluate tags`)

	// --policy names a file; --var and HOIST_VAR_ reach it.
	dir = t.TempDir()
	writeFile(t, filepath.Join(dir, "p", "prod.hcl"), `
variable "registry" {}
image "web" { repository = "${var.registry}/web" }
prune "all" {
  match = true
}
policy { min_age = 0 }
`)
	r = hoist(t, dir, "", nil, "policy", "explain", "--policy", "p/prod.hcl", "--var", "registry=ghcr.io/acme", "--image", "ghcr.io/acme/web:x", "--image", "ghcr.io/other/web:y")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	wantContains(t, "stdout", r.stdout, "Policy: p/prod.hcl", "ghcr.io/acme/web:x   ?    DELETE    prune \"all\"  p/prod.hcl:4", "ghcr.io/other/web:y  ?    keep      -            -             no protect or prune rule matches")
	r = hoist(t, dir, "", map[string]string{"HOIST_VAR_registry": "ghcr.io/other"}, "policy", "explain", "--policy", "p/prod.hcl", "--image", "ghcr.io/other/web:y")
	wantContains(t, "HOIST_VAR_ stdout", r.stdout, "DELETE")
	if r := hoist(t, dir, "", nil, "policy", "explain", "--policy", "p/prod.hcl", "--image", "ghcr.io/other/web:y"); r.code != 2 || !strings.Contains(r.stderr, "registry") {
		t.Errorf("a missing variable: %+v", r)
	}
}

func TestExplainPrune(t *testing.T) {
	dir := explainDir(t, `
prune "all" { match = true }
policy {
  min_age       = "1h"
  max_deletions = 1
}
`)
	r := hoist(t, dir, "", nil, "policy", "explain", "--image", "r/a:1", "--created", "3d", "--image", "r/a:2", "--created", "3d")
	if r.code != 1 {
		t.Errorf("over max_deletions: %+v", r)
	}
	wantContains(t, "stdout", r.stdout, "Prune: refused, nothing would be deleted (min_age 1h, max_deletions 1, from hoist.hcl:3)")
	wantContains(t, "stderr", r.stderr, "the plan would delete 2 images, more than max_deletions = 1 (policy block at hoist.hcl:3), so it deletes nothing")

	r = hoist(t, dir, "", nil, "policy", "explain", "--image", "r/a:1", "--created", "30m")
	if r.code != 0 {
		t.Errorf("min_age: %+v", r)
	}
	wantContains(t, "stdout", r.stdout, "Prune: 0 of 1 images would be deleted", "safety min_age: younger than min_age 1h (30m old)")

	// no policy: prune refuses and says how to write a rule
	r = hoist(t, explainDir(t, ""), "", nil, "policy", "explain", "--image", "r/a:1")
	if r.code != 1 {
		t.Errorf("no prune rules: %+v", r)
	}
	wantContains(t, "stderr", r.stderr, "the policy has no prune rule", `prune "pr-builds" {`)
}

func TestExplainBadFlags(t *testing.T) {
	dir := explainDir(t, "")
	for _, args := range [][]string{
		{},
		{"--format", "yaml", "--branch", "main"},
		{"--color", "sometimes", "--branch", "main"},
		{"--created", "3d"},
		{"--tags", "a", "--image", "r:x"},
		{"--image", "r:x", "--created", "yesterday"},
		{"--image", "r:x", "--created", "3d", "--created", "4d"},
		{"--image", "r:bad tag"},
		{"--image", "r@nodigest"},
		{"--image", ":x"},
		{"--image", "r:x", "--tags", "ok,bad tag"},
		{"--pr", "0"},
		{"--pr", "x"},
		{"--sha", "xyz"},
		{"--branch", "main", "--lint-errors", "-1"},
		{"--now", "3d", "--image", "r:x"},
		{"--var", "x=1", "--branch", "main"},
		{"--policy", "nope.hcl", "--branch", "main"},
		{"extra-arg", "--branch", "main"},
	} {
		r := hoist(t, dir, "", nil, append([]string{"policy", "explain"}, args...)...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("%v: want exit 2 with a message, got %+v", args, r)
		}
	}
}

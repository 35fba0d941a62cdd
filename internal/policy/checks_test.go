package policy

import (
	"errors"
	"strings"
	"testing"
)

const checksPolicy = `
check "advice" {
  enforcement_level = "advisory"
  condition         = lint.warnings == 0
  error_message     = "${lint.warnings} lint warnings"
}
check "soft" {
  enforcement_level = "soft-mandatory"
  condition         = !contains(push.tags, "latest")
  error_message     = "pushing latest from ${git.branch}"
}
check "hard" {
  condition     = lint.errors == 0
  error_message = "fix ${lint.errors} lint errors before pushing"
}
check "fine" {
  enforcement_level = "advisory"
  condition         = true
  error_message     = "never"
}
check "broken" {
  enforcement_level = "advisory"
  condition         = git.pr > 0
  error_message     = "x"
}
check "bad-message" {
  enforcement_level = "soft-mandatory"
  condition         = false
  error_message     = "PR ${git.pr}"
}
`

func TestCheckLevels(t *testing.T) {
	p := loadReal(t, checksPolicy)
	facts := Facts{
		Git:  &Git{Branch: "main"},
		Lint: &Lint{Errors: 2, Warnings: 3},
		Push: &Push{Repository: "ghcr.io/acme/web", Tags: []string{"1.2.3", "latest"}},
	}
	cases := []struct {
		name      string
		overrides []string
		want      string // status of each check, in order
		blocks    bool
	}{
		// bad-message's error_message cannot be evaluated: an error, whatever
		// the level and the overrides (fail closed).
		{"no overrides", nil, "warn fail fail pass error error", true},
		{"soft overridden", []string{"soft", "bad-message"}, "warn overridden fail pass error error", true},
		{"hard cannot be overridden", []string{"hard"}, "warn fail fail pass error error", true},
		{"advisory override is harmless", []string{"advice"}, "warn fail fail pass error error", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			results, err := p.CheckResults(facts, c.overrides)
			var ee *EvalError
			if !errors.As(err, &ee) || ee.Rule.Name != "broken" || ee.Count != 2 {
				t.Fatalf("want the evaluation errors of broken and bad-message, got %v", err)
			}
			var got []string
			for _, r := range results {
				got = append(got, string(r.Status))
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("statuses %v, want %s", got, c.want)
			}
			if ChecksBlock(results) != c.blocks {
				t.Errorf("blocks: %v", ChecksBlock(results))
			}
		})
	}

	results, _ := p.CheckResults(facts, []string{"hard"})
	byName := map[string]CheckResult{}
	for _, r := range results {
		byName[r.Rule.Name] = r
	}
	if r := byName["advice"]; r.Message != "3 lint warnings" || r.Level != Advisory || r.Blocks() || !strings.Contains(r.Reason, "lint.warnings = 3") {
		t.Errorf("advice: %+v", r)
	}
	if r := byName["hard"]; r.Message != "fix 2 lint errors before pushing" || !strings.Contains(r.Reason, "an override has no effect") || r.Rule.Location() != "hoist.hcl:12" {
		t.Errorf("hard: %+v", r)
	}
	if r := byName["soft"]; r.Message != "pushing latest from main" || !strings.Contains(r.Reason, "--override soft") {
		t.Errorf("soft: %+v", r)
	}
	if r := byName["fine"]; r.Message != "" || r.Status != CheckPass {
		t.Errorf("fine: %+v", r)
	}
	if r := byName["broken"]; r.Err == nil || r.Err.Attr != "condition" || !r.Blocks() {
		t.Errorf("broken: an advisory check that cannot be evaluated still blocks: %+v", r)
	}
	if r := byName["bad-message"]; r.Err == nil || r.Err.Attr != "error_message" || !strings.Contains(r.Message, "cannot be evaluated") {
		t.Errorf("bad-message: %+v", r)
	}
}

func TestCheckOverrideErrors(t *testing.T) {
	p := loadReal(t, checksPolicy)
	_, err := p.CheckResults(Facts{}, []string{"sfot"})
	if err == nil || !strings.Contains(err.Error(), `override "sfot": the policy has no check of that name (its soft-mandatory checks are soft, bad-message). Did you mean "soft"?`) {
		t.Errorf("misspelt override: %v", err)
	}
	if _, err := (*Policy)(nil).CheckResults(Facts{}, []string{"x"}); err == nil || !strings.Contains(err.Error(), "no check rules") {
		t.Errorf("override without checks: %v", err)
	}
	if res, err := (*Policy)(nil).CheckResults(Facts{}, nil); err != nil || res != nil {
		t.Errorf("nil policy: %v %v", res, err)
	}
}

// DESIGN.md §4.6's checks, with error_message evaluated with the facts.
func TestCheckDesignExample(t *testing.T) {
	p := loadDesign(t)
	pre := Facts{
		Git:  &Git{Tag: "v2.0.0-rc.1"},
		Lint: &Lint{},
		Push: &Push{Tags: []string{"2.0.0-rc.1", "latest"}},
	}
	results, err := p.CheckResults(pre, nil)
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Status != CheckFail || results[0].Message != "a prerelease (v2.0.0-rc.1) must never be tagged latest" {
		t.Errorf("no-latest-from-prerelease: %+v", results[0])
	}
	if results[1].Status != CheckPass {
		t.Errorf("lint-clean: %+v", results[1])
	}
	// Lint not run: lint.errors is null, null == 0 is false: the check
	// fails rather than pass on a fact nobody knows.
	results, err = p.CheckResults(Facts{Git: &Git{Tag: "v2.0.0"}, Push: &Push{Tags: []string{"2.0.0", "latest"}}}, nil)
	if err != nil || results[0].Status != CheckPass || results[1].Status != CheckFail {
		t.Errorf("without lint facts: %v %+v", err, results)
	}
}

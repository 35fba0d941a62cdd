package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// realOptions loads with the real functions and fact types, as hoist does.
func realOptions() LoadOptions {
	return LoadOptions{Functions: Functions(), FactTypes: FactTypes()}
}

// loadReal loads one source named hoist.hcl with the real functions; it
// must load without diagnostics.
func loadReal(t *testing.T, src string) *Policy {
	t.Helper()
	return mustLoad(t, src, realOptions())
}

// loadDesign loads DESIGN.md §4.6's example policy.
func loadDesign(t *testing.T) *Policy {
	t.Helper()
	p, diags := Load([]string{"testdata/good/design.hcl"}, realOptions())
	if len(diags) > 0 {
		t.Fatalf("%s", render(diags, p.Files))
	}
	return p
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                            "0s",
		45 * time.Second:             "45s",
		90 * time.Minute:             "1h30m",
		36 * time.Hour:               "1d12h",
		14 * 24 * time.Hour:          "14d",
		24*time.Hour + 5*time.Minute: "1d",
		3*time.Hour + 20*time.Minute: "3h20m",
		-2 * time.Hour:               "-2h",
		20*24*time.Hour + 3*time.Hour + 7*time.Second: "20d3h",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestRuleRef(t *testing.T) {
	p := loadDesign(t)
	if got := p.Tags[0].Ref(); got != (RuleRef{Kind: "tag", Name: "release", Location: "testdata/good/design.hcl:20"}) {
		t.Errorf("ref: %+v", got)
	}
	if got := (Rule{}).Ref(); got != (RuleRef{Kind: "default", Location: "default"}) {
		t.Errorf("zero rule: %+v", got)
	}
}

// A policy that did not load evaluates nothing: every method fails.
func TestBrokenPolicyEvaluatesNothing(t *testing.T) {
	p, diags := loadString(t, `
tag "x" {
  when = true
  tags = ["a"]
}
prune "p" { match = true }
bogus {}
`, realOptions())
	if !diags.HasErrors() {
		t.Fatal("want load errors")
	}
	if _, err := p.TagSet(Facts{}); !errors.Is(err, ErrPolicyHasErrors) {
		t.Errorf("TagSet: %v", err)
	}
	if _, err := p.CheckResults(Facts{}, nil); !errors.Is(err, ErrPolicyHasErrors) {
		t.Errorf("CheckResults: %v", err)
	}
	if _, err := p.PruneDecisions([]Image{{Repository: "r", Tag: "a"}}, time.Now()); !errors.Is(err, ErrPolicyHasErrors) {
		t.Errorf("PruneDecisions: %v", err)
	}
}

func TestEvalErrorMessage(t *testing.T) {
	p := loadReal(t, `
tag "a" {
  when = git.pr > 3
  tags = ["x"]
}
tag "b" {
  tags = ["sha-${git.short_sha}"]
}
`)
	_, err := p.TagSet(Facts{Git: &Git{Branch: "main"}})
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Fatalf("want *EvalError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{`tag "a" (hoist.hcl:2): cannot evaluate when`, "(and 1 more failed evaluations)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if ee.Count != 2 || len(ee.Diags) != 2 {
		t.Errorf("count %d, diags %d", ee.Count, len(ee.Diags))
	}
	out := render(ee.Diags, p.Files)
	for _, want := range []string{"hoist.hcl:3:10: error:", "hoist.hcl:7:18: error:", "with git.short_sha = null"} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered diagnostics lack %q:\n%s", want, out)
		}
	}
}

package policy

// Evaluation: what a loaded policy decides for given facts.
//
// Three questions are asked of a policy, each by one method:
//
//	TagSet          which tags does this build get?            (tag rules)
//	CheckResults    may this push happen?                      (check rules)
//	PruneDecisions  which images go, which stay, and why?      (protect, prune, policy)
//
// Every answer is a list of decisions, one per rule (tags, checks) or image
// (prune), each carrying the Rule that made it (kind, name, file:line) and a
// reason in words, so that `hoist policy explain` can show every decision
// and the rule behind it. The methods never print.
//
// Evaluation fails closed. When a method returns an error, nothing may be
// pushed or deleted on the strength of its result; the result is still
// returned, as far as it got, to explain what happened. An *EvalError holds
// the HCL diagnostics to show with Render. The same facts always give the
// same decisions, in the same order: rules are taken in declaration order and
// images in a canonical order, and no map order leaks into a result.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// RuleRef is a Rule as results show it; it is the JSON form of a rule in
// hoist's output (stable: an API).
type RuleRef struct {
	Kind     string `json:"kind"`
	Name     string `json:"name,omitempty"`
	Location string `json:"location"`
}

// Ref gives the rule as results show it. The zero Rule (a decision no rule
// made, such as an image kept because no prune rule matches it) gives the
// kind "default".
func (r Rule) Ref() RuleRef {
	if r.Kind == "" {
		return RuleRef{Kind: "default", Location: "default"}
	}
	return RuleRef{Kind: r.Kind, Name: r.Name, Location: r.Location()}
}

// ErrPolicyHasErrors is returned by every evaluation of a policy that did not
// load without errors.
var ErrPolicyHasErrors = errors.New("the policy did not load without errors, so nothing it says can be evaluated: fix the errors (hoist policy check)")

// EvalError is an evaluation that failed. Diags are the HCL diagnostics of
// every failed evaluation (show them with Render and the Policy's Files, or
// DefaultPolicy's for the built-in rules); Rule and Attr name the first.
type EvalError struct {
	Rule Rule
	// Attr is the attribute whose evaluation failed: "when", "tags",
	// "condition", "error_message", "match" or "repository".
	Attr  string
	Diags hcl.Diagnostics
	// Count is the number of failed evaluations (at least 1).
	Count int
}

func (e *EvalError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): cannot evaluate %s", e.Rule, e.Rule.Location(), e.Attr)
	for _, d := range e.Diags {
		if d.Severity == hcl.DiagError {
			fmt.Fprintf(&b, ": %s", d.Summary)
			if d.Detail != "" {
				fmt.Fprintf(&b, ": %s", strings.TrimSuffix(d.Detail, "."))
			}
			break
		}
	}
	if e.Count > 1 {
		fmt.Fprintf(&b, " (and %d more failed evaluations)", e.Count-1)
	}
	return b.String()
}

// joinEvalErrors merges the failures of one evaluation into one error, nil
// when there is none.
func joinEvalErrors(errs []*EvalError) error {
	if len(errs) == 0 {
		return nil
	}
	out := &EvalError{Rule: errs[0].Rule, Attr: errs[0].Attr}
	for _, e := range errs {
		out.Diags = append(out.Diags, e.Diags...)
		out.Count += max(e.Count, 1)
	}
	out.Diags = dedupDiags(out.Diags)
	return out
}

// evalError makes the EvalError of one failed evaluation.
func evalError(r Rule, attr string, diags hcl.Diagnostics) *EvalError {
	return &EvalError{Rule: r, Attr: attr, Diags: diags, Count: 1}
}

// usable says whether the policy can be evaluated.
func (p *Policy) usable() error {
	if p != nil && p.broken {
		return ErrPolicyHasErrors
	}
	return nil
}

// valuesUsed lists "name = value" for the variables an expression refers
// to, as they are in the scope (for reasons: `when is false (git.pr =
// null)`).
func (s *Scope) valuesUsed(expr hcl.Expression) string {
	if expr == nil {
		return ""
	}
	vals := exprValues(&hcl.Diagnostic{Expression: expr, EvalContext: s.ctx()})
	if len(vals) == 0 {
		return ""
	}
	return " (" + strings.Join(vals, ", ") + ")"
}

// FormatDuration writes a duration the way a policy does, with its two
// largest units: "14d", "36h" is "1d12h", "3h20m", "45s". Negative
// durations get a "-".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + FormatDuration(-d)
	}
	units := []struct {
		name string
		d    time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	var b strings.Builder
	parts := 0
	for _, u := range units {
		if parts == 2 {
			break
		}
		n := d / u.d
		if n == 0 {
			if parts > 0 {
				parts++ // "1d" not "1d5m": only adjacent units
			}
			continue
		}
		fmt.Fprintf(&b, "%d%s", n, u.name)
		d -= n * u.d
		parts++
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}

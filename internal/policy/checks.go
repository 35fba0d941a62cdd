package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// CheckStatus is the outcome of one check.
type CheckStatus string

const (
	// CheckPass: the condition holds.
	CheckPass CheckStatus = "pass"
	// CheckWarn: an advisory check's condition is false; the push goes on.
	CheckWarn CheckStatus = "warn"
	// CheckOverridden: a soft-mandatory check's condition is false and its
	// name was given as an override; the push goes on.
	CheckOverridden CheckStatus = "overridden"
	// CheckFail: a hard-mandatory check's condition is false, or a
	// soft-mandatory one's and it was not overridden; the push is refused.
	CheckFail CheckStatus = "fail"
	// CheckError: the check could not be evaluated; the push is refused
	// whatever the level (fail closed), and no override lets it through.
	CheckError CheckStatus = "error"
)

// CheckResult is the decision of one check rule.
type CheckResult struct {
	Rule  Rule
	Level EnforcementLevel
	// Status is the outcome.
	Status CheckStatus
	// Message is the check's error_message, evaluated with the facts, when
	// the condition is false ("" when it holds).
	Message string
	// Reason says why, in words, with the values of the facts the condition
	// used.
	Reason string
	// Err is set when the condition (or, for a failed check, the
	// error_message) could not be evaluated.
	Err *EvalError
}

// Blocks reports whether the result refuses the push.
func (c CheckResult) Blocks() bool { return c.Status == CheckFail || c.Status == CheckError }

// ChecksBlock reports whether any of the results refuses the push.
func ChecksBlock(results []CheckResult) bool {
	for _, r := range results {
		if r.Blocks() {
			return true
		}
	}
	return false
}

// CheckResults evaluates every check rule, in declaration order, against the
// facts (typically git, registry, lint and the push about to happen):
// an advisory check whose condition is false warns; a soft-mandatory one
// fails unless its name is in overrides; a hard-mandatory one fails (an
// override of it has no effect, and the result says so). A check that
// cannot be evaluated fails whatever its level: that is never a pass.
//
// An override that names no check of the policy is an error (nothing is
// evaluated): a misspelt override must not go unnoticed. When a check
// could not be evaluated the results come with an *EvalError. A nil policy
// has no checks.
func (p *Policy) CheckResults(f Facts, overrides []string) ([]CheckResult, error) {
	if err := p.usable(); err != nil {
		return nil, err
	}
	var checks []*CheckRule
	if p != nil {
		checks = p.Checks
	}
	names := map[string]*CheckRule{}
	for _, c := range checks {
		names[c.Name] = c
	}
	over := map[string]bool{}
	for _, o := range overrides {
		if _, ok := names[o]; !ok {
			return nil, unknownOverride(o, checks)
		}
		over[o] = true
	}
	if len(checks) == 0 {
		return nil, nil
	}

	s := p.NewScope(f.Variables())
	var errs []*EvalError
	results := make([]CheckResult, 0, len(checks))
	for _, c := range checks {
		r := evalCheck(s, c, over[c.Name])
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
		results = append(results, r)
	}
	return results, joinEvalErrors(errs)
}

func evalCheck(s *Scope, c *CheckRule, overridden bool) CheckResult {
	r := CheckResult{Rule: c.Rule, Level: c.Level}
	v, diags := s.Eval(c.Condition, cty.Bool)
	if diags.HasErrors() {
		r.Status = CheckError
		r.Err = evalError(c.Rule, "condition", diags)
		r.Reason = "the condition cannot be evaluated: a check that cannot be evaluated fails, whatever its level"
		return r
	}
	values := s.valuesUsed(c.Condition)
	if v.True() {
		r.Status = CheckPass
		r.Reason = "the condition holds" + values
		if overridden && c.Level == SoftMandatory {
			r.Reason += "; the override was not needed"
		}
		return r
	}

	msg, mdiags := s.Eval(c.ErrorMessage, cty.String)
	if mdiags.HasErrors() {
		// Fail closed, whatever the level: the same as a condition that
		// cannot be evaluated.
		r.Status = CheckError
		r.Err = evalError(c.Rule, "error_message", mdiags)
		r.Message = fmt.Sprintf("check %q failed (its error_message cannot be evaluated)", c.Name)
		r.Reason = "the condition is false" + values + " and the error_message cannot be evaluated: a check that cannot be evaluated fails, whatever its level"
		return r
	}
	r.Message = msg.AsString()
	r.Reason = "the condition is false" + values
	switch c.Level {
	case Advisory:
		r.Status = CheckWarn
		r.Reason += "; advisory: a warning only"
	case SoftMandatory:
		if overridden {
			r.Status = CheckOverridden
			r.Reason += "; soft-mandatory, overridden"
		} else {
			r.Status = CheckFail
			r.Reason += fmt.Sprintf("; soft-mandatory: fails unless overridden (--override %s)", c.Name)
		}
	default:
		r.Status = CheckFail
		r.Reason += "; hard-mandatory: always fails"
		if overridden {
			r.Reason += " (an override has no effect)"
		}
	}
	return r
}

func unknownOverride(name string, checks []*CheckRule) error {
	if len(checks) == 0 {
		return fmt.Errorf("override %q: the policy has no check rules", name)
	}
	var soft, all []string
	for _, c := range checks {
		all = append(all, c.Name)
		if c.Level == SoftMandatory {
			soft = append(soft, c.Name)
		}
	}
	sort.Strings(all)
	hint := "it has no soft-mandatory check"
	if len(soft) > 0 {
		hint = "its soft-mandatory checks are " + strings.Join(soft, ", ")
	}
	return fmt.Errorf("override %q: the policy has no check of that name (%s).%s", name, hint, suggest(name, all))
}

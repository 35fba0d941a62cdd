package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Tag is one tag of a tag set with the rules that added it, in rule order.
type Tag struct {
	Name  string
	Rules []Rule
}

// TagRuleResult is what one tag rule did for the facts.
type TagRuleResult struct {
	Rule Rule
	// Fired: the rule's when holds (or it has none), so its tags were added.
	Fired bool
	// Reason says why, with the values of the facts `when` used:
	// `when holds (git.pr = 12)`, `when is false (git.pr = null)`.
	Reason string
	// Tags are the tags the rule added, sanitized, without repeats, in the
	// rule's order; nil when it did not fire.
	Tags []string
	// Err is set when the rule could not be evaluated.
	Err *EvalError
}

// TagResult is the tag set for some facts, with every tag rule's decision.
type TagResult struct {
	// Tags are the tags to push, in order of first appearance (rules in
	// declaration order, each rule's tags in its order), each once.
	Tags []Tag
	// Rules has one entry per tag rule, fired or not, in declaration order.
	Rules []TagRuleResult
	// Defaults: the policy is nil or has no tag rule, so the built-in rules
	// of DefaultPolicy decided (their locations are default.hcl:N).
	Defaults bool
	// Files are the sources of the rules that decided, for Render: the
	// policy's, or DefaultPolicy's when Defaults.
	Files map[string]*hcl.File
}

// Names are the tags to push.
func (r TagResult) Names() []string {
	out := make([]string, len(r.Tags))
	for i, t := range r.Tags {
		out[i] = t.Name
	}
	return out
}

// ErrNoTag is returned (wrapped) by TagSet when no tag rule adds a tag:
// hoist never pushes an image without a tag.
var ErrNoTag = errors.New("this event yields no tag")

// TagSet computes the tags for the facts: every tag rule whose when holds
// (a rule without when always does) adds its tags, each passed through
// SanitizeTag (a tag that cannot be made valid is an evaluation error);
// repeats are merged and remember every rule that added them. A nil policy,
// or one without tag rules, uses the tag rules of DefaultPolicy.
//
// It fails closed: an error from any rule fails the whole set (err is an
// *EvalError), and a set without any tag is an error wrapping ErrNoTag. On
// error the result has no Tags, only the Rules' decisions for explaining.
func (p *Policy) TagSet(f Facts) (TagResult, error) {
	if err := p.usable(); err != nil {
		return TagResult{}, err
	}
	src := p
	res := TagResult{}
	if p == nil || len(p.Tags) == 0 {
		src = DefaultPolicy()
		res.Defaults = true
	}
	res.Files = src.Files
	s := src.NewScope(f.Variables())

	var errs []*EvalError
	for _, r := range src.Tags {
		rr := evalTagRule(s, r)
		if rr.Err != nil {
			errs = append(errs, rr.Err)
		}
		res.Rules = append(res.Rules, rr)
	}
	if err := joinEvalErrors(errs); err != nil {
		return res, err
	}

	index := map[string]int{}
	for _, rr := range res.Rules {
		for _, t := range rr.Tags {
			i, seen := index[t]
			if !seen {
				i = len(res.Tags)
				index[t] = i
				res.Tags = append(res.Tags, Tag{Name: t})
			}
			res.Tags[i].Rules = append(res.Tags[i].Rules, rr.Rule)
		}
	}
	if len(res.Tags) == 0 {
		return res, noTagError(res, f)
	}
	return res, nil
}

// evalTagRule evaluates one tag rule.
func evalTagRule(s *Scope, r *TagRule) TagRuleResult {
	rr := TagRuleResult{Rule: r.Rule}
	if r.When == nil {
		rr.Reason = "no when: always applies"
	} else {
		v, diags := s.Eval(r.When, cty.Bool)
		if diags.HasErrors() {
			rr.Err = evalError(r.Rule, "when", diags)
			rr.Reason = "when cannot be evaluated"
			return rr
		}
		if v.False() {
			rr.Reason = "when is false" + s.valuesUsed(r.When)
			return rr
		}
		rr.Reason = "when holds" + s.valuesUsed(r.When)
	}
	v, diags := s.Eval(r.Tags, cty.List(cty.String))
	if diags.HasErrors() {
		rr.Err = evalError(r.Rule, "tags", diags)
		rr.Reason += ", but tags cannot be evaluated"
		return rr
	}
	var sanitized []string
	for i, e := range v.AsValueSlice() {
		fail := func(summary, detail string) TagRuleResult {
			rng := elemRange(r.Tags, cty.IndexIntPath(i))
			rr.Err = evalError(r.Rule, "tags", hcl.Diagnostics{{
				Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &rng,
				Expression: r.Tags, EvalContext: s.ctx(),
			}})
			rr.Reason += ", but a tag is invalid"
			return rr
		}
		if e.IsNull() {
			return fail("Invalid tag", fmt.Sprintf("Element %d of the tags is null.", i))
		}
		t, err := SanitizeTag(e.AsString())
		if err != nil {
			return fail("Invalid tag", upperFirst(err.Error())+".")
		}
		if t != e.AsString() {
			sanitized = append(sanitized, fmt.Sprintf("%q to %q", e.AsString(), t))
		}
		if !contains(rr.Tags, t) {
			rr.Tags = append(rr.Tags, t)
		}
	}
	rr.Fired = true
	if len(rr.Tags) == 0 {
		rr.Reason += ", but its tags are empty"
	}
	if len(sanitized) > 0 {
		rr.Reason += "; sanitized " + strings.Join(sanitized, ", ")
	}
	return rr
}

// noTagError says that no rule gave a tag, and which facts were known.
func noTagError(res TagResult, f Facts) error {
	var known []string
	if g := f.Git; g != nil {
		for _, kv := range []struct{ name, val string }{
			{"git.tag", g.Tag}, {"git.branch", g.Branch}, {"git.sha", g.SHA}, {"git.event", g.Event},
		} {
			if kv.val != "" {
				known = append(known, fmt.Sprintf("%s = %q", kv.name, kv.val))
			}
		}
		if g.PR != 0 {
			known = append(known, fmt.Sprintf("git.pr = %d", g.PR))
		}
	}
	facts := "no git facts are known"
	if len(known) > 0 {
		facts = "with " + strings.Join(known, ", ")
	}
	where := "no tag rule of the policy adds a tag"
	if res.Defaults {
		where = "no built-in tag rule adds a tag"
	}
	return fmt.Errorf("%w: %s (%s), and hoist never pushes an image without a tag; add a tag rule that fires for this event, or give the missing facts", ErrNoTag, where, facts)
}

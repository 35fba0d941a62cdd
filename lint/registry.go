package lint

import (
	"fmt"
	"sort"
)

// Registry is a set of rules, looked up by ID, name or alias (case-insensitive).
type Registry struct {
	rules []*Rule
	byKey map[string][]*Rule
}

// NewRegistry indexes rules. Two rules with the same ID or name are a
// programming error; an alias may be shared (BuildKit's
// MultipleInstructionsDisallowed covers several hadolint rules).
func NewRegistry(rules ...*Rule) (*Registry, error) {
	r := &Registry{byKey: map[string][]*Rule{}}
	sorted := append([]*Rule(nil), rules...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, rule := range sorted {
		for _, k := range []string{rule.ID, rule.Name} {
			if prev := r.byKey[normName(k)]; len(prev) > 0 {
				return nil, fmt.Errorf("rule %s: %q already used by %s", rule.ID, k, prev[0].ID)
			}
		}
		if rule.Run == nil {
			return nil, fmt.Errorf("rule %s has no Run function", rule.ID)
		}
		for _, k := range rule.Names() {
			k = normName(k)
			if !containsRule(r.byKey[k], rule) {
				r.byKey[k] = append(r.byKey[k], rule)
			}
		}
	}
	r.rules = sorted
	return r, nil
}

func containsRule(rs []*Rule, r *Rule) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// All returns the rules sorted by ID.
func (r *Registry) All() []*Rule { return r.rules }

// Lookup returns the rules a name refers to: one for an ID or name, possibly
// several for a shared alias, none when unknown.
func (r *Registry) Lookup(name string) []*Rule { return r.byKey[normName(name)] }

// Get returns the rule with the given ID or name, or nil.
func (r *Registry) Get(name string) *Rule {
	rs := r.Lookup(name)
	if len(rs) == 0 {
		return nil
	}
	return rs[0]
}

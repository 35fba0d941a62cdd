// Package rules holds hoist's lint rules, one file per rule with its
// testdata in testdata/<ID>/. Each file registers its rule; All returns them.
package rules

import (
	"sort"
	"sync"

	"github.com/hoistci/hoist/lint"
)

var (
	all      []*lint.Rule
	regOnce  sync.Once
	registry *lint.Registry
)

// register adds a rule to All; every rule file calls it for its rule.
func register(r *lint.Rule) *lint.Rule {
	all = append(all, r)
	return r
}

func init() {
	register(lint.ParseErrorRule)
	register(lint.UnknownRuleRule)
}

// All returns every rule, sorted by ID.
func All() []*lint.Rule {
	out := append([]*lint.Rule(nil), all...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Registry returns the registry of all rules.
func Registry() *lint.Registry {
	regOnce.Do(func() {
		r, err := lint.NewRegistry(all...)
		if err != nil {
			panic(err) // a duplicate ID or name is a programming error, caught by tests
		}
		registry = r
	})
	return registry
}

package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// localValues collects the locals blocks, checks their references, reports
// cycles, evaluates the static locals and type-checks the others.
func (l *loader) localValues(blocks []*hcl.Block) {
	for _, b := range blocks {
		attrs, diags := b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
		list := make([]*hcl.Attribute, 0, len(attrs))
		for _, a := range attrs {
			list = append(list, a)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Range.Start.Byte < list[j].Range.Start.Byte })
		for _, a := range list {
			if !hclsyntax.ValidIdentifier(a.Name) {
				l.errorf(a.NameRange.Ptr(), "Invalid name",
					"%q is not a valid local value name: a name starts with a letter or underscore and has only letters, digits, underscores and dashes.", a.Name)
				continue
			}
			if prev, dup := l.p.locals[a.Name]; dup {
				d := l.errorf(a.NameRange.Ptr(), "Duplicate local value",
					"A local value named %q was already defined at %s. Local value names must be unique across all locals blocks and files of the policy.",
					a.Name, rangeString(prev.nameRange))
				d.Extra = &Related{Notes: []Note{{Message: "first defined here", Subject: prev.nameRange}}}
				continue
			}
			loc := &Local{Name: a.Name, Expr: a.Expr, Range: a.Range, nameRange: a.NameRange}
			l.p.locals[a.Name] = loc
			l.p.Locals = append(l.p.Locals, loc)
		}
	}

	// direct references
	broken := map[string]bool{}
	direct := map[string][]string{}    // local -> facts it uses itself
	refAt := map[[2]string]hcl.Range{} // (from, to) -> first reference
	for _, loc := range l.p.Locals {
		refs, facts, ok := l.refs(loc.Expr, refDynamic, "local."+loc.Name)
		if !ok {
			broken[loc.Name] = true
		}
		direct[loc.Name] = facts
		for _, r := range refs {
			key := [2]string{loc.Name, r.name}
			if _, seen := refAt[key]; !seen {
				refAt[key] = r.rng
				loc.deps = append(loc.deps, r.name)
			}
		}
	}

	for _, cycle := range l.localCycles() {
		names := make([]string, 0, len(cycle)+1)
		for _, n := range cycle {
			names = append(names, "local."+n)
			broken[n] = true
		}
		names = append(names, "local."+cycle[0])
		var notes []Note
		for i := 1; i < len(cycle); i++ {
			from, to := cycle[i], cycle[(i+1)%len(cycle)]
			notes = append(notes, Note{Message: fmt.Sprintf("local.%s refers to local.%s here", from, to), Subject: refAt[[2]string{from, to}]})
		}
		first := refAt[[2]string{cycle[0], cycle[1%len(cycle)]}]
		d := l.errorf(first.Ptr(), "Cycle in local values",
			"These local values refer to each other in a circle: %s. A local value cannot depend on itself.",
			strings.Join(names, " → "))
		if len(notes) > 0 {
			d.Extra = &Related{Notes: notes}
		}
	}

	order := l.localOrder()
	for i, loc := range order {
		loc.order = i
		facts := map[string]bool{}
		for _, f := range direct[loc.Name] {
			facts[f] = true
		}
		for _, dep := range loc.deps {
			if broken[dep] {
				broken[loc.Name] = true
			}
			for _, f := range l.p.locals[dep].Facts {
				facts[f] = true
			}
		}
		loc.Facts = sortedKeys(facts)
		if broken[loc.Name] {
			// unknown: whatever uses it is skipped instead of reporting
			// errors that only follow from this one
			if loc.Static() {
				loc.Value = cty.DynamicVal
			} else {
				loc.check = cty.DynamicVal
			}
			continue
		}
		if loc.Static() {
			val, diags := loc.Expr.Value(l.staticCtx())
			l.diags = append(l.diags, diags...)
			if diags.HasErrors() {
				val = cty.DynamicVal
			}
			loc.Value = val
			continue
		}
		val, diags := loc.Expr.Value(l.checkCtx())
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			val = cty.DynamicVal
		}
		loc.check = val
	}
}

// localOrder sorts the locals so that each comes after the locals it uses
// (ignoring the edges that close a cycle); ties keep declaration order.
func (l *loader) localOrder() []*Local {
	var order []*Local
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(loc *Local)
	visit = func(loc *Local) {
		if state[loc.Name] != 0 {
			return
		}
		state[loc.Name] = 1
		for _, d := range loc.deps {
			visit(l.p.locals[d])
		}
		state[loc.Name] = 2
		order = append(order, loc)
	}
	for _, loc := range l.p.Locals {
		visit(loc)
	}
	return order
}

// localCycles finds the strongly connected components of the locals graph
// (Tarjan) and returns one cycle per component that has one, starting at
// its first-declared member.
func (l *loader) localCycles() [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var sccs [][]string
	next := 0
	var strong func(n string)
	strong = func(n string) {
		index[n], low[n] = next, next
		next++
		stack = append(stack, n)
		onStack[n] = true
		for _, d := range l.p.locals[n].deps {
			if _, seen := index[d]; !seen {
				strong(d)
				low[n] = min(low[n], low[d])
			} else if onStack[d] {
				low[n] = min(low[n], index[d])
			}
		}
		if low[n] == index[n] {
			var scc []string
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[top] = false
				scc = append(scc, top)
				if top == n {
					break
				}
			}
			sccs = append(sccs, scc)
		}
	}
	decl := map[string]int{}
	for i, loc := range l.p.Locals {
		decl[loc.Name] = i
	}
	for _, loc := range l.p.Locals {
		if _, seen := index[loc.Name]; !seen {
			strong(loc.Name)
		}
	}

	var cycles [][]string
	for _, scc := range sccs {
		in := map[string]bool{}
		for _, n := range scc {
			in[n] = true
		}
		start := scc[0]
		for _, n := range scc {
			if decl[n] < decl[start] {
				start = n
			}
		}
		if len(scc) == 1 && !contains(l.p.locals[start].deps, start) {
			continue
		}
		cycles = append(cycles, l.shortestCycle(start, in))
	}
	sort.Slice(cycles, func(i, j int) bool { return decl[cycles[i][0]] < decl[cycles[j][0]] })
	return cycles
}

// shortestCycle finds a shortest path from start back to itself inside one
// component (breadth first, dependencies in order of appearance).
func (l *loader) shortestCycle(start string, in map[string]bool) []string {
	prev := map[string]string{}
	queue := []string{start}
	seen := map[string]bool{}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, d := range l.p.locals[n].deps {
			if !in[d] {
				continue
			}
			if d == start {
				path := []string{n}
				for path[0] != start {
					path = append([]string{prev[path[0]]}, path...)
				}
				return path
			}
			if !seen[d] {
				seen[d] = true
				prev[d] = n
				queue = append(queue, d)
			}
		}
	}
	return []string{start} // not reached: start is in a cycle
}

// Scope evaluates a policy's expressions against one set of facts. Locals
// that use facts are evaluated when an expression needs them, at most once
// per Scope; a local that fails makes every expression that uses it fail
// with the same diagnostics, and leaves the others alone.
//
// A Scope is not safe for concurrent use; make one per fact set (they are
// cheap).
type Scope struct {
	p      *Policy
	vars   map[string]cty.Value // var and the facts
	locals map[string]cty.Value // static locals, then the evaluated others
	failed map[string]hcl.Diagnostics
}

// NewScope makes a Scope for the facts: git, registry, ... as cty values of
// the types given in LoadOptions.FactTypes (Facts.Variables gives them). A
// missing fact is an object of null attributes (or a null value): unknown
// facts are null, never made up.
func (p *Policy) NewScope(facts map[string]cty.Value) *Scope {
	s := &Scope{
		p:      p,
		vars:   map[string]cty.Value{"var": p.vars},
		locals: map[string]cty.Value{},
		failed: map[string]hcl.Diagnostics{},
	}
	if p.vars == cty.NilVal {
		s.vars["var"] = cty.EmptyObjectVal
	}
	for name, ty := range p.facts {
		if v, ok := facts[name]; ok {
			s.vars[name] = v
		} else {
			s.vars[name] = nullFact(ty)
		}
	}
	for _, loc := range p.Locals {
		if loc.Static() && loc.Value != cty.NilVal {
			s.locals[loc.Name] = loc.Value
		}
	}
	return s
}

// nullFact is an absent fact: an object with every attribute null, or null.
func nullFact(ty cty.Type) cty.Value {
	if ty.IsObjectType() {
		attrs := map[string]cty.Value{}
		for name, at := range ty.AttributeTypes() {
			attrs[name] = cty.NullVal(at)
		}
		return cty.ObjectVal(attrs)
	}
	return cty.NullVal(ty)
}

func (s *Scope) ctx() *hcl.EvalContext {
	vars := make(map[string]cty.Value, len(s.vars)+1)
	for k, v := range s.vars {
		vars[k] = v
	}
	vars["local"] = cty.ObjectVal(s.locals)
	return &hcl.EvalContext{Variables: vars, Functions: s.p.functions}
}

// Eval evaluates an expression of the policy and converts the result to
// want (cty.DynamicPseudoType: no conversion). With any other want, a null
// or unknown result is an error: an evaluation that fails must fail closed,
// and the diagnostics say why (with the values of the facts the expression
// used).
func (s *Scope) Eval(expr hcl.Expression, want cty.Type) (cty.Value, hcl.Diagnostics) {
	if expr == nil {
		return cty.NilVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Nothing to evaluate", Detail: "The expression is missing."}}
	}
	if s.p.broken {
		return cty.NilVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Policy has errors",
			Detail:   "The policy did not load without errors, so nothing it says can be evaluated. Fix the errors reported when it was loaded (hoist policy check).",
			Subject:  expr.Range().Ptr(),
		}}
	}
	if diags := s.need(localsUsed(expr)); diags.HasErrors() {
		return cty.NilVal, diags
	}
	ctx := s.ctx()
	val, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return checkResult(val, want, expr, ctx, diags)
}

// Local evaluates a local value in this scope.
func (s *Scope) Local(name string) (cty.Value, hcl.Diagnostics) {
	loc, ok := s.p.locals[name]
	if !ok {
		return cty.NilVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such local value", Detail: fmt.Sprintf("The policy declares no local value %q.", name)}}
	}
	if s.p.broken {
		return cty.NilVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Policy has errors", Detail: "The policy did not load without errors.", Subject: loc.Range.Ptr()}}
	}
	if diags := s.need([]string{name}); diags.HasErrors() {
		return cty.NilVal, diags
	}
	return s.locals[name], nil
}

func checkResult(val cty.Value, want cty.Type, expr hcl.Expression, ctx *hcl.EvalContext, diags hcl.Diagnostics) (cty.Value, hcl.Diagnostics) {
	fail := func(summary, format string, args ...any) (cty.Value, hcl.Diagnostics) {
		return cty.NilVal, append(diags, &hcl.Diagnostic{
			Severity:    hcl.DiagError,
			Summary:     summary,
			Detail:      fmt.Sprintf(format, args...),
			Subject:     expr.Range().Ptr(),
			Expression:  expr,
			EvalContext: ctx,
		})
	}
	if want == cty.DynamicPseudoType {
		return val, diags
	}
	if !val.IsWhollyKnown() {
		return fail("Value not known", "The result depends on a value that is not known; a %s is required.", want.FriendlyName())
	}
	if val.IsNull() {
		return fail("Null value", "The result is null; a %s is required.", want.FriendlyName())
	}
	out, err := convert.Convert(val, want)
	if err != nil {
		return fail("Incorrect value type", "The result is not suitable: %s.", pathErrorString(err))
	}
	return out, diags
}

// localsUsed are the locals an expression refers to directly.
func localsUsed(expr hcl.Expression) []string {
	var names []string
	for _, t := range expr.Variables() {
		if t.RootName() != "local" {
			continue
		}
		if name, ok := stepName(t); ok && !contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// need evaluates the locals (and what they use) not evaluated yet.
func (s *Scope) need(names []string) hcl.Diagnostics {
	all := map[string]bool{}
	var add func(n string)
	add = func(n string) {
		loc, ok := s.p.locals[n]
		if !ok || all[n] {
			return
		}
		all[n] = true
		for _, d := range loc.deps {
			add(d)
		}
	}
	for _, n := range names {
		add(n)
	}
	list := make([]*Local, 0, len(all))
	for n := range all {
		list = append(list, s.p.locals[n])
	}
	sort.Slice(list, func(i, j int) bool { return list[i].order < list[j].order })

	var diags hcl.Diagnostics
	for _, loc := range list {
		if _, done := s.locals[loc.Name]; done {
			continue
		}
		if d, failed := s.failed[loc.Name]; failed {
			diags = append(diags, d...)
			continue
		}
		var depDiags hcl.Diagnostics
		for _, d := range loc.deps {
			depDiags = append(depDiags, s.failed[d]...)
		}
		if depDiags.HasErrors() {
			s.failed[loc.Name] = depDiags
			continue // the dependency's diagnostics are already in diags
		}
		ctx := s.ctx()
		val, d := loc.Expr.Value(ctx)
		if !d.HasErrors() {
			val, d = checkResult(val, cty.DynamicPseudoType, loc.Expr, ctx, d)
			if !val.IsWhollyKnown() {
				d = append(d, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Value not known",
					Detail:  fmt.Sprintf("local.%s depends on a value that is not known.", loc.Name),
					Subject: loc.Expr.Range().Ptr(), Expression: loc.Expr, EvalContext: ctx,
				})
			}
		}
		if d.HasErrors() {
			s.failed[loc.Name] = d
			diags = append(diags, d...)
			continue
		}
		s.locals[loc.Name] = val
	}
	return diags
}

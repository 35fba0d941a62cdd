package policy

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// EnvPrefix is the prefix of the environment variables that set policy
// variables: HOIST_VAR_registry sets var.registry.
const EnvPrefix = "HOIST_VAR_"

// varState is what the loader knows about a variable beyond Variable.
type varState struct {
	defaults *typeexpr.Defaults
	broken   bool      // its type, default or a value is invalid: Value is unknown
	valueRng hcl.Range // where Value came from, for validation errors
	set      bool      // Value holds a value
}

// variables decodes the variable blocks, then gives each variable its value
// by precedence — default < HOIST_VAR_name < --var-file (in order) < --var —
// and checks the validation rules.
func (l *loader) variables(blocks []*hcl.Block) {
	states := map[string]*varState{}
	for _, block := range blocks {
		v, st := l.variableBlock(block)
		l.varDecls[v.Name] = v
		states[v.Name] = st
		l.p.Variables = append(l.p.Variables, v)
	}
	// Validation rules may refer to any variable: check them once all are
	// declared. A rule that refers to what it cannot is not run.
	for _, v := range l.p.Variables {
		var ok []*Validation
		for _, val := range v.Validations {
			_, _, okCond := l.refs(val.Condition, refVars, fmt.Sprintf("the validation condition of variable %q", v.Name))
			_, _, okMsg := l.refs(val.ErrorMessage, refVars, fmt.Sprintf("the validation error_message of variable %q", v.Name))
			if okCond && okMsg {
				ok = append(ok, val)
			}
		}
		v.Validations = ok
	}

	assign := func(v *Variable, val cty.Value, rng hcl.Range, source string) {
		st := states[v.Name]
		if val.IsNull() { // null means unset: the value below it stands
			return
		}
		if st.defaults != nil {
			val = st.defaults.Apply(val)
		}
		out, err := convert.Convert(val, v.Type)
		if err != nil {
			l.errorf(rng.Ptr(), "Invalid value for variable",
				"The value of var.%s from %s is not suitable: %s.", v.Name, source, pathErrorString(err))
			st.broken = true
			return
		}
		v.Value, v.Source, st.valueRng, st.set = out, source, rng, true
	}

	for _, v := range l.p.Variables {
		if v.Default != cty.NilVal && !states[v.Name].broken {
			v.Value, v.Source, states[v.Name].set = v.Default, "default", true
			states[v.Name].valueRng = v.defaultRng
		}
	}
	if l.opts.Env != nil {
		for _, v := range l.p.Variables {
			name := EnvPrefix + v.Name
			raw := l.opts.Env(name)
			if raw == "" {
				continue
			}
			if val, rng, ok := l.parseRaw(v, raw, "<"+name+">"); ok {
				assign(v, val, rng, name)
			} else {
				states[v.Name].broken = true
			}
		}
	}
	for _, path := range l.opts.VarFiles {
		for _, fv := range l.varFile(path) {
			assign(fv.v, fv.val, fv.rng, "--var-file "+path)
		}
	}
	for _, name := range sortedKeys(l.opts.Vars) {
		v, ok := l.varDecls[name]
		if !ok {
			l.errorf(nil, "Undeclared variable", "--var sets %q, but the policy declares no variable %q.%s",
				name, name, suggest(name, sortedKeys(l.varDecls)))
			continue
		}
		if val, rng, ok := l.parseRaw(v, l.opts.Vars[name], "<--var "+name+">"); ok {
			assign(v, val, rng, "--var")
		} else {
			states[name].broken = true
		}
	}

	vals := map[string]cty.Value{}
	for _, v := range l.p.Variables {
		st := states[v.Name]
		if !st.set && !st.broken {
			l.errorf(v.DeclRange.Ptr(), "No value for required variable",
				"The variable %q has no default and no value. Set it with --var %s=VALUE, in a --var-file, or with the environment variable %s%s.",
				v.Name, v.Name, EnvPrefix, v.Name)
			st.broken = true
		}
		if st.broken {
			v.Value, v.Source = cty.UnknownVal(v.Type), ""
		}
		vals[v.Name] = v.Value
	}
	l.p.vars = cty.ObjectVal(vals)

	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": l.p.vars}, Functions: l.opts.Functions}
	for _, v := range l.p.Variables {
		if states[v.Name].broken {
			continue
		}
		for _, val := range v.Validations {
			l.validate(v, val, ctx, states[v.Name].valueRng)
		}
	}
}

func (l *loader) variableBlock(block *hcl.Block) (*Variable, *varState) {
	b := l.decode(block, variableSpec)
	v := &Variable{Name: b.rule.Name, Type: cty.DynamicPseudoType, DeclRange: declRange(block)}
	st := &varState{}
	if attr, ok := b.content.Attributes["type"]; ok {
		ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(attr.Expr)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			st.broken = true
		} else {
			v.Type, st.defaults = ty, defaults
		}
	}
	constCtx := &hcl.EvalContext{Functions: l.opts.Functions}
	if attr, ok := b.content.Attributes["description"]; ok {
		what := fmt.Sprintf("the description of variable %q", v.Name)
		if _, _, ok := l.refs(attr.Expr, refNone, what); ok {
			val, diags := attr.Expr.Value(constCtx)
			l.diags = append(l.diags, diags...)
			if !diags.HasErrors() && val.IsWhollyKnown() && !val.IsNull() {
				if s, ok := l.convert(val, cty.String, attr.Expr, what); ok {
					v.Description = s.AsString()
				}
			}
		}
	}
	if attr, ok := b.content.Attributes["default"]; ok {
		what := fmt.Sprintf("the default of variable %q", v.Name)
		v.defaultRng = attr.Expr.Range()
		if _, _, ok := l.refs(attr.Expr, refNone, what); !ok {
			st.broken = true
		} else {
			val, diags := attr.Expr.Value(constCtx)
			l.diags = append(l.diags, diags...)
			switch {
			case diags.HasErrors():
				st.broken = true
			case val.IsNull():
				v.Default = cty.NullVal(v.Type)
			case !st.broken:
				if st.defaults != nil {
					val = st.defaults.Apply(val)
				}
				out, err := convert.Convert(val, v.Type)
				if err != nil {
					l.errorf(elemRange(attr.Expr, pathOf(err)).Ptr(), "Invalid default value for variable",
						"The default of variable %q does not match its type %s: %s.", v.Name, typeexpr.TypeString(v.Type), pathErrorString(err))
					st.broken = true
				} else {
					v.Default = out
				}
			}
		}
	}
	for _, vb := range b.content.Blocks {
		vd := l.decode(vb, validationSpec)
		val := &Validation{DeclRange: declRange(vb)}
		if attr, ok := vd.content.Attributes["condition"]; ok {
			val.Condition = attr.Expr
		}
		if attr, ok := vd.content.Attributes["error_message"]; ok {
			val.ErrorMessage = attr.Expr
		}
		if val.Condition != nil && val.ErrorMessage != nil {
			v.Validations = append(v.Validations, val)
		}
	}
	return v, st
}

// validate checks one validation rule against the variable's value.
func (l *loader) validate(v *Variable, val *Validation, ctx *hcl.EvalContext, valueRng hcl.Range) {
	cond, diags := val.Condition.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || !cond.IsKnown() {
		return
	}
	what := fmt.Sprintf("the validation condition of variable %q", v.Name)
	if cond.IsNull() {
		l.errorf(val.Condition.Range().Ptr(), "Invalid validation condition", "%s is null: it must be true or false.", upperFirst(what))
		return
	}
	cond, ok := l.convert(cond, cty.Bool, val.Condition, what)
	if !ok || cond.True() {
		return
	}
	msg := "The value is not valid."
	if m, diags := val.ErrorMessage.Value(ctx); !diags.HasErrors() && m.IsWhollyKnown() && !m.IsNull() {
		if s, err := convert.Convert(m, cty.String); err == nil {
			msg = strings.TrimSpace(s.AsString())
		}
	} else {
		l.diags = append(l.diags, diags...)
	}
	source := v.Source
	if source == "default" {
		source = "its default"
	}
	d := l.errorf(valueRng.Ptr(), "Invalid value for variable", "%s\n\nvar.%s from %s fails the validation rule at %s.",
		msg, v.Name, source, rangeString(val.Condition.Range()))
	d.Extra = &Related{Notes: []Note{{Message: "validation rule", Subject: val.Condition.Range()}}}
}

// parseRaw reads a value given as a string (--var, HOIST_VAR_name): taken
// literally for primitive and untyped variables, parsed as an HCL
// expression for the others. The string becomes a pseudo-file so that
// diagnostics can show it.
func (l *loader) parseRaw(v *Variable, raw, filename string) (cty.Value, hcl.Range, bool) {
	l.p.Files[filename] = &hcl.File{Bytes: []byte(raw)}
	l.p.fileOrder[filename] = len(l.p.fileOrder)
	if v.Type.IsPrimitiveType() || v.Type == cty.DynamicPseudoType {
		return cty.StringVal(raw), wholeRange(filename, raw), true
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), filename, hcl.InitialPos)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, hcl.Range{}, false
	}
	what := fmt.Sprintf("the value of var.%s", v.Name)
	if _, _, ok := l.refs(expr, refNone, what); !ok {
		return cty.NilVal, hcl.Range{}, false
	}
	val, diags := expr.Value(&hcl.EvalContext{})
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, hcl.Range{}, false
	}
	return val, expr.Range(), true
}

func wholeRange(filename, s string) hcl.Range {
	end := hcl.Pos{Line: 1 + strings.Count(s, "\n"), Byte: len(s)}
	end.Column = 1 + utf8.RuneCountInString(s[strings.LastIndexByte(s, '\n')+1:])
	return hcl.Range{Filename: filename, Start: hcl.InitialPos, End: end}
}

type fileValue struct {
	v   *Variable
	val cty.Value
	rng hcl.Range
}

// varFile reads a --var-file: name = value attributes, constants only.
func (l *loader) varFile(path string) []fileValue {
	data, err := os.ReadFile(path)
	if err != nil {
		l.diags = append(l.diags, readError("Cannot read variable file", path, err))
		return nil
	}
	if _, dup := l.p.Files[path]; dup {
		l.errorf(nil, "Duplicate variable file", "%s is given twice, or is also a policy file.", path)
		return nil
	}
	f, diags := l.parse(path, data)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	attrs, diags := f.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	list := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Range.Start.Byte < list[j].Range.Start.Byte })
	var out []fileValue
	for _, a := range list {
		v, ok := l.varDecls[a.Name]
		if !ok {
			l.errorf(a.NameRange.Ptr(), "Undeclared variable", "The variable file sets %q, but the policy declares no variable %q.%s",
				a.Name, a.Name, suggest(a.Name, sortedKeys(l.varDecls)))
			continue
		}
		if _, _, ok := l.refs(a.Expr, refNone, fmt.Sprintf("the value of var.%s", a.Name)); !ok {
			continue
		}
		val, diags := a.Expr.Value(&hcl.EvalContext{})
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		out = append(out, fileValue{v: v, val: val, rng: a.Expr.Range()})
	}
	return out
}

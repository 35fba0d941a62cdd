package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/hoistci/hoist/lint"
)

// LoadOptions are the inputs of Load besides the policy files.
type LoadOptions struct {
	// Vars are --var values by variable name. They are parsed as HCL
	// expressions for variables of a collection or structural type, and
	// taken literally (then converted) for string, number, bool and untyped
	// variables, as Terraform does: --var registry=ghcr.io/acme needs no
	// quotes, --var 'platforms=["linux/amd64"]' is a list.
	Vars map[string]string
	// VarFiles are variable files (name = value attributes, .hcl or
	// .hcl.json), applied in order.
	VarFiles []string
	// Env looks up environment variables (os.Getenv) for HOIST_VAR_<name>,
	// parsed like Vars. An empty value counts as unset. Nil: no environment.
	Env func(string) string
	// Functions are the functions expressions may call.
	Functions map[string]function.Function
	// FactTypes are the types of the facts (git, registry, push, lint,
	// image, env), used to type-check expressions at load time. Nil: the
	// names of FactNames with no type, so only misspelt fact names and
	// type errors not involving facts are caught at load time.
	FactTypes map[string]cty.Type
}

// Source is a policy file's name and content, for LoadSources.
type Source struct {
	Name string
	Data []byte
}

// Load reads the policy files (a directory stands for its *.hcl and
// *.hcl.json files, in name order) and loads them as one policy: see
// LoadSources.
func Load(paths []string, opts LoadOptions) (*Policy, hcl.Diagnostics) {
	var srcs []Source
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	add := func(name string) {
		key := filepath.Clean(name)
		if seen[key] {
			return
		}
		seen[key] = true
		data, err := os.ReadFile(name)
		if err != nil {
			diags = append(diags, readError("Cannot read policy file", name, err))
			return
		}
		srcs = append(srcs, Source{Name: name, Data: data})
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			add(p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			diags = append(diags, readError("Cannot read policy directory", p, err))
			continue
		}
		n := 0
		for _, e := range entries { // ReadDir sorts by name
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".hcl") || strings.HasSuffix(e.Name(), ".hcl.json")) {
				add(filepath.Join(p, e.Name()))
				n++
			}
		}
		if n == 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No policy files",
				Detail:   fmt.Sprintf("The directory %s has no .hcl or .hcl.json file.", p),
			})
		}
	}
	p, more := LoadSources(srcs, opts)
	diags = append(diags, more...)
	sortDiags(diags, p.fileOrder)
	if diags.HasErrors() {
		p.broken = true
	}
	return p, diags
}

func readError(summary, name string, err error) *hcl.Diagnostic {
	detail := err.Error()
	if errors.Is(err, fs.ErrNotExist) {
		detail = fmt.Sprintf("%s does not exist.", name)
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
}

// LoadSources loads policy sources as one policy. A name ending in .json is
// HCL's JSON syntax, anything else the native syntax. Files merge: each
// block type's names must be unique across all of them.
//
// The returned Policy is never nil. When the diagnostics have errors it is
// only good for its Files (to render the diagnostics): its evaluations fail.
// Diagnostics are sorted by file (in load order) and position.
func LoadSources(srcs []Source, opts LoadOptions) (*Policy, hcl.Diagnostics) {
	l := newLoader(opts)
	l.load(srcs)
	sortDiags(l.diags, l.p.fileOrder)
	l.diags = dedupDiags(l.diags)
	clampRanges(l.diags, l.p.Files)
	if l.diags.HasErrors() {
		l.p.broken = true
	}
	return l.p, l.diags
}

type loader struct {
	p     *Policy
	opts  LoadOptions
	diags hcl.Diagnostics

	varDecls map[string]*Variable
	// unknown fact values of the right type, to type-check expressions
	factCheck map[string]cty.Value
}

func newLoader(opts LoadOptions) *loader {
	p := &Policy{
		Files:     map[string]*hcl.File{},
		fileOrder: map[string]int{},
		functions: opts.Functions,
		facts:     map[string]cty.Type{},
		locals:    map[string]*Local{},
		Limits: Limits{
			Rule:         Rule{Kind: "policy"},
			MinAge:       DefaultMinAge,
			MaxDeletions: DefaultMaxDeletions,
		},
	}
	if opts.FactTypes != nil {
		for k, t := range opts.FactTypes {
			p.facts[k] = t
		}
	} else {
		for _, k := range FactNames {
			p.facts[k] = cty.DynamicPseudoType
		}
	}
	l := &loader{p: p, opts: opts, varDecls: map[string]*Variable{}, factCheck: map[string]cty.Value{}}
	for k, t := range p.facts {
		l.factCheck[k] = cty.UnknownVal(t)
	}
	return l
}

func (l *loader) errorf(subject *hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: subject}
	l.diags = append(l.diags, d)
	return d
}

func isJSON(name string) bool { return strings.HasSuffix(name, ".json") }

// parse parses one source, recording it in p.Files.
func (l *loader) parse(name string, data []byte) (*hcl.File, hcl.Diagnostics) {
	var f *hcl.File
	var diags hcl.Diagnostics
	if isJSON(name) {
		f, diags = hcljson.Parse(data, name)
	} else {
		f, diags = hclsyntax.ParseConfig(data, name, hcl.InitialPos)
	}
	if f != nil {
		if f.Bytes == nil {
			f.Bytes = data
		}
		l.p.Files[name] = f
	} else {
		l.p.Files[name] = &hcl.File{Bytes: data}
	}
	l.p.fileOrder[name] = len(l.p.fileOrder)
	return f, diags
}

// blocks of one type across all files, in order
type blockList map[string][]*hcl.Block

func (l *loader) load(srcs []Source) {
	var files []*hcl.File
	syntaxErrors := false
	for _, s := range srcs {
		if _, dup := l.p.Files[s.Name]; dup {
			l.errorf(nil, "Duplicate policy file", "%s is given twice.", s.Name)
			continue
		}
		f, diags := l.parse(s.Name, s.Data)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			syntaxErrors = true
		}
		files = append(files, f)
	}
	// A file that does not parse is reported alone: decoding its partial
	// body would add errors that only follow from the syntax error.
	if syntaxErrors {
		return
	}

	blocks := blockList{}
	for _, f := range files {
		content, diags := f.Body.Content(rootSpec.hclSchema())
		l.diags = append(l.diags, diags...)
		for _, b := range content.Blocks {
			blocks[b.Type] = append(blocks[b.Type], b)
		}
	}
	for _, spec := range rootSpec.blocks {
		blocks[spec.typ] = l.checkNames(spec, blocks[spec.typ])
	}

	l.variables(blocks["variable"])
	l.localValues(blocks["locals"])
	for _, b := range blocks["lint"] {
		l.lintBlock(b)
	}
	for _, b := range blocks["image"] {
		l.imageBlock(b)
	}
	for _, b := range blocks["tag"] {
		l.tagBlock(b)
	}
	for _, b := range blocks["check"] {
		l.checkBlock(b)
	}
	for _, b := range blocks["protect"] {
		l.protectBlock(b)
	}
	for _, b := range blocks["prune"] {
		l.pruneBlock(b)
	}
	for _, b := range blocks["policy"] {
		l.policyBlock(b)
	}
}

// checkNames reports invalid and duplicate block names (and repeated
// single blocks) and returns the blocks to decode: the first of each name.
func (l *loader) checkNames(spec *blockSpec, list []*hcl.Block) []*hcl.Block {
	var out []*hcl.Block
	first := map[string]*hcl.Block{}
	for _, b := range list {
		name := ""
		if len(spec.labels) > 0 {
			if len(b.Labels) == 0 { // hcl reported it; be safe
				continue
			}
			name = b.Labels[0]
			if !hclsyntax.ValidIdentifier(name) {
				l.errorf(b.LabelRanges[0].Ptr(), "Invalid name",
					"%q is not a valid %s name: a name starts with a letter or underscore and has only letters, digits, underscores and dashes.", name, spec.typ)
				continue
			}
		}
		if spec.typ == "locals" {
			out = append(out, b)
			continue
		}
		if prev, dup := first[name]; dup {
			what := fmt.Sprintf("%s %q", spec.typ, name)
			if name == "" {
				what = spec.typ
			}
			detail := fmt.Sprintf("%s %s block was already defined at %s. ", article(spec.typ), what, rangeString(declRange(prev)))
			if name == "" {
				detail += fmt.Sprintf("A policy has at most one %s block, across all its files.", spec.typ)
			} else {
				detail += fmt.Sprintf("The names of %s blocks must be unique across all files of the policy.", spec.typ)
			}
			d := l.errorf(declRange(b).Ptr(), "Duplicate "+spec.typ+" block", "%s", detail)
			d.Extra = &Related{Notes: []Note{{Message: "first defined here", Subject: declRange(prev)}}}
			continue
		}
		first[name] = b
		out = append(out, b)
	}
	return out
}

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "An"
	}
	return "A"
}

// declRange is where a block is declared, for messages and rule
// locations. In native syntax it is hcl's DefRange, the type and labels. In
// JSON hcl uses the opening brace of the body, which may sit lines away
// from the name; the name (or, without labels, the type) is better.
func declRange(b *hcl.Block) hcl.Range {
	if !isJSON(b.DefRange.Filename) {
		return b.DefRange
	}
	if n := len(b.LabelRanges); n > 0 {
		return b.LabelRanges[n-1]
	}
	return b.TypeRange
}

// rangeString gives "file:line:col" of a range's start.
func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// body is a block being decoded.
type body struct {
	block   *hcl.Block
	spec    *blockSpec
	content *hcl.BodyContent
	rule    Rule
}

// what names an attribute of the block in messages: `the argument "tags" of tag "main"`.
func (b *body) what(attr string) string {
	return fmt.Sprintf("the argument %q of %s", attr, blockDesc(b.rule))
}

// decode checks a block's body against its spec. Missing required
// attributes are reported at the block header.
func (l *loader) decode(block *hcl.Block, spec *blockSpec) *body {
	content, diags := block.Body.Content(spec.hclSchema())
	l.diags = append(l.diags, diags...)
	b := &body{block: block, spec: spec, content: content, rule: Rule{Kind: spec.typ, DeclRange: declRange(block)}}
	if len(block.Labels) > 0 {
		b.rule.Name = block.Labels[0]
	}
	for _, a := range spec.attrs {
		if _, ok := content.Attributes[a.name]; a.required && !ok {
			l.errorf(declRange(block).Ptr(), "Missing required argument",
				"The argument %q is required in %s, but no definition was found.", a.name, blockDesc(b.rule))
		}
	}
	return b
}

func blockDesc(r Rule) string {
	if r.Name == "" {
		return "the " + r.Kind + " block"
	}
	return r.String()
}

// refMode says what an expression may refer to.
type refMode int

const (
	refNone    refMode = iota // constants
	refVars                   // var only (variable validation)
	refStatic                 // var, static locals
	refDynamic                // var, locals, facts
)

// localRef is a reference to a local value in an expression.
type localRef struct {
	name string
	rng  hcl.Range
}

// refs checks what an expression refers to and returns the locals and facts
// it uses directly. what names the expression in messages.
func (l *loader) refs(expr hcl.Expression, mode refMode, what string) (locals []localRef, facts []string, ok bool) {
	ok = true
	fail := func(r hcl.Range, summary, format string, args ...any) {
		ok = false
		l.errorf(r.Ptr(), summary, format, args...)
	}
	seenFact := map[string]bool{}
	for _, t := range expr.Variables() {
		root := t.RootName()
		rng := t.SourceRange()
		if mode == refNone {
			fail(rng, "Variables not allowed", "%s must be a constant: it cannot refer to %s.", upperFirst(what), root)
			continue
		}
		switch root {
		case "var", "local":
			name, ok := stepName(t)
			if !ok {
				example := "var.registry"
				if root == "local" {
					example = "local.stable"
				}
				fail(rng, "Invalid reference", "A reference to %s must be followed by a name, such as %s.", root, example)
				continue
			}
			if root == "var" {
				if _, declared := l.varDecls[name]; !declared {
					fail(rng, "Reference to undeclared input variable",
						"An input variable named %q is not declared.%s", name, suggest(name, sortedKeys(l.varDecls)))
				}
				continue
			}
			if mode == refVars {
				fail(rng, "Invalid reference in variable validation",
					"%s can only refer to input variables (var.NAME), not to local values.", upperFirst(what))
				continue
			}
			loc, declared := l.p.locals[name]
			if !declared {
				fail(rng, "Reference to undeclared local value",
					"A local value named %q is not declared.%s", name, suggest(name, sortedKeys(l.p.locals)))
				continue
			}
			if mode == refStatic && !loc.Static() {
				fail(rng, "Facts are not available here",
					"local.%s uses %s, but %s is evaluated once, when the policy is loaded, before any fact is known.",
					name, strings.Join(loc.Facts, " and "), what)
				continue
			}
			locals = append(locals, localRef{name: name, rng: rng})
		default:
			if _, isFact := l.p.facts[root]; isFact {
				switch mode {
				case refVars:
					fail(rng, "Invalid reference in variable validation",
						"%s can only refer to input variables (var.NAME), not to facts such as %s.", upperFirst(what), root)
				case refStatic:
					fail(rng, "Facts are not available here",
						"%s is evaluated once, when the policy is loaded, before any fact is known: it cannot use %s.", upperFirst(what), root)
				default:
					if !seenFact[root] {
						seenFact[root] = true
						facts = append(facts, root)
					}
				}
				continue
			}
			avail := []string{"var", "local"}
			if mode == refVars {
				avail = []string{"var"}
			} else if mode != refStatic {
				avail = append(avail, sortedKeys(l.p.facts)...)
			}
			fail(rng, "Unknown variable", "There is no variable named %q.%s", root, suggest(root, avail))
		}
	}
	return locals, facts, ok
}

// stepName is the name after var. or local.: var.x and var["x"].
func stepName(t hcl.Traversal) (string, bool) {
	if len(t) < 2 {
		return "", false
	}
	switch s := t[1].(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
			return s.Key.AsString(), true
		}
	}
	return "", false
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// staticCtx evaluates load-time expressions: variables, static locals and
// functions; no facts.
func (l *loader) staticCtx() *hcl.EvalContext {
	locals := map[string]cty.Value{}
	for name, loc := range l.p.locals {
		if loc.Static() && loc.Value != cty.NilVal {
			locals[name] = loc.Value
		}
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": l.p.vars, "local": cty.ObjectVal(locals)},
		Functions: l.opts.Functions,
	}
}

// checkCtx type-checks fact-dependent expressions: facts are unknown values
// of their types, and so are the locals that use them.
func (l *loader) checkCtx() *hcl.EvalContext {
	vars := map[string]cty.Value{"var": l.p.vars}
	locals := map[string]cty.Value{}
	for name, loc := range l.p.locals {
		switch {
		case loc.Static() && loc.Value != cty.NilVal:
			locals[name] = loc.Value
		case loc.check != cty.NilVal:
			locals[name] = loc.check
		default:
			locals[name] = cty.DynamicVal
		}
	}
	vars["local"] = cty.ObjectVal(locals)
	for k, v := range l.factCheck {
		vars[k] = v
	}
	return &hcl.EvalContext{Variables: vars, Functions: l.opts.Functions}
}

// static evaluates a load-time attribute and converts it to its spec's
// type. ok is false when the attribute is absent or null, when its value is
// unknown because of an error reported elsewhere, and after reporting a
// diagnostic.
func (l *loader) static(b *body, name string) (cty.Value, *hcl.Attribute, bool) {
	attr, ok := b.content.Attributes[name]
	if !ok {
		return cty.NilVal, nil, false
	}
	spec, _ := b.spec.attr(name)
	what := b.what(name)
	if _, _, ok := l.refs(attr.Expr, refStatic, what); !ok {
		return cty.NilVal, attr, false
	}
	val, diags := attr.Expr.Value(l.staticCtx())
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return cty.NilVal, attr, false
	}
	if val.IsNull() {
		if spec.required {
			l.errorf(attr.Expr.Range().Ptr(), "Invalid value", "%s is required: it cannot be null.", upperFirst(what))
		}
		return cty.NilVal, attr, false
	}
	val, ok = l.convert(val, spec.typ, attr.Expr, what)
	return val, attr, ok
}

// convert converts a value to the type an attribute needs, reporting the
// mismatch.
func (l *loader) convert(val cty.Value, want cty.Type, expr hcl.Expression, what string) (cty.Value, bool) {
	if want == cty.DynamicPseudoType {
		return val, true
	}
	out, err := convert.Convert(val, want)
	if err != nil {
		l.errorf(elemRange(expr, pathOf(err)).Ptr(), "Incorrect value type",
			"Inappropriate value for %s: %s.", what, pathErrorString(err))
		return cty.NilVal, false
	}
	return out, true
}

// dynamic returns a fact-dependent attribute's expression after checking
// its references and type-checking it against unknown facts. It returns nil
// when the attribute is absent.
func (l *loader) dynamic(b *body, name string) hcl.Expression {
	attr, ok := b.content.Attributes[name]
	if !ok {
		return nil
	}
	spec, _ := b.spec.attr(name)
	l.typeCheck(attr.Expr, spec.typ, b.what(name))
	return attr.Expr
}

// typeCheck evaluates a fact-dependent expression with unknown facts and
// reports what can be known before the facts are: unknown names, missing
// fact attributes, wrong types, a value that is always null.
func (l *loader) typeCheck(expr hcl.Expression, want cty.Type, what string) {
	if _, _, ok := l.refs(expr, refDynamic, what); !ok {
		return
	}
	val, diags := expr.Value(l.checkCtx())
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	if val.IsKnown() && val.IsNull() {
		l.errorf(expr.Range().Ptr(), "Invalid value", "%s is always null: it must be a %s.", upperFirst(what), want.FriendlyName())
		return
	}
	if val.Type() == cty.DynamicPseudoType {
		return
	}
	l.convert(val, want, expr, what)
}

// pathOf is the path of a conversion error, if it has one.
func pathOf(err error) cty.Path {
	var pe cty.PathError
	if errors.As(err, &pe) {
		return pe.Path
	}
	return nil
}

// pathErrorString is a conversion error with its path: `element 1: a
// number is required`, `attribute "name": string required`.
func pathErrorString(err error) string {
	p := pathOf(err)
	if len(p) == 1 {
		switch s := p[0].(type) {
		case cty.GetAttrStep:
			return fmt.Sprintf("attribute %q: %s", s.Name, err.Error())
		case cty.IndexStep:
			if s.Key.Type() == cty.String {
				return fmt.Sprintf("element %q: %s", s.Key.AsString(), err.Error())
			}
			if s.Key.Type() == cty.Number {
				return fmt.Sprintf("element %s: %s", s.Key.AsBigFloat().Text('f', -1), err.Error())
			}
		}
	}
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case cty.GetAttrStep:
			fmt.Fprintf(&b, ".%s", s.Name)
		case cty.IndexStep:
			switch s.Key.Type() {
			case cty.String:
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			case cty.Number:
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			default:
				b.WriteString("[...]")
			}
		}
	}
	if b.Len() == 0 {
		return err.Error()
	}
	return fmt.Sprintf("at %s: %s", strings.TrimPrefix(b.String(), "."), err.Error())
}

// elemRange narrows a range to the element of a literal list or map a
// conversion error is about, when the expression is a literal.
func elemRange(expr hcl.Expression, p cty.Path) hcl.Range {
	rng := expr.Range()
	for _, step := range p {
		idx, ok := step.(cty.IndexStep)
		if !ok {
			if ga, isAttr := step.(cty.GetAttrStep); isAttr {
				idx = cty.IndexStep{Key: cty.StringVal(ga.Name)}
			} else {
				return rng
			}
		}
		next := elemExpr(expr, idx.Key)
		if next == nil {
			return rng
		}
		expr = next
		rng = expr.Range()
	}
	return rng
}

func elemExpr(expr hcl.Expression, key cty.Value) hcl.Expression {
	if !key.IsKnown() || key.IsNull() {
		return nil
	}
	switch key.Type() {
	case cty.Number:
		list, diags := hcl.ExprList(expr)
		if diags.HasErrors() {
			return nil
		}
		i, acc := key.AsBigFloat().Int64()
		if acc != big.Exact || i < 0 || int(i) >= len(list) {
			return nil
		}
		return list[i]
	case cty.String:
		pairs, diags := hcl.ExprMap(expr)
		if diags.HasErrors() {
			return nil
		}
		for _, kv := range pairs {
			k, d := kv.Key.Value(nil)
			if !d.HasErrors() && k.Type() == cty.String && k.IsKnown() && !k.IsNull() && k.AsString() == key.AsString() {
				return kv.Value
			}
			if kw := hcl.ExprAsKeyword(kv.Key); kw == key.AsString() {
				return kv.Value
			}
		}
	}
	return nil
}

// stringValue, stringList and stringMap read converted values; elements
// that are null are reported.
func (l *loader) stringList(val cty.Value, attr *hcl.Attribute, what string) ([]string, bool) {
	var out []string
	ok := true
	for i, v := range val.AsValueSlice() {
		if v.IsNull() {
			l.errorf(elemRange(attr.Expr, cty.IndexIntPath(i)).Ptr(), "Invalid value", "Element %d of %s is null.", i, what)
			ok = false
			continue
		}
		out = append(out, v.AsString())
	}
	return out, ok
}

func (l *loader) stringMap(val cty.Value, attr *hcl.Attribute, what string) (map[string]string, bool) {
	out := map[string]string{}
	ok := true
	for _, k := range sortedKeys(val.AsValueMap()) {
		v := val.Index(cty.StringVal(k))
		if v.IsNull() {
			l.errorf(elemRange(attr.Expr, cty.IndexStringPath(k)).Ptr(), "Invalid value", "The value of %q in %s is null.", k, what)
			ok = false
			continue
		}
		out[k] = v.AsString()
	}
	return out, ok
}

const maxWhole = 1_000_000_000

// wholeNumber reads a non-negative whole number.
func (l *loader) wholeNumber(val cty.Value, attr *hcl.Attribute, what string) (int, bool) {
	bf := val.AsBigFloat()
	i, acc := bf.Int64()
	if acc != big.Exact || i < 0 || i > maxWhole {
		l.errorf(attr.Expr.Range().Ptr(), "Invalid value", "%s must be a whole number from 0 to %d, not %s.", upperFirst(what), maxWhole, bf.Text('f', -1))
		return 0, false
	}
	return int(i), true
}

// duration reads a duration: a string the duration function accepts
// ("90m", "14d") or a number of seconds.
func (l *loader) duration(b *body, name string) (time.Duration, bool) {
	val, attr, ok := l.static(b, name)
	if !ok {
		return 0, false
	}
	what := b.what(name)
	rng := attr.Expr.Range().Ptr()
	switch val.Type() {
	case cty.Number:
	case cty.String:
		fn, ok := l.opts.Functions["duration"]
		if !ok {
			l.errorf(rng, "Cannot read duration", "%s needs the duration function, which this build of hoist does not provide.", upperFirst(what))
			return 0, false
		}
		secs, err := fn.Call([]cty.Value{val})
		if err != nil {
			l.errorf(rng, "Invalid duration", "%s: %s.", upperFirst(what), strings.TrimSuffix(err.Error(), "."))
			return 0, false
		}
		val = secs
		if val.Type() != cty.Number || !val.IsKnown() || val.IsNull() {
			l.errorf(rng, "Invalid duration", "The duration function did not return a number of seconds for %s.", what)
			return 0, false
		}
	default:
		l.errorf(rng, "Incorrect value type", "Inappropriate value for %s: a duration string such as \"14d\" or a number of seconds is required, not %s.", what, val.Type().FriendlyName())
		return 0, false
	}
	secs, _ := val.AsBigFloat().Float64()
	if secs < 0 || secs > float64(1<<62)/float64(time.Second) {
		l.errorf(rng, "Invalid duration", "%s must be a duration from 0 to 146 years.", upperFirst(what))
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)), true
}

func (l *loader) lintBlock(block *hcl.Block) {
	b := l.decode(block, lintSpec)
	lb := &LintBlock{Rule: b.rule}
	lb.Settings.Source = block.DefRange.Filename
	if v, attr, ok := l.static(b, "failure_threshold"); ok {
		sev, err := lint.ParseSeverity(v.AsString())
		if err != nil || sev == lint.Ignore {
			l.errorf(attr.Expr.Range().Ptr(), "Invalid failure threshold",
				"%q is not a failure threshold: use error, warning, info, style or none.", v.AsString())
		} else {
			lb.Settings.FailureThreshold = &sev
		}
	}
	if v, attr, ok := l.static(b, "ignore"); ok {
		lb.Settings.Ignored, _ = l.stringList(v, attr, b.what("ignore"))
	}
	if v, attr, ok := l.static(b, "trusted_registries"); ok {
		lb.Settings.TrustedRegistries, _ = l.stringList(v, attr, b.what("trusted_registries"))
	}
	if v, attr, ok := l.static(b, "override"); ok {
		m, _ := l.stringMap(v, attr, b.what("override"))
		lb.Settings.Overrides = map[string]lint.Severity{}
		for _, k := range sortedKeys(m) {
			sev, err := lint.ParseSeverity(m[k])
			if err != nil || sev == lint.None {
				l.errorf(elemRange(attr.Expr, cty.IndexStringPath(k)).Ptr(), "Invalid severity",
					"%q is not a severity for rule %s: use error, warning, info, style or ignore.", m[k], k)
				continue
			}
			lb.Settings.Overrides[k] = sev
		}
	}
	if v, attr, ok := l.static(b, "label_schema"); ok {
		m, _ := l.stringMap(v, attr, b.what("label_schema"))
		for _, k := range sortedKeys(m) {
			if !contains(lint.LabelTypes, m[k]) {
				l.errorf(elemRange(attr.Expr, cty.IndexStringPath(k)).Ptr(), "Invalid label type",
					"%q is not a label type for label %q: use %s.", m[k], k, strings.Join(lint.LabelTypes, ", "))
				delete(m, k)
			}
		}
		lb.Settings.LabelSchema = m
	}
	if v, _, ok := l.static(b, "strict_labels"); ok {
		s := v.True()
		lb.Settings.StrictLabels = &s
	}
	l.p.Lint = lb
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// OCI distribution repository names: an optional registry host (with a dot
// or a port, or localhost) and lower-case path components.
var (
	repoHostRE = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$`)
	repoPathRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$`)
	platformRE = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?$`)
)

// repositoryProblem says what is wrong with a repository name, or "".
func repositoryProblem(repo string) string {
	if strings.ContainsAny(repo, "@") {
		return "it must not include a digest"
	}
	parts := strings.Split(repo, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		if !repoHostRE.MatchString(parts[0]) {
			return fmt.Sprintf("%q is not a valid registry host", parts[0])
		}
		parts = parts[1:]
	}
	for _, p := range parts {
		if strings.Contains(p, ":") {
			return "it must not include a tag: tags come from tag rules"
		}
		if !repoPathRE.MatchString(p) {
			return fmt.Sprintf("the path component %q must be lower-case letters and digits, separated by '.', '_', '__' or '-'", p)
		}
	}
	return ""
}

func (l *loader) imageBlock(block *hcl.Block) {
	b := l.decode(block, imageSpec)
	img := &ImageBlock{Rule: b.rule, Context: ".", Dir: filepath.Dir(block.DefRange.Filename)}
	if v, attr, ok := l.static(b, "repository"); ok {
		img.Repository = v.AsString()
		if p := repositoryProblem(img.Repository); p != "" {
			l.errorf(attr.Expr.Range().Ptr(), "Invalid repository", "%q is not a repository name: %s.", img.Repository, p)
		}
	}
	if v, _, ok := l.static(b, "context"); ok {
		img.Context = v.AsString()
	}
	if v, _, ok := l.static(b, "dockerfile"); ok {
		img.Dockerfile = v.AsString()
	}
	if v, attr, ok := l.static(b, "build_args"); ok {
		img.BuildArgs, _ = l.stringMap(v, attr, b.what("build_args"))
	}
	if v, _, ok := l.static(b, "target"); ok {
		img.Target = v.AsString()
	}
	if v, attr, ok := l.static(b, "platforms"); ok {
		list, _ := l.stringList(v, attr, b.what("platforms"))
		for i, pl := range list {
			if !platformRE.MatchString(pl) {
				l.errorf(elemRange(attr.Expr, cty.IndexIntPath(i)).Ptr(), "Invalid platform",
					"%q is not a platform: write os/arch or os/arch/variant, such as \"linux/amd64\" or \"linux/arm64/v8\".", pl)
			}
		}
		img.Platforms = list
	}
	if v, attr, ok := l.static(b, "labels"); ok {
		img.Labels, _ = l.stringMap(v, attr, b.what("labels"))
	}
	l.p.Images = append(l.p.Images, img)
}

func (l *loader) tagBlock(block *hcl.Block) {
	b := l.decode(block, tagSpec)
	l.p.Tags = append(l.p.Tags, &TagRule{Rule: b.rule, When: l.dynamic(b, "when"), Tags: l.dynamic(b, "tags")})
}

func (l *loader) checkBlock(block *hcl.Block) {
	b := l.decode(block, checkSpec)
	c := &CheckRule{Rule: b.rule, Level: HardMandatory}
	if v, attr, ok := l.static(b, "enforcement_level"); ok {
		switch lvl := EnforcementLevel(v.AsString()); lvl {
		case Advisory, SoftMandatory, HardMandatory:
			c.Level = lvl
		default:
			l.errorf(attr.Expr.Range().Ptr(), "Invalid enforcement level",
				"%q is not an enforcement level: use advisory (warn), soft-mandatory (fail unless overridden with --override %s) or hard-mandatory (always fail).", v.AsString(), c.Name)
		}
	}
	c.Condition = l.dynamic(b, "condition")
	c.ErrorMessage = l.dynamic(b, "error_message")
	l.p.Checks = append(l.p.Checks, c)
}

// repositoryGlob reads the repository attribute of protect and prune.
func (l *loader) repositoryGlob(b *body) string {
	v, attr, ok := l.static(b, "repository")
	if !ok {
		return ""
	}
	g := v.AsString()
	// The pattern is matched by the glob function, so it is checked by it
	// too (path.Match's syntax when the table has no glob).
	var err error
	if fn, ok := l.opts.Functions["glob"]; ok {
		_, err = fn.Call([]cty.Value{cty.StringVal(g), cty.StringVal("")})
	} else {
		_, err = path.Match(g, "")
	}
	switch {
	case g == "":
		l.errorf(attr.Expr.Range().Ptr(), "Invalid repository pattern", "The repository pattern is empty: leave repository out to mean every repository.")
	case err != nil:
		l.errorf(attr.Expr.Range().Ptr(), "Invalid repository pattern", "%q is not a repository pattern: %s.", g, strings.TrimSuffix(err.Error(), "."))
	}
	return g
}

func (l *loader) protectBlock(block *hcl.Block) {
	b := l.decode(block, protectSpec)
	l.p.Protects = append(l.p.Protects, &ProtectRule{Rule: b.rule, Repository: l.repositoryGlob(b), Match: l.dynamic(b, "match")})
}

func (l *loader) pruneBlock(block *hcl.Block) {
	b := l.decode(block, pruneSpec)
	pr := &PruneRule{Rule: b.rule, Repository: l.repositoryGlob(b), Match: l.dynamic(b, "match")}
	if d, ok := l.duration(b, "older_than"); ok {
		pr.OlderThan = d
	}
	if v, attr, ok := l.static(b, "keep_latest"); ok {
		pr.KeepLatest, _ = l.wholeNumber(v, attr, b.what("keep_latest"))
	}
	l.p.Prunes = append(l.p.Prunes, pr)
}

func (l *loader) policyBlock(block *hcl.Block) {
	b := l.decode(block, policySpec)
	l.p.Limits.Rule = b.rule
	if d, ok := l.duration(b, "min_age"); ok {
		l.p.Limits.MinAge = d
	}
	if v, attr, ok := l.static(b, "max_deletions"); ok {
		if n, ok := l.wholeNumber(v, attr, b.what("max_deletions")); ok {
			l.p.Limits.MaxDeletions = n
		}
	}
}

// sortDiags orders diagnostics by file (in load order) and position; those
// without a subject come first. The sort is stable, and hcl reports some
// errors in map order, so this also makes the output deterministic.
func sortDiags(diags hcl.Diagnostics, order map[string]int) {
	index := func(name string) int {
		if i, ok := order[name]; ok {
			return i
		}
		return len(order)
	}
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			if ia, ib := index(a.Filename), index(b.Filename); ia != ib {
				return ia < ib
			}
			return a.Filename < b.Filename
		case a.Start.Byte != b.Start.Byte:
			return a.Start.Byte < b.Start.Byte
		default:
			return a.End.Byte < b.End.Byte
		}
	})
}

// dedupDiags drops repeated diagnostics (same severity, text and subject).
// clampRanges keeps every diagnostic range inside its file. hcl's JSON
// parser counts positions inside a string in decoded bytes: an invalid
// UTF-8 byte, decoded to U+FFFD (three bytes), pushes later offsets past
// the end of the file.
func clampRanges(diags hcl.Diagnostics, files map[string]*hcl.File) {
	clamp := func(r *hcl.Range) {
		if r == nil || files[r.Filename] == nil {
			return
		}
		n := len(files[r.Filename].Bytes)
		r.Start.Byte = min(max(r.Start.Byte, 0), n)
		r.End.Byte = min(max(r.End.Byte, r.Start.Byte), n)
	}
	for _, d := range diags {
		clamp(d.Subject)
		clamp(d.Context)
	}
}

func dedupDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	type key struct {
		sev             hcl.DiagnosticSeverity
		summary, detail string
		rng             hcl.Range
	}
	seen := map[key]bool{}
	out := diags[:0]
	for _, d := range diags {
		k := key{sev: d.Severity, summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.rng = *d.Subject
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}

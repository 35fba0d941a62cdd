package dockerfile

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// AutomaticArgs are the ARGs BuildKit defines in the global scope by itself,
// in its order (dockerfile2llb's defaultArgs).
var AutomaticArgs = []string{
	"BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
	"TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT",
	"TARGETSTAGE",
}

// IsAutomaticArg reports whether name is one of AutomaticArgs.
func IsAutomaticArg(name string) bool { return slices.Contains(AutomaticArgs, name) }

// PlatformArgs are the values of the automatic platform ARGs (all of
// AutomaticArgs but TARGETSTAGE, the name of the stage built). hoist lints
// for linux/amd64 unless told otherwise.
var PlatformArgs = map[string]string{
	"BUILDPLATFORM":   "linux/amd64",
	"BUILDOS":         "linux",
	"BUILDOSVERSION":  "",
	"BUILDARCH":       "amd64",
	"BUILDVARIANT":    "",
	"TARGETPLATFORM":  "linux/amd64",
	"TARGETOS":        "linux",
	"TARGETOSVERSION": "",
	"TARGETARCH":      "amd64",
	"TARGETVARIANT":   "",
}

// NonEnvArgs are ARGs BuildKit never puts in the environment and never
// reports as undefined.
var NonEnvArgs = map[string]bool{
	"BUILDKIT_SBOM_SCAN_CONTEXT": true,
	"BUILDKIT_SBOM_SCAN_STAGE":   true,
}

// DefaultPath is the PATH BuildKit gives a stage whose base image has none
// (scratch, for one).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Env is a plain variable scope for expansion.
type Env struct {
	vals map[string]string
	set  map[string]bool // declared with a value
}

// NewEnv returns an empty scope.
func NewEnv() *Env { return &Env{vals: map[string]string{}, set: map[string]bool{}} }

// Set defines name with a value.
func (e *Env) Set(name, value string) { e.vals[name] = value; e.set[name] = true }

// Get implements shell.EnvGetter: only variables with a value match.
func (e *Env) Get(name string) (string, bool) {
	if !e.set[name] {
		return "", false
	}
	v, ok := e.vals[name]
	return v, ok
}

// Keys implements shell.EnvGetter.
func (e *Env) Keys() []string {
	keys := make([]string, 0, len(e.vals))
	for k := range e.set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether name has a value.
func (e *Env) Has(name string) bool { return e.set[name] }

// Clone copies the scope.
func (e *Env) Clone() *Env {
	c := NewEnv()
	for k := range e.set {
		c.Set(k, e.vals[k])
	}
	return c
}

// Expand expands word in env with BuildKit's shell lexer, returning the
// result and the names that had no value (on a syntax error: word itself,
// and word as the only name).
func (f *File) Expand(word string, env shell.EnvGetter) (string, []string) {
	lex := shell.NewLex(f.EscapeToken)
	res, err := lex.ProcessWordWithMatches(word, env)
	if err != nil {
		return word, []string{word}
	}
	return res.Result, sortedNames(res.Unmatched)
}

// GlobalEnv returns the global scope as an Env: the automatic ARGs, then the
// global ARGs with their defaults, buildArgs overriding both as in BuildKit.
func (f *File) GlobalEnv(buildArgs map[string]string) *Env {
	g := newScopeBuilder(f, ScopeOptions{BuildArgs: buildArgs}).global()
	env := NewEnv()
	for _, k := range g.Keys() {
		v, _ := g.Get(k)
		env.Set(k, v)
	}
	return env
}

// ScopeOptions are the inputs of a build that the variables depend on.
type ScopeOptions struct {
	// BuildArgs are the --build-arg values: they override ARG defaults and
	// the automatic ARGs. nil when linting.
	BuildArgs map[string]string
	// Platform gives the automatic platform ARGs; nil means PlatformArgs.
	Platform map[string]string
	// Target is the stage built, for TARGETSTAGE; "" means the last stage.
	Target string
	// ImageEnv returns the environment ("KEY=value" entries) of the image a
	// stage is built FROM, when known. nil, or false, leaves it unknown, as
	// when linting: the stage's scope is then Open.
	ImageEnv func(s *Stage) ([]string, bool)
}

// Var is a variable with a value in a scope.
type Var struct {
	Name string
	// Value is the value BuildKit computes: references without a value
	// expand to "". After a lexer error (which fails a build) it is the
	// value as written.
	Value string
	// Known is false when the value depends on what the Dockerfile does not
	// tell: a variable of the base image, an ARG without default, ONBUILD
	// triggers of the base stage. Build arguments aside, a known value is
	// the one the build uses.
	Known bool
	// Arg is set for a value given by ARG (also global and automatic ARGs),
	// false for ENV and the base image's environment.
	Arg bool
	// From is the ARG or ENV instruction that set it; nil for automatic
	// ARGs and the base image's environment.
	From *Instruction
}

// Expansion is the outcome of expanding a word in a scope.
type Expansion struct {
	// Result is the expanded word; after an error, what the lexer produced
	// before it.
	Result string
	// Matched are the names that had a value, Unmatched those that had
	// none (BuildKit expands them to ""), Unknown the matched names whose
	// value is not Known. Each is sorted.
	Matched, Unmatched, Unknown []string
	// Err is BuildKit's lexer error (bad substitution, missing quote, ...).
	Err error
}

// Known reports whether the result is certain: no error, and every name
// had a known value.
func (e Expansion) Known() bool {
	return e.Err == nil && len(e.Unmatched) == 0 && len(e.Unknown) == 0
}

// Scopes are the variable scopes of a file, computed as BuildKit dispatches
// it: the global scope of the global ARGs and FROM lines, and for every
// instruction of a stage the variables it sees.
//
// A stage sees the global ARGs only where it redeclares them (ARG NAME), its
// own ARGs and ENVs as they come (the last assignment wins), and what the
// stage it is built FROM ends with: its ENV and ARG values, then its image
// configuration's ENV on top. A stage built on scratch starts with PATH; one
// built on an image starts with the image's environment, unknown unless
// ScopeOptions.ImageEnv tells it (the scope is then Open). ONBUILD triggers
// of a base stage run first in the stages built FROM it: what those inherit
// is unknown, and their scopes are Open.
type Scopes struct {
	global Scope
	before []Scope // by Instruction.Index
	end    []Scope // by Stage.Index
	defs   map[*Instruction][]Definition
	f      *File
}

// Definition is one variable an ARG or ENV instruction defines, with the
// expansions BuildKit makes on the way.
type Definition struct {
	// Var is the variable as set. For an ARG it is only set (HasValue) when
	// the ARG has a default, a build argument or a global ARG gives it a
	// value, and it is not one of NonEnvArgs.
	Var      Var
	HasValue bool
	// Key is the expansion of an ENV key (BuildKit expands them; ARG names
	// are not expanded and Key is then zero).
	Key Expansion
	// Value is the expansion of the value; zero for an ARG without default.
	Value Expansion
	// Scope is where the value was expanded: for ENV the scope before the
	// instruction (all of its pairs are expanded before any is set), for ARG
	// that scope with the instruction's earlier pairs.
	Scope *Scope
}

// Scopes returns the scopes a lint uses (no build arguments, base images'
// environments unknown), computed once per file.
func (f *File) Scopes() *Scopes {
	f.scopesOnce.Do(func() { f.scopes = f.NewScopes(ScopeOptions{}) })
	return f.scopes
}

// NewScopes computes the scopes of a build with the given options.
func (f *File) NewScopes(opts ScopeOptions) *Scopes {
	b := newScopeBuilder(f, opts)
	ss := b.ss
	ss.before = make([]Scope, len(f.Instructions))
	ss.end = make([]Scope, len(f.Stages))
	ss.global = *b.global()
	for _, s := range f.Stages {
		if s.From.Index < len(ss.before) {
			ss.before[s.From.Index] = ss.global
		}
		fr := b.stageFrame(s)
		b.triggers(fr, s)
		for _, in := range s.Instructions {
			if in.Index < len(ss.before) {
				ss.before[in.Index] = Scope{fr: fr, n: len(fr.binds)}
			}
			switch c := in.Typed.(type) {
			case *instructions.ArgCommand:
				b.stageArg(fr, in, c)
			case *instructions.EnvCommand:
				b.env(fr, in, c)
			}
			if in.Name == "onbuild" {
				fr.onbuild = true
			}
		}
		ss.end[s.Index] = Scope{fr: fr, n: len(fr.binds)}
	}
	return ss
}

// Global is the scope of the FROM lines: the automatic ARGs and the global
// ARGs.
func (ss *Scopes) Global() *Scope { return &ss.global }

// Before returns the scope an instruction is expanded in: for a FROM the
// global scope, for a global ARG the automatic ARGs and the global ARGs
// before it. It is nil for an instruction of another file.
func (ss *Scopes) Before(in *Instruction) *Scope {
	if in == nil || in.Index < 0 || in.Index >= len(ss.before) || ss.f.Instructions[in.Index] != in || ss.before[in.Index].fr == nil {
		return nil
	}
	return &ss.before[in.Index]
}

// End returns the scope at the end of a stage, what the stages built FROM
// it start with (nil for a stage of another file).
func (ss *Scopes) End(s *Stage) *Scope {
	if s == nil || s.Index < 0 || s.Index >= len(ss.end) || ss.f.Stages[s.Index] != s || ss.end[s.Index].fr == nil {
		return nil
	}
	return &ss.end[s.Index]
}

// Definitions returns what an ARG or ENV instruction defines, in order (nil
// for other instructions, and for those BuildKit rejects).
func (ss *Scopes) Definitions(in *Instruction) []Definition { return ss.defs[in] }

// Scope is the variables visible at one point of a file. It implements
// shell.EnvGetter with BuildKit's values.
type Scope struct {
	fr *frame
	n  int // fr.binds[:n] are visible
}

// frame is the variables one stage (or the global scope) sets, on top of
// those of the base stage it continues.
type frame struct {
	binds  []binding
	parent *Scope // the base stage's end, nil at a root
	// inheritedUnknown: the base stage has ONBUILD triggers, which run
	// before this stage's instructions and may change what it inherits.
	inheritedUnknown bool
	open             bool
	onbuild          bool  // the stage has ONBUILD instructions
	imageEnv         []Var // the image configuration's ENV, for the stages built FROM this one
	// ownEnv: imageEnv's array belongs to this frame, so ENV may change it
	// in place (only its final value is read, by the stages built FROM
	// this one); a base stage's array is copied first.
	ownEnv bool
	escape rune

	// parentVars caches Lookup's answers from parent, by name: the base
	// stage's end never changes, and a lookup that walked the whole chain
	// of base stages each time made long chains quadratic.
	mu         sync.Mutex
	parentVars map[string]parentVar
}

type parentVar struct {
	v  Var
	ok bool
}

type binding struct {
	v        Var
	set      bool // has a value
	declared bool // declared by ARG
}

// Lookup returns the variable name has a value as, if any.
func (sc *Scope) Lookup(name string) (Var, bool) {
	if sc == nil || sc.fr == nil {
		return Var{}, false
	}
	fr := sc.fr
	for i := sc.n - 1; i >= 0; i-- {
		if b := &fr.binds[i]; b.set && b.v.Name == name {
			return b.v, true
		}
	}
	if fr.parent == nil {
		return Var{}, false
	}
	v, ok := fr.parentLookup(name)
	if ok && fr.inheritedUnknown {
		// the base's ONBUILD triggers may have changed it
		v.Known = false
	}
	return v, ok
}

// parentLookup is fr.parent.Lookup(name), cached.
func (fr *frame) parentLookup(name string) (Var, bool) {
	fr.mu.Lock()
	pv, hit := fr.parentVars[name]
	fr.mu.Unlock()
	if hit {
		return pv.v, pv.ok
	}
	v, ok := fr.parent.Lookup(name)
	fr.mu.Lock()
	if fr.parentVars == nil {
		fr.parentVars = map[string]parentVar{}
	}
	fr.parentVars[name] = parentVar{v, ok}
	fr.mu.Unlock()
	return v, ok
}

// Get implements shell.EnvGetter.
func (sc *Scope) Get(name string) (string, bool) {
	v, ok := sc.Lookup(name)
	return v.Value, ok
}

// Keys implements shell.EnvGetter: the names with a value, sorted.
func (sc *Scope) Keys() []string { return sc.names(false) }

// Names are the names with a value or declared by ARG, sorted.
func (sc *Scope) Names() []string { return sc.names(true) }

func (sc *Scope) names(declared bool) []string {
	seen := map[string]struct{}{}
	for s := sc; s != nil && s.fr != nil; s = s.fr.parent {
		for _, b := range s.fr.binds[:s.n] {
			if b.set || (declared && b.declared) {
				seen[b.v.Name] = struct{}{}
			}
		}
	}
	return sortedNames(seen)
}

// Declared reports whether an ARG declared name, with or without a value:
// BuildKit never reports those as undefined. A stage inherits the
// declarations of the stage it is built FROM; the global scope has the
// global ARGs.
func (sc *Scope) Declared(name string) bool {
	for s := sc; s != nil && s.fr != nil; s = s.fr.parent {
		for _, b := range s.fr.binds[:s.n] {
			if b.declared && b.v.Name == name {
				return true
			}
		}
	}
	return false
}

// Open reports whether names without a value may still have one that hoist
// does not see: the stage is built on an image whose environment is
// unknown, on an unresolved name, or on a stage with ONBUILD triggers.
func (sc *Scope) Open() bool { return sc != nil && sc.fr != nil && sc.fr.open }

// Expand expands word as BuildKit expands the arguments of an instruction:
// quotes and escapes processed, variables substituted.
func (sc *Scope) Expand(word string) Expansion {
	esc := rune('\\')
	if sc != nil && sc.fr != nil {
		esc = sc.fr.escape
	}
	return sc.expand(shell.NewLex(esc), word)
}

// ExpandRaw expands word as BuildKit expands the body of an unquoted
// heredoc: '\' escapes, quotes are kept.
func (sc *Scope) ExpandRaw(word string) Expansion {
	lex := shell.NewLex('\\')
	lex.SkipProcessQuotes = true
	return sc.expand(lex, word)
}

func (sc *Scope) expand(lex *shell.Lex, word string) Expansion {
	if plainWord(word) {
		return Expansion{Result: word}
	}
	env := &recordingEnv{sc: sc}
	res, err := lex.ProcessWordWithMatches(word, env)
	return Expansion{
		Result:    res.Result,
		Matched:   sortedNames(res.Matched),
		Unmatched: sortedNames(res.Unmatched),
		Unknown:   sortedNames(env.unknown),
		Err:       err,
	}
}

// recordingEnv is a scope as the lexer's environment, noting the names
// whose value is not known.
type recordingEnv struct {
	sc      *Scope
	unknown map[string]struct{}
}

func (e *recordingEnv) Get(name string) (string, bool) {
	if e.sc == nil {
		return "", false
	}
	v, ok := e.sc.Lookup(name)
	if ok && !v.Known {
		if e.unknown == nil {
			e.unknown = map[string]struct{}{}
		}
		e.unknown[name] = struct{}{}
	}
	return v.Value, ok
}

func (e *recordingEnv) Keys() []string {
	if e.sc == nil {
		return nil
	}
	return e.sc.Keys()
}

func sortedNames(m map[string]struct{}) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scopeBuilder replays BuildKit's dispatch of ARG and ENV.
type scopeBuilder struct {
	f    *File
	opts ScopeOptions
	ss   *Scopes
	lex  *shell.Lex
	gfr  *frame // the global frame, once built
}

func newScopeBuilder(f *File, opts ScopeOptions) *scopeBuilder {
	return &scopeBuilder{
		f:    f,
		opts: opts,
		lex:  shell.NewLex(f.EscapeToken),
		ss:   &Scopes{f: f, defs: map[*Instruction][]Definition{}},
	}
}

// global builds the global scope (BuildKit's defaultArgs and
// buildMetaArgs) and records the scope before each global ARG.
func (b *scopeBuilder) global() *Scope {
	fr := &frame{escape: b.f.EscapeToken}
	b.gfr = fr
	platform := b.opts.Platform
	if platform == nil {
		platform = PlatformArgs
	}
	target := b.opts.Target
	if target == "" && len(b.f.Stages) > 0 {
		target = strings.ToLower(b.f.Stages[len(b.f.Stages)-1].Name)
	}
	if target == "" {
		target = "default"
	}
	for _, k := range AutomaticArgs {
		v := platform[k]
		if k == "TARGETSTAGE" {
			v = target
		}
		if ov, ok := b.opts.BuildArgs[k]; ok {
			v = ov
		}
		fr.binds = append(fr.binds, binding{v: Var{Name: k, Value: v, Known: true, Arg: true}, set: true})
	}
	for _, in := range b.f.Instructions {
		if in.Stage != nil || in.Name == "from" {
			break
		}
		if in.Index < len(b.ss.before) {
			b.ss.before[in.Index] = Scope{fr: fr, n: len(fr.binds)}
		}
		arg, ok := in.Typed.(*instructions.ArgCommand)
		if !ok {
			continue
		}
		for _, kv := range arg.Args {
			sc := &Scope{fr: fr, n: len(fr.binds)}
			d := Definition{Var: Var{Name: kv.Key, Arg: true, From: in}, Scope: sc}
			if v, ok := b.opts.BuildArgs[kv.Key]; ok {
				d.Var.Value, d.Var.Known, d.HasValue = v, true, true
			} else if kv.Value != nil {
				d.Value = sc.expand(b.lex, *kv.Value)
				d.Var.Value, d.Var.Known, d.HasValue = valueOf(d.Value, *kv.Value), d.Value.Known(), true
			}
			fr.binds = append(fr.binds, binding{v: d.Var, set: d.HasValue, declared: true})
			b.ss.defs[in] = append(b.ss.defs[in], d)
		}
	}
	return &Scope{fr: fr, n: len(fr.binds)}
}

// stageFrame is what a stage starts with.
func (b *scopeBuilder) stageFrame(s *Stage) *frame {
	fr := &frame{escape: b.f.EscapeToken}
	if base := s.BaseStage; base != nil && base.Index < s.Index {
		end := &b.ss.end[base.Index]
		fr.parent = end
		fr.inheritedUnknown = end.fr.onbuild
		fr.open = end.fr.open || end.fr.onbuild
		// BuildKit starts from the base stage's state, then sets its image
		// configuration's ENV again: an ENV there beats a later ARG of the
		// same name.
		fr.imageEnv = end.fr.imageEnv
		if fr.inheritedUnknown {
			fr.imageEnv, fr.ownEnv = slices.Clone(fr.imageEnv), true
			for i := range fr.imageEnv {
				fr.imageEnv[i].Known = false
			}
		}
		for _, v := range fr.imageEnv {
			fr.binds = append(fr.binds, binding{v: v, set: true})
		}
		return fr
	}
	var env []Var
	switch {
	case len(s.Unresolved) > 0 || s.Base == "":
		fr.open = true
	case s.IsScratch():
		env = []Var{{Name: "PATH", Value: DefaultPath, Known: true}}
	default:
		entries, ok := []string(nil), false
		if b.opts.ImageEnv != nil {
			entries, ok = b.opts.ImageEnv(s)
		}
		if !ok {
			fr.open = true
			break
		}
		for _, e := range entries {
			k, v, _ := strings.Cut(e, "=")
			env = setVar(env, Var{Name: k, Value: v, Known: true}, true)
		}
		if !slices.ContainsFunc(env, func(v Var) bool { return v.Name == "PATH" }) {
			env = append(env, Var{Name: "PATH", Value: DefaultPath, Known: true})
		}
	}
	for _, v := range env {
		fr.binds = append(fr.binds, binding{v: v, set: true})
	}
	fr.imageEnv, fr.ownEnv = env, true
	return fr
}

// triggers dispatches, in the scope of a stage built FROM another stage,
// the ONBUILD triggers of that stage first, as BuildKit's
// initOnBuildTriggers does: their ENV and ARG set variables the stage's
// own instructions see. When every trigger parses, what the stage
// inherits is as known as its base's end; a trigger that does not parse
// (the build fails on it) leaves it unknown.
func (b *scopeBuilder) triggers(fr *frame, s *Stage) {
	base := s.BaseStage
	if base == nil || base.Index >= s.Index || !fr.inheritedUnknown {
		return
	}
	var cmds []instructions.Command
	var from []*Instruction
	for _, in := range base.Instructions {
		ob, ok := in.Typed.(*instructions.OnbuildCommand)
		if !ok {
			continue
		}
		res, err := parser.Parse(strings.NewReader(ob.Expression))
		if err != nil || res.AST == nil || len(res.AST.Children) != 1 {
			return
		}
		typed, err := instructions.ParseInstruction(res.AST.Children[0])
		if err != nil {
			return
		}
		cmd, ok := typed.(instructions.Command)
		if !ok {
			return
		}
		cmds, from = append(cmds, cmd), append(from, in)
	}
	end := &b.ss.end[base.Index]
	fr.inheritedUnknown = false
	fr.open = end.fr.open
	// stageFrame marked what the base passes on unknown: it is as known
	// as the base's end now.
	fr.imageEnv, fr.ownEnv = slices.Clone(end.fr.imageEnv), true
	fr.binds = fr.binds[:0]
	for _, v := range fr.imageEnv {
		fr.binds = append(fr.binds, binding{v: v, set: true})
	}
	for i, cmd := range cmds {
		switch c := cmd.(type) {
		case *instructions.ArgCommand:
			b.stageArg(fr, from[i], c)
		case *instructions.EnvCommand:
			b.env(fr, from[i], c)
		}
	}
}

// valueOf is the value a variable gets from an expansion of raw.
func valueOf(e Expansion, raw string) string {
	if e.Err != nil {
		return raw
	}
	return e.Result
}

// setVar replaces the variable of the same name in env, or appends v, as
// an image configuration's ENV list is updated. Unless own, env's array is
// shared and stays as it is: the result is a copy.
func setVar(env []Var, v Var, own bool) []Var {
	for i := range env {
		if env[i].Name == v.Name {
			if !own {
				env = slices.Clone(env)
			}
			env[i] = v
			return env
		}
	}
	if !own {
		env = env[:len(env):len(env)]
	}
	return append(env, v)
}

// stageArg is BuildKit's dispatchArg: each pair sees the ones before it.
func (b *scopeBuilder) stageArg(fr *frame, in *Instruction, c *instructions.ArgCommand) {
	global := &Scope{fr: b.gfr, n: len(b.gfr.binds)}
	for _, kv := range c.Args {
		sc := &Scope{fr: fr, n: len(fr.binds)}
		d := Definition{Var: Var{Name: kv.Key, Arg: true, From: in}, Scope: sc}
		switch v, ok := b.opts.BuildArgs[kv.Key]; {
		case ok:
			d.Var.Value, d.Var.Known, d.HasValue = v, true, true
		case kv.Value != nil:
			d.Value = sc.expand(b.lex, *kv.Value)
			d.Var.Value, d.Var.Known, d.HasValue = valueOf(d.Value, *kv.Value), d.Value.Known(), true
		default:
			if g, ok := global.Lookup(kv.Key); ok {
				d.Var.Value, d.Var.Known, d.HasValue = g.Value, g.Known, true
			}
		}
		if NonEnvArgs[kv.Key] {
			d.HasValue = false
		}
		fr.binds = append(fr.binds, binding{v: d.Var, set: d.HasValue, declared: true})
		b.ss.defs[in] = append(b.ss.defs[in], d)
	}
}

// env is BuildKit's ENV: every key and value is expanded in the scope
// before the instruction, then all are set.
func (b *scopeBuilder) env(fr *frame, in *Instruction, c *instructions.EnvCommand) {
	sc := &Scope{fr: fr, n: len(fr.binds)}
	defs := make([]Definition, 0, len(c.Env))
	for _, kv := range c.Env {
		d := Definition{Key: sc.expand(b.lex, kv.Key), Value: sc.expand(b.lex, kv.Value), Scope: sc, HasValue: true}
		d.Var = Var{Name: valueOf(d.Key, kv.Key), Value: valueOf(d.Value, kv.Value), Known: d.Key.Known() && d.Value.Known(), From: in}
		defs = append(defs, d)
	}
	for _, d := range defs {
		fr.binds = append(fr.binds, binding{v: d.Var, set: true})
		fr.imageEnv, fr.ownEnv = setVar(fr.imageEnv, d.Var, fr.ownEnv), true
	}
	b.ss.defs[in] = defs
}

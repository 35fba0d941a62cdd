package rules

import (
	"sort"
	"strconv"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// saEnv computes the variables a stage's instructions see, as far as the
// Dockerfile alone tells: the global ARG defaults (and the automatic
// platform ARGs) for ARGs redeclared in the stage, the stage's own ARG
// defaults and ENVs, and the ENVs of the stage it is built on. What comes
// from a base image ($HOME, $PATH, ...) is unknown, and so is anything that
// depends on it: rules must stay silent on what they cannot expand.
type saEnv struct {
	f      *dockerfile.File
	global *dockerfile.Env
	final  map[*dockerfile.Stage]*saLayer // ENVs in effect at the end of a stage
}

func saNewEnv(f *dockerfile.File) *saEnv {
	return &saEnv{f: f, global: f.GlobalEnv(nil), final: map[*dockerfile.Stage]*saLayer{}}
}

// saVal is a variable's value; known is false when it cannot be told.
type saVal struct {
	v     string
	known bool
}

// saLayer is the ENVs one stage sets on top of those of its base stage
// (shared, never copied: long chains of stages stay cheap).
type saLayer struct {
	parent *saLayer
	vals   map[string]saVal
}

func (l *saLayer) get(k string) (saVal, bool) {
	for ; l != nil; l = l.parent {
		if v, ok := l.vals[k]; ok {
			return v, true
		}
	}
	return saVal{}, false
}

// saScope is the variable scope at one point of a stage.
type saScope struct {
	e    *saEnv
	base *saLayer         // ENVs inherited from the base stage
	envs map[string]saVal // ENVs of this stage so far
	args map[string]saVal // ARGs of this stage so far
}

// start returns the scope right after s's FROM.
func (e *saEnv) start(s *dockerfile.Stage) *saScope {
	sc := &saScope{e: e, envs: map[string]saVal{}, args: map[string]saVal{}}
	if s != nil {
		if b := s.BaseStage; b != nil && b.Index < s.Index {
			sc.base = e.stageEnv(b)
		}
	}
	return sc
}

// stageEnv returns the ENVs in effect at the end of s (memoized; a stage's
// base is always an earlier stage, so the recursion ends).
func (e *saEnv) stageEnv(s *dockerfile.Stage) *saLayer {
	if l, ok := e.final[s]; ok {
		return l
	}
	sc := e.start(s)
	for _, in := range s.Instructions {
		sc.apply(in)
	}
	l := sc.base
	if len(sc.envs) > 0 {
		l = &saLayer{parent: sc.base, vals: sc.envs}
	}
	e.final[s] = l
	return l
}

// get returns a variable's value: ENV beats ARG, whatever the order.
func (sc *saScope) get(k string) (saVal, bool) {
	if v, ok := sc.envs[k]; ok {
		return v, true
	}
	if v, ok := sc.base.get(k); ok {
		return v, true
	}
	v, ok := sc.args[k]
	return v, ok
}

// apply records the effect of an ARG or ENV instruction on the scope.
func (sc *saScope) apply(in *dockerfile.Instruction) {
	switch c := in.Typed.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			switch {
			case kv.Value != nil:
				v, ok := sc.expand(*kv.Value)
				sc.args[kv.Key] = saVal{v, ok}
			case sc.e.global.Has(kv.Key):
				v, _ := sc.e.global.Get(kv.Key)
				sc.args[kv.Key] = saVal{v, true}
			default:
				sc.args[kv.Key] = saVal{}
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			v, ok := sc.expand(kv.Value)
			sc.envs[kv.Key] = saVal{v, ok}
		}
	}
}

// expand expands word (quotes removed, variables substituted); ok is false
// when a variable has no known value or the word cannot be processed.
func (sc *saScope) expand(word string) (string, bool) {
	if !strings.ContainsAny(word, "$\\\"'`") {
		return word, true
	}
	res, err := shell.NewLex(sc.e.f.EscapeToken).ProcessWordWithMatches(word, saVars{sc})
	if err != nil {
		return word, false
	}
	return res.Result, len(res.Unmatched) == 0
}

// saVars is a scope's known variables as BuildKit's lexer wants them.
type saVars struct{ sc *saScope }

func (v saVars) Get(k string) (string, bool) {
	val, ok := v.sc.get(k)
	return val.v, ok && val.known
}

func (v saVars) Keys() []string {
	seen := map[string]bool{}
	for k := range v.sc.args {
		seen[k] = true
	}
	for k := range v.sc.envs {
		seen[k] = true
	}
	for l := v.sc.base; l != nil; l = l.parent {
		for k := range l.vals {
			seen[k] = true
		}
	}
	var keys []string
	for k := range seen {
		if _, ok := v.Get(k); ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// saWalk calls fn for every instruction of every stage (ONBUILD triggers
// excluded) with the scope in effect before it.
func saWalk(f *dockerfile.File, fn func(s *dockerfile.Stage, in *dockerfile.Instruction, sc *saScope)) {
	e := saNewEnv(f)
	for _, s := range f.Stages {
		sc := e.start(s)
		for _, in := range s.Instructions {
			fn(s, in, sc)
			sc.apply(in)
		}
	}
}

// saProcessWithMatches runs BuildKit's lexer on word and reports which
// variables it used and which had no value.
func saProcessWithMatches(f *dockerfile.File, word string, env *dockerfile.Env) (shell.ProcessWordResult, bool) {
	lex := shell.NewLex(f.EscapeToken)
	res, err := lex.ProcessWordWithMatches(word, env)
	return res, err == nil
}

// saDropQuotes strips surrounding quotes as hadolint's dropQuotes does.
func saDropQuotes(s string) string {
	return strings.Trim(s, `"'`)
}

// saLastRange returns the range of the last occurrence of s in the
// instruction's arguments, or the arguments' range.
func saLastRange(in *dockerfile.Instruction, s string) dockerfile.Range {
	if s != "" {
		if i := strings.LastIndex(in.Args, s); i >= 0 {
			return in.Span(in.ArgsOffset+i, len(s))
		}
	}
	return in.ArgsRange()
}

// saKeyRange finds key at a word start at or after logical offset from,
// followed by '=', a blank or the end (an ARG/ENV key). It returns the
// range and the offset after the key.
func saKeyRange(in *dockerfile.Instruction, key string, from int) (dockerfile.Range, int, bool) {
	logical := in.Logical()
	off := from
	for {
		r, at, ok := in.FindFrom(key, off)
		if !ok {
			return in.ArgsRange(), from, false
		}
		end := at + len(key)
		startOK := at == in.ArgsOffset || (at > 0 && (logical[at-1] == ' ' || logical[at-1] == '\t'))
		endOK := end >= len(logical) || logical[end] == '=' || logical[end] == ' ' || logical[end] == '\t'
		if startOK && endOK {
			return r, end, true
		}
		off = at + 1
	}
}

// saIsDigits reports whether s is a non-empty run of ASCII digits.
func saIsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// saStageLabel names a stage for messages: "stage build" or "stage 2".
func saStageLabel(s *dockerfile.Stage) string {
	if s.Name != "" {
		return "stage " + s.Name
	}
	return "stage " + strconv.Itoa(s.Index)
}

// saIsWindowsStage reports whether a stage is built on a Windows image
// (nanoserver, servercore, mcr.microsoft.com/windows/...), directly or
// through the stages it is built on.
func saIsWindowsStage(s *dockerfile.Stage) bool {
	for s != nil {
		base := strings.ToLower(s.Base)
		for _, w := range []string{"windows", "nanoserver", "servercore"} {
			if strings.Contains(base, w) {
				return true
			}
		}
		if s.BaseStage == nil || s.BaseStage.Index >= s.Index {
			return false
		}
		s = s.BaseStage
	}
	return false
}

// saCopyFrom returns the --from flag of a COPY (not of an ONBUILD trigger).
func saCopyFrom(in *dockerfile.Instruction) (dockerfile.Flag, bool) {
	if in.Name != "copy" {
		return dockerfile.Flag{}, false
	}
	fl, ok := in.Flag("from")
	if !ok || fl.Value == "" {
		return dockerfile.Flag{}, false
	}
	return fl, true
}

package rules

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3044 = register(&lint.Rule{
	ID:       "DL3044",
	Name:     "env-self-reference",
	Severity: lint.Error,
	Summary:  "Do not refer to an environment variable within the same ENV statement where it is defined",
	Rationale: "All variables of one ENV are expanded before any of its assignments takes effect: " +
		"in `ENV DIR=/opt/app BIN=$DIR/bin`, `$DIR` is the value DIR had before the line (usually " +
		"empty), so BIN becomes `/bin`. Split the ENV in two.\n\n" +
		"As in hadolint, a variable that was already defined before the statement (by ENV or ARG) " +
		"is exempt, and so is a variable referring to itself: `ENV PATH=/opt/bin:$PATH` is the " +
		"usual way to extend a value. hoist is more exact than hadolint in two ways: it reports " +
		"only references that come after the definition in the statement (`ENV B=$A A=1` reads as " +
		"what it does), and \"defined before\" means in scope: ENV and ARG of the same stage or of " +
		"a stage it is built on, not of an unrelated stage (hadolint's check spans the whole file " +
		"and misses `$GOPATH` set only in another stage). References in single quotes or escaped " +
		"with the escape character are not expansions and are ignored. The legacy `ENV KEY value` " +
		"form sets one variable and cannot trip the rule.",
	Bad:  "FROM alpine:3.20\nENV APP_HOME=/opt/app APP_BIN=${APP_HOME}/bin\n",
	Good: "FROM alpine:3.20\nENV APP_HOME=/opt/app\nENV APP_BIN=${APP_HOME}/bin PATH=/opt/app/bin:${PATH}\n",
	Run: func(p *lint.Pass) {
		esc := p.File.EscapeToken
		for _, s := range p.File.Stages {
			defined := map[string]bool{}
			chain := s.Chain()
			for i := len(chain) - 1; i >= 1; i-- {
				for _, in := range chain[i].Instructions {
					addDefined(defined, in)
				}
			}
			for _, in := range s.Instructions {
				if env, ok := in.Typed.(*instructions.EnvCommand); ok {
					checkEnvSelfRefs(p, in, env, defined, esc)
				}
				addDefined(defined, in)
			}
		}
	},
})

// addDefined adds the names an ENV or ARG defines.
func addDefined(defined map[string]bool, in *dockerfile.Instruction) {
	switch c := in.Typed.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			defined[kv.Key] = true
		}
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			defined[kv.Key] = true
		}
	}
}

func checkEnvSelfRefs(p *lint.Pass, in *dockerfile.Instruction, env *instructions.EnvCommand, defined map[string]bool, esc rune) {
	if len(env.Env) < 2 || env.Env[0].NoDelim {
		return
	}
	kvs := in.KeyValues()
	if len(kvs) != len(env.Env) {
		return // the pairs do not line up with BuildKit's: do not guess
	}
	setAt := map[string]int{}
	for j, kv := range kvs {
		key := env.Env[j].Key
		if kv.Key != key {
			return
		}
		reported := map[string]bool{}
		for _, ref := range dockerfile.VarRefs(kv.Value, esc) {
			if _, earlier := setAt[ref.Name]; !earlier || defined[ref.Name] || reported[ref.Name] {
				continue
			}
			reported[ref.Name] = true
			n := ref.Len
			if ref.Braced && strings.HasPrefix(kv.Value[ref.Offset+n:], "}") {
				n++ // the whole ${NAME}
			}
			p.Reportf(in.Span(kv.ValueOffset+ref.Offset, n),
				"Do not refer to an environment variable within the same `ENV` statement where it is defined "+
					"($%s here is expanded before this ENV sets %s, so %s does not get the new value: move %s=... to a separate ENV)",
				ref.Name, ref.Name, key, key)
		}
		if _, ok := setAt[key]; !ok {
			setAt[key] = j
		}
	}
}

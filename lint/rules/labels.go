package rules

import (
	"sort"
	"unicode/utf8"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// labelPair is one key/value of a LABEL instruction with its positions.
type labelPair struct {
	In *dockerfile.Instruction
	// RawKey and RawValue are as written (quotes and escapes kept).
	RawKey, RawValue string
	// Key and Value are what the build sees: quotes and escapes removed.
	// When they refer to variables they cannot be known here; they are then
	// the raw text and KeyVars / ValueVars are set.
	Key, Value         string
	KeyVars, ValueVars bool
	KeyRange           dockerfile.Range
	// ValueRange is empty (start == end, just after the '=') for an empty value.
	ValueRange dockerfile.Range
	// Range spans the key to the end of the value.
	Range dockerfile.Range
}

// labelInstructions returns the top-level LABEL instructions BuildKit
// accepted. Like hadolint, ONBUILD LABEL is not looked at: it labels the
// images built FROM this one, not this image.
func labelInstructions(f *dockerfile.File) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for _, in := range f.Instructions {
		if in.Name != "label" {
			continue
		}
		if _, ok := in.Typed.(*instructions.LabelCommand); ok {
			out = append(out, in)
		}
	}
	return out
}

// labelPairs returns the pairs of a LABEL instruction ("LABEL k=v k2=v2" or
// the legacy "LABEL k v") with their positions.
func labelPairs(f *dockerfile.File, in *dockerfile.Instruction) []labelPair {
	lc, ok := in.Typed.(*instructions.LabelCommand)
	if !ok {
		return nil
	}
	kvs := in.KeyValues()
	// The split must agree with BuildKit's; when it does not (it should
	// not happen), keep BuildKit's pairs at the instruction's position.
	if len(kvs) != len(lc.Labels) {
		return fallbackLabelPairs(f, in, lc)
	}
	for i, kv := range kvs {
		if kv.Key != lc.Labels[i].Key {
			return fallbackLabelPairs(f, in, lc)
		}
	}
	pairs := make([]labelPair, 0, len(kvs))
	for _, kv := range kvs {
		p := labelPair{In: in, RawKey: kv.Key, RawValue: kv.Value, KeyRange: kv.KeyRange, ValueRange: kv.ValueRange, Range: kv.Range}
		p.Key, p.KeyVars = unquoteLabel(f, p.RawKey)
		p.Value, p.ValueVars = unquoteLabel(f, p.RawValue)
		pairs = append(pairs, p)
	}
	return pairs
}

func fallbackLabelPairs(f *dockerfile.File, in *dockerfile.Instruction, lc *instructions.LabelCommand) []labelPair {
	var out []labelPair
	r := in.ArgsRange()
	for _, kv := range lc.Labels {
		k, kvars := unquoteLabel(f, kv.Key)
		v, vvars := unquoteLabel(f, kv.Value)
		out = append(out, labelPair{In: in, RawKey: kv.Key, RawValue: kv.Value, Key: k, Value: v,
			KeyVars: kvars, ValueVars: vvars, KeyRange: r, ValueRange: r, Range: r})
	}
	return out
}

// unquoteLabel is what the build makes of a key or value when no variable is
// defined (quote and escape removal): a word that refers to a variable (or
// that the lexer rejects) comes back as written with vars set, since its
// value depends on build arguments. An empty word has no variable.
func unquoteLabel(f *dockerfile.File, raw string) (string, bool) {
	if raw == "" {
		return "", false
	}
	v, ok := dockerfile.Unquote(raw, f.EscapeToken)
	return v, !ok
}

// showValue formats a value for a message: back-quoted, shortened when long.
func showValue(v string) string {
	const maxRunes = 60
	if utf8.RuneCountInString(v) > maxRunes {
		r := []rune(v)
		v = string(r[:maxRunes]) + "..."
	}
	return "`" + v + "`"
}

// schemaKeys returns the schema's label names of type typ ("" = every
// type), sorted.
func schemaKeys(cfg *lint.Config, typ string) []string {
	if cfg == nil {
		return nil
	}
	var keys []string
	for k, t := range cfg.LabelSchema {
		if typ == "" || t == typ {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// checkLabelValues runs check over the values of every label whose schema type
// is typ, and reports the bad ones at the value. Values that refer to a
// variable are not checked (build arguments decide them), nor are empty
// values (DL3051 reports those).
func checkLabelValues(p *lint.Pass, typ string, message func(key string) string, check func(v string) (bool, string)) {
	keys := schemaKeys(p.Config, typ)
	if len(keys) == 0 {
		return
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	for _, in := range labelInstructions(p.File) {
		for _, pr := range labelPairs(p.File, in) {
			if !want[pr.Key] || pr.KeyVars || pr.ValueVars || pr.Value == "" {
				continue
			}
			if ok, why := check(pr.Value); !ok {
				msg := message(pr.Key)
				if why != "" {
					msg += " " + why
				}
				p.Report(pr.ValueRange, msg)
			}
		}
	}
}

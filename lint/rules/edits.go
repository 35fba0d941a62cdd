package rules

import (
	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

// sourceIs reports whether the Dockerfile text at r (one line) is want.
// Fixes check a word this way before editing at it: positions inside
// nested strings (`sh -c "..."`, exec-form JSON) with escapes can drift.
func sourceIs(f *dockerfile.File, r dockerfile.Range, want string) bool {
	if r.Start.Line != r.End.Line || r.Start.Line < 1 || r.Start.Line > len(f.Lines) {
		return false
	}
	line := []rune(f.Lines[r.Start.Line-1])
	s, e := r.Start.Column-1, r.End.Column-1
	if s < 0 || e < s || e > len(line) {
		return false
	}
	return string(line[s:e]) == want
}

// insertOption is the edit that adds option ("-y") right after the word w
// of c: ` -y` in a shell script (an `sh -c` string included), `, "-y"` in
// an exec-form array. ok is false when the Dockerfile text at w is not w
// as written (see sourceIs).
func insertOption(p *lint.Pass, c *shellscript.Command, w shellscript.Word, option string) (lint.Edit, bool) {
	if !sourceIs(p.File, w.Range, w.Raw) {
		return lint.Edit{}, false
	}
	text := " " + option
	if c.Call == nil { // exec form: a JSON array
		text = `, "` + option + `"`
	}
	return lint.Insert(afterWord(w), text), true
}

// optionFix is a fix made of insertOption's edit, nil when it cannot be made.
func optionFix(p *lint.Pass, c *shellscript.Command, w shellscript.Word, option string) *lint.Fix {
	e, ok := insertOption(p, c, w, option)
	if !ok {
		return nil
	}
	return &lint.Fix{Description: "add " + option, Edits: []lint.Edit{e}}
}

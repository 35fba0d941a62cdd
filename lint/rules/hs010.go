package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/command"
)

var HS010 = register(&lint.Rule{
	ID:       "HS010",
	Name:     "consistent-instruction-casing",
	Aliases:  []string{"ConsistentInstructionCasing"},
	Severity: lint.Warning,
	Summary:  "All instructions should use the same casing (either upper or lower)",
	Rationale: "Mirrors BuildKit's ConsistentInstructionCasing check. Instruction keywords may be written " +
		"in either case, but mixing them (`From`, or `copy` among `RUN`s) makes a Dockerfile harder to " +
		"read. As in BuildKit, the casing used by the majority of instructions wins (upper case on a " +
		"tie) and every keyword in the other case, or in mixed case, is reported. hoist also counts " +
		"and checks the ARGs before the first FROM, which BuildKit skips, and reports at the keyword.",
	Bad:  "FROM alpine:3.20\nrun echo hello > /greeting.txt\nENTRYPOINT [\"cat\", \"/greeting.txt\"]\n",
	Good: "FROM alpine:3.20\nRUN echo hello > /greeting.txt\nENTRYPOINT [\"cat\", \"/greeting.txt\"]\n",
	Fix:  "Rewrites each reported keyword in the majority casing (only the keyword's letters change).",
	Run: func(p *lint.Pass) {
		majorityLower := fixMajorityLower(p.File)
		for _, in := range p.File.Instructions {
			if _, ok := command.Commands[in.Name]; !ok {
				continue
			}
			want, casing := strings.ToUpper(in.Keyword), "uppercase"
			if majorityLower {
				want, casing = strings.ToLower(in.Keyword), "lowercase"
			}
			if in.Keyword == want {
				continue
			}
			r := in.KeywordRange()
			msg := fmt.Sprintf("Command '%s' should match the case of the command majority (%s): write '%s'", in.Keyword, casing, want)
			var fix *lint.Fix
			// The keyword must sit on one line exactly as written, or the
			// edit would touch other bytes.
			if r.Start.Line == r.End.Line && r.End.Column-r.Start.Column == utf8.RuneCountInString(in.Keyword) {
				fix = &lint.Fix{Description: "write " + want, Edits: []lint.Edit{lint.NewEdit(r, want)}}
			}
			p.ReportFix(r, msg, fix)
		}
	},
})

// fixMajorityLower reports whether most instruction keywords of f are in
// lower case (upper case wins a tie), counting as HS010 does. Fixes that
// write a keyword use it to match the file's style.
func fixMajorityLower(f *dockerfile.File) bool {
	lower, upper := 0, 0
	for _, in := range f.Instructions {
		if _, ok := command.Commands[in.Name]; !ok {
			continue
		}
		switch in.Keyword {
		case strings.ToLower(in.Keyword):
			lower++
		case strings.ToUpper(in.Keyword):
			upper++
		}
	}
	return lower > upper
}

// fixKeyword returns keyword (upper case) in the casing of f's majority.
func fixKeyword(f *dockerfile.File, keyword string) string {
	if fixMajorityLower(f) {
		return strings.ToLower(keyword)
	}
	return strings.ToUpper(keyword)
}

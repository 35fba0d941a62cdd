package rules

import (
	"strings"

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
	Run: func(p *lint.Pass) {
		lower, upper := 0, 0
		for _, in := range p.File.Instructions {
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
		majorityLower := lower > upper
		for _, in := range p.File.Instructions {
			if _, ok := command.Commands[in.Name]; !ok {
				continue
			}
			switch {
			case majorityLower && in.Keyword != strings.ToLower(in.Keyword):
				p.Reportf(in.KeywordRange(), "Command '%s' should match the case of the command majority (lowercase): write '%s'",
					in.Keyword, strings.ToLower(in.Keyword))
			case !majorityLower && in.Keyword != strings.ToUpper(in.Keyword):
				p.Reportf(in.KeywordRange(), "Command '%s' should match the case of the command majority (uppercase): write '%s'",
					in.Keyword, strings.ToUpper(in.Keyword))
			}
		}
	},
})

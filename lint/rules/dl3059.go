package rules

import (
	"sort"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3059 = register(&lint.Rule{
	ID:       "DL3059",
	Name:     "consecutive-run",
	Severity: lint.Info,
	Summary:  "Multiple consecutive `RUN` instructions. Consider consolidation",
	Rationale: "Every RUN adds a layer; files a later RUN deletes stay in the earlier layer. Consecutive " +
		"one-command RUNs can usually be one RUN (`&&`, or a heredoc). As hadolint, the rule reports a " +
		"RUN that directly follows another RUN (comments between them do not separate them) when both " +
		"run a single command and both have the same flags: RUNs whose `--mount`, `--network` or " +
		"`--security` differ cannot be merged, and a RUN that already chains several commands shows the " +
		"split is deliberate (say, to cache an expensive step on its own). A RUN whose script hoist " +
		"cannot read as shell (pwsh, a parse error) does not count as a single command.",
	Bad:  "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n",
	Good: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
	Run: func(p *lint.Pass) {
		var prev *dockerfile.Instruction
		prevSingle := false
		for _, in := range p.File.Instructions {
			if in.Name != "run" {
				prev = nil
				continue
			}
			single := singleCommand(scriptOf(p, in))
			if prev != nil && prevSingle && single && sameFlags(prev, in) {
				p.Reportf(in.KeywordRange(), "Multiple consecutive `RUN` instructions. Consider consolidation: "+
					"this RUN and the one on line %d each run one command; join them with `&&` to save a layer", prev.Range.Start.Line)
			}
			prev, prevSingle = in, single
		}
	},
})

// singleCommand reports whether a RUN runs exactly one command
// (commands of `sh -c` strings not counted, as hadolint does not see them).
func singleCommand(s *shellscript.Script) bool {
	if s == nil || s.Skipped != "" || s.Err != nil || (!s.Exec && s.AST == nil) {
		return false
	}
	n := 0
	for _, c := range s.Commands {
		if !c.Nested {
			n++
		}
	}
	return n == 1
}

// sameFlags reports whether two instructions have the same flags, in any order.
func sameFlags(a, b *dockerfile.Instruction) bool {
	norm := func(in *dockerfile.Instruction) string {
		var fs []string
		for _, f := range in.Flags {
			fs = append(fs, f.Name+"="+f.Value)
		}
		sort.Strings(fs)
		return strings.Join(fs, "\x00")
	}
	return norm(a) == norm(b)
}

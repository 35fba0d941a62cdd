package rules

import (
	"strings"

	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

var DL3021 = register(&lint.Rule{
	ID:       "DL3021",
	Name:     "copy-multiple-sources-dir",
	Severity: lint.Error,
	Summary:  "COPY with more than 2 arguments requires the last argument to end with /",
	Rationale: "With several sources the destination must be a directory, and only a trailing `/` says " +
		"so: without it the sources are written one after the other to the same path, or the build " +
		"fails. Heredoc sources (`COPY <<A <<B /dst/`) count as sources; the exec form " +
		"(`COPY [\"a\", \"b\", \"/dst/\"]`) is checked too, and the destination is expanded with the " +
		"stage's ARG and ENV defaults first. Unlike hadolint, `.` is accepted as a directory: BuildKit " +
		"treats `COPY a b .` as `COPY a b ./`.",
	Bad:  "FROM node:22.11\nWORKDIR /app\nCOPY package.json package-lock.json /app\n",
	Good: "FROM node:22.11\nWORKDIR /app\nCOPY package.json package-lock.json /app/\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			c, ok := in.Typed.(*instructions.CopyCommand)
			if !ok || in.Stage == nil {
				continue
			}
			n := len(c.SourcePaths) + len(c.SourceContents)
			if n < 2 {
				continue
			}
			e := p.File.Scopes().Before(in).Expand(c.DestPath)
			dest, ok := e.Result, e.Known()
			if in.IsJSON() {
				dest, ok = c.DestPath, true
			}
			if !ok || dest == "." || strings.HasSuffix(dest, "/") || strings.HasSuffix(dest, `\`) {
				continue
			}
			p.Reportf(lastRange(in, c.DestPath), "COPY with more than 2 arguments requires the last argument to end with / (%d sources are copied into %s: write %s/)", n, c.DestPath, c.DestPath)
		}
	},
})

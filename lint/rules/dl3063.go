package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3063 = register(&lint.Rule{
	ID:       "DL3063",
	Name:     "no-user-instruction",
	Severity: lint.Ignore,
	Summary:  "A USER instruction should be specified",
	Rationale: "Without a USER instruction anywhere in the Dockerfile, the image runs as the base image's user, " +
		"which is root for most images: a process that escapes its application owns the container. hadolint's " +
		"rule, off by default as in hadolint: it fires once per file when no stage has a top-level USER " +
		"(ONBUILD USER does not count), and not for a file without FROM. hadolint reports it on the line after " +
		"the last FROM; hoist reports it at the last FROM instruction. hoist's own on-by-default rule for a final " +
		"stage that runs as root is the finer check (a USER in a build stage does not make the final image " +
		"non-root); this one keeps hadolint's exact semantics for configurations that enable it.",
	Bad:  "FROM alpine:3.20\nRUN adduser -D app\n",
	Good: "FROM alpine:3.20\nRUN adduser -D app\nUSER app\n",
	Run: func(p *lint.Pass) {
		f := p.File
		if len(f.Stages) == 0 {
			return
		}
		for _, in := range f.Instructions {
			if in.Name == "user" {
				return
			}
		}
		last := f.Stages[len(f.Stages)-1].From
		p.ReportInstruction(last, "A USER instruction should be specified: without one the container runs as the base image's user, usually root. Add `USER <non-root user>` to the final stage")
	},
})

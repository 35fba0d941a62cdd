package rules

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3045 = register(&lint.Rule{
	ID:       "DL3045",
	Name:     "copy-relative-without-workdir",
	Severity: lint.Warning,
	Summary:  "`COPY` to a relative destination without `WORKDIR` set",
	Rationale: "A relative COPY destination is resolved against the working directory, which, " +
		"without a WORKDIR in the Dockerfile, is whatever the base image chose (often `/`) and may " +
		"change when the base image is updated. Set WORKDIR first or copy to an absolute path.\n\n" +
		"As in hadolint the check is per stage: a WORKDIR earlier in the stage, or in a stage it is " +
		"built on (`FROM build`), counts; a WORKDIR in an unrelated stage does not. Absolute " +
		"destinations (`/app`, Windows `C:\\app` or `C:/app`) are fine, and a destination that " +
		"starts with a variable is not guessed. `.` and `./x` are relative.",
	Bad:  "FROM node:22.11\nCOPY package.json .\n",
	Good: "FROM node:22.11\nWORKDIR /app\nCOPY package.json .\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			for _, in := range s.Instructions {
				if in.Name != "copy" {
					continue
				}
				dest, ok := copyDest(in)
				if !ok || !isRelativeDest(dest) || chainHas(s, in, "workdir") {
					continue
				}
				p.Reportf(lastRange(in, dest), "`COPY` to a relative destination without `WORKDIR` set "+
					"(%s is relative to the base image's working directory: set WORKDIR first or use an absolute path)", dest)
			}
		}
	},
})

// copyDest returns the destination of a COPY as written.
func copyDest(in *dockerfile.Instruction) (string, bool) {
	if c, ok := in.Typed.(*instructions.CopyCommand); ok {
		return c.DestPath, c.DestPath != ""
	}
	if in.Typed != nil || in.IsJSON() {
		return "", false
	}
	ws := in.Words()
	if len(ws) < 2 {
		return "", false
	}
	return ws[len(ws)-1].Text, true
}

// isRelativeDest applies hadolint's test for a relative destination.
func isRelativeDest(dest string) bool {
	d := strings.Trim(dest, `"'`)
	switch {
	case d == "":
		return false
	case strings.HasPrefix(d, "/"), strings.HasPrefix(d, "$"):
		return false
	case len(d) >= 3 && d[1] == ':' && (d[2] == '\\' || d[2] == '/'):
		return false // a Windows drive path
	}
	return true
}

package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3000 = register(&lint.Rule{
	ID:       "DL3000",
	Name:     "absolute-workdir",
	Aliases:  []string{"WorkdirRelativePath"},
	Severity: lint.Error,
	Summary:  "Use absolute WORKDIR",
	Rationale: "A relative WORKDIR is resolved against the working directory of the base image, which the " +
		"image's maintainers may change at any time; an absolute path says where the files go. " +
		"Like BuildKit's WorkdirRelativePath (and unlike hadolint, which flags every relative WORKDIR), " +
		"hoist only flags a relative WORKDIR when no WORKDIR came before it in the stage or the stages it " +
		"is built on: `WORKDIR /app` followed by `WORKDIR src` is fully defined. Variables are expanded " +
		"with the stage's ARG defaults and ENVs; a path starting with a variable that has no known value " +
		"(such as `$HOME`, set by the base image) is not guessed. Windows paths such as `C:\\app` are absolute.",
	Bad:  "FROM node:22.11\nWORKDIR app\nCOPY . .\n",
	Good: "FROM node:22.11\nWORKDIR /app\nCOPY . .\n",
	Run: func(p *lint.Pass) {
		// set[s]: a WORKDIR was set in stage s or the stages it is built on.
		set := map[*dockerfile.Stage]bool{}
		saWalk(p.File, func(s *dockerfile.Stage, in *dockerfile.Instruction, sc *saScope) {
			if in.Name != "workdir" || set[s] || saInheritsWorkdir(s) {
				return
			}
			set[s] = true
			raw := strings.TrimSpace(in.Args)
			dir, ok := sc.expand(raw)
			if raw == "" || !ok || dir == "" || saAbsPath(dir) {
				return
			}
			what := fmt.Sprintf("%q", dir)
			if dir != raw {
				what = fmt.Sprintf("%s (%q)", raw, dir)
			}
			p.Reportf(in.ArgsRange(), "Use absolute WORKDIR: %s is relative to the base image's working directory, which can change; write the full path (e.g. %s)", what, path.Join("/", dir))
		})
	},
})

// saInheritsWorkdir reports whether a stage this one is built on sets a WORKDIR.
func saInheritsWorkdir(s *dockerfile.Stage) bool {
	for b := s.BaseStage; b != nil && b.Index < s.Index; s, b = b, b.BaseStage {
		for _, in := range b.Instructions {
			if in.Name == "workdir" {
				return true
			}
		}
	}
	return false
}

// saAbsPath reports whether a WORKDIR path is absolute on Linux or Windows.
func saAbsPath(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && (p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z')
}

package rules

import (
	"fmt"
	"path"
	"strings"

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
		scopes := p.File.Scopes()
		for _, s := range p.File.Stages {
			for _, in := range s.Instructions {
				// Only the first WORKDIR of the stage and the stages it is built on.
				if in.Name != "workdir" || chainHas(s, in, "workdir") {
					continue
				}
				raw := strings.TrimSpace(in.Args)
				e := scopes.Before(in).Expand(raw)
				dir := e.Result
				if raw == "" || !e.Known() || dir == "" || isAbsPath(dir) {
					continue
				}
				what := fmt.Sprintf("%q", dir)
				if dir != raw {
					what = fmt.Sprintf("%s (%q)", raw, dir)
				}
				p.Reportf(in.ArgsRange(), "Use absolute WORKDIR: %s is relative to the base image's working directory, which can change; write the full path (e.g. %s)", what, path.Join("/", dir))
			}
		}
	},
})

// isAbsPath reports whether a WORKDIR path is absolute on Linux or Windows.
func isAbsPath(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && (p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z')
}

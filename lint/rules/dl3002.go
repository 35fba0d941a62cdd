package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3002 = register(&lint.Rule{
	ID:       "DL3002",
	Name:     "last-user-not-root",
	Severity: lint.Warning,
	Summary:  "Last USER should not be root",
	Rationale: "A container whose process runs as root turns any escape from the application into root " +
		"on the container, and with a careless mount on the host. Switch to root for the steps that need " +
		"it, then back to an unprivileged user. As in hadolint, the last USER of every stage is checked, " +
		"not only the final stage's: any stage can be built and run with `--target` (a stage built on " +
		"another stage inherits its user, so the finding is on the base stage's USER). `root`, `0`, " +
		"`root:<group>` and `0:<gid>` are root; a user given by a variable is checked with its ARG or ENV " +
		"default, and not guessed when it has none.",
	Bad:  "FROM debian:12.8\nUSER root\nRUN apt-get update\n",
	Good: "FROM debian:12.8\nUSER root\nRUN apt-get update\nUSER 10001:10001\n",
	Run: func(p *lint.Pass) {
		scopes := p.File.Scopes()
		for _, s := range p.File.Stages {
			var last *dockerfile.Instruction
			root := ""
			for _, in := range s.Instructions {
				if in.Name != "user" || in.Err != nil {
					continue
				}
				last, root = in, ""
				if e := scopes.Before(in).Expand(strings.TrimSpace(in.Args)); e.Known() && isRootUser(e.Result) {
					root = e.Result
				}
			}
			if last == nil || root == "" {
				continue
			}
			p.Reportf(last.ArgsRange(), "Last USER should not be root (%s runs as %q): switch back to an unprivileged user, e.g. USER 10001:10001, after the steps that need root", stageLabel(s), root)
		}
	},
})

// isRootUser reports whether a USER value is root (hadolint's test).
func isRootUser(u string) bool {
	return u == "root" || u == "0" || strings.HasPrefix(u, "root:") || strings.HasPrefix(u, "0:")
}

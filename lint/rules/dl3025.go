package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3025 = register(&lint.Rule{
	ID:       "DL3025",
	Name:     "json-args-cmd-entrypoint",
	Aliases:  []string{"JSONArgsRecommended"},
	Severity: lint.Warning,
	Summary:  "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
	Rationale: "The shell form runs the command as `/bin/sh -c \"...\"`: the shell is PID 1, " +
		"it does not forward SIGTERM, so `docker stop` waits out its timeout and kills the " +
		"process without a clean shutdown; a shell-form ENTRYPOINT also ignores CMD and " +
		"`docker run` arguments. The JSON (exec) form runs the program directly.\n\n" +
		"hoist follows BuildKit's JSONArgsRecommended rather than hadolint here: when the " +
		"stage (or a stage it is built on) has changed the shell with SHELL, the shell form " +
		"is the deliberate use of that shell (PowerShell on Windows, bash with pipefail) and " +
		"the rule stays silent. hadolint warns regardless, a false positive users can only ignore.",
	Bad:  "FROM alpine:3.20\nCMD node server.js\n",
	Good: "FROM alpine:3.20\nCMD [\"node\", \"server.js\"]\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			for _, in := range s.Instructions {
				if in.Name != "cmd" && in.Name != "entrypoint" {
					continue
				}
				if !isShellForm(in) || chainHas(s, in, "shell") {
					continue
				}
				kw := "CMD"
				if in.Name == "entrypoint" {
					kw = "ENTRYPOINT"
				}
				p.Reportf(in.ArgsRange(), "Use arguments JSON notation for CMD and ENTRYPOINT arguments "+
					"(the shell form runs %s under /bin/sh -c, which does not pass signals on: write %s [\"executable\", \"arg\", ...])", kw, kw)
			}
		}
	},
})

package rules

import (
	"fmt"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3004 = register(&lint.Rule{
	ID:       "DL3004",
	Name:     "no-sudo",
	Severity: lint.Error,
	Summary:  "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root",
	Rationale: "sudo has unpredictable TTY and signal-forwarding behaviour, is often not installed, and " +
		"is pointless in a build: RUN already runs as the current USER, and a step that needs root " +
		"can switch with `USER root` and back. To drop privileges at run time, use gosu or su-exec in " +
		"the entrypoint. The rule finds sudo anywhere in a script, also behind `env` or inside `sh -c`.",
	Bad:  "FROM debian:12\nUSER app\nRUN sudo apt-get update\n",
	Good: "FROM debian:12\nRUN apt-get update\nUSER app\n",
	Run: func(p *lint.Pass) {
		eachRawCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			chain := c.WrapperChain()
			for i, x := range chain {
				if !x.Is("sudo") {
					continue
				}
				msg := "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root"
				if i+1 < len(chain) && chain[i+1].Name != "" {
					msg += fmt.Sprintf(" (run `%s` as the USER of the step: `USER root` before it if it needs root)", chain[i+1].Base())
				}
				p.Report(x.NameWord.Range, msg)
				return
			}
		})
	},
})

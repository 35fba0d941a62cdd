package rules

import (
	"fmt"
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

// pointlessCommands are the commands DL3001 names, with what to do instead.
var pointlessCommands = map[string]string{
	"free":     "a build step has no use for the memory figures of the build machine",
	"ifconfig": "the network of a build step is not the container's; configure networking at run time",
	"kill":     "processes do not outlive the RUN that starts them; a daemon started for the build must be stopped in the same RUN, or not started",
	"mount":    "a build step cannot mount file systems; use RUN --mount",
	"ps":       "a build step has no processes to look at",
	"service":  "services started in a RUN stop when it ends; start them in the container's CMD or ENTRYPOINT",
	"shutdown": "there is no machine to shut down",
	"ssh":      "use RUN --mount=type=ssh with git, or fetch the files in the build context",
	"top":      "a build step has no processes to look at",
	"vim":      "an interactive editor cannot run in a build; use sed or COPY the edited file",
}

var DL3001 = register(&lint.Rule{
	ID:       "DL3001",
	Name:     "no-irrelevant-commands",
	Severity: lint.Info,
	Summary:  "For some bash commands it makes no sense running them in a Docker container like ssh, vim, shutdown, service, ps, free, top, kill, mount, ifconfig",
	Rationale: "A RUN step runs non-interactively, without a service manager, and its processes end with it: " +
		"`vim` waits for a terminal, `service x start` starts a daemon that is gone in the next layer, " +
		"`ps`, `top` and `free` describe the build machine, `mount` and `shutdown` need privileges a build " +
		"does not have. The rule looks at every command of the script, inside `&&` chains, subshells, " +
		"`sh -c` strings and after `sudo`/`env` (hadolint sees only the first word of a command, so " +
		"`sudo service nginx start` escapes it). It also checks `ifconfig`, which hadolint's message " +
		"names but its code forgets. A non-interactive vim (`vim -es`, `vim +PlugInstall +qall`, " +
		"`vim --headless`) installs plugins at build time and is not reported.",
	Bad:  "FROM debian:12\nRUN service nginx start\n",
	Good: "FROM debian:12\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			name := c.Base()
			why, ok := pointlessCommands[name]
			if !ok || c.Name == "" {
				return
			}
			if name == "vim" && nonInteractiveVim(c) {
				return
			}
			p.Report(c.NameWord.Range, fmt.Sprintf("For some bash commands it makes no sense running them in a Docker container like `ssh`, "+
				"`vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig` (`%s`: %s)", name, why))
		})
	},
})

// nonInteractiveVim reports whether vim runs a script and quits (plugin
// installs) rather than waiting for a terminal.
func nonInteractiveVim(c *shellscript.Command) bool {
	for _, a := range c.Args {
		v := a.Value
		switch {
		case strings.HasPrefix(v, "+"), v == "-c", v == "--cmd", v == "-es", v == "-Es", v == "-e", v == "-E", v == "-s",
			v == "--headless", v == "--not-a-term":
			return true
		}
	}
	return false
}

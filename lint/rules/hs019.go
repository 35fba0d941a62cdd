package rules

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/lint"
)

var HS019 = register(&lint.Rule{
	ID:       "HS019",
	Name:     "background-service-cmd",
	Severity: lint.Warning,
	Summary:  "CMD or ENTRYPOINT starts a service in the background, so the container exits at once",
	Rationale: "A container lives as long as its main process. `service nginx start`, `/etc/init.d/x start`, " +
		"`rc-service x start` and `apachectl start` start a daemon in the background and return, so the " +
		"main process ends and the container stops right after it started; `systemctl` does not work at " +
		"all without systemd as PID 1. Run the server in the foreground instead (`nginx -g 'daemon off;'`, " +
		"`apache2ctl -D FOREGROUND`, `php-fpm -F`). A service started before a foreground command " +
		"(`service cron start && exec nginx -g 'daemon off;'`) is fine and not reported.",
	Bad:  "FROM ubuntu:24.04\nCMD service nginx start\n",
	Good: "FROM ubuntu:24.04\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			var args []string
			var shell bool
			switch c := in.Typed.(type) {
			case *instructions.CmdCommand:
				args, shell = c.CmdLine, c.PrependShell
			case *instructions.EntrypointCommand:
				args, shell = c.CmdLine, c.PrependShell
			default:
				continue
			}
			script := cmdScript(args, shell)
			if script == "" {
				continue
			}
			last := lastCommand(script)
			if msg := backgroundReason(last); msg != "" {
				p.Report(in.Find(strings.TrimSpace(last)), fmt.Sprintf("%s %s", in.Keyword, msg))
			}
		}
	},
})

// cmdScript returns the shell script the instruction runs: the shell form's
// text, or the script of an exec form ["sh", "-c", "..."]; for another exec
// form, the words joined.
func cmdScript(args []string, shell bool) string {
	if shell {
		return strings.Join(args, " ")
	}
	if len(args) >= 3 && (path.Base(args[0]) == "sh" || path.Base(args[0]) == "bash") && args[1] == "-c" {
		return args[2]
	}
	return strings.Join(args, " ")
}

var commandSeparators = regexp.MustCompile(`&&|\|\||;`)

// lastCommand is the last command of a list (what the main process ends with).
func lastCommand(script string) string {
	parts := commandSeparators.Split(script, -1)
	for i := len(parts) - 1; i >= 0; i-- {
		if s := strings.TrimSpace(parts[i]); s != "" {
			return s
		}
	}
	return ""
}

// backgroundReason explains why cmd ends at once, or returns "".
func backgroundReason(cmd string) string {
	f := strings.Fields(cmd)
	for len(f) > 0 && (f[0] == "exec" || f[0] == "sudo") {
		f = f[1:]
	}
	if len(f) < 2 {
		return ""
	}
	name := path.Base(f[0])
	has := func(words ...string) bool {
		for _, w := range f[1:] {
			for _, x := range words {
				if w == x {
					return true
				}
			}
		}
		return false
	}
	switch {
	case name == "systemctl" && has("start", "restart"):
		return fmt.Sprintf("runs %q, but systemctl needs systemd as PID 1, which a container does not have: run the service's program in the foreground", cmd)
	case (name == "service" || name == "rc-service") && has("start", "restart"),
		strings.HasPrefix(f[0], "/etc/init.d/") && has("start", "restart"),
		(name == "apachectl" || name == "apache2ctl") && has("start", "restart"):
		return fmt.Sprintf("runs %q, which starts a daemon in the background and returns: the container exits at once. Run it in the foreground instead (e.g. nginx -g 'daemon off;', apache2ctl -D FOREGROUND)", cmd)
	}
	return ""
}

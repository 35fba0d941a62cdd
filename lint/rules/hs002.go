package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// runConfig is the CMD, ENTRYPOINT and SHELL in effect at the end of a
// stage, as BuildKit's dispatcher computes them.
type runConfig struct {
	cmd, entrypoint *dockerfile.Instruction
	shell           []string
}

// stageRunConfig folds the stage chain the way BuildKit dispatches it: an
// ENTRYPOINT resets the CMD unless a CMD was set earlier in the same stage,
// and a stage built FROM another starts with that stage's configuration.
func stageRunConfig(s *dockerfile.Stage, memo map[*dockerfile.Stage]runConfig) runConfig {
	if c, ok := memo[s]; ok {
		return c
	}
	memo[s] = runConfig{} // guards against cycles, which the model never builds
	var c runConfig
	if s.BaseStage != nil {
		c = stageRunConfig(s.BaseStage, memo)
	}
	cmdSetHere := false
	for _, in := range s.Instructions {
		if in.Err != nil {
			continue // DL1000 reports it; BuildKit would not build the stage
		}
		switch in.Name {
		case "cmd":
			c.cmd = in
			cmdSetHere = true
		case "entrypoint":
			c.entrypoint = in
			if !cmdSetHere {
				c.cmd = nil
			}
		case "shell":
			if sh, ok := in.Typed.(*instructions.ShellCommand); ok && len(sh.Shell) > 0 {
				c.shell = sh.Shell
			}
		}
	}
	memo[s] = c
	return c
}

// argWrappers are entrypoints that run their arguments as a command, so
// that a shell-form CMD still runs (as `wrapper /bin/sh -c "..."`).
var argWrappers = map[string]bool{
	"tini": true, "tini-static": true, "dumb-init": true, "catatonit": true, "gosu": true, "su-exec": true,
	"env": true, "exec": true, "chpst": true, "s6-setuidgid": true, "setpriv": true, "runuser": true,
	"sudo": true, "nice": true, "ionice": true, "taskset": true, "numactl": true, "init": true, "with-contenv": true,
}

// runsArguments reports whether an exec-form ENTRYPOINT is a wrapper or an
// entrypoint script, which by convention ends with `exec "$@"`.
func runsArguments(argv []string) bool {
	if len(argv) == 0 {
		return true
	}
	if argv[len(argv)-1] == "--" {
		return true
	}
	base := path.Base(argv[0])
	return argWrappers[base] || strings.HasSuffix(base, ".sh") || strings.Contains(strings.ToLower(base), "entrypoint")
}

var HS002 = register(&lint.Rule{
	ID:       "HS002",
	Name:     "shell-cmd-with-exec-entrypoint",
	Severity: lint.Warning,
	Summary:  "A shell-form CMD is combined with an exec-form ENTRYPOINT",
	Rationale: "With an exec-form ENTRYPOINT, CMD supplies the entrypoint's arguments. A shell-form CMD is " +
		"stored as `/bin/sh -c \"...\"`, so the container runs `ENTRYPOINT... /bin/sh -c \"...\"`: the " +
		"entrypoint receives three strange arguments and the command in CMD never runs as a command. " +
		"The rule follows BuildKit's semantics: an ENTRYPOINT clears a CMD inherited from an earlier " +
		"stage but keeps one set in the same stage (before or after it), and a SHELL instruction " +
		"changes the prefix. It checks the configuration at the end of every stage and reports each " +
		"CMD once. Entrypoints that run their arguments as a command (tini, dumb-init, gosu, " +
		"`docker-entrypoint.sh`-style scripts, anything ending in `--`) are left alone: with them " +
		"the shell-form CMD still runs. Write the CMD in exec form (`CMD [\"serve\", \"--port\", \"8080\"]`) or fold the command into the ENTRYPOINT.",
	Bad:  "FROM python:3.13-slim\nENTRYPOINT [\"python\", \"-m\", \"app\"]\nCMD serve --port 8080\n",
	Good: "FROM python:3.13-slim\nENTRYPOINT [\"python\", \"-m\", \"app\"]\nCMD [\"serve\", \"--port\", \"8080\"]\n",
	Run: func(p *lint.Pass) {
		memo := map[*dockerfile.Stage]runConfig{}
		reported := map[*dockerfile.Instruction]bool{}
		for _, s := range p.File.Stages {
			c := stageRunConfig(s, memo)
			if c.cmd == nil || c.entrypoint == nil || reported[c.cmd] {
				continue
			}
			if !isShellForm(c.cmd) || isShellForm(c.entrypoint) || runsArguments(cmdLine(c.entrypoint)) {
				continue
			}
			reported[c.cmd] = true
			shell := c.shell
			if len(shell) == 0 {
				shell = []string{"/bin/sh", "-c"}
			}
			script := strings.Join(cmdLine(c.cmd), " ")
			runs := strings.Join(append(append(append([]string(nil), cmdLine(c.entrypoint)...), shell...), `"`+script+`"`), " ")
			where := fmt.Sprintf("line %d", c.entrypoint.Range.Start.Line)
			if c.entrypoint.Stage != nil && c.cmd.Stage != nil && c.entrypoint.Stage != c.cmd.Stage {
				where += " in stage " + c.entrypoint.Stage.DisplayName()
			}
			p.Reportf(c.cmd.ArgsRange(), "shell-form CMD with the exec-form ENTRYPOINT on %s: the CMD becomes the entrypoint's "+
				"arguments, so the container runs `%s`; write the CMD in exec form (`CMD [\"arg\", ...]`) or fold the command into the ENTRYPOINT",
				where, display(runs, 120))
		}
	},
})

// cmdLine is the command line of a CMD, ENTRYPOINT or RUN as BuildKit
// stores it (one element, the script, for the shell form).
func cmdLine(in *dockerfile.Instruction) []string {
	switch c := in.Typed.(type) {
	case *instructions.CmdCommand:
		return c.CmdLine
	case *instructions.EntrypointCommand:
		return c.CmdLine
	case *instructions.RunCommand:
		return c.CmdLine
	}
	if s := strings.TrimSpace(in.Args); s != "" {
		return []string{s}
	}
	return nil
}

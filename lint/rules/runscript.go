package rules

import (
	"path"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// shellCommand is one simple command of a RUN script, found by word splitting
// (a later issue moves this to a shell AST).
type shellCommand struct {
	argv []string
	cwd  string // the directory it runs in, from WORKDIR and earlier `cd`s
}

// runScript is the text a RUN executes: the shell-form script or the
// exec-form words, plus heredoc bodies.
func runScript(in *dockerfile.Instruction) string {
	var b strings.Builder
	if c, ok := in.Typed.(*instructions.RunCommand); ok {
		b.WriteString(strings.Join(c.CmdLine, " "))
		for _, fl := range c.Files {
			b.WriteString("\n")
			b.WriteString(fl.Data)
		}
		return b.String()
	}
	b.WriteString(in.Args)
	for _, h := range in.Heredocs {
		b.WriteString("\n")
		b.WriteString(h.Content)
	}
	return b.String()
}

// splitCommands splits a shell script into simple commands on the control
// operators, dropping leading variable assignments and wrappers (sudo, env,
// exec, time), and tracks `cd` to know each command's directory.
func splitCommands(script, cwd string) []shellCommand {
	r := strings.NewReplacer("\\\n", " ", "&&", "\n", "||", "\n", ";", "\n", "|", "\n", "&", "\n")
	var out []shellCommand
	for _, line := range strings.Split(r.Replace(script), "\n") {
		var argv []string
		for _, w := range strings.Fields(line) {
			w = strings.Trim(w, "()")
			w = strings.Trim(w, `"'`)
			if w != "" {
				argv = append(argv, w)
			}
		}
		argv = stripWrappers(argv)
		if len(argv) == 0 {
			continue
		}
		if argv[0] == "cd" {
			if len(argv) > 1 && !strings.HasPrefix(argv[1], "-") {
				cwd = joinPath(cwd, argv[1])
			}
			continue
		}
		out = append(out, shellCommand{argv: argv, cwd: cwd})
	}
	return out
}

func stripWrappers(argv []string) []string {
	for len(argv) > 0 {
		w := argv[0]
		switch {
		case w == "sudo" || w == "exec" || w == "time" || w == "command" || w == "nice" || w == "env" || w == "then" || w == "do" || w == "else" || w == "{":
			argv = argv[1:]
		case w == "-E" || w == "-H":
			argv = argv[1:] // sudo -E
		case isAssignment(w):
			argv = argv[1:]
		default:
			return argv
		}
	}
	return argv
}

func isAssignment(w string) bool {
	i := strings.IndexByte(w, '=')
	if i <= 0 {
		return false
	}
	for j, c := range w[:i] {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || j > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// joinPath resolves p against dir the way WORKDIR and cd do. An unknown
// starting directory (the image's WORKDIR) is taken as "/".
func joinPath(dir, p string) string {
	if dir == "" {
		dir = "/"
	}
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join(dir, p)
}

package rules

// Helpers shared by hoist's own rules (HS001-HS006). Every identifier here
// starts with "hs" so that other rule files in the package cannot clash.

import (
	"path"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// hsFinalStage is the stage hoist lints as the image: the last one (the
// default target of a build).
func hsFinalStage(f *dockerfile.File) *dockerfile.Stage {
	if f == nil || len(f.Stages) == 0 {
		return nil
	}
	return f.Stages[len(f.Stages)-1]
}

// hsChain returns s and the stages it is built FROM, nearest first. The
// root (last element) is the stage built on an image, scratch or an
// unresolved name.
func hsChain(s *dockerfile.Stage) []*dockerfile.Stage {
	var out []*dockerfile.Stage
	seen := map[*dockerfile.Stage]bool{}
	for cur := s; cur != nil && !seen[cur]; cur = cur.BaseStage {
		seen[cur] = true
		out = append(out, cur)
	}
	return out
}

// hsChainInstructions returns the instructions of the chain in build order:
// the root stage's first, s's last.
func hsChainInstructions(s *dockerfile.Stage) []*dockerfile.Instruction {
	chain := hsChain(s)
	var out []*dockerfile.Instruction
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i].Instructions...)
	}
	return out
}

// hsRoot is the last stage of s's chain: the one whose FROM names an image,
// scratch, or something unresolved.
func hsRoot(s *dockerfile.Stage) *dockerfile.Stage {
	c := hsChain(s)
	if len(c) == 0 {
		return nil
	}
	return c[len(c)-1]
}

// hsIsScratch reports whether the stage is built FROM scratch (itself, not
// through another stage).
func hsIsScratch(s *dockerfile.Stage) bool {
	return s != nil && s.BaseStage == nil && len(s.Unresolved) == 0 && strings.EqualFold(strings.TrimSpace(s.Base), "scratch")
}

// hsDockerHubRegistries are the names Docker Hub's images are pulled by.
var hsDockerHubRegistries = map[string]bool{
	"":                     true,
	"docker.io":            true,
	"index.docker.io":      true,
	"registry-1.docker.io": true,
}

// hsOfficialImage returns the short name of a Docker Hub official image
// ("ubuntu" for ubuntu, library/ubuntu, docker.io/library/ubuntu and the
// well-known mirrors of the library), or false for any other image.
func hsOfficialImage(ref dockerfile.ImageRef) (string, bool) {
	reg := strings.ToLower(ref.Registry)
	repo := ref.Repository
	switch {
	case hsDockerHubRegistries[reg]:
		repo = strings.TrimPrefix(repo, "library/")
	case reg == "public.ecr.aws" && strings.HasPrefix(repo, "docker/library/"):
		repo = strings.TrimPrefix(repo, "docker/library/")
	case reg == "mirror.gcr.io" && strings.HasPrefix(repo, "library/"):
		repo = strings.TrimPrefix(repo, "library/")
	default:
		return "", false
	}
	if repo == "" || strings.Contains(repo, "/") {
		return "", false
	}
	return strings.ToLower(repo), true
}

// hsShellForm reports the form of a CMD or ENTRYPOINT: true for shell form.
func hsShellForm(in *dockerfile.Instruction) bool {
	switch c := in.Typed.(type) {
	case *instructions.CmdCommand:
		return c.PrependShell
	case *instructions.EntrypointCommand:
		return c.PrependShell
	}
	return !in.IsJSON()
}

// hsCmdLine is the command line of a CMD, ENTRYPOINT or RUN as BuildKit
// stores it (one element, the script, for the shell form).
func hsCmdLine(in *dockerfile.Instruction) []string {
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

// hsEnvBefore returns the variables an instruction of stage s sees: the ENV
// inherited along the chain of stages s is built FROM, then s's own ARG and
// ENV instructions before `before` (all of them when before is nil). ARGs do
// not cross stages; an ARG without default takes the global ARG's value.
func hsEnvBefore(f *dockerfile.File, s *dockerfile.Stage, before *dockerfile.Instruction) *dockerfile.Env {
	env := dockerfile.NewEnv()
	if f == nil || s == nil {
		return env
	}
	global := f.GlobalEnv(nil)
	chain := hsChain(s)
	for i := len(chain) - 1; i >= 0; i-- {
		st := chain[i]
		own := i == 0
		for _, in := range st.Instructions {
			if own && in == before {
				return env
			}
			switch c := in.Typed.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					v, _ := f.Expand(kv.Value, env)
					env.Set(kv.Key, v)
				}
			case *instructions.ArgCommand:
				if !own {
					continue
				}
				for _, kv := range c.Args {
					if kv.Value != nil {
						v, _ := f.Expand(*kv.Value, env)
						env.Set(kv.Key, v)
					} else if v, ok := global.Get(kv.Key); ok {
						env.Set(kv.Key, v)
					}
				}
			}
		}
	}
	return env
}

// hsCommand is one simple command of a RUN script, found by word splitting
// (a later issue moves this to a shell AST).
type hsCommand struct {
	argv []string
	cwd  string // the directory it runs in, from WORKDIR and earlier `cd`s
}

// hsRunScript is the text a RUN executes: the shell-form script or the
// exec-form words, plus heredoc bodies.
func hsRunScript(in *dockerfile.Instruction) string {
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

// hsSplitCommands splits a shell script into simple commands on the control
// operators, dropping leading variable assignments and wrappers (sudo, env,
// exec, time), and tracks `cd` to know each command's directory.
func hsSplitCommands(script, cwd string) []hsCommand {
	r := strings.NewReplacer("\\\n", " ", "&&", "\n", "||", "\n", ";", "\n", "|", "\n", "&", "\n")
	var out []hsCommand
	for _, line := range strings.Split(r.Replace(script), "\n") {
		var argv []string
		for _, w := range strings.Fields(line) {
			w = strings.Trim(w, "()")
			w = strings.Trim(w, `"'`)
			if w != "" {
				argv = append(argv, w)
			}
		}
		argv = hsStripWrappers(argv)
		if len(argv) == 0 {
			continue
		}
		if argv[0] == "cd" {
			if len(argv) > 1 && !strings.HasPrefix(argv[1], "-") {
				cwd = hsJoinPath(cwd, argv[1])
			}
			continue
		}
		out = append(out, hsCommand{argv: argv, cwd: cwd})
	}
	return out
}

func hsStripWrappers(argv []string) []string {
	for len(argv) > 0 {
		w := argv[0]
		switch {
		case w == "sudo" || w == "exec" || w == "time" || w == "command" || w == "nice" || w == "env" || w == "then" || w == "do" || w == "else" || w == "{":
			argv = argv[1:]
		case w == "-E" || w == "-H":
			argv = argv[1:] // sudo -E
		case hsIsAssignment(w):
			argv = argv[1:]
		default:
			return argv
		}
	}
	return argv
}

func hsIsAssignment(w string) bool {
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

// hsJoinPath resolves p against dir the way WORKDIR and cd do. An unknown
// starting directory (the image's WORKDIR) is taken as "/".
func hsJoinPath(dir, p string) string {
	if dir == "" {
		dir = "/"
	}
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join(dir, p)
}

// hsDisplay shortens s for a message.
func hsDisplay(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	cut := max - 3
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}

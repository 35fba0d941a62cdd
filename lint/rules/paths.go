package rules

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

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

// shellDir is a path operand of a command as a directory: trailing "/*"
// and "/" trimmed, "~" and $HOME as /root (the shell expands them; root is
// the default user).
func shellDir(v string) string {
	for _, home := range []string{"~", "$HOME", "${HOME}"} {
		if v == home || strings.HasPrefix(v, home+"/") {
			v = "/root" + v[len(home):]
		}
	}
	return shellscript.CleanDir(v)
}

// covers reports whether directory dir is, or is inside, directory top
// (top "/" covers nothing: nobody means that).
func covers(top, dir string) bool {
	top, dir = shellDir(top), shellDir(dir)
	if top == "/" || top == "." {
		return false
	}
	return dir == top || strings.HasPrefix(dir, top+"/")
}

// removesDir reports whether c is a recursive rm of one of dirs (or of a
// directory above one, or inside one: `rm -rf /var/cache/yum/*`).
func removesDir(c *shellscript.Command, dirs ...string) bool {
	if !c.Is("rm") || !c.HasFlag("-r", "-R", "--recursive") {
		return false
	}
	for _, a := range c.Positional() {
		for _, d := range dirs {
			if covers(a.Value, d) || covers(d, a.Value) {
				return true
			}
		}
	}
	return false
}

// baseName is a path's last element, for / and \ separators, quotes dropped.
func baseName(p string) string {
	p = dropQuotes(p)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// applyWorkdir returns the working directory after the WORKDIR
// instruction in, starting from cur (ARG and ENV values expanded).
func applyWorkdir(p *lint.Pass, in *dockerfile.Instruction, cur string) string {
	c, ok := in.Typed.(*instructions.WorkdirCommand)
	if !ok {
		return cur
	}
	wd := c.Path
	if strings.Contains(wd, "$") {
		wd, _ = p.File.Expand(wd, p.File.Scopes().Before(in))
	}
	return joinPath(cur, wd)
}

// workdirAtStart is the WORKDIR a stage inherits from the stages it is
// built FROM ("" when it is the image's own, unknown here).
func workdirAtStart(s *dockerfile.Stage) string {
	chain := s.Chain()
	wd := ""
	for i := len(chain) - 1; i >= 1; i-- {
		for _, in := range chain[i].Instructions {
			if c, ok := in.Typed.(*instructions.WorkdirCommand); ok {
				wd = joinPath(wd, c.Path)
			}
		}
	}
	return wd
}

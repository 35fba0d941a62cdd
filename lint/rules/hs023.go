package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var HS023 = register(&lint.Rule{
	ID:       "HS023",
	Name:     "world-writable",
	Severity: lint.Warning,
	Summary:  "A file or directory is made writable by every user",
	Rationale: "`chmod -R 777 /app` lets any process in the container, whatever user it runs as, replace " +
		"the application's code, configuration or scripts: one compromised low-privilege process becomes " +
		"control of the application. It usually papers over an ownership problem. Give the files to the " +
		"user that needs to write them (`COPY --chown=app:app`, `chown -R app /app/data`) or grant group " +
		"write to a group the user is in (`chmod -R g+w`, as OpenShift's arbitrary UIDs need). The rule " +
		"reports modes that grant write to others (octal `777`, `0666`, `2777`; symbolic `o+w`, `a+rwx`, " +
		"`a=rwx`) in `chmod` (also run by `find -exec`), `mkdir -m`, `install -m` and `COPY`/`ADD " +
		"--chmod`. Modes with the sticky bit (`1777`, `+t`), as /tmp has, are not reported: there users " +
		"can only remove their own files. `chmod +w` without who (umask applies) is not reported.",
	Bad:  "FROM debian:12\nCOPY . /app\nRUN chmod -R 777 /app\n",
	Good: "FROM debian:12\nRUN useradd -r app\nCOPY --chown=app:app . /app\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			if in.Name != "copy" && in.Name != "add" {
				continue
			}
			fl, ok := in.Flag("chmod")
			if !ok {
				continue
			}
			mode := fl.Value
			if strings.Contains(mode, "$") {
				mode = p.File.Scopes().Before(in).Expand(mode).Result
			}
			if world, known := worldWritable(mode); known && world {
				p.Reportf(fl.Range, "A file or directory is made writable by every user: `%s --chmod=%s`; give the files "+
					"to the user that writes them (--chown) and use 755/644, or g+w for a group", strings.ToUpper(in.Name), mode)
			}
		}
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			switch {
			case c.Is("chmod"):
				checkChmod(p, s, c)
			case c.Is("mkdir", "install"):
				v, w, ok := c.FlagValueWord("-m", "--mode")
				if !ok {
					return
				}
				if w.Value == v {
					if v, ok = wordValue(p, s, w); !ok {
						return
					}
				}
				if world, known := worldWritable(v); known && world {
					p.Report(w.Range, fmt.Sprintf("A file or directory is made writable by every user: `%s` with mode %s; "+
						"use 755 and give the directory to the user that writes to it (chown), or g+w for a group", c.Base(), v))
				}
			case c.Is("find"):
				for i, a := range c.Args {
					if (a.Value == "-exec" || a.Value == "-execdir") && i+1 < len(c.Args) && c.Args[i+1].Value == "chmod" {
						checkChmod(p, s, c.Tail(i+1))
					}
				}
			}
		})
	},
})

// checkChmod reports a chmod whose mode grants write to others.
func checkChmod(p *lint.Pass, s *shellscript.Script, c *shellscript.Command) {
	for _, w := range c.Args {
		v := w.Value
		if v == "--" || v == ";" || v == "+" {
			return
		}
		if strings.HasPrefix(v, "--") {
			if strings.HasPrefix(v, "--reference") {
				return
			}
			continue
		}
		// Options: -R, -f, -v, -c and the symlink ones; "-w" is a mode.
		if len(v) > 1 && v[0] == '-' && strings.Trim(v[1:], "RfvchHLP") == "" {
			continue
		}
		mode, ok := wordValue(p, s, w)
		if !ok {
			return
		}
		if world, known := worldWritable(mode); known && world {
			recursive := ""
			if c.HasFlag("-R", "--recursive") {
				recursive = " -R"
			}
			p.Report(w.Range, fmt.Sprintf("A file or directory is made writable by every user: `chmod%s %s`; give the "+
				"files to the user that writes them (chown, COPY --chown) and use 755/644, or g+w for a group", recursive, mode))
		}
		return
	}
}

// worldWritable reports whether a chmod-style mode (octal or symbolic)
// makes a file writable by others without the sticky bit; known is false
// when the mode is not understood.
func worldWritable(mode string) (world, known bool) {
	if mode == "" {
		return false, false
	}
	if isDigits(mode) {
		if len(mode) > 4 {
			return false, false
		}
		v, err := strconv.ParseUint(mode, 8, 32)
		if err != nil {
			return false, false
		}
		return v&0o002 != 0 && v&0o1000 == 0, true
	}
	sticky := false
	for _, clause := range strings.Split(mode, ",") {
		i := 0
		for i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0 {
			i++
		}
		who := clause[:i]
		if i == len(clause) {
			return false, false
		}
		for i < len(clause) {
			op := clause[i]
			if op != '+' && op != '-' && op != '=' {
				return false, false
			}
			i++
			j := i
			for j < len(clause) && strings.IndexByte("rwxXstugo", clause[j]) >= 0 {
				j++
			}
			perms := clause[i:j]
			i = j
			if op == '-' {
				continue
			}
			if strings.Contains(perms, "t") {
				sticky = true
			}
			if strings.Contains(perms, "w") && strings.ContainsAny(who, "oa") {
				world = true
			}
		}
	}
	return world && !sticky, true
}

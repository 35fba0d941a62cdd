package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3062 = register(&lint.Rule{
	ID:       "DL3062",
	Name:     "pin-go-versions",
	Severity: lint.Warning,
	Summary:  "Pin versions in go install",
	Rationale: "`go install golang.org/x/tools/cmd/goimports@latest` (or without a version at all) builds whatever " +
		"the module's newest release is on the day of the build, so the image changes without any change to " +
		"the Dockerfile. Name a version: `@v0.24.0`. `go install`, `go get` and `go run` of a remote module " +
		"path are checked; `@latest`, `@upgrade`, `@patch` and the branch names `@master`, `@main`, `@HEAD` are " +
		"not versions. Local packages (`.`, `./...`, absolute paths, .go files), the main module's own " +
		"packages and the standard library are left alone (hoist tells a remote path by the dot in its first " +
		"element, as the go command does), and so is GOPATH mode (GO111MODULE=off), where no version can be " +
		"given. A `git checkout` later in the same stage counts as pinning (the GOPATH-era pattern: `go get` " +
		"fetches the source, `git checkout \"$VERSION\"` pins it). Every unpinned package is reported at its own word.",
	Bad:  "FROM golang:1.22\nRUN go install golang.org/x/tools/cmd/goimports@latest\n",
	Good: "FROM golang:1.22\nRUN go install golang.org/x/tools/cmd/goimports@v0.24.0\n",
	Run: func(p *lint.Pass) {
		type finding struct {
			w   shellscript.Word
			msg string
		}
		var pending []finding
		var stage *dockerfile.Stage
		flush := func() {
			for _, f := range pending {
				p.Report(f.w.Range, f.msg)
			}
			pending = nil
		}
		for _, s := range scripts(p) {
			if s.Instruction.Stage != stage {
				flush()
				stage = s.Instruction.Stage
			}
			if s.Skipped != "" || pkgGoPathMode(p, s) {
				continue
			}
			for _, raw := range s.Commands {
				c := raw.Unwrap()
				if pkgGitCheckout(s, c) {
					// The GOPATH-era pattern: go get fetches the source,
					// git checkout pins it.
					pending = nil
					continue
				}
				if !c.Is("go") {
					continue
				}
				ops := pkgGoOperands(c.Args)
				if len(ops) == 0 || !pkgIn(ops[0].Value, []string{"install", "get", "run"}) {
					continue
				}
				sub := ops[0].Value
				ops = ops[1:]
				if sub == "run" && len(ops) > 1 {
					ops = ops[:1] // the rest are the program's arguments
				}
				for _, w := range ops {
					vals, ok := pkgValues(p, s, w)
					if !ok {
						continue
					}
					for _, v := range vals {
						if why, bad := pkgGoUnpinned(v); bad {
							pending = append(pending, finding{w, fmt.Sprintf("Pin versions in go. Instead of `go %s <package>` use `go %s <package>@<version>` (%s)", sub, sub, why)})
						}
					}
				}
			}
		}
		flush()
	},
})

// pkgGoValue are go build flags that take a separate value.
var pkgGoValue = map[string]bool{"o": true, "ldflags": true, "gcflags": true, "asmflags": true, "gccgoflags": true,
	"tags": true, "mod": true, "modfile": true, "p": true, "exec": true, "toolexec": true, "buildmode": true,
	"compiler": true, "pkgdir": true, "overlay": true, "pgo": true, "C": true, "installsuffix": true,
	"covermode": true, "coverpkg": true, "buildvcs": false, "debug-actions": true, "json": false}

// pkgGoOperands returns the non-flag words of a go command line: go's
// flags are single words (-ldflags=...), or take the next word as value.
func pkgGoOperands(args []shellscript.Word) []shellscript.Word {
	var out []shellscript.Word
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if v == "--" {
			return append(out, args[i+1:]...)
		}
		if !strings.HasPrefix(v, "-") || v == "-" {
			out = append(out, args[i])
			continue
		}
		name := strings.TrimLeft(v, "-")
		if !strings.Contains(name, "=") && pkgGoValue[name] {
			i++
		}
	}
	return out
}

var pkgGoFloating = map[string]bool{"latest": true, "upgrade": true, "patch": true, "master": true, "main": true, "HEAD": true}

// pkgGoUnpinned reports whether a go package argument is a remote module
// path without a fixed version, and why.
func pkgGoUnpinned(v string) (string, bool) {
	if v == "" || strings.HasPrefix(v, ".") || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "-") || strings.HasSuffix(v, ".go") {
		return "", false
	}
	path, version, hasVersion := strings.Cut(v, "@")
	first, _, _ := strings.Cut(path, "/")
	if !strings.Contains(first, ".") {
		return "", false // the standard library or the main module's own packages
	}
	if !hasVersion {
		return v + " has no version", true
	}
	if pkgGoFloating[version] {
		return "@" + version + " is not a version", true
	}
	return "", false
}

var pkgGoModuleOff = regexp.MustCompile(`GO111MODULE=["']?off`)

// pkgGoPathMode reports whether the RUN works in GOPATH mode, where
// packages cannot carry versions.
func pkgGoPathMode(p *lint.Pass, s *shellscript.Script) bool {
	if sc := p.File.Scopes().Before(s.Instruction); sc != nil {
		if v, ok := sc.Lookup("GO111MODULE"); ok && (!v.Known || v.Value == "off") {
			return true
		}
	}
	return pkgGoModuleOff.MatchString(s.Source)
}

// pkgGitCheckout reports a git command that moves a work tree to a given
// revision (checkout, switch, reset).
func pkgGitCheckout(s *shellscript.Script, c *shellscript.Command) bool {
	pc, ok := pkgCallOf(s, c, []string{"git"}, []string{"checkout", "switch", "reset"}, pkgFlags("-C", "-c", "--git-dir", "--work-tree"))
	return ok && len(pc.Ops(nil, false)) > 0
}

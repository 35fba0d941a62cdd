package rules

import (
	"fmt"
	"regexp"
	"slices"
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
			if s.Skipped != "" || goPathMode(p, s) {
				continue
			}
			for _, raw := range s.Commands {
				c := raw.Unwrap()
				if gitCheckout(s, c) {
					// The GOPATH-era pattern: go get fetches the source,
					// git checkout pins it.
					pending = nil
					continue
				}
				if !c.Is("go") {
					continue
				}
				ops := goOperands(c.Args)
				if len(ops) == 0 || !slices.Contains([]string{"install", "get", "run"}, ops[0].Value) {
					continue
				}
				sub := ops[0].Value
				ops = ops[1:]
				if sub == "run" && len(ops) > 1 {
					ops = ops[:1] // the rest are the program's arguments
				}
				eachOperand(p, s, ops, func(w shellscript.Word, v string) {
					if why, bad := goUnpinned(v); bad {
						pending = append(pending, finding{w, fmt.Sprintf("Pin versions in go. Instead of `go %s <package>` use `go %s <package>@<version>` (%s)", sub, sub, why)})
					}
				})
			}
		}
		flush()
	},
})

// goValueFlags are go build flags that take a separate value.
var goValueFlags = map[string]bool{"o": true, "ldflags": true, "gcflags": true, "asmflags": true, "gccgoflags": true,
	"tags": true, "mod": true, "modfile": true, "p": true, "exec": true, "toolexec": true, "buildmode": true,
	"compiler": true, "pkgdir": true, "overlay": true, "pgo": true, "C": true, "installsuffix": true,
	"covermode": true, "coverpkg": true, "buildvcs": false, "debug-actions": true, "json": false}

// goOperands returns the non-flag words of a go command line: go's
// flags are single words (-ldflags=...), or take the next word as value.
func goOperands(args []shellscript.Word) []shellscript.Word {
	return shellscript.OperandsWith(args, func(v string) bool {
		name := strings.TrimLeft(v, "-")
		return !strings.Contains(name, "=") && goValueFlags[name]
	})
}

var goFloating = map[string]bool{"latest": true, "upgrade": true, "patch": true, "master": true, "main": true, "HEAD": true}

// goUnpinned reports whether a go package argument is a remote module
// path without a fixed version, and why.
func goUnpinned(v string) (string, bool) {
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
	if goFloating[version] {
		return "@" + version + " is not a version", true
	}
	return "", false
}

var goModuleOff = regexp.MustCompile(`GO111MODULE=["']?off`)

// goPathMode reports whether the RUN works in GOPATH mode, where
// packages cannot carry versions.
func goPathMode(p *lint.Pass, s *shellscript.Script) bool {
	if sc := p.File.Scopes().Before(s.Instruction); sc != nil {
		if v, ok := sc.Lookup("GO111MODULE"); ok && (!v.Known || v.Value == "off") {
			return true
		}
	}
	return goModuleOff.MatchString(s.Source)
}

// gitOptions are git's global options that take a value.
var gitOptions = shellscript.NewValueFlags("-C", "-c", "--git-dir", "--work-tree")

// gitCheckout reports a git command that moves a work tree to a given
// revision (checkout, switch, reset).
func gitCheckout(s *shellscript.Script, c *shellscript.Command) bool {
	tc, ok := callOf(s, c, []string{"git"}, []string{"checkout", "switch", "reset"}, gitOptions)
	return ok && len(tc.Ops(nil)) > 0
}

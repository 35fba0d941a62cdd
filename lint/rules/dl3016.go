package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3016 = register(&lint.Rule{
	ID:       "DL3016",
	Name:     "pin-npm-versions",
	Severity: lint.Warning,
	Summary:  "Pin versions in npm",
	Rationale: "`npm install -g typescript` installs whatever version is newest on the day of the build, so the " +
		"image changes without any change to the Dockerfile. Name a version or tag (`typescript@5.5.4`), or " +
		"install from package.json and its lock file (`npm ci`, `npm install` without arguments). Git URLs " +
		"count as pinned with a `#<commit-ish>`; tarballs, URLs and local folders as they are. `npm i` and " +
		"`npm add` are checked as `npm install` is. ARG and ENV values are expanded, and a package whose value " +
		"is unknown is not guessed. Every unpinned package is reported at its own word.",
	Bad:  "FROM node:20-slim\nRUN npm install -g typescript\n",
	Good: "FROM node:20-slim\nRUN npm install -g typescript@5.5.4\n",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			tc, ok := callOf(s, c, []string{"npm"}, npmInstallSubs, npmOptions)
			if !ok {
				return
			}
			eachOperand(p, s, tc.Ops(npmOptions), func(w shellscript.Word, v string) {
				if !npmPinned(v) {
					p.Reportf(w.Range, "Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>` (%s has no version)", v)
				}
			})
		})
	},
})

// npmInstallSubs are npm install and its aliases.
var npmInstallSubs = []string{"install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add"}

// npmOptions are npm options that take a separate value.
var npmOptions = shellscript.NewValueFlags("--loglevel", "--registry", "--prefix", "--cache", "--userconfig", "--globalconfig",
	"--omit", "--include", "--install-strategy", "--tag", "--workspace", "-w", "--only", "--save-prefix", "--scope",
	"--proxy", "--https-proxy", "--noproxy", "--fetch-retries", "--fetch-timeout", "--location", "--os", "--cpu",
	"--libc", "--script-shell", "--node-options", "--before", "-C", "--cafile", "--auth-type", "--otp")

// npmPinned reports whether an npm install operand names a version.
func npmPinned(v string) bool {
	for _, git := range []string{"git://", "git+ssh://", "git+http://", "git+https://", "github:", "gitlab:", "bitbucket:", "gist:"} {
		if strings.HasPrefix(v, git) {
			return strings.Contains(v, "#")
		}
	}
	for _, ext := range []string{".tar", ".tar.gz", ".tgz"} {
		if strings.HasSuffix(v, ext) {
			return true
		}
	}
	for _, local := range []string{"/", "./", "../", "~/", "file:", "http://", "https://"} {
		if strings.HasPrefix(v, local) {
			return true
		}
	}
	if v == "." || v == ".." {
		return true
	}
	name := v
	if strings.HasPrefix(name, "@") {
		// @scope/name@version: the scope's @ is not a version.
		i := strings.Index(name, "/")
		if i < 0 {
			return false
		}
		name = name[i+1:]
	} else if strings.Contains(name, "/") && !strings.Contains(name, "@") {
		// user/repo is a GitHub repository: pinned by #<commit-ish>.
		return strings.Contains(name, "#")
	}
	return strings.Contains(name, "@")
}

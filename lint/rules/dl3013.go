package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3013 = register(&lint.Rule{
	ID:       "DL3013",
	Name:     "pin-pip-versions",
	Severity: lint.Warning,
	Summary:  "Pin versions in pip",
	Rationale: "`pip install flask` installs whatever version is newest on the day of the build, so two builds " +
		"of the same commit can differ and a breaking release breaks the image without any change on your side. " +
		"Pin with `flask==3.0.3` (or any version specifier), or install from a requirements or constraints file. " +
		"Local paths, archives, wheels, URLs and VCS references with `@<ref>` count as pinned; `pip`, `pip3`, " +
		"`pip3.12`, a virtualenv's `bin/pip` and `python -m pip` are all checked, `pipx`, `pipenv` and `uv pip` " +
		"are not. ARG and ENV values are expanded, and a package whose value is unknown is not guessed. " +
		"Unlike hadolint, every unpinned package is reported at its own word, and a local package (`.`) next " +
		"to an unpinned one does not hide it.",
	Bad:  "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n",
	Good: "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3\n",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			tc, ok := pipCall(s, c, "install")
			if !ok || tc.HasFlag("-r", "--requirement", "-c", "--constraint") {
				return
			}
			all := tc.Ops(pipInstallOptions)
			var ops []shellscript.Word
			for i := 0; i < len(all); i++ {
				// PEP 508 direct reference written as words: name @ url.
				if i+2 < len(all) && all[i+1].Value == "@" {
					i += 2
					continue
				}
				ops = append(ops, all[i])
			}
			eachOperand(p, s, ops, func(w shellscript.Word, v string) {
				if !pipPinned(v) {
					p.Reportf(w.Range, "Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>` (%s has no version)", v)
				}
			})
		})
	},
})

// pipInstallOptions are the options of pip install that take a separate
// value (hadolint's list and pip's general options).
var pipInstallOptions = shellscript.NewValueFlags("--abi", "-b", "--build", "-e", "--editable", "--extra-index-url", "-f",
	"--find-links", "-i", "--index-url", "--implementation", "--no-binary", "--only-binary", "--platform",
	"--prefix", "--progress-bar", "--proxy", "--python-version", "--root", "--src", "-t", "--target",
	"--trusted-host", "--upgrade-strategy", "-C", "--config-settings", "--global-option", "--install-option",
	"--report", "--cache-dir", "--log", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
	"--python", "--keyring-provider", "--use-feature", "--use-deprecated", "--group", "-r", "--requirement",
	"-c", "--constraint")

var pipVersionOps = []string{"==", ">=", "<=", ">", "<", "!=", "~=", "==="}

var pipVCS = []string{"git+", "hg+", "svn+", "bzr+", "git://", "svn://"}

// pipPinned reports whether a pip requirement operand is pinned.
func pipPinned(v string) bool {
	for _, op := range pipVersionOps {
		if strings.Contains(v, op) {
			return true
		}
	}
	for _, vcs := range pipVCS {
		if strings.HasPrefix(v, vcs) {
			// git+https://host/org/repo.git@v1.0#egg=x: the @ must be in
			// the path (an @ before the host is a user name).
			rest := v
			if i := strings.Index(rest, "://"); i >= 0 {
				rest = rest[i+3:]
			}
			if i := strings.Index(rest, "#"); i >= 0 {
				rest = rest[:i]
			}
			if i := strings.Index(rest, "/"); i >= 0 {
				return strings.Contains(rest[i:], "@")
			}
			return false
		}
	}
	for _, ext := range []string{".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz"} {
		if strings.HasSuffix(v, ext) {
			return true
		}
	}
	// Paths and URLs: the project or archive is what it is.
	return strings.Contains(v, "/") || strings.HasPrefix(v, ".") || strings.HasPrefix(v, "~") || strings.HasPrefix(v, "file:")
}

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
			pc, ok := pkgPip(s, c, "install")
			if !ok || pc.HasFlag("-r", "--requirement", "-c", "--constraint") {
				return
			}
			ops := pc.Ops(pkgPipInstallValue, false)
			for i := 0; i < len(ops); i++ {
				w := ops[i]
				// PEP 508 direct reference written as words: name @ url.
				if i+2 < len(ops) && ops[i+1].Value == "@" {
					i += 2
					continue
				}
				vals, ok := pkgValues(p, s, w)
				if !ok {
					continue
				}
				for _, v := range vals {
					if v != "" && !pkgPipPinned(v) {
						p.Reportf(w.Range, "Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>` (%s has no version)", v)
					}
				}
			}
		})
	},
})

// pkgPipInstallValue are the options of pip install that take a separate
// value (hadolint's list and pip's general options).
var pkgPipInstallValue = pkgFlags("--abi", "-b", "--build", "-e", "--editable", "--extra-index-url", "-f",
	"--find-links", "-i", "--index-url", "--implementation", "--no-binary", "--only-binary", "--platform",
	"--prefix", "--progress-bar", "--proxy", "--python-version", "--root", "--src", "-t", "--target",
	"--trusted-host", "--upgrade-strategy", "-C", "--config-settings", "--global-option", "--install-option",
	"--report", "--cache-dir", "--log", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
	"--python", "--keyring-provider", "--use-feature", "--use-deprecated", "--group", "-r", "--requirement",
	"-c", "--constraint")

var pkgPipVersionOps = []string{"==", ">=", "<=", ">", "<", "!=", "~=", "==="}

var pkgPipVCS = []string{"git+", "hg+", "svn+", "bzr+", "git://", "svn://"}

// pkgPipPinned reports whether a pip requirement operand is pinned.
func pkgPipPinned(v string) bool {
	for _, op := range pkgPipVersionOps {
		if strings.Contains(v, op) {
			return true
		}
	}
	for _, vcs := range pkgPipVCS {
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

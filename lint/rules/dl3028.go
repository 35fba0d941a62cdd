package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3028 = register(&lint.Rule{
	ID:       "DL3028",
	Name:     "pin-gem-versions",
	Severity: lint.Warning,
	Summary:  "Pin versions in gem install",
	Rationale: "`gem install bundler` installs whatever version is newest on the day of the build, so the image " +
		"changes without any change to the Dockerfile. Pin with `bundler:2.5.16` or `-v 2.5.16`, or install " +
		"from a Gemfile.lock with `bundle install`. Local .gem files count as pinned (hadolint reports them); " +
		"words after `--` are build options, not gems. Every unpinned gem is reported at its own word.",
	Bad:  "FROM ruby:3.3-slim\nRUN gem install bundler\n",
	Good: "FROM ruby:3.3-slim\nRUN gem install bundler:2.5.16\n",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			pc, ok := pkgCallOf(s, c, []string{"gem"}, []string{"install", "i"}, pkgGemValue)
			if !ok || pc.HasFlag("-v", "--version") {
				return
			}
			for _, w := range pc.Ops(pkgGemValue, true) {
				vals, ok := pkgValues(p, s, w)
				if !ok {
					continue
				}
				for _, v := range vals {
					if v == "" || strings.Contains(v, ":") || strings.HasSuffix(v, ".gem") || strings.Contains(v, "/") {
						continue
					}
					p.Reportf(w.Range, "Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>` (%s has no version)", v)
				}
			}
		})
	},
})

// pkgGemValue are gem install options that take a separate value.
var pkgGemValue = pkgFlags("-i", "--install-dir", "-n", "--bindir", "-s", "--source", "--platform", "-P",
	"--trust-policy", "--build-root", "-g", "--file", "--target-rbconfig", "--config-file", "--document")

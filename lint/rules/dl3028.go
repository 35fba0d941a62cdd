package rules

import (
	"slices"
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
			tc, ok := callOf(s, c, []string{"gem"}, []string{"install", "i"}, gemOptions)
			if !ok || tc.HasFlag("-v", "--version") {
				return
			}
			args := tc.Args[tc.SubIdx+1:]
			if i := slices.IndexFunc(args, func(w shellscript.Word) bool { return w.Value == "--" }); i >= 0 {
				args = args[:i] // the gem's build options follow
			}
			eachOperand(p, s, shellscript.Operands(args, gemOptions), func(w shellscript.Word, v string) {
				if strings.Contains(v, ":") || strings.HasSuffix(v, ".gem") || strings.Contains(v, "/") {
					return
				}
				p.Reportf(w.Range, "Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>` (%s has no version)", v)
			})
		})
	},
})

// gemOptions are gem install options that take a separate value.
var gemOptions = shellscript.NewValueFlags("-i", "--install-dir", "-n", "--bindir", "-s", "--source", "--platform", "-P",
	"--trust-policy", "--build-root", "-g", "--file", "--target-rbconfig", "--config-file", "--document")

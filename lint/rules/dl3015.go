package rules

import (
	"regexp"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3015 = register(&lint.Rule{
	ID:       "DL3015",
	Name:     "apt-get-no-install-recommends",
	Severity: lint.Info,
	Summary:  "Avoid additional packages by specifying `--no-install-recommends`",
	Rationale: "By default apt installs a package's recommended packages too: documentation, optional " +
		"tools, often hundreds of megabytes the image never uses, each one more thing to patch. " +
		"`--no-install-recommends` installs what the packages need and nothing else; add the few " +
		"recommended packages you do want by name.\n\n" +
		"Also accepted: `-o APT::Install-Recommends=false` (or `0`), an `APT::Install-Recommends \"false\";` " +
		"written to the APT configuration by an earlier RUN of the stage (hadolint reports those), and " +
		"options held in an ARG or ENV (expanded; an unknown value is not guessed). `apt install` is " +
		"checked like `apt-get install`.",
	Bad:  "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Good: "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Fix:  "insert ` --no-install-recommends` after `install`",
	Run: func(p *lint.Pass) {
		aptInstalls(p, func(s *shellscript.Script, a *parsedCommand) {
			if len(a.Unknown) > 0 || noRecommends(a) || aptConfigured(p, s, noRecommendsConf) {
				return
			}
			msg := "Avoid additional packages by specifying `--no-install-recommends`: `" + aptTool(a.C) + " install` also installs every recommended package"
			p.ReportFix(a.Range(), msg, a.optionFix(p, "--no-install-recommends"))
		})
	},
})

// noRecommendsConf matches APT configuration that turns recommends off.
var noRecommendsConf = regexp.MustCompile(`(?i)APT::Install-Recommends\s*=?\s*"?(0|false|no)\b`)

// noRecommends reports whether the options turn recommended packages off.
func noRecommends(a *parsedCommand) bool {
	for _, f := range a.Options {
		if f.Name == "no-install-recommends" && (!f.HasValue || !isOff(f.Value)) {
			return true
		}
		if f.Name == "install-recommends" && f.HasValue && isOff(f.Value) {
			return true
		}
	}
	for _, o := range a.Configs() {
		if noRecommendsConf.MatchString(o) {
			return true
		}
	}
	return false
}

package rules

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3014 = register(&lint.Rule{
	ID:       "DL3014",
	Name:     "apt-get-assume-yes",
	Severity: lint.Warning,
	Summary:  "Use the -y switch to avoid manual input `apt-get -y install <package>`",
	Rationale: "A build has no terminal: when `apt-get install` asks \"Do you want to continue? [Y/n]\" it " +
		"reads end-of-file and aborts, so the build fails as soon as a package pulls in a dependency. " +
		"Pass `-y` (`--yes`, `--assume-yes`).\n\n" +
		"Also accepted: `-qq` (quiet level 2 implies `-y`, as apt-get(8) says), `-o APT::Get::Assume-Yes=true`, " +
		"an `APT::Get::Assume-Yes \"true\";` written to the APT configuration by an earlier RUN, a simulation " +
		"(`-s`), `yes | apt-get install`, and options held in an ARG or ENV (`apt-get install $APT_OPTS`, " +
		"expanded; an unknown value is not guessed). Unlike hadolint, a single `-q` does not count: it does " +
		"not answer the prompt. `apt install` is checked like `apt-get install`.",
	Bad:  "FROM debian:12\nRUN apt-get update \\\n    && apt-get install --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Good: "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Fix:  "insert ` -y` after `install`",
	Run: func(p *lint.Pass) {
		aptInstalls(p, func(s *shellscript.Script, a *parsedCommand) {
			if len(a.Unknown) > 0 || assumesYes(a) || fedByYes(a.C) || aptConfigured(p, s, assumeYesConf) {
				return
			}
			tool := aptTool(a.C)
			msg := "Use the `-y` switch to avoid manual input `" + tool + " -y install <package>`: without it the build aborts when " + tool + " asks for confirmation"
			p.ReportFix(a.Range(), msg, a.optionFix(p, "-y"))
		})
	},
})

// assumeYesConf matches APT configuration that answers yes.
var assumeYesConf = regexp.MustCompile(`(?i)APT::Get::Assume-Yes\s*=?\s*"?(1|true|yes)\b`)

// assumesYes reports whether the options answer apt's prompts.
func assumesYes(a *parsedCommand) bool {
	quiet := 0
	for _, f := range a.Options {
		switch f.Name {
		case "y", "yes", "assume-yes":
			if !f.HasValue || !isOff(f.Value) {
				return true
			}
		case "q", "quiet":
			if f.HasValue {
				if n, err := strconv.Atoi(f.Value); err == nil {
					quiet += n
					continue
				}
			}
			quiet++
		}
	}
	if quiet >= 2 {
		return true
	}
	for _, o := range a.Configs() {
		if assumeYesConf.MatchString(o) {
			return true
		}
	}
	return false
}

// isOff reports whether an option value switches it off.
func isOff(v string) bool {
	switch strings.ToLower(v) {
	case "0", "false", "no", "off":
		return true
	}
	return false
}

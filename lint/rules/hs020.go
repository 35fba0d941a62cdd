package rules

import (
	"fmt"
	"slices"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var HS020 = register(&lint.Rule{
	ID:       "HS020",
	Name:     "apt-get-update-alone",
	Severity: lint.Warning,
	Summary:  "apt-get update in a RUN without an install: later installs use stale package lists",
	Rationale: "Every RUN is a cached layer. A RUN that only runs `apt-get update` is built once and then " +
		"taken from the cache, however old its package lists get; the `apt-get install` of a later RUN " +
		"uses those lists. When the mirror has moved on, the install fails (404 on a package version " +
		"that no longer exists) or silently installs old versions, and adding a package to the install " +
		"line does not refresh anything. Run `apt-get update` and `apt-get install` in the same RUN " +
		"(and delete the lists at its end, DL3009).\n\n" +
		"Reported when the RUN updates (`apt-get update`, `apt update`, `aptitude update`) and does " +
		"nothing else than commands that install nothing (echo, rm, curl, gpg, apt-key, " +
		"add-apt-repository, ...): a RUN that also runs a script or another tool that may install is " +
		"not reported.",
	Bad:  "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Good: "FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n    && rm -rf /var/lib/apt/lists/*\n",
	Run: func(p *lint.Pass) {
		all := scripts(p)
		for i, s := range all {
			if s.Skipped != "" || len(s.Commands) == 0 {
				continue
			}
			var first *parsedCommand
			alone := true
			for _, c := range s.Commands {
				c = c.Unwrap()
				if a, ok := aptUpdates(p, s, c); ok && a.Sub() == "update" {
					if first == nil {
						first = a
					}
					continue
				}
				if !listsInert(c) && !c.RunsNested {
					alone = false
					break
				}
			}
			if first == nil || !alone {
				continue
			}
			msg := fmt.Sprintf("`%s update` in a RUN without an install: the layer is cached, so later installs use stale package lists; update and install in the same RUN", first.C.Name)
			if next := nextAptInstall(p, all[i+1:], s); next != nil {
				msg += fmt.Sprintf(" (the install on line %d)", next.Range.Start.Line)
			}
			p.Report(first.Range(), msg)
		}
	},
})

// nextAptInstall finds the first apt install in later scripts that build
// on s's stage.
func nextAptInstall(p *lint.Pass, later []*shellscript.Script, s *shellscript.Script) *shellscript.Command {
	st := s.Instruction.Stage
	if st == nil {
		return nil
	}
	for _, x := range later {
		if x.Skipped != "" || x.Instruction.Stage == nil || !slices.Contains(x.Instruction.Stage.Chain(), st) {
			continue
		}
		if c := aptInstallSub(p, x, "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep"); c != nil {
			return c
		}
	}
	return nil
}

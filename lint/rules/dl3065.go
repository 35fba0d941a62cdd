package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3065 = register(&lint.Rule{
	ID:       "DL3065",
	Name:     "redundant-target-platform",
	Aliases:  []string{"RedundantTargetPlatform"},
	Severity: lint.Warning,
	Summary:  "Setting `FROM --platform` to predefined `$TARGETPLATFORM` is redundant as this is the default behavior",
	Rationale: "A stage is built for the target platform unless told otherwise, so " +
		"`FROM --platform=$TARGETPLATFORM` only adds noise (and hides the stages where `--platform` " +
		"matters, such as `--platform=$BUILDPLATFORM` for cross-compilation). As in BuildKit, any form " +
		"that expands to TARGETPLATFORM alone is reported (`$TARGETPLATFORM`, `${TARGETPLATFORM}`, quoted).",
	Bad:  "FROM --platform=$TARGETPLATFORM alpine:3.20\n",
	Good: "FROM alpine:3.20\n",
	Run: func(p *lint.Pass) {
		f := p.File
		env := f.GlobalEnv(nil)
		for _, s := range f.Stages {
			fl, ok := s.From.Flag("platform")
			if !ok || fl.Value == "" {
				continue
			}
			res, ok := saProcessWithMatches(f, fl.Value, env)
			if !ok || len(res.Matched) != 1 || len(res.Unmatched) != 0 {
				continue
			}
			if _, ok := res.Matched["TARGETPLATFORM"]; !ok {
				continue
			}
			if v, _ := env.Get("TARGETPLATFORM"); res.Result != v {
				continue
			}
			p.Reportf(fl.Range, "Setting `FROM --platform` to predefined `$TARGETPLATFORM` is redundant as this is the default behavior: drop %s", fl.Raw)
		}
	},
})

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
		global := p.File.Scopes().Global()
		for _, s := range p.File.Stages {
			fl, ok := s.From.Flag("platform")
			if !ok || fl.Value == "" {
				continue
			}
			// As BuildKit: the flag names TARGETPLATFORM alone, whatever the quoting.
			res := global.Expand(fl.Value)
			if res.Err != nil || len(res.Matched) != 1 || res.Matched[0] != "TARGETPLATFORM" || len(res.Unmatched) != 0 {
				continue
			}
			if v, _ := global.Get("TARGETPLATFORM"); res.Result != v {
				continue
			}
			p.Reportf(fl.Range, "Setting `FROM --platform` to predefined `$TARGETPLATFORM` is redundant as this is the default behavior: drop %s", fl.Raw)
		}
	},
})

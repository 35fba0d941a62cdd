package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3029 = register(&lint.Rule{
	ID:       "DL3029",
	Name:     "no-constant-platform",
	Aliases:  []string{"FromPlatformFlagConstDisallowed"},
	Severity: lint.Warning,
	Summary:  "Do not use --platform flag with FROM",
	Rationale: "A constant `FROM --platform=linux/amd64` pins the stage to one platform whatever " +
		"platform is being built: a multi-platform build produces an amd64 image labelled arm64, " +
		"or runs under emulation. Let the build's target platform decide, or use the automatic " +
		"platform ARGs for a cross-compiling build stage (`FROM --platform=$BUILDPLATFORM golang`).\n\n" +
		"Deliberate deviation from hadolint, which warns on every --platform flag: hoist warns only " +
		"when the value is a constant, as BuildKit's FromPlatformFlagConstDisallowed does. " +
		"`--platform=$BUILDPLATFORM` and `--platform=${TARGETPLATFORM}` are the documented way to " +
		"write cross-compiling Dockerfiles, and warning on them taught users to ignore the rule. " +
		"Also as BuildKit, a stage whose name contains the pinned OS or architecture " +
		"(`FROM --platform=linux/arm64 alpine AS tools-arm64`) is clearly meant for that platform " +
		"and is not reported.",
	Bad:  "FROM --platform=linux/amd64 alpine:3.20\n",
	Good: "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nFROM alpine:3.20\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			fl, ok := s.From.Flag("platform")
			if !ok || fl.Value == "" || len(dockerfile.VarRefs(fl.Value, p.File.EscapeToken)) > 0 || strings.Contains(fl.Value, "$") {
				continue
			}
			parts := strings.Split(strings.ToLower(fl.Value), "/")
			if s.Name != "" && namesPlatform(strings.ToLower(s.Name), parts) {
				continue
			}
			p.Reportf(fl.Range, "Do not use --platform flag with FROM (the constant %q pins the stage to one platform: "+
				"drop the flag, or use $BUILDPLATFORM for a build stage)", fl.Value)
		}
	},
})

// namesPlatform reports whether a stage name contains the OS or the
// architecture of a platform split into os/arch/variant.
func namesPlatform(name string, parts []string) bool {
	for i, part := range parts {
		if i > 1 {
			break
		}
		if part != "" && strings.Contains(name, part) {
			return true
		}
	}
	return false
}

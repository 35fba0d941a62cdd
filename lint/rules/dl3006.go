package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3006 = register(&lint.Rule{
	ID:       "DL3006",
	Name:     "tag-image-version",
	Severity: lint.Warning,
	Summary:  "Always tag the version of an image explicitly",
	Rationale: "An untagged image means `latest`: the build changes whenever the image is republished, " +
		"and nobody can tell which version a given build used. ARG defaults are expanded first, " +
		"so `FROM ${BASE}` with `ARG BASE=debian:12` is checked as `debian:12`; a FROM that names " +
		"an ARG without a default is not guessed.",
	Bad:  "FROM debian\nRUN echo hi\n",
	Good: "FROM debian:12.8\nRUN echo hi\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			img, ok := s.Image()
			if !ok || img.Tag != "" || img.Digest != "" {
				continue
			}
			p.Reportf(s.BaseWord().Range, "Always tag the version of an image explicitly (%s has no tag: pin e.g. %s:<version>)", s.Base, img.Name())
		}
	},
})

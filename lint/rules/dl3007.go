package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3007 = register(&lint.Rule{
	ID:       "DL3007",
	Name:     "no-latest-tag",
	Severity: lint.Warning,
	Summary:  "Using latest is prone to errors if the image will ever update",
	Rationale: "`latest` moves: today's build and tomorrow's use different base images. Pin the version " +
		"explicitly to a release tag. A digest pins the image whatever the tag says, so " +
		"`image:latest@sha256:...` is fine.",
	Bad:  "FROM node:latest\n",
	Good: "FROM node:22.11\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			img, ok := s.Image()
			if !ok || img.Tag != "latest" || img.Digest != "" {
				continue
			}
			p.Report(s.BaseWord().Range, "Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag")
		}
	},
})

package rules

import (
	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3049 = register(&lint.Rule{
	ID:       "DL3049",
	Name:     "missing-label",
	Severity: lint.Info,
	Summary:  "A label required by the label schema is missing",
	Rationale: "Every label in the configuration's `label-schema` is required: images without their source, " +
		"version or licence cannot be traced back. As in hadolint, each stage that can end up as an image must " +
		"have the label: a stage has it when one of its own LABEL instructions sets it or when it is built FROM " +
		"an earlier stage that has it. A stage that is only a building block is not reported: one used by " +
		"`COPY --from` (by name or, unlike hadolint, by index; `RUN --mount=from=` too), or one that a stage " +
		"with the label is built on (hadolint misses this when that stage has its own `AS` name, or when the " +
		"stage in between lacks the label). The finding points at the stage's FROM. A label set only by " +
		"ONBUILD, or only in the base image, does not count (hoist cannot see the base image's labels).",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.source: url\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.title=web\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.source=https://github.com/acme/web\n",
	Run: func(p *lint.Pass) {
		f := p.File
		if len(f.Stages) == 0 {
			return
		}
		// Stages referenced by COPY --from or RUN --mount=from are building blocks.
		used := make([]bool, len(f.Stages))
		for st := range referencedStages(f) {
			used[st.Index] = true
		}
		for _, label := range schemaKeys(p.Config, "") {
			good := make([]bool, len(f.Stages))
			silent := append([]bool(nil), used...)
			for _, s := range f.Stages {
				good[s.Index] = stageSetsLabel(f, s, label) || s.BaseStage != nil && good[s.BaseStage.Index]
				if good[s.Index] {
					for _, b := range s.Chain()[1:] {
						silent[b.Index] = true
					}
				}
			}
			for _, s := range f.Stages {
				if good[s.Index] || silent[s.Index] {
					continue
				}
				p.Reportf(s.From.LineRange(), "Label `%s` is missing. Add `LABEL %s=<%s>` to %s", label, label, p.Config.LabelSchema[label], stageDesc(s))
			}
		}
	},
})

// stageSetsLabel reports whether one of the stage's own LABEL instructions sets label.
func stageSetsLabel(f *dockerfile.File, s *dockerfile.Stage, label string) bool {
	for _, in := range s.Instructions {
		if in.Name != "label" {
			continue
		}
		for _, pr := range labelPairs(f, in) {
			if pr.Key == label {
				return true
			}
		}
	}
	return false
}

func stageDesc(s *dockerfile.Stage) string {
	if s.Name != "" {
		return "stage `" + s.Name + "` (FROM " + s.BaseName + ")"
	}
	return "the stage FROM " + s.BaseName
}

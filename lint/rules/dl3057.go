package rules

import (
	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3057 = register(&lint.Rule{
	ID:       "DL3057",
	Name:     "healthcheck-missing",
	Severity: lint.Ignore,
	Summary:  "`HEALTHCHECK` instruction missing",
	Rationale: "Without a HEALTHCHECK, Docker and Swarm only know whether the process runs, not " +
		"whether it serves: a hung server stays \"up\". Off by default, as in hadolint: " +
		"orchestrators such as Kubernetes ignore HEALTHCHECK and use their own probes.\n\n" +
		"A stage has a health check when it or a stage it is built on (`FROM base`) has a " +
		"HEALTHCHECK instruction; `HEALTHCHECK NONE` counts, being an explicit decision. Unlike " +
		"hadolint, which reports every stage without one, hoist reports only the stages that can " +
		"become an image: the final stage and any stage no other stage uses. A builder stage " +
		"consumed by `FROM`, `COPY --from` or `RUN --mount=from=` never runs as a container, and a " +
		"health check there would be dead code. The finding is on the stage's FROM line.",
	Bad: "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n",
	Good: "FROM golang:1.23 AS build\nRUN go build -o /out/app .\n" +
		"FROM alpine:3.20\nCOPY --from=build /out/app /app\n" +
		"HEALTHCHECK CMD wget -qO- http://localhost:8080/healthz || exit 1\nCMD [\"/app\"]\n",
	Run: func(p *lint.Pass) {
		f := p.File
		used := usedStages(f)
		for i, s := range f.Stages {
			if used[s] && i != len(f.Stages)-1 {
				continue
			}
			if chainHas(s, nil, "healthcheck") {
				continue
			}
			p.Reportf(s.From.LineRange(), "`HEALTHCHECK` instruction missing (%s has none and inherits none: "+
				"add HEALTHCHECK CMD ..., or HEALTHCHECK NONE to say it is deliberate)", s.DisplayName())
		}
	},
})

// usedStages returns the stages another stage builds on, copies from or
// mounts (see referencedStages).
func usedStages(f *dockerfile.File) map[*dockerfile.Stage]bool {
	used := referencedStages(f)
	for _, s := range f.Stages {
		if s.BaseStage != nil {
			used[s.BaseStage] = true
		}
	}
	return used
}

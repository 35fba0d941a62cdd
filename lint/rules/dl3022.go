package rules

import (
	"strconv"
	"strings"

	"github.com/hoistci/hoist/lint"
)

var DL3022 = register(&lint.Rule{
	ID:       "DL3022",
	Name:     "copy-from-previous-stage",
	Severity: lint.Warning,
	Summary:  "COPY --from should reference a previously defined FROM alias",
	Rationale: "`COPY --from=name` takes files from the stage called name, which must come before the " +
		"current one; when no such stage exists, BuildKit silently pulls an *image* called name instead " +
		"(usually a typo, or a stage that was renamed). A name given by `--build-context` is not visible " +
		"in the Dockerfile: ignore the rule for that line. References that are plainly images " +
		"(`--from=nginx:1.27`, `--from=ghcr.io/org/tool`, anything with `:`, `/` or `@`) are fine, and so " +
		"is the index of an earlier stage (`--from=0`). A bare name that is no earlier stage is reported " +
		"even if it is meant as an image: give the image a tag so that it cannot be mistaken for a stage. " +
		"BuildKit does not expand variables in `--from` (the build fails), so a `$` there is reported " +
		"with the usual workaround. A reference to the stage itself is DL3023's.",
	Bad:  "FROM golang:1.23 AS builder\nRUN go build -o /app .\n\nFROM alpine:3.20\nCOPY --from=build /app /app\n",
	Good: "FROM golang:1.23 AS builder\nRUN go build -o /app .\n\nFROM alpine:3.20\nCOPY --from=builder /app /app\n",
	Run: func(p *lint.Pass) {
		f := p.File
		for _, s := range f.Stages {
			for _, in := range s.Instructions {
				fl, ok := copyFrom(in)
				if !ok {
					continue
				}
				ref := fl.Value
				const msg = "COPY --from should reference a previously defined FROM alias"
				switch {
				case strings.Contains(ref, "$"):
					p.Reportf(fl.Range, "%s: BuildKit does not expand variables in --from (%s); make the image a stage instead (a global ARG, then `FROM ${IMAGE} AS src`) and use --from=src", msg, ref)
				case isImageRef(ref):
				default:
					if n, err := strconv.Atoi(ref); err == nil {
						if n < 0 || n > s.Index {
							p.Reportf(fl.Range, "%s: there is no stage %d before %s (stages are numbered from 0 in order)", msg, n, stageLabel(s))
						}
						continue
					}
					if t := f.FindStage(ref, -1); t != nil {
						if t.Index > s.Index {
							p.Reportf(fl.Range, "%s: %s is defined after %s (line %d); move it before", msg, stageLabel(t), stageLabel(s), t.From.Range.Start.Line)
						}
						continue
					}
					p.Reportf(fl.Range, "%s: no stage is named %q, so unless a --build-context provides it, BuildKit pulls an image called %s; fix the stage name, or if you mean an image, tag it (%s:<version>)", msg, ref, ref, ref)
				}
			}
		}
	},
})

// isImageRef reports whether a --from value can only be an image reference.
func isImageRef(ref string) bool {
	return strings.ContainsAny(ref, ":/@")
}

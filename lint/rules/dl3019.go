package rules

import (
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3019 = register(&lint.Rule{
	ID:       "DL3019",
	Name:     "apk-no-cache",
	Severity: lint.Info,
	Summary:  "Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages",
	Rationale: "`apk add --no-cache` fetches a fresh index for this one command and keeps neither the " +
		"index nor the downloaded packages: nothing to clean up, and no stale index from an earlier " +
		"layer. Without it, the index stays in the layer unless the same RUN removes `/var/cache/apk/*`.\n\n" +
		"A BuildKit cache mount on the apk cache (`RUN --mount=type=cache,target=/var/cache/apk ...`, " +
		"or on /etc/apk/cache) keeps the cache out of the layer and is accepted, as in hadolint. " +
		"Options held in an ARG or ENV are expanded; an unknown value is not guessed.",
	Bad:  "FROM alpine:3.20\nRUN apk add --update curl=8.9.1-r2 && rm -rf /var/cache/apk/*\n",
	Good: "FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r2\n",
	Fix:  "insert ` --no-cache` after `add`",
	Run: func(p *lint.Pass) {
		apkAdds(p, func(s *shellscript.Script, a *parsedCommand) {
			if len(a.Unknown) > 0 || a.Has("no-cache") || cacheMounted(s, []string{"/var/cache/apk", "/etc/apk/cache"}) {
				return
			}
			msg := "Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages"
			p.ReportFix(a.Range(), msg, a.optionFix(p, "--no-cache"))
		})
	},
})

package rules

import (
	"fmt"
	"strings"

	"github.com/hoistci/hoist/lint"
)

// nonRootMarkers are words in an image reference that, by the convention
// of the images that use them, mean the image already sets a non-root USER:
// distroless's :nonroot tags, docker:dind-rootless,
// nginxinc/nginx-unprivileged, ...
var nonRootMarkers = []string{"nonroot", "non-root", "rootless", "unprivileged"}

var HS003 = register(&lint.Rule{
	ID:       "HS003",
	Name:     "no-user",
	Severity: lint.Warning,
	Summary:  "The final stage sets no USER, so the container runs as root",
	Rationale: "Without a USER instruction the container's process runs as uid 0: a breakout, a writable " +
		"mount or a vulnerable dependency then acts as root. The rule looks at the final stage (the " +
		"image users run) and the stages it is built FROM: a USER anywhere in that chain counts, a USER " +
		"in an unrelated builder stage does not. An image FROM scratch with one static binary still runs " +
		"as uid 0, so it is reported too (use a numeric `USER 65532:65532`, scratch has no /etc/passwd). " +
		"When the last USER is explicitly root, hadolint's DL3002 already reports it, so this rule stays " +
		"silent to avoid a double report. Bases whose reference says they run unprivileged " +
		"(`gcr.io/distroless/static:nonroot`, `docker:dind-rootless`, `nginxinc/nginx-unprivileged`) " +
		"are trusted.",
	Bad:  "FROM node:24-slim\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
	Good: "FROM node:24-slim\nWORKDIR /app\nCOPY . .\nUSER node\nCMD [\"node\", \"server.js\"]\n",
	Run: func(p *lint.Pass) {
		s := finalStage(p.File)
		if s == nil {
			return
		}
		for _, in := range chainInstructions(s) {
			if in.Name == "user" {
				return
			}
		}
		root := rootStage(s)
		if root != nil && len(root.Unresolved) == 0 {
			base := strings.ToLower(root.Base)
			for _, m := range nonRootMarkers {
				if strings.Contains(base, m) {
					return
				}
			}
		}
		via := ""
		if root != nil && root != s {
			via = fmt.Sprintf(" (nor in stage %s it is built FROM)", root.DisplayName())
			if len(s.Chain()) > 2 {
				via = " (nor in the stages it is built FROM)"
			}
		}
		hint := "add `USER <non-root>` (e.g. `RUN useradd --system --uid 10001 app` and `USER app`, or a numeric `USER 10001:10001`)"
		if root.IsScratch() {
			hint = "add a numeric `USER 65532:65532` (scratch has no /etc/passwd to look names up in)"
		}
		p.Reportf(s.BaseWord().Range, "no USER in the final stage%s: the container runs as root; %s", via, hint)
	},
})

package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3048 = register(&lint.Rule{
	ID:       "DL3048",
	Name:     "invalid-label-key",
	Severity: lint.Style,
	Summary:  "Invalid label key",
	Rationale: "Docker's guidelines for label keys: lower-case letters, digits, `.` and `-`, starting with a " +
		"letter and ending with a letter or digit, no repeated separators, and a reverse-DNS prefix of your own " +
		"(`org.opencontainers.image.*`, `com.example.*`); the namespaces `com.docker.`, `io.docker.` and " +
		"`org.dockerproject.` are reserved for Docker. Keys that follow them sort and filter predictably " +
		"(`docker image ls --filter label=...`) and never collide with another tool's. The finding points at the " +
		"key, also inside a multi-line LABEL; quoted keys are checked without their quotes. As in hadolint, a key " +
		"built from a variable (`$NS.version`) is reported: write label keys literally. ONBUILD LABEL is not " +
		"checked (hadolint does not either).",
	Bad:  "FROM alpine:3.20\nLABEL Maintainer=\"jane@example.com\" com.docker.version=1\n",
	Good: "FROM alpine:3.20\nLABEL maintainer=\"jane@example.com\" org.opencontainers.image.version=1.4.0\n",
	Run: func(p *lint.Pass) {
		for _, in := range lblLabelInstructions(p.File) {
			for _, pr := range lblPairs(p.File, in) {
				key := pr.Key
				if pr.KeyVars {
					key = pr.RawKey
				}
				if why := lblKeyProblem(key); why != "" {
					p.Report(pr.KeyRange, "Invalid label key. "+why)
				}
			}
		}
	},
})

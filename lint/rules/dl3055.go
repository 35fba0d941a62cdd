package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3055 = register(&lint.Rule{
	ID:       "DL3055",
	Name:     "label-not-git-hash",
	Severity: lint.Warning,
	Summary:  "A label of type hash in the label schema is not a git commit hash",
	Rationale: "The `label-schema` says this label holds a commit (`org.opencontainers.image.revision`): lower-case " +
		"hex, as `git rev-parse HEAD` prints it. hadolint accepts exactly 40 or 7 digits; hoist accepts a " +
		"full SHA-1 (40) or SHA-256 (64) object name and abbreviations of 7 to 40 digits, since git lengthens " +
		"its abbreviations in large repositories. A branch or tag name is not a commit. A value that refers " +
		"to a variable (`LABEL x=$VERSION`) is not checked, since build arguments decide it; an empty value " +
		"is left to DL3051. Only top-level LABELs are checked, not ONBUILD LABEL (as hadolint). The finding " +
		"points at the value, also on the continuation lines of a multi-line LABEL.",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.revision: hash\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.revision=main\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.revision=3f2c1a9b8e7d6c5b4a3928170615f4e3d2c1b0a9\n",
	Run: func(p *lint.Pass) {
		lblCheckValues(p, "hash", func(key string) string { return "Label `" + key + "` is not a valid git hash." }, func(v string) (bool, string) {
			why := lblGitHashProblem(v)
			return why == "", why
		})
	},
})

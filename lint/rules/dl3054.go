package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL3054 = register(&lint.Rule{
	ID:       "DL3054",
	Name:     "label-not-spdx",
	Severity: lint.Warning,
	Summary:  "A label of type spdx in the label schema is not an SPDX license expression",
	Rationale: "The `label-schema` says this label holds a license (`org.opencontainers.image.licenses`): the OCI " +
		"annotation spec requires an SPDX license expression so that license scanners read it. hoist knows " +
		"the SPDX license list (ids matched without regard to case, deprecated ids such as GPL-2.0 included) " +
		"and its exceptions, and accepts full expressions: `MIT OR Apache-2.0`, `Apache-2.0 WITH " +
		"LLVM-exception`, `(MIT AND BSD-3-Clause)`, `GPL-2.0+`, `LicenseRef-Acme`. hadolint accepts a single " +
		"license id only. A value that refers to a variable (`LABEL x=$VERSION`) is not checked, since build " +
		"arguments decide it; an empty value is left to DL3051. Only top-level LABELs are checked, not " +
		"ONBUILD LABEL (as hadolint). The finding points at the value, also on the continuation lines of a " +
		"multi-line LABEL.",
	ExampleConfig: "label-schema:\n  org.opencontainers.image.licenses: spdx\n",
	Bad:           "FROM alpine:3.20\nLABEL org.opencontainers.image.licenses=\"Apache 2\"\n",
	Good:          "FROM alpine:3.20\nLABEL org.opencontainers.image.licenses=\"MIT OR Apache-2.0\"\n",
	Run: func(p *lint.Pass) {
		checkLabelValues(p, "spdx", func(key string) string { return "Label `" + key + "` is not a valid SPDX license identifier." }, func(v string) (bool, string) {
			why := spdxProblem(v)
			return why == "", why
		})
	},
})

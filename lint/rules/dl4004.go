package rules

import (
	"github.com/hoistci/hoist/lint"
)

var DL4004 = register(&lint.Rule{
	ID:       "DL4004",
	Name:     "multiple-entrypoint",
	Aliases:  []string{"MultipleInstructionsDisallowed"},
	Severity: lint.Error,
	Summary:  "Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` then only the last `ENTRYPOINT` will take effect",
	Rationale: "A stage has one entrypoint: each ENTRYPOINT replaces the one before (and resets a CMD " +
		"inherited from the base image), so all but the last are dead code. The check is per stage. " +
		"As in hadolint, every ENTRYPOINT after the first in a stage is reported, so existing " +
		"`# hadolint ignore=DL4004` comments keep working; the message names the line of the " +
		"ENTRYPOINT it overrides. BuildKit's MultipleInstructionsDisallowed is an alias.",
	Bad:  "FROM alpine:3.20\nENTRYPOINT [\"/bin/sh\"]\nENTRYPOINT [\"/app\"]\n",
	Good: "FROM alpine:3.20 AS debug\nENTRYPOINT [\"/bin/sh\"]\nFROM alpine:3.20\nENTRYPOINT [\"/app\"]\n",
	Run:  func(p *lint.Pass) { reportRepeated(p, "entrypoint", "ENTRYPOINT") },
})

package rules_test

import (
	"path/filepath"
	"testing"

	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/linttest"
	"github.com/hoistci/hoist/lint/rules"
)

// TestMixedPackageManagers lints one RUN that uses every package manager,
// across continuation lines (one of them indented with a tab), with every
// rule on: each finding must be at its word's exact column, and no other
// rule may fire.
func TestMixedPackageManagers(t *testing.T) {
	reg := rules.Registry()
	var on []*lint.Rule // the rules on by default, ShellCheck aside
	for _, r := range reg.All() {
		if r.Severity != lint.Ignore && r != rules.ShellCheck {
			on = append(on, r)
		}
	}
	linttest.Run(t, filepath.Join("testdata", "mixed"), reg, on...)
}

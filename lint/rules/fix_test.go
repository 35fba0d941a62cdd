package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/rules"
)

// TestFixes applies each rule's fixes to testdata/fix/<ID>/*.Dockerfile and
// compares with the .fixed file beside it: a second pass must change
// nothing and the rule must no longer fire. Every rule that declares a fix
// must have such testdata.
func TestFixes(t *testing.T) {
	reg := rules.Registry()
	for _, r := range reg.All() {
		dir := filepath.Join("testdata", "fix", r.ID)
		files, _ := filepath.Glob(filepath.Join(dir, "*.Dockerfile"))
		if r.Fix == "" {
			if len(files) > 0 {
				t.Errorf("%s has fix testdata but declares no Fix", r.ID)
			}
			continue
		}
		if len(files) == 0 {
			t.Errorf("%s declares a fix but has no testdata in %s", r.ID, dir)
			continue
		}
		l := lint.New(reg, lint.OnlyRules(lint.DefaultConfig(), reg, r))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".Dockerfile") + ".fixed")
			if err != nil {
				t.Fatal(err)
			}
			got, applied := l.Fix(f, src)
			if string(got) != string(want) {
				t.Errorf("%s: fixed file differs:\n--- got\n%s--- want\n%s", f, got, want)
			}
			if len(applied) == 0 {
				t.Errorf("%s: no fix applied", f)
			}
			again, more := l.Fix(f, got)
			if string(again) != string(got) || len(more) != 0 {
				t.Errorf("%s: a second pass changed the file", f)
			}
			for _, fd := range l.Lint(f, got).Findings {
				if fd.Fix != nil {
					t.Errorf("%s: %s still offers a fix after fixing: %s", f, fd.RuleID, fd.Message)
				}
			}
		}
	}
}

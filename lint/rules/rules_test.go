package rules_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/linttest"
	"github.com/hoistci/hoist/lint/rules"
)

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// TestRules runs every rule over testdata/<ID>/ and checks its metadata.
func TestRules(t *testing.T) {
	reg := rules.Registry()
	for _, r := range reg.All() {
		t.Run(r.ID, func(t *testing.T) {
			checkMetadata(t, r)
			skipWithoutShellCheck(t, r)
			dir := filepath.Join("testdata", r.ID)
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("rule %s has no testdata directory %s", r.ID, dir)
			}
			linttest.Run(t, dir, reg, r)
			checkCoverage(t, dir)
		})
	}
}

func checkMetadata(t *testing.T, r *lint.Rule) {
	t.Helper()
	if !regexp.MustCompile(`^(DL[0-9]{4}|HS[0-9]{3})$`).MatchString(r.ID) {
		t.Errorf("bad ID %q", r.ID)
	}
	if !kebab.MatchString(r.Name) {
		t.Errorf("name %q is not kebab-case", r.Name)
	}
	if r.Summary == "" || r.Rationale == "" || r.Bad == "" || r.Good == "" {
		t.Errorf("rule %s lacks summary, rationale or examples", r.ID)
	}
	if strings.HasSuffix(r.Summary, ".") {
		t.Errorf("summary of %s ends with a period", r.ID)
	}
}

var wantLine = regexp.MustCompile(`(?m)^\s*#\s*want\s`)

// checkCoverage wants at least 2 firing cases and 3 silent instructions.
func checkCoverage(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	wants, silent := 0, 0
	for _, e := range entries {
		if e.IsDir() || e.Name() == "hadolint.yaml" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w := len(wantLine.FindAll(src, -1))
		wants += w
		f := dockerfile.Parse(e.Name(), src)
		silent += len(f.Instructions) - w
	}
	if wants < 2 {
		t.Errorf("%s: %d firing cases, want at least 2", dir, wants)
	}
	if silent < 3 {
		t.Errorf("%s: %d silent instructions, want at least 3", dir, silent)
	}
}

// TestExamples checks that every rule fires on its Bad example and stays
// silent on its Good one.
func TestExamples(t *testing.T) {
	reg := rules.Registry()
	for _, r := range reg.All() {
		if r == rules.ShellCheck && !haveShellCheck() {
			continue
		}
		bad, err := lint.LintExample(reg, r, r.Bad)
		if err != nil {
			t.Fatal(err)
		}
		if len(bad.Findings) == 0 {
			t.Errorf("%s: no finding on its bad example", r.ID)
		}
		good, err := lint.LintExample(reg, r, r.Good)
		if err != nil {
			t.Fatal(err)
		}
		if len(good.Findings) != 0 {
			t.Errorf("%s: finding on its good example: %+v", r.ID, good.Findings[0])
		}
	}
}

func haveShellCheck() bool {
	_, err := exec.LookPath("shellcheck")
	return err == nil
}

// skipWithoutShellCheck skips the ShellCheck rule's tests on machines
// without the binary (.ci/run installs it, so CI never skips).
func skipWithoutShellCheck(t *testing.T, r *lint.Rule) {
	t.Helper()
	if r == rules.ShellCheck && !haveShellCheck() {
		t.Skip("shellcheck is not installed (apt-get install shellcheck)")
	}
}

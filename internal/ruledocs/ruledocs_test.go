package ruledocs

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistci/hoist/lint/rules"
)

var update = flag.Bool("update", false, "rewrite docs/rules from the rules' metadata")

// TestDocsAreCurrent fails when docs/rules differs from the metadata; run
// `go test ./internal/ruledocs -update` to regenerate.
func TestDocsAreCurrent(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "rules")
	reg := rules.Registry()
	want := map[string]string{"README.md": Index(reg)}
	for _, r := range reg.All() {
		page, err := Page(reg, r)
		if err != nil {
			t.Fatal(err)
		}
		want[r.ID+".md"] = page
	}
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
		for _, f := range old {
			if _, keep := want[filepath.Base(f)]; !keep {
				os.Remove(f)
			}
		}
		for name, content := range want {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	if _, err := exec.LookPath("shellcheck"); err != nil {
		// The ShellCheck rule's example output needs the binary.
		delete(want, rules.ShellCheck.ID+".md")
	}
	for name, content := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != content {
			t.Errorf("docs/rules/%s is out of date: run go test ./internal/ruledocs -update", name)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range files {
		if _, ok := want[filepath.Base(f)]; !ok {
			t.Errorf("docs/rules/%s documents no rule: run go test ./internal/ruledocs -update", filepath.Base(f))
		}
	}
}

func TestPageMentionsEverything(t *testing.T) {
	reg := rules.Registry()
	r := reg.Get("DL3006")
	page, err := Page(reg, r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# DL3006: tag-image-version", "## Bad", "Dockerfile:1:6: warning DL3006", "## Good", "--ignore DL3006"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
}

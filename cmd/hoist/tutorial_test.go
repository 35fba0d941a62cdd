package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestTutorialGolden lints the tutorial Dockerfile users copy from the web:
// every problem a reviewer sees in it must be reported, at its line and
// column, and the whole report is compared with a golden file.
func TestTutorialGolden(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "testdata", "lint", "tutorial")
	r := hoist(t, dir, "", nil, "lint", "--color", "never", "--shellcheck", "off", "Dockerfile")
	if r.code != 1 {
		t.Errorf("exit code %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"Dockerfile:2:6: warning HS006 (eol-base-image)",                   // ubuntu:18.04 is past end of life
		"Dockerfile:2:6: warning HS003 (no-user)",                          // runs as root
		"Dockerfile:13:5: warning DL3025 (json-args-cmd-entrypoint)",       // shell-form CMD
		"Dockerfile:13:5: warning HS002 (shell-cmd-with-exec-entrypoint)",  // ... next to an exec ENTRYPOINT
		"Dockerfile:13:5: warning HS019 (background-service-cmd)",          // service start exits at once
		"Dockerfile:21:18: warning DL3045 (copy-relative-without-workdir)", // relative COPY, no WORKDIR
		"Dockerfile:24:8: warning HS005 (expose-host-port)",                // EXPOSE 80:8080
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q", want)
		}
	}
	golden := filepath.Join(dir, "lint.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/hoist -run TestTutorialGolden -update)", err)
	}
	if string(want) != r.stdout {
		t.Errorf("report differs from %s (run with -update if deliberate):\n%s", golden, r.stdout)
	}
}

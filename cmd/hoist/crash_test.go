package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	buildexec "github.com/hoistci/hoist/build/exec"
	"github.com/hoistci/hoist/internal/store"
)

// TestMain lets a test run the hoist binary as a child process: the test
// binary re-executes itself with HOIST_TEST_MAIN=1 and becomes hoist.
func TestMain(m *testing.M) {
	if buildexec.Init() {
		return
	}
	if os.Getenv("HOIST_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// hoistProcess starts hoist as a child process.
func hoistProcess(t *testing.T, dir string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	c := exec.Command(os.Args[0], args...)
	c.Dir = dir
	c.Env = append(append(os.Environ(), "HOIST_TEST_MAIN=1"), env...)
	return c
}

// TestBuildKilledMidway kills builds with SIGKILL at different points,
// then rebuilds: the rebuild succeeds, and the store holds nothing
// corrupt (only temp files, which GC reclaims).
func TestBuildKilledMidway(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes; slow")
	}
	home, _ := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nCOPY a/ /a/\nCOPY b/ /b/\nCMD [\"ls\"]\n")
	randomTree(t, filepath.Join(dir, "a"), 200, 32<<10)
	randomTree(t, filepath.Join(dir, "b"), 200, 32<<10)
	env := []string{"HOIST_HOME=" + home}
	for i, delay := range []time.Duration{5, 20, 40, 60, 80, 120, 160, 250} {
		c := hoistProcess(t, dir, env, "build", "--no-cache", "-t", "crash:test", "--progress", "quiet", ".")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay * time.Millisecond)
		_ = c.Process.Kill()
		_ = c.Wait()
		st, err := store.Open(home)
		if err != nil {
			t.Fatalf("run %d: store does not open after a kill: %v", i, err)
		}
		problems, err := st.Verify(context.Background())
		if err != nil {
			t.Fatalf("run %d: verify: %v", i, err)
		}
		for _, p := range problems {
			if p.Kind != store.ProblemTempFile {
				t.Errorf("run %d (killed after %v): %s", i, delay*time.Millisecond, p)
			}
		}
	}
	out, err := hoistProcess(t, dir, env, "build", "-t", "crash:test", "--progress", "plain", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("rebuild after kills: %v\n%s", err, out)
	}
	st, _ := store.Open(home)
	if _, err := st.Image("crash:test"); err != nil {
		t.Fatalf("the rebuilt image is not in the store: %v", err)
	}
	if _, err := st.GC(context.Background(), store.GCOptions{GracePeriod: -1}); err != nil {
		t.Fatal(err)
	}
	if problems, _ := st.Verify(context.Background()); len(problems) > 0 {
		t.Fatalf("after GC: %v", problems)
	}
}

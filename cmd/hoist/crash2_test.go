package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hoistci/hoist/internal/faultproxy"
	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/store"
)

// Crash consistency (issue 11): hoist build killed with SIGKILL at random
// points, two builds sharing one store at once, and prune --local during a
// build. In every case the store checks clean with `hoist store verify`
// (temp files of interrupted writes aside: GC reclaims them), and the
// builds that were not killed succeed.

// crashSeed seeds the kill points: HOIST_CRASH_SEED reproduces a run.
func crashSeed(t *testing.T) int64 {
	if s := os.Getenv("HOIST_CRASH_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("HOIST_CRASH_SEED=%q: %v", s, err)
		}
		return n
	}
	return 20261129
}

// storeVerify runs `hoist store verify --format json` as its own process
// and returns the problems that GC would not reclaim.
func storeVerify(t *testing.T, dir string, env []string) []problemJSON {
	t.Helper()
	var out, errb bytes.Buffer
	c := hoistProcess(t, dir, env, "store", "verify", "--format", "json")
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("hoist store verify: %v\n%s", err, errb.String())
	}
	var v verifyJSON
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("hoist store verify --format json: %v\n%s", err, out.String())
	}
	var bad []problemJSON
	for _, p := range v.Problems {
		if p.Kind != string(store.ProblemTempFile) {
			bad = append(bad, p)
		}
	}
	return bad
}

// runHoist runs hoist as a process and fails the test unless it exits 0.
func runHoist(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	out, err := hoistProcess(t, dir, env, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("hoist %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func metadataDigest(t *testing.T, path string) string {
	t.Helper()
	d, _ := metadata(t, path)["containerimage.digest"].(string)
	if d == "" {
		t.Fatalf("%s has no containerimage.digest", path)
	}
	return d
}

// TestBuildKilledAtRandom kills `hoist build` (COPY and RUN steps, pushed
// to the registry) with SIGKILL at seeded random points, at least 20
// times. After every kill the store verifies clean, a rebuild succeeds and
// verifies clean, and the registry's tag points at a complete image.
func TestBuildKilledAtRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes; slow")
	}
	needRoot(t)
	reg := imagetest.RealRegistry(t, true)
	seed := crashSeed(t)
	rnd := rand.New(rand.NewSource(seed))
	t.Logf("seed %d (HOIST_CRASH_SEED reproduces the kill points)", seed)

	home, _ := buildEnv(t)
	env := []string{"HOIST_HOME=" + home}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\n"+
		"COPY a/ /a/\n"+
		"RUN cat /a/stamp > /stamp && find /a -type f | wc -l > /count\n"+
		"COPY b/ /b/\n"+
		"RUN ls -R /b > /listing && echo built > /built\n"+
		"CMD [\"cat\", \"/stamp\"]\n")
	randomTree(t, filepath.Join(dir, "a"), 100, 16<<10)
	randomTree(t, filepath.Join(dir, "b"), 100, 16<<10)
	repo := fmt.Sprintf("hoist-test/crash-%d", time.Now().UnixNano())
	ref := reg + "/" + repo + ":latest"
	meta := filepath.Join(t.TempDir(), "meta.json")
	args := []string{"build", "-t", ref, "--push", "--progress", "quiet", "--metadata-file", meta, "."}

	// A first build gives the time a build takes: the kills fall within it.
	writeFile(t, filepath.Join(dir, "a", "stamp"), "calibration\n")
	start := time.Now()
	runHoist(t, dir, env, args...)
	full := time.Since(start)
	t.Logf("a full build takes %v", full.Round(time.Millisecond))

	kills, runs := 0, 0
	for kills < 20 {
		runs++
		if runs > 60 {
			t.Fatalf("only %d of %d builds were killed before they ended", kills, runs-1)
		}
		// A new stamp: the first COPY and everything after it are built
		// again, so every run does real work.
		stamp := fmt.Sprintf("run %d\n", runs)
		writeFile(t, filepath.Join(dir, "a", "stamp"), stamp)
		delay := time.Duration(rnd.Int63n(int64(full)))
		c := hoistProcess(t, dir, env, args...)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = c.Process.Signal(syscall.SIGKILL)
		_ = c.Wait()
		if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			kills++
		}
		if bad := storeVerify(t, dir, env); len(bad) > 0 {
			t.Fatalf("run %d, killed after %v: the store is inconsistent: %+v", runs, delay, bad)
		}
		runHoist(t, dir, env, args...)
		if bad := storeVerify(t, dir, env); len(bad) > 0 {
			t.Fatalf("run %d: after the rebuild the store is inconsistent: %+v", runs, bad)
		}
		st, probs, err := faultproxy.Inspect(context.Background(), reg, repo)
		if err != nil {
			t.Fatal(err)
		}
		if len(probs) > 0 {
			t.Fatalf("run %d: the registry is inconsistent: %v", runs, probs)
		}
		if want := metadataDigest(t, meta); st.Tags["latest"] != want {
			t.Fatalf("run %d: latest -> %s, the rebuild pushed %s", runs, st.Tags["latest"], want)
		}
	}
	t.Logf("%d builds killed (of %d started)", kills, runs)

	// GC reclaims what the kills left; then nothing at all is left over.
	runHoist(t, dir, env, "prune", "--local", "--grace", "0")
	out, err := hoistProcess(t, dir, env, "store", "verify").CombinedOutput()
	if err != nil {
		t.Fatalf("after GC: %v\n%s", err, out)
	}
}

// TestParallelBuildsShareStore runs two builds of different Dockerfiles
// that share layers (the same COPY and RUN first) at the same time on one
// store, several rounds, each cold: both succeed and the store verifies.
func TestParallelBuildsShareStore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs builds as processes; slow")
	}
	needRoot(t)
	home, _ := buildEnv(t)
	env := []string{"HOIST_HOME=" + home}
	dir := t.TempDir()
	shared := "FROM busybox\nCOPY common/ /common/\nRUN cat /common/stamp > /stamp && ls /common | wc -l > /n\n"
	writeFile(t, filepath.Join(dir, "one.Dockerfile"), shared+"RUN echo one > /which\nCOPY one.txt /\n")
	writeFile(t, filepath.Join(dir, "two.Dockerfile"), shared+"COPY two.txt /\nRUN echo two > /which\n")
	writeFile(t, filepath.Join(dir, "one.txt"), "one\n")
	writeFile(t, filepath.Join(dir, "two.txt"), "two\n")
	randomTree(t, filepath.Join(dir, "common"), 150, 16<<10)
	for round := range 4 {
		writeFile(t, filepath.Join(dir, "common", "stamp"), fmt.Sprintf("round %d\n", round))
		var wg sync.WaitGroup
		outs := make([]string, 2)
		errs := make([]error, 2)
		for i, name := range []string{"one", "two"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, err := hoistProcess(t, dir, env, "build", "-f", name+".Dockerfile", "-t", name+":"+strconv.Itoa(round), "--progress", "plain", ".").CombinedOutput()
				outs[i], errs[i] = string(b), err
			}()
		}
		wg.Wait()
		for i := range errs {
			if errs[i] != nil {
				t.Fatalf("round %d, build %d: %v\n%s", round, i+1, errs[i], outs[i])
			}
		}
		if bad := storeVerify(t, dir, env); len(bad) > 0 {
			t.Fatalf("round %d: %+v", round, bad)
		}
	}
	st, err := store.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 4 {
		for _, name := range []string{"one", "two"} {
			img, err := st.Image(name + ":" + strconv.Itoa(round))
			if err != nil {
				t.Fatalf("%s:%d: %v", name, round, err)
			}
			if ls, err := img.Layers(); err != nil || len(ls) != 5 {
				t.Errorf("%s:%d: %d layers (%v), want 5", name, round, len(ls), err)
			}
		}
	}
	// The base and the shared COPY are the same layers in both images. (The
	// shared RUN may differ: when both builds miss the cache at once, each
	// runs the step, and a RUN's files carry the time they were made.)
	for round := range 4 {
		a, _ := st.Image("one:" + strconv.Itoa(round))
		b, _ := st.Image("two:" + strconv.Itoa(round))
		la, _ := a.Layers()
		lb, _ := b.Layers()
		for i := range 2 {
			da, _ := la[i].Digest()
			db, _ := lb[i].Digest()
			if da != db {
				t.Errorf("round %d: layer %d differs (%s, %s)", round, i, da, db)
			}
		}
	}
}

// TestPruneLocalDuringBuild runs `hoist prune --local --all` over and over
// while a build runs: every cache record and unused snapshot goes, but
// nothing the build uses. The build's cache hits are on blobs written
// "two hours ago" (beyond the grace period), so only their use protects
// them.
func TestPruneLocalDuringBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs builds as processes; slow")
	}
	needRoot(t)
	home, _ := buildEnv(t)
	env := []string{"HOIST_HOME=" + home}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\n"+
		"COPY a/ /a/\n"+
		"RUN cat /a/* | wc -c > /size\n"+
		"COPY b/ /b/\n"+
		"RUN sleep 1 && ls /b > /listing\n"+
		"RUN sleep 1 && cat /size /listing > /both\n"+
		"COPY c/ /c/\n"+
		"RUN sleep 1 && ls /c > /clist\n")
	randomTree(t, filepath.Join(dir, "a"), 100, 16<<10)
	randomTree(t, filepath.Join(dir, "b"), 100, 16<<10)
	randomTree(t, filepath.Join(dir, "c"), 20, 4<<10)
	runHoist(t, dir, env, "build", "-t", "app:0", "--progress", "quiet", ".")

	for round := 1; round <= 3; round++ {
		// Age every blob and cache record: only the build's own use of
		// them keeps them now.
		old := time.Now().Add(-2 * time.Hour)
		_ = filepath.Walk(filepath.Join(home), func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				_ = os.Chtimes(p, old, old)
			}
			return nil
		})
		// A change late in the Dockerfile: the early steps hit the cache.
		writeFile(t, filepath.Join(dir, "c", "stamp"), fmt.Sprintf("round %d\n", round))
		if round == 3 {
			// ...and one early: everything runs again.
			writeFile(t, filepath.Join(dir, "a", "stamp"), "changed\n")
		}
		meta := filepath.Join(t.TempDir(), "meta.json")
		var out bytes.Buffer
		b := hoistProcess(t, dir, env, "build", "-t", "app:"+strconv.Itoa(round), "--progress", "plain", "--metadata-file", meta, ".")
		b.Stdout, b.Stderr = &out, &out
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- b.Wait() }()
		prunes := 0
		var berr error
	loop:
		for {
			select {
			case berr = <-done:
				break loop
			default:
			}
			p, err := hoistProcess(t, dir, env, "prune", "--local", "--all").CombinedOutput()
			if err != nil {
				t.Errorf("prune --local --all during the build: %v\n%s", err, p)
			}
			prunes++
		}
		if berr != nil {
			t.Fatalf("round %d: the build failed while %d prunes ran: %v\n%s", round, prunes, berr, out.String())
		}
		if prunes < 2 {
			t.Errorf("round %d: only %d prunes ran during the build", round, prunes)
		}
		if bad := storeVerify(t, dir, env); len(bad) > 0 {
			t.Fatalf("round %d: %+v", round, bad)
		}
		st, err := store.Open(home)
		if err != nil {
			t.Fatal(err)
		}
		img, err := st.Image("app:" + strconv.Itoa(round))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if d, _ := img.Digest(); d.String() != metadataDigest(t, meta) {
			t.Errorf("round %d: app -> %s, the build made %s", round, d, metadataDigest(t, meta))
		}
		t.Logf("round %d: %d prunes during the build", round, prunes)
	}
}

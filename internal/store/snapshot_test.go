package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func chainID(n int) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%064x", n)}
}

// writeFiles is an extract func writing a small tree.
func writeFiles(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte("hello"), 0o644); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o555); err != nil {
		return err
	}
	return os.Link(filepath.Join(dir, "file"), filepath.Join(dir, "link"))
}

func TestSnapshotExtractsOnce(t *testing.T) {
	s := newStore(t)
	var calls atomic.Int32
	var wg sync.WaitGroup
	dirs := make([]string, 8)
	releases := make([]func(), 8)
	for i := range dirs {
		wg.Go(func() {
			d, rel, err := s.Snapshot(context.Background(), chainID(1), func(dir string) error {
				calls.Add(1)
				return writeFiles(dir)
			})
			if err != nil {
				t.Error(err)
				return
			}
			dirs[i], releases[i] = d, rel
		})
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("extract ran %d times, want once", calls.Load())
	}
	want := filepath.Join(s.Dir(), "snapshots", chainID(1).Hex, "fs")
	for i, d := range dirs {
		if d != want {
			t.Errorf("caller %d got %q, want %q", i, d, want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(want, "file")); err != nil || string(b) != "hello" {
		t.Fatalf("snapshot content: %q, %v", b, err)
	}
	infos, err := s.Snapshots()
	if err != nil || len(infos) != 1 {
		t.Fatalf("Snapshots() = %v, %v", infos, err)
	}
	if in := infos[0]; in.ChainID != chainID(1) || in.Size != 5 || !in.Leased || in.Dir != want {
		t.Errorf("info = %+v, want chain 1, size 5 (the hard link counted once), leased", in)
	}
	for _, r := range releases {
		r()
		r() // a second call does nothing
	}
	if infos, _ := s.Snapshots(); infos[0].Leased {
		t.Error("still leased after every release")
	}
	// Used again: no extraction.
	_, rel, err := s.Snapshot(context.Background(), chainID(1), func(string) error {
		t.Error("extracted again")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rel()
	if probs, err := s.Verify(context.Background()); err != nil || len(probs) != 0 {
		t.Errorf("Verify = %v, %v", probs, err)
	}
}

func TestSnapshotFailedExtraction(t *testing.T) {
	s := newStore(t)
	boom := errors.New("disk on fire")
	_, _, err := s.Snapshot(context.Background(), chainID(2), func(dir string) error {
		os.WriteFile(filepath.Join(dir, "half"), []byte("x"), 0o644)
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), chainID(2).String()) {
		t.Fatalf("err = %v, want the extraction's error naming the snapshot", err)
	}
	assertEmpty(t, filepath.Join(s.Dir(), "snapshots"))
	assertEmpty(t, filepath.Join(s.Dir(), tmpDir))
	d, rel, err := s.Snapshot(context.Background(), chainID(2), writeFiles)
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	if _, err := os.Stat(filepath.Join(d, "file")); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotBadChainID(t *testing.T) {
	s := newStore(t)
	for _, h := range []v1.Hash{{}, {Algorithm: "sha256", Hex: "../../etc"}, {Algorithm: "sha512", Hex: strings.Repeat("a", 64)}} {
		if _, _, err := s.Snapshot(context.Background(), h, writeFiles); err == nil {
			t.Errorf("Snapshot(%q) succeeded", h)
		}
	}
}

func TestSnapshotCancelWhileWaiting(t *testing.T) {
	s := newStore(t)
	started, done, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
	defer func() { <-finished }()
	go func() {
		defer close(finished)
		_, rel, err := s.Snapshot(context.Background(), chainID(3), func(dir string) error {
			close(started)
			<-done
			return nil
		})
		if err == nil {
			rel()
		}
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := s.Snapshot(ctx, chainID(3), writeFiles)
	close(done)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestSnapshotGC(t *testing.T) {
	s := newStore(t)
	_, rel1, err := s.Snapshot(context.Background(), chainID(1), writeFiles)
	if err != nil {
		t.Fatal(err)
	}
	_, rel2, err := s.Snapshot(context.Background(), chainID(2), writeFiles)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	later := func(d time.Duration) func() time.Time { return func() time.Time { return time.Now().Add(d) } }

	// Leased: kept whatever the policy.
	res, err := s.GC(ctx, GCOptions{Snapshots: SnapshotPolicy{All: true}})
	if err != nil || len(res.Snapshots) != 0 {
		t.Fatalf("GC removed leased snapshots: %v, %v", res.Snapshots, err)
	}
	rel1()
	rel2()
	// Recently used: kept by the default policy.
	if res, err := s.GC(ctx, GCOptions{CacheMaxAge: 168 * time.Hour, now: later(24 * time.Hour)}); err != nil || len(res.Snapshots) != 0 {
		t.Fatalf("GC removed recently used snapshots: %v, %v", res.Snapshots, err)
	}
	// Chain 2 used again now, chain 1 not: a week later only 1 goes.
	_, rel2, _ = s.Snapshot(ctx, chainID(2), writeFiles)
	rel2()
	os.Chtimes(filepath.Join(s.Dir(), "snapshots", chainID(1).Hex, "used"), time.Now().Add(-7*24*time.Hour), time.Now().Add(-7*24*time.Hour))
	res, err = s.GC(ctx, GCOptions{CacheMaxAge: 168 * time.Hour, now: later(time.Hour), DryRun: true})
	if err != nil || len(res.Snapshots) != 1 || res.Snapshots[0].ChainID != chainID(1) || res.BytesFreed != 5 {
		t.Fatalf("dry run: %+v, %v; want snapshot 1 (5 bytes)", res, err)
	}
	if infos, _ := s.Snapshots(); len(infos) != 2 {
		t.Fatal("a dry run removed a snapshot")
	}
	res, err = s.GC(ctx, GCOptions{CacheMaxAge: 168 * time.Hour, now: later(time.Hour)})
	if err != nil || len(res.Snapshots) != 1 || res.Snapshots[0].ChainID != chainID(1) {
		t.Fatalf("GC: %+v, %v; want snapshot 1 removed", res, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "snapshots", chainID(1).Hex)); !os.IsNotExist(err) {
		t.Errorf("snapshot 1 still on disk: %v", err)
	}
	// Keep keeps, All removes the rest; rmi's candidate GC never touches them.
	if res, _ := s.GC(ctx, GCOptions{Snapshots: SnapshotPolicy{Keep: true}, GracePeriod: -1}); len(res.Snapshots) != 0 {
		t.Error("Keep removed a snapshot")
	}
	if res, _ := s.GC(ctx, GCOptions{Candidates: []v1.Hash{}, Snapshots: SnapshotPolicy{All: true}}); len(res.Snapshots) != 0 {
		t.Error("a candidate-limited GC removed a snapshot")
	}
	if res, _ := s.GC(ctx, GCOptions{Snapshots: SnapshotPolicy{All: true}}); len(res.Snapshots) != 1 {
		t.Errorf("All removed %v, want snapshot 2", res.Snapshots)
	}
	assertEmpty(t, filepath.Join(s.Dir(), "snapshots"))
	assertEmpty(t, filepath.Join(s.Dir(), tmpDir))
}

// helper starts this test binary as a snapshot helper process.
func startHelper(t *testing.T, dir, mode, chain, ctl string) (*exec.Cmd, *bufio.Reader, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSnapshotHelperProcess$")
	cmd.Env = append(os.Environ(), "HOIST_SNAP_HELPER="+mode, "HOIST_SNAP_DIR="+dir, "HOIST_SNAP_CHAIN="+chain, "HOIST_SNAP_CTL="+ctl)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewReader(stdout), func() { stdin.Close() }
}

func waitFile(t *testing.T, p string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(p); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", p)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSnapshotHelperProcess is the child process of the tests below.
func TestSnapshotHelperProcess(t *testing.T) {
	mode := os.Getenv("HOIST_SNAP_HELPER")
	if mode == "" {
		t.Skip("helper process for the snapshot tests")
	}
	s, err := Open(os.Getenv("HOIST_SNAP_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	ctl := os.Getenv("HOIST_SNAP_CTL")
	chain, _ := v1.NewHash("sha256:" + os.Getenv("HOIST_SNAP_CHAIN"))
	logExtract := func() {
		f, err := os.OpenFile(filepath.Join(ctl, "log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "%d\n", os.Getpid())
		f.Close()
	}
	d, _, err := s.Snapshot(context.Background(), chain, func(dir string) error {
		logExtract()
		switch mode {
		case "extract-slow":
			os.WriteFile(filepath.Join(ctl, "started"), nil, 0o644)
			waitFile(t, filepath.Join(ctl, "go"))
		case "crash":
			os.WriteFile(filepath.Join(dir, "half"), []byte("x"), 0o644)
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		return writeFiles(dir)
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(d)
	switch mode {
	case "lease-crash":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case "lease-hold":
		bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	}
}

func TestSnapshotTwoProcesses(t *testing.T) {
	s := newStore(t)
	ctl := t.TempDir()
	chain := chainID(7).Hex
	a, aout, aclose := startHelper(t, s.Dir(), "extract-slow", chain, ctl)
	waitFile(t, filepath.Join(ctl, "started"))
	b, bout, bclose := startHelper(t, s.Dir(), "extract", chain, ctl)
	os.WriteFile(filepath.Join(ctl, "go"), nil, 0o644)
	aclose()
	bclose()
	da, _ := aout.ReadString('\n')
	db, _ := bout.ReadString('\n')
	if err := a.Wait(); err != nil {
		t.Fatalf("helper A: %v", err)
	}
	if err := b.Wait(); err != nil {
		t.Fatalf("helper B: %v", err)
	}
	log, _ := os.ReadFile(filepath.Join(ctl, "log"))
	if n := strings.Count(string(log), "\n"); n != 1 {
		t.Fatalf("extracted %d times across two processes, want once (log %q)", n, log)
	}
	if da != db || !strings.HasSuffix(strings.TrimSpace(da), "/fs") {
		t.Fatalf("processes got %q and %q", da, db)
	}
}

func TestSnapshotLeaseAcrossProcesses(t *testing.T) {
	s := newStore(t)
	ctl := t.TempDir()
	ctx := context.Background()

	// A live process's lease keeps the snapshot.
	c, out, closeIn := startHelper(t, s.Dir(), "lease-hold", chainID(8).Hex, ctl)
	if _, err := out.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if infos, _ := s.Snapshots(); len(infos) != 1 || !infos[0].Leased {
		t.Fatalf("Snapshots() = %+v, want one leased", infos)
	}
	if res, err := s.GC(ctx, GCOptions{Snapshots: SnapshotPolicy{All: true}}); err != nil || len(res.Snapshots) != 0 {
		t.Fatalf("GC removed a snapshot another process leases: %v, %v", res.Snapshots, err)
	}
	closeIn()
	if err := c.Wait(); err != nil {
		t.Fatal(err)
	}
	if res, err := s.GC(ctx, GCOptions{Snapshots: SnapshotPolicy{All: true}}); err != nil || len(res.Snapshots) != 1 {
		t.Fatalf("GC after the process ended: %v, %v", res.Snapshots, err)
	}

	// A process killed while holding a lease does not pin the snapshot.
	c, out, _ = startHelper(t, s.Dir(), "lease-crash", chainID(9).Hex, ctl)
	out.ReadString('\n')
	if err := c.Wait(); err == nil {
		t.Fatal("the helper was meant to be killed")
	}
	leases, _ := os.ReadDir(filepath.Join(s.Dir(), "snapshots", chainID(9).Hex, "leases"))
	if len(leases) != 1 {
		t.Fatalf("want the dead process's lease file left behind, got %d", len(leases))
	}
	if res, err := s.GC(ctx, GCOptions{Snapshots: SnapshotPolicy{All: true}}); err != nil || len(res.Snapshots) != 1 {
		t.Fatalf("GC after a crash: %v, %v; want the snapshot removed", res.Snapshots, err)
	}
}

func TestSnapshotCrashMidExtraction(t *testing.T) {
	s := newStore(t)
	ctl := t.TempDir()
	c, _, _ := startHelper(t, s.Dir(), "crash", chainID(10).Hex, ctl)
	if err := c.Wait(); err == nil {
		t.Fatal("the helper was meant to be killed")
	}
	if infos, err := s.Snapshots(); err != nil || len(infos) != 0 {
		t.Fatalf("a half-extracted snapshot is visible: %v, %v", infos, err)
	}
	probs, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range probs {
		if p.Kind != ProblemTempFile {
			t.Errorf("unexpected problem %v", p)
		}
		paths = append(paths, p.Path)
	}
	if len(paths) != 2 || paths[0] != filepath.Join("snapshots", chainID(10).Hex) || !strings.HasPrefix(paths[1], filepath.Join(tmpDir, "snap-new-"+chainID(10).Hex)) {
		t.Fatalf("Verify found %v, want the snapshot directory and its temp directory", paths)
	}
	res, err := s.GC(context.Background(), GCOptions{})
	if err != nil || len(res.TempFiles) != 2 {
		t.Fatalf("GC: %+v, %v; want both leftovers removed", res, err)
	}
	if probs, _ := s.Verify(context.Background()); len(probs) != 0 {
		t.Fatalf("after GC: %v", probs)
	}
	assertEmpty(t, filepath.Join(s.Dir(), tmpDir))
	// And the snapshot can be made again.
	d, rel, err := s.Snapshot(context.Background(), chainID(10), writeFiles)
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	if _, err := os.Stat(filepath.Join(d, "half")); err == nil {
		t.Error("the crashed extraction's file is in the new snapshot")
	}
}

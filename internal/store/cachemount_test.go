package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestGCCacheMounts(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mk := func(id string) string {
		p := s.CacheMountPath(id)
		if err := os.MkdirAll(filepath.Join(p, "dir"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "dir", "f"), []byte("cached"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	free, busy := mk("/root/.cache/go-build"), mk("/var/cache/apt")
	lock, err := os.OpenFile(busy+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	// Without --all and with a max age nothing young goes.
	res, err := s.GC(context.Background(), GCOptions{CacheMaxAge: 1 << 40})
	if err != nil || len(res.CacheMounts) != 0 {
		t.Fatalf("young cache mounts removed: %v %v", res.CacheMounts, err)
	}
	res, err = s.GC(context.Background(), GCOptions{CacheAll: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CacheMounts) != 1 {
		t.Fatalf("removed %v, want only the unused one", res.CacheMounts)
	}
	if _, err := os.Stat(free); !os.IsNotExist(err) {
		t.Error("the unused cache mount is still there")
	}
	if _, err := os.Stat(filepath.Join(busy, "dir", "f")); err != nil {
		t.Error("a cache mount in use was removed")
	}
}

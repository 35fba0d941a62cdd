package build_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/build/output"
	"github.com/hoistci/hoist/internal/store"
)

// TestBrokenCacheLayerIsAMiss: a --cache-from cache whose records hit but
// whose layer turns out damaged when read does not fail the build; it is
// built again without that cache, with a warning.
func TestBrokenCacheLayerIsAMiss(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte(strings.Repeat("a", 5000)), 0o644)
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte(strings.Repeat("b", 5000)), 0o644)
	cacheDir := filepath.Join(t.TempDir(), "cache")
	newStore := func() *store.Store {
		st, err := store.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	ctx := context.Background()
	epoch := time.Unix(1700000000, 0).UTC()
	first, err := build.Build(ctx, build.Options{ContextDir: dir, Store: newStore(), Epoch: &epoch, CacheTo: []output.CacheSpec{{Type: "local", Dest: cacheDir, Mode: "max"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Damage every layer blob of the cache, keeping its size: the import
	// finds them, reading one fails its digest check.
	blobs, _ := filepath.Glob(filepath.Join(cacheDir, "blobs", "sha256", "*"))
	damaged := 0
	for _, b := range blobs {
		data, _ := os.ReadFile(b)
		if len(data) < 100 || data[0] != 0x1f { // layers are gzip; leave manifest and config
			continue
		}
		data[len(data)/2] ^= 0xff
		if err := os.WriteFile(b, data, 0o644); err != nil {
			t.Fatal(err)
		}
		damaged++
	}
	if damaged != 2 {
		t.Fatalf("damaged %d layer blobs, want 2", damaged)
	}
	st := newStore()
	res, err := build.Build(ctx, build.Options{ContextDir: dir, Store: st, Epoch: &epoch, Tags: []string{"app:1"}, CacheFrom: []output.CacheSpec{{Type: "local", Src: cacheDir}}})
	if err != nil {
		t.Fatalf("a damaged cache failed the build: %v", err)
	}
	if res.CacheHits != 0 || res.CacheMisses != 2 {
		t.Errorf("%d hits, %d misses: the damaged cache was used", res.CacheHits, res.CacheMisses)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "cache "+cacheDir+" is not used: its layer") {
		t.Errorf("warnings %q", res.Warnings)
	}
	if res.Digest != first.Digest {
		t.Errorf("digest %s, want %s (the same image)", res.Digest, first.Digest)
	}
	if probs, err := st.Verify(ctx); err != nil || len(probs) > 0 {
		for _, p := range probs {
			if p.Kind != store.ProblemTempFile {
				t.Errorf("store: %s (%v)", p, err)
			}
		}
	}
}

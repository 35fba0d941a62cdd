package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hoistci/hoist/internal/store"
)

func keyOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// putCache records layer l under key, last used `used` ago.
func (ts *testStore) putCache(t *testing.T, key string, l v1.Layer, used time.Duration) store.CacheRecord {
	t.Helper()
	ctx := context.Background()
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h, n, err := ts.s.WriteBlob(ctx, rc, v1.Hash{})
	if err != nil {
		t.Fatal(err)
	}
	mt, _ := l.MediaType()
	diffID, _ := l.DiffID()
	r := store.CacheRecord{Key: key, Layer: v1.Descriptor{MediaType: mt, Size: n, Digest: h}, DiffID: diffID, Created: fixedNow}
	if err := ts.s.PutCache(ctx, r); err != nil {
		t.Fatal(err)
	}
	ts.setUsed(t, key, used)
	return r
}

func (ts *testStore) setUsed(t *testing.T, key string, used time.Duration) {
	t.Helper()
	past := time.Now().Add(-used)
	if err := os.Chtimes(filepath.Join(ts.home, "cache", key[:2], key+".json"), past, past); err != nil {
		t.Fatal(err)
	}
}

func TestPruneWithoutLocal(t *testing.T) {
	env := map[string]string{"HOIST_HOME": filepath.Join(t.TempDir(), "h")}
	for args, want := range map[string]string{
		"prune":                  "name the repositories to prune",
		"prune --all":            "or clean the local store with --local",
		"prune ghcr.io/acme/app": "give --policy FILE",
	} {
		r := hoist(t, t.TempDir(), "", env, strings.Fields(args)...)
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%v: %+v", args, r)
		}
	}
	for _, args := range [][]string{
		{"prune", "--local", "ghcr.io/acme/app"},
		{"prune", "--local", "--cache-max-age", "soon"},
		{"prune", "--local", "--cache-max-age", "-1h"},
		{"prune", "--local", "--cache-max-size", "lots"},
		{"prune", "--local", "--cache-max-size", "10XB"},
		{"prune", "--local", "--grace", "x"},
		{"prune", "--local", "--format", "yaml"},
		{"prune", "--local", "--bogus"},
	} {
		r := hoist(t, "", "", env, args...)
		if r.code != 2 || r.stderr == "" || r.stdout != "" {
			t.Errorf("%v: want exit 2 with a message, got %+v", args, r)
		}
	}
}

func TestPruneLocal(t *testing.T) {
	ts := newTestStore(t)
	env := ts.env
	ctx := context.Background()
	ts.ageAll(t, 2*time.Hour)
	// app-child loses its name: its manifest, config and top layer are garbage.
	if err := ts.s.Untag(ctx, "app-child:1"); err != nil {
		t.Fatal(err)
	}
	appLayers, _ := ts.imgs["app"].Layers()
	fresh := ts.putCache(t, keyOf("fresh"), seededLayer(t, 10), time.Hour)
	stale := ts.putCache(t, keyOf("stale"), seededLayer(t, 11), 10*24*time.Hour)
	inImage := ts.putCache(t, keyOf("in image"), appLayers[0], 30*24*time.Hour)
	ts.ageAll(t, 2*time.Hour)
	for key, used := range map[string]time.Duration{fresh.Key: time.Hour, stale.Key: 10 * 24 * time.Hour, inImage.Key: 30 * 24 * time.Hour} {
		ts.setUsed(t, key, used)
	}
	tmp := filepath.Join(ts.home, ".hoist-tmp", "tmp-blob-interrupted")
	writeFile(t, tmp, "partial")
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(tmp, past, past)

	r := hoist(t, "", "", env, "prune", "--local", "--dry-run")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("dry run: %+v", r)
	}
	checkGolden(t, "prune-local-dry-run.golden", r.stdout)
	if again := hoist(t, "", "", env, "prune", "--local", "--dry-run"); again.stdout != r.stdout {
		t.Fatalf("the dry run changed the store:\n%s\nthen\n%s", r.stdout, again.stdout)
	}

	r = hoist(t, "", "", env, "prune", "--local", "--format", "json")
	if r.code != 0 {
		t.Fatalf("prune: %+v", r)
	}
	var res pruneLocalResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	child := blobsOf(t, ts.imgs["child"])
	want := []string{child[0].String(), child[1].String(), child[len(child)-1].String(), stale.Layer.Digest.String()}
	sort.Strings(want)
	if strings.Join(res.Blobs, " ") != strings.Join(want, " ") {
		t.Errorf("blobs = %v, want %v", res.Blobs, want)
	}
	if len(res.CacheRecords) != 2 || res.CacheRecords[0].Key != inImage.Key || res.CacheRecords[1].Key != stale.Key ||
		res.CacheRecords[0].Reason != "max-age" || res.CacheRecords[1].Layer != stale.Layer.Digest.String() {
		t.Errorf("cache records = %+v", res.CacheRecords)
	}
	if len(res.TempFiles) != 1 || res.DryRun || res.BytesFreed <= stale.Layer.Size || len(res.RemovedImages) != 0 {
		t.Errorf("result = %+v", res)
	}
	for _, h := range blobsOf(t, ts.imgs["app"]) {
		if !ts.hasBlob(h) {
			t.Errorf("blob %s of a named image removed", h)
		}
	}
	if !ts.hasBlob(fresh.Layer.Digest) {
		t.Error("the recently used cache record's layer was removed")
	}
	if r := hoist(t, "", "", env, "store", "verify"); r.code != 0 || !strings.Contains(r.stdout, "1 cache record") {
		t.Errorf("verify after prune: %+v", r)
	}

	r = hoist(t, "", "", env, "prune", "--local")
	if r.code != 0 || r.stdout != "Total: 0 blobs, 0 cache records; reclaimed 0B\n" {
		t.Errorf("second prune: %+v", r)
	}

	// --all drops the last record; its layer goes with it.
	r = hoist(t, "", "", env, "prune", "--local", "--all")
	if r.code != 0 || !strings.Contains(r.stdout, "deleted cache record "+fresh.Key[:12]+" (layer "+fresh.Layer.Digest.Hex[:12]) ||
		!strings.Contains(r.stdout, "): --all\n") || !strings.Contains(r.stdout, "deleted blob "+fresh.Layer.Digest.String()) {
		t.Errorf("--all: %+v", r)
	}
}

func TestPruneLocalSizeAndGrace(t *testing.T) {
	ts := newTestStore(t)
	env := ts.env
	a := ts.putCache(t, keyOf("a"), seededLayer(t, 20), 3*time.Hour)
	b := ts.putCache(t, keyOf("b"), seededLayer(t, 21), 2*time.Hour)
	// Just written: the blobs are in the grace period, the records are not old.
	r := hoist(t, "", "", env, "prune", "--local", "--cache-max-size", "1B", "--cache-max-age", "0", "--format", "json")
	var res pruneLocalResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("%v %+v", err, r)
	}
	if len(res.CacheRecords) != 2 || res.CacheRecords[0].Key != a.Key || res.CacheRecords[0].Reason != "max-size" || res.CacheRecords[1].Key != b.Key {
		t.Errorf("size: %+v", res.CacheRecords)
	}
	if len(res.Blobs) != 0 || res.KeptYoungBlobs != 2 || res.KeptYoungBytes != a.Layer.Size+b.Layer.Size {
		t.Errorf("young blobs must be kept: %+v", res)
	}
	r = hoist(t, "", "", env, "prune", "--local")
	if !strings.Contains(r.stderr, "hoist: 2 unreferenced blobs") || !strings.Contains(r.stderr, "within the last 1h are kept") {
		t.Errorf("text must say young blobs are kept: %+v", r)
	}
	r = hoist(t, "", "", env, "prune", "--local", "--grace", "0", "--format", "json")
	res = pruneLocalResult{}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Blobs) != 2 || res.KeptYoungBlobs != 0 {
		t.Errorf("--grace 0: %v %+v", err, r)
	}
}

func TestPruneLocalCorrupt(t *testing.T) {
	ts := newTestStore(t)
	toolLayers := blobsOf(t, ts.imgs["tool"])
	p := filepath.Join(ts.home, "blobs", "sha256", toolLayers[2].Hex)
	os.Chmod(p, 0o644)
	writeFile(t, p, "bit rot")
	r := hoist(t, "", "", ts.env, "prune", "--local")
	if r.code != 0 || !strings.Contains(r.stdout, "deleted image localhost:5000/team/tool:v2: a blob it needs is corrupt; pull or build it again") ||
		!strings.Contains(r.stdout, "deleted blob "+toolLayers[2].String()) || !strings.Contains(r.stdout, "1 corrupt image") {
		t.Fatalf("prune of a corrupt blob: %+v", r)
	}
	if r := hoist(t, "", "", ts.env, "store", "verify"); r.code != 0 {
		t.Errorf("verify: %+v", r)
	}
}

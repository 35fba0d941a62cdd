package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func digestStr(t *testing.T, d interface{ Digest() (v1.Hash, error) }) string {
	t.Helper()
	h, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h.String()
}

// blobsOf lists an image's manifest, config and layer digests.
func blobsOf(t *testing.T, img v1.Image) []v1.Hash {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	out := []v1.Hash{d, m.Config.Digest}
	for _, l := range m.Layers {
		out = append(out, l.Digest)
	}
	return out
}

func (ts *testStore) hasBlob(h v1.Hash) bool {
	_, err := os.Stat(filepath.Join(ts.home, "blobs", h.Algorithm, h.Hex))
	return err == nil
}

func TestRmi(t *testing.T) {
	ts := newTestStore(t)
	ts.ageAll(t, 2*time.Hour)
	env := ts.env

	// A name of an image that keeps another name: untagged only.
	r := hoist(t, "", "", env, "rmi", "app:latest")
	if r.code != 0 || r.stdout != "Untagged: app:latest\n" || r.stderr != "" {
		t.Fatalf("rmi app:latest: %+v", r)
	}

	// The base of another local image: refused, naming it, suggesting --force.
	r = hoist(t, "", "", env, "rmi", "app:1.0")
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "is the base of app-child:1") || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("rmi of a base: %+v", r)
	}
	if r := hoist(t, "", "", env, "images", "-q", "app:1.0"); r.stdout != cfgID(t, ts.imgs["app"])+"\n" {
		t.Fatalf("a refused rmi removed the image: %+v", r)
	}

	// Several arguments: each on its own; the exit code is the worst.
	r = hoist(t, "", "", env, "rmi", "app-child:1", "nope:1")
	want := "Untagged: app-child:1\nDeleted: " + digestStr(t, ts.imgs["child"]) + "\n"
	if r.code != 2 || r.stdout != want || !strings.Contains(r.stderr, `no local image named "nope:1"; see `+"`hoist images`") {
		t.Fatalf("rmi child + unknown: %+v", r)
	}
	if !strings.Contains(r.stderr, "hoist: freed ") || !strings.Contains(r.stderr, "(3 blobs)") {
		t.Errorf("rmi must say what it freed: %q", r.stderr)
	}
	childBlobs, appBlobs := blobsOf(t, ts.imgs["child"]), blobsOf(t, ts.imgs["app"])
	for _, h := range childBlobs[:2] { // its manifest and config
		if ts.hasBlob(h) {
			t.Errorf("blob %s of the deleted image kept", h)
		}
	}
	if ts.hasBlob(childBlobs[len(childBlobs)-1]) {
		t.Error("the deleted image's own layer kept")
	}
	for _, h := range appBlobs {
		if !ts.hasBlob(h) {
			t.Errorf("blob %s of app:1.0, still named, was removed", h)
		}
	}

	// Now nothing is built on app: removed by its ID, as hoist images shows it.
	r = hoist(t, "", "", env, "rmi", cfgID(t, ts.imgs["app"]))
	if r.code != 0 || r.stdout != "Untagged: app:1.0\nDeleted: "+digestStr(t, ts.imgs["app"])+"\n" {
		t.Fatalf("rmi by ID: %+v", r)
	}

	// An ID with several names needs --force.
	if _, err := ts.s.WriteImage(context.Background(), ts.imgs["tool"], "tool:extra"); err != nil {
		t.Fatal(err)
	}
	ts.ageAll(t, 2*time.Hour) // the write refreshed the blobs it found present
	toolID := cfgID(t, ts.imgs["tool"])
	r = hoist(t, "", "", env, "rmi", toolID)
	if r.code != 1 || !strings.Contains(r.stderr, "has 2 names (localhost:5000/team/tool:v2, tool:extra)") || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("rmi of an ID with two names: %+v", r)
	}
	r = hoist(t, "", "", env, "rmi", "--force", toolID)
	if r.code != 0 || r.stdout != "Untagged: localhost:5000/team/tool:v2\nUntagged: tool:extra\nDeleted: "+digestStr(t, ts.imgs["tool"])+"\n" {
		t.Fatalf("rmi --force ID: %+v", r)
	}

	// An index by its digest prefix, a dangling image by its full ID.
	idxDigest, _ := ts.idx.Digest()
	danglingCfg, _ := ts.imgs["dangling"].ConfigName()
	r = hoist(t, "", "", env, "rmi", idxDigest.Hex[:12], danglingCfg.String())
	if r.code != 0 || r.stdout != "Untagged: app:multi\nDeleted: "+idxDigest.String()+"\nDeleted: "+digestStr(t, ts.imgs["dangling"])+"\n" {
		t.Fatalf("rmi index + dangling: %+v", r)
	}
	if r := hoist(t, "", "", env, "images", "-q"); r.stdout != "" {
		t.Errorf("images left: %q", r.stdout)
	}
	entries, _ := os.ReadDir(filepath.Join(ts.home, "blobs", "sha256"))
	if len(entries) != 0 {
		t.Errorf("%d blobs left after removing every image", len(entries))
	}
	if r := hoist(t, "", "", env, "store", "verify"); r.code != 0 {
		t.Errorf("store verify after rmi: %+v", r)
	}
}

func TestRmiYoungBlobsAndUsage(t *testing.T) {
	ts := newTestStore(t)
	danglingCfg, _ := ts.imgs["dangling"].ConfigName()
	r := hoist(t, "", "", ts.env, "rmi", danglingCfg.Hex[:12])
	if r.code != 0 || !strings.Contains(r.stderr, "hoist: freed 0B (0 blobs); 3 blobs") || !strings.Contains(r.stderr, "used within the last hour are kept for now, `hoist prune --local` frees them later") {
		t.Errorf("rmi of a recent image: %+v", r)
	}
	for _, args := range [][]string{{"rmi"}, {"rmi", "--bogus", "app:1.0"}, {"rmi", "Not A Name"}, {"rmi", "ab"}} {
		if r := hoist(t, "", "", ts.env, args...); r.code != 2 || r.stderr == "" {
			t.Errorf("%v: want exit 2 with a message, got %+v", args, r)
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStoreVerify(t *testing.T) {
	ts := newTestStore(t)
	env := ts.env
	r := hoist(t, "", "", env, "store", "verify")
	st, err := ts.s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("store OK: 6 images, %d blobs, 0 cache records\n", st.Blobs); r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Fatalf("verify of a good store: %+v, want %q", r, want)
	}
	r = hoist(t, "", "", env, "store", "verify", "--format", "json")
	var ok verifyJSON
	if err := json.Unmarshal([]byte(r.stdout), &ok); err != nil || r.code != 0 || !ok.OK || ok.Images != 6 || ok.Problems == nil || len(ok.Problems) != 0 {
		t.Fatalf("json of a good store: %v %+v", err, r)
	}

	// Damage: a corrupt layer, a missing config, a cache record whose layer is gone.
	tool := blobsOf(t, ts.imgs["tool"])
	layer := filepath.Join(ts.home, "blobs", "sha256", tool[2].Hex)
	os.Chmod(layer, 0o644)
	writeFile(t, layer, "bit rot")
	dangling := blobsOf(t, ts.imgs["dangling"])
	if err := os.Remove(filepath.Join(ts.home, "blobs", "sha256", dangling[1].Hex)); err != nil {
		t.Fatal(err)
	}
	rec := ts.putCache(t, keyOf("k"), seededLayer(t, 30), time.Minute)
	if err := os.Remove(filepath.Join(ts.home, "blobs", "sha256", rec.Layer.Digest.Hex)); err != nil {
		t.Fatal(err)
	}

	r = hoist(t, "", "", env, "store", "verify")
	if r.code != 1 || !strings.Contains(r.stderr, "hoist: 3 problems in the store "+ts.home) {
		t.Fatalf("verify of a damaged store: %+v", r)
	}
	for _, want := range []string{
		"corrupt: " + tool[2].String() + ": blob " + tool[2].String() + " in the local store is corrupt",
		"missing: " + dangling[1].String() + ": needed by " + dangling[0].String(),
		"missing: " + rec.Layer.Digest.String() + ": needed by cache record " + rec.Key,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("verify output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := hoist(t, "", "", env, "images", "-q"); r.code != 0 || strings.Count(r.stdout, "\n") != 5 {
		t.Errorf("images must list damaged images too: %+v", r)
	}
	r = hoist(t, "", "", env, "store", "verify", "--format", "json")
	var bad verifyJSON
	if err := json.Unmarshal([]byte(r.stdout), &bad); err != nil || r.code != 1 || bad.OK || len(bad.Problems) != 3 {
		t.Fatalf("json of a damaged store: %v %+v", err, r)
	}
	kinds := map[string]int{}
	for _, p := range bad.Problems {
		kinds[p.Kind]++
	}
	if kinds["corrupt"] != 1 || kinds["missing"] != 2 || bad.Problems[2].Path != "cache/"+rec.Key[:2]+"/"+rec.Key+".json" {
		t.Errorf("problems = %+v", bad.Problems)
	}

	// prune --local repairs what can be repaired: the broken names and records go.
	if r := hoist(t, "", "", env, "prune", "--local"); r.code != 0 {
		t.Fatalf("prune: %+v", r)
	}
	r = hoist(t, "", "", env, "store", "verify")
	if r.code != 1 || !strings.Contains(r.stdout, "missing: "+dangling[1].String()) || strings.Contains(r.stdout, "corrupt:") || strings.Contains(r.stdout, "cache record") {
		t.Errorf("after prune, only the missing config of the dangling image remains: %+v", r)
	}
	// A damaged image can still be removed, by the ID hoist images shows.
	if r := hoist(t, "", "", env, "rmi", dangling[1].Hex[:12]); r.code != 0 || !strings.Contains(r.stdout, "Deleted: "+dangling[0].String()) {
		t.Errorf("rmi of the damaged image: %+v", r)
	}
	if r := hoist(t, "", "", env, "store", "verify"); r.code != 0 {
		t.Errorf("verify after removing the damaged image: %+v", r)
	}
}

func TestStoreUsage(t *testing.T) {
	env := map[string]string{"HOIST_HOME": filepath.Join(t.TempDir(), "h")}
	if r := hoist(t, "", "", env, "store"); r.code != 0 || !strings.Contains(r.stdout, "verify") {
		t.Errorf("hoist store: %+v", r)
	}
	if r := hoist(t, "", "", env, "store", "verify"); r.code != 0 || r.stdout != "store OK: 0 images, 0 blobs, 0 cache records\n" {
		t.Errorf("empty store: %+v", r)
	}
	for _, args := range [][]string{{"store", "verify", "extra"}, {"store", "verify", "--format", "xml"}, {"store", "nope"}} {
		if r := hoist(t, "", "", env, args...); r.code != 2 || r.stderr == "" {
			t.Errorf("%v: want exit 2 with a message, got %+v", args, r)
		}
	}
}

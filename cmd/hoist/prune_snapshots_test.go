package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestPruneLocalSnapshots(t *testing.T) {
	ts := newTestStore(t)
	chain := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	_, release, err := ts.s.Snapshot(context.Background(), chain, func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "f"), []byte("12345"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	// In use: --all keeps it.
	if r := hoist(t, "", "", ts.env, "prune", "--local", "--all"); r.code != 0 || strings.Contains(r.stdout, "snapshot") {
		t.Errorf("prune of a leased snapshot: %+v", r)
	}
	release()
	// Used just now: the default policy keeps it; --all removes it.
	if r := hoist(t, "", "", ts.env, "prune", "--local"); r.code != 0 || strings.Contains(r.stdout, "snapshot") {
		t.Errorf("prune of a recently used snapshot: %+v", r)
	}
	r := hoist(t, "", "", ts.env, "prune", "--local", "--all", "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"snapshots": [`) || !strings.Contains(r.stdout, `"chainID": "`+chain.String()+`"`) {
		t.Errorf("--all --format json: %+v", r)
	}
	if infos, err := ts.s.Snapshots(); err != nil || len(infos) != 0 {
		t.Errorf("snapshots left: %v, %v", infos, err)
	}
}

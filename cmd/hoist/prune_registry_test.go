package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/registry"
	"github.com/hoistci/hoist/internal/store"
)

// TestPruneRegistry plans and applies a policy on a repository of the
// real registry: the plan deletes nothing until --apply, releases and
// young images stay, every deletion is in the audit log.
func TestPruneRegistry(t *testing.T) {
	// The distribution registry: deleting a manifest by digest removes its
	// tags there (the in-process test registry keeps them).
	reg := imagetest.RealRegistry(t, true)
	repo := reg + "/prunecli/app-" + strings.ToLower(t.Name())
	old := time.Now().Add(-48 * time.Hour)
	push := func(tag string, created time.Time, seed int64) {
		img, err := random.Image(256+seed, 1)
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture = "linux", "amd64"
		cf.Created = v1.Time{Time: created}
		img, err = mutate.ConfigFile(img, cf)
		if err != nil {
			t.Fatal(err)
		}
		imagetest.Push(t, img, repo+":"+tag)
	}
	push("1.0.0", old, 1)
	push("pr-1", old, 2)
	push("pr-2", old, 3)
	push("pr-3", time.Now(), 4) // younger than min_age
	pol := filepath.Join(t.TempDir(), "hoist.hcl")
	writeFile(t, pol, `
protect "releases" {
  match = semver_valid(image.tag)
}
prune "pull-requests" {
  match      = can(regex("^pr-[0-9]+$", image.tag))
  older_than = "1h"
}
policy {
  min_age = "30m"
}
`)
	dir := t.TempDir()
	r := hoist(t, dir, "", nil, "prune", repo, "--policy", pol)
	if r.code != 0 || !strings.Contains(r.stdout, "plan: 2 to delete, 0 tags to remove; nothing deleted (add --apply)") {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	tags := func() []string {
		ts, err := registry.Options{}.ListTags(context.Background(), repo)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ts)
		return ts
	}
	if got := tags(); len(got) != 4 {
		t.Fatalf("the plan deleted something: %v", got)
	}
	audit := filepath.Join(dir, "audit.jsonl")
	r = hoist(t, dir, "", nil, "prune", repo, "--policy", pol, "--apply", "--audit-log", audit, "--format", "json")
	if r.code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var out []pruneRepoJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || len(out[0].Deleted) != 2 {
		t.Fatalf("deleted %+v", out)
	}
	if got := strings.Join(tags(), " "); got != "1.0.0 pr-3" {
		t.Errorf("left %q, want the release and the young PR build", got)
	}
	b, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), `"deleted"`); n != 2 {
		t.Errorf("audit log has %d deletions:\n%s", n, b)
	}
}

// TestPruneLocalWithPolicy: the policy's rules judge the local store's
// images, then the GC runs; --dry-run removes nothing.
func TestPruneLocalWithPolicy(t *testing.T) {
	home := t.TempDir()
	st, err := store.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	add := func(name string, created time.Time, seed int64) {
		img, err := random.Image(128+seed, 1)
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture, cf.Created = "linux", "amd64", v1.Time{Time: created}
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		if _, err := st.WriteImage(context.Background(), img, name); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-72 * time.Hour)
	add("app:1.0.0", old, 1)
	add("app:pr-1", old, 2)
	add("app:pr-2", time.Now(), 3)
	pol := filepath.Join(t.TempDir(), "hoist.hcl")
	writeFile(t, pol, "protect \"releases\" {\n  match = semver_valid(image.tag)\n}\nprune \"prs\" {\n  match = startswith(image.tag, \"pr-\")\n  older_than = \"1h\"\n}\npolicy {\n  min_age = \"30m\"\n}\n")
	env := map[string]string{"HOIST_HOME": home}
	r := hoist(t, t.TempDir(), "", env, "prune", "--local", "--policy", pol, "--dry-run", "--keep-storage", "1GB")
	if r.code != 0 || !strings.Contains(r.stdout, "would remove image app:pr-1 (prune \"prs\")") {
		t.Fatalf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = hoist(t, t.TempDir(), "", env, "prune", "--local", "--policy", pol, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var out struct {
		Images []localPruneImage `json:"images"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	removed := 0
	for _, im := range out.Images {
		if im.Result == "removed" {
			removed++
		}
	}
	if removed != 1 {
		t.Errorf("removed %d images: %+v", removed, out.Images)
	}
	for name, want := range map[string]bool{"app:1.0.0": true, "app:pr-1": false, "app:pr-2": true} {
		_, err := st.Image(name)
		if (err == nil) != want {
			t.Errorf("%s present=%v, want %v", name, err == nil, want)
		}
	}
}

// TestPruneApplyUnsupportedRegistry: --apply on a registry whose API
// cannot delete (Docker Hub, ECR) is refused before anything is read,
// with what to do instead; the plan alone still runs there.
func TestPruneApplyUnsupportedRegistry(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hoist.hcl"), "prune \"old\" {\n  match = true\n}\n")
	r := hoist(t, dir, "", nil, "prune", "docker.io/acme/app", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app", "--apply", "--format", "json")
	if r.code != 3 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var out []pruneRepoJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || !strings.Contains(out[0].Skipped, "--apply refused, nothing read or deleted: Docker Hub's registry API") ||
		!strings.Contains(out[1].Skipped, "aws ecr batch-delete-image") {
		t.Errorf("%+v", out)
	}
}

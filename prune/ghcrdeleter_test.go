package prune

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/prune/ghcr"
)

// TestGHCRDeleter plans a repository (facts from a registry) and applies
// it through the GitHub Packages API, as for ghcr.io: each manifest the
// plan deletes is deleted as its package version, one DELETE each, and a
// tag-only removal is skipped (the API cannot remove a single tag).
func TestGHCRDeleter(t *testing.T) {
	o := testOptions(t)
	repo := uniqueRepo(imagetest.Registry(t), "ghcr")
	buildRepo(t, o.Registry, repo)
	ctx := context.Background()
	r, err := Facts(ctx, o, repo)
	if err != nil {
		t.Fatal(err)
	}
	p, err := PlanRepo(r, o)
	if err != nil {
		t.Fatal(err)
	}
	// The package's versions: one per distinct digest.
	ids := map[string]int64{}
	for _, d := range r.Tags() {
		if _, ok := ids[d]; !ok {
			ids[d] = int64(1000 + len(ids))
		}
	}
	for _, d := range p.Deletes {
		if _, ok := ids[d.Digest]; !ok {
			ids[d.Digest] = int64(1000 + len(ids)) // untagged children
		}
	}
	var mu sync.Mutex
	deleted := map[int64]bool{}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "Bearer t0ken" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		const base = "/orgs/acme/packages/container/app/versions"
		switch {
		case req.Method == http.MethodGet && req.URL.Path == base:
			var vs []map[string]any
			for d, id := range ids {
				vs = append(vs, map[string]any{"id": id, "name": d, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
					"package_html_url": "https://github.com/orgs/acme/packages/container/package/app",
					"metadata":         map[string]any{"package_type": "container", "container": map[string]any{"tags": []string{}}}})
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(vs)
		case req.Method == http.MethodDelete && strings.HasPrefix(req.URL.Path, base+"/"):
			id, _ := strconv.ParseInt(strings.TrimPrefix(req.URL.Path, base+"/"), 10, 64)
			mu.Lock()
			deleted[id] = true
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, req)
		}
	}))
	defer api.Close()
	o.Deleter = &ghcrDeleter{c: &ghcr.Client{BaseURL: api.URL, Token: "t0ken", OwnerType: ghcr.OwnerOrg}, versions: map[string]map[string]int64{}}
	o.Jobs = 1
	// The deleter is asked about "ghcr.io/acme/app"; the facts came from
	// the test registry.
	d := o.Deleter.(*ghcrDeleter)
	o.Deleter = repoAlias{d, "ghcr.io/acme/app"}
	rep, err := Apply(ctx, p, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Deleted) != len(p.Deletes) || len(deleted) != len(p.Deletes) {
		t.Fatalf("deleted %d manifests, %d versions; the plan has %d", len(rep.Deleted), len(deleted), len(p.Deletes))
	}
	for _, dl := range p.Deletes {
		if !deleted[ids[dl.Digest]] {
			t.Errorf("version of %s not deleted", dl.Digest)
		}
	}
	if len(p.Untags) > 0 && (len(rep.Untagged) != 0 || len(rep.Skipped) != len(p.Untags)) {
		t.Errorf("untags: %d done, %d skipped of %d", len(rep.Untagged), len(rep.Skipped), len(p.Untags))
	}
	if ForGHCR("registry.example.com/acme/app", &ghcr.Client{}) != nil || ForGHCR("ghcr.io/acme/app", &ghcr.Client{}) == nil {
		t.Error("ForGHCR routes by host")
	}
}

// repoAlias asks the deleter about another repository name.
type repoAlias struct {
	d    *ghcrDeleter
	repo string
}

func (r repoAlias) CanUntag() bool { return r.d.CanUntag() }
func (r repoAlias) DeleteManifest(ctx context.Context, _, digest string) error {
	return r.d.DeleteManifest(ctx, r.repo, digest)
}

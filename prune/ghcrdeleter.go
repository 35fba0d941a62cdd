package prune

import (
	"context"
	"fmt"
	"sync"

	"github.com/hoistci/hoist/prune/ghcr"
)

// ghcrDeleter deletes ghcr.io manifests through the GitHub Packages API:
// a manifest is a package version, found by its digest.
type ghcrDeleter struct {
	c *ghcr.Client

	mu       sync.Mutex
	versions map[string]map[string]int64 // repository -> digest -> version id
}

// ForGHCR returns the Deleter for ghcr.io repositories, or nil when repo
// is elsewhere. Deletions through it must run one at a time (GitHub limits
// content-changing requests): callers set Jobs to 1.
func ForGHCR(repo string, c *ghcr.Client) Deleter {
	if _, _, ok := ghcr.ParseRepository(repo); !ok || c == nil {
		return nil
	}
	return &ghcrDeleter{c: c, versions: map[string]map[string]int64{}}
}

func (g *ghcrDeleter) CanUntag() bool { return false }

func (g *ghcrDeleter) DeleteManifest(ctx context.Context, repo, digest string) error {
	owner, pkg, _ := ghcr.ParseRepository(repo)
	g.mu.Lock()
	ids, ok := g.versions[repo]
	g.mu.Unlock()
	if !ok {
		vs, err := g.c.Versions(ctx, owner, pkg)
		if err != nil {
			return err
		}
		ids = map[string]int64{}
		for _, v := range vs {
			ids[v.Digest] = v.ID
		}
		g.mu.Lock()
		g.versions[repo] = ids
		g.mu.Unlock()
	}
	id, ok := ids[digest]
	if !ok {
		return fmt.Errorf("ghcr.io lists no package version for %s in %s/%s: nothing deleted", digest, owner, pkg)
	}
	if err := g.c.Delete(ctx, owner, pkg, id); err != nil {
		if ghcr.IsLastVersion(err) {
			return fmt.Errorf("GitHub refuses to delete the last (tagged) version of %s/%s: %w", owner, pkg, err)
		}
		return err
	}
	return nil
}

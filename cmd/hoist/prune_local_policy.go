package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/store"
)

// localPruneImage is what the policy did with one image of the store.
type localPruneImage struct {
	Name     string `json:"name"`
	Digest   string `json:"digest"`
	Decision string `json:"decision"`
	Rule     string `json:"rule,omitempty"`
	Reason   string `json:"reason"`
	Result   string `json:"result,omitempty"` // removed, kept (in use), would remove
}

// pruneLocalImages applies the policy's protect and prune rules to the
// images of the local store, as hoist prune does to a repository: each
// name is judged, the names the rules delete are removed (an image no name
// points at any more is deleted; its blobs go in the GC that follows), an
// image other local images are built on is kept.
func pruneLocalImages(ctx context.Context, st *store.Store, pol *policy.Policy, dryRun bool, now time.Time) ([]localPruneImage, error) {
	sums, err := st.Summaries()
	if err != nil {
		return nil, err
	}
	tagsOf := map[string][]string{}
	for _, s := range sums {
		if s.Repository != "" {
			k := s.Repository + "@" + s.Digest.String()
			tagsOf[k] = append(tagsOf[k], s.Tag)
		}
	}
	var images []policy.Image
	for _, s := range sums {
		if s.Repository == "" {
			continue
		}
		images = append(images, policy.Image{
			Repository: s.Repository, Tag: s.Tag, Tags: tagsOf[s.Repository+"@"+s.Digest.String()],
			Digest: s.Digest.String(), Created: s.Created, Size: s.Size, Platforms: s.Platforms,
		})
	}
	plan, err := pol.PruneDecisions(images, now)
	if err != nil {
		return nil, err
	}
	var out []localPruneImage
	for _, d := range plan.Decisions {
		li := localPruneImage{Name: d.Image.Repository + ":" + d.Image.Tag, Digest: d.Image.Digest, Decision: string(d.Action), Reason: d.Reason}
		if d.Rule.Kind != "" {
			li.Rule = d.Rule.String()
		}
		if d.Action == policy.Delete {
			switch {
			case dryRun:
				li.Result = "would remove"
			default:
				_, err := st.Remove(ctx, li.Name, store.RemoveOptions{})
				var inUse *store.InUseError
				switch {
				case err == nil:
					li.Result = "removed"
				case errors.As(err, &inUse):
					li.Result = "kept: other local images are built on it"
				default:
					return out, fmt.Errorf("removing %s: %w", li.Name, err)
				}
			}
		}
		out = append(out, li)
	}
	return out, nil
}

package tag

import (
	"context"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hoistci/hoist/internal/registry"
)

// Source is the image to tag: one from the local store (Image or Index
// set) or one in a registry (Ref set).
type Source struct {
	Image v1.Image
	Index v1.ImageIndex
	// Ref is a registry reference (tag or digest).
	Ref string
}

// Digest is the source manifest's digest.
func (s Source) Digest(ctx context.Context, ro registry.Options) (v1.Hash, error) {
	switch {
	case s.Image != nil:
		return s.Image.Digest()
	case s.Index != nil:
		return s.Index.Digest()
	}
	d, err := ro.Head(ctx, s.Ref)
	if err != nil {
		return v1.Hash{}, err
	}
	return d.Digest, nil
}

// ErrBlocked is returned when a policy check refuses the push: nothing was
// written.
var ErrBlocked = errors.New("a policy check refuses the push")

// Written is what Apply wrote to one repository.
type Written struct {
	Repository string
	Digest     v1.Hash
	Tags       []string
}

// Apply writes the plans: for each repository, the manifest (and, from
// the local store, the blobs the repository lacks; from another
// repository of the same registry, mounted blobs) by digest first, then
// one manifest PUT per tag. A tag therefore never points at a half-pushed
// image. When any plan is blocked by a check nothing at all is written.
func Apply(ctx context.Context, src Source, plans []Plan, ro registry.Options) ([]Written, error) {
	for _, p := range plans {
		if p.Blocked() {
			return nil, fmt.Errorf("%w to %s", ErrBlocked, p.Repository)
		}
		if p.Repository == "" {
			return nil, errors.New("tag: a plan without a repository cannot be applied")
		}
	}
	ro = ro.Reusing()
	digest, err := src.Digest(ctx, ro)
	if err != nil {
		return nil, err
	}
	var out []Written
	for _, p := range plans {
		byDigest := p.Repository + "@" + digest.String()
		switch {
		case src.Image != nil:
			err = ro.WriteImage(ctx, byDigest, src.Image)
		case src.Index != nil:
			err = ro.WriteIndex(ctx, byDigest, src.Index)
		default:
			err = ro.Tag(ctx, src.Ref, byDigest)
		}
		if err != nil {
			return out, fmt.Errorf("pushing to %s: %w", p.Repository, err)
		}
		w := Written{Repository: p.Repository, Digest: digest}
		if err := ro.TagAll(ctx, byDigest, tagRefs(p)); err != nil {
			return append(out, w), fmt.Errorf("tagging %s: %w", p.Repository, err)
		}
		w.Tags = p.Names()
		out = append(out, w)
	}
	return out, nil
}

func tagRefs(p Plan) []string {
	var refs []string
	for _, t := range p.Names() {
		refs = append(refs, p.Repository+":"+t)
	}
	return refs
}

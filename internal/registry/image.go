package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// PlatformError says that an image index has no manifest for the wanted
// platform, and which platforms it has.
type PlatformError struct {
	Ref       string
	Want      v1.Platform
	Available []v1.Platform
}

func (e *PlatformError) Error() string {
	avail := make([]string, 0, len(e.Available))
	for _, p := range e.Available {
		avail = append(avail, formatPlatform(p))
	}
	if len(avail) == 0 {
		return fmt.Sprintf("image %s has no manifest for platform %s (its index lists no platforms)", e.Ref, formatPlatform(normalizePlatform(e.Want)))
	}
	return fmt.Sprintf("image %s has no manifest for platform %s; it has %s: build for one of them with --platform (or FROM --platform=...)",
		e.Ref, formatPlatform(normalizePlatform(e.Want)), strings.Join(avail, ", "))
}

// Image resolves a base image by tag or digest. An index is resolved to the
// child for platform, chosen as containerd's platforms.Only does (the exact
// platform, then compatible ones: arm64 without variant for arm64/v8, 386
// for amd64, arm/v6 for arm/v7 ...). digest is the digest of the image
// manifest used (the child's for an index).
//
// The result is lazy: only manifests are fetched here; the config is fetched
// on first use and a layer only when it is read. A single-platform image is
// returned whatever its platform (as BuildKit, which only warns): callers
// compare its config's platform if they care.
func (o Options) Image(ctx context.Context, ref string, platform v1.Platform) (img v1.Image, digest v1.Hash, err error) {
	r, err := o.Reference(ref)
	if err != nil {
		return nil, v1.Hash{}, err
	}
	p, err := remote.NewPuller(o.Remote(ctx)...)
	if err != nil {
		return nil, v1.Hash{}, err
	}
	desc, err := p.Get(ctx, r)
	if err != nil {
		return nil, v1.Hash{}, Explain(err, ref)
	}
	switch {
	case desc.MediaType.IsImage():
		img, err := desc.Image()
		if err != nil {
			return nil, v1.Hash{}, Explain(err, ref)
		}
		return img, desc.Digest, nil
	case desc.MediaType.IsIndex():
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, v1.Hash{}, Explain(err, ref)
		}
		return resolveIndex(ref, idx, platform, 0)
	case desc.MediaType.IsSchema1():
		return nil, v1.Hash{}, fmt.Errorf("image %s uses the Docker schema 1 manifest format, which hoist does not support: re-push it with a current client", ref)
	default:
		return nil, v1.Hash{}, fmt.Errorf("%s is not an image (manifest media type %q): check the reference", ref, desc.MediaType)
	}
}

// resolveIndex picks the child of idx for platform; nested indexes (rare,
// but valid) are descended into.
func resolveIndex(ref string, idx v1.ImageIndex, platform v1.Platform, depth int) (v1.Image, v1.Hash, error) {
	if depth > 4 {
		return nil, v1.Hash{}, fmt.Errorf("image %s: image indexes nested more than 4 deep", ref)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, v1.Hash{}, Explain(err, ref)
	}
	var (
		candidates []*v1.Platform
		children   []v1.Descriptor
		available  []v1.Platform
		seen       = map[string]bool{}
	)
	for _, d := range im.Manifests {
		if d.MediaType.IsIndex() && d.Platform == nil {
			// A nested index without a platform: look inside.
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, v1.Hash{}, Explain(err, ref)
			}
			img, h, err := resolveIndex(ref, child, platform, depth+1)
			if err == nil {
				return img, h, nil
			}
			continue
		}
		if !d.MediaType.IsImage() && !d.MediaType.IsIndex() {
			continue
		}
		candidates = append(candidates, d.Platform)
		children = append(children, d)
		// Attestation manifests (unknown/unknown) are not platforms a user
		// can choose.
		if d.Platform != nil && d.Platform.OS != "unknown" && d.Platform.Architecture != "unknown" {
			if s := formatPlatform(*d.Platform); !seen[s] {
				seen[s] = true
				available = append(available, *d.Platform)
			}
		}
	}
	i := bestPlatform(platform, candidates)
	if i < 0 {
		return nil, v1.Hash{}, &PlatformError{Ref: ref, Want: platform, Available: available}
	}
	d := children[i]
	if d.MediaType.IsIndex() {
		child, err := idx.ImageIndex(d.Digest)
		if err != nil {
			return nil, v1.Hash{}, Explain(err, ref)
		}
		return resolveIndex(ref, child, platform, depth+1)
	}
	img, err := idx.Image(d.Digest)
	if err != nil {
		return nil, v1.Hash{}, Explain(err, ref)
	}
	return img, d.Digest, nil
}

// registryOf returns the registry host of ref, or ref itself when it does
// not parse.
func registryOf(ref string) string {
	if r, err := name.ParseReference(ref); err == nil {
		return r.Context().RegistryStr()
	}
	if r, err := name.NewRepository(ref); err == nil {
		return r.RegistryStr()
	}
	if i := strings.Index(ref, "/"); i > 0 {
		return ref[:i]
	}
	return ref
}

package build

import (
	"fmt"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/hoistci/hoist/build/cache"
	"github.com/hoistci/hoist/build/plan"
	"github.com/hoistci/hoist/internal/registry"
)

// baseImage is a resolved base image (FROM or COPY --from): its manifest
// and configuration are read at once, its layers only when a step needs
// the file tree.
type baseImage struct {
	ref    string
	img    v1.Image
	digest v1.Hash
	cfg    *v1.ConfigFile
	layers []layerRef
	// local is true when the image came from the local store.
	local bool

	once sync.Once
	tree *buildfs.Tree
	err  error
}

// resolveBase finds ref for a platform: in the local store first (unless
// --pull), then in its registry. Results are shared by every stage.
func (b *builder) resolveBase(ref string, pl v1.Platform) (*baseImage, error) {
	key := ref + "|" + plan.FormatPlatform(pl)
	b.mu.Lock()
	bi, ok := b.bases[key]
	b.mu.Unlock()
	if ok {
		return bi, nil
	}
	bi, err := b.fetchBase(ref, pl)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if prev, ok := b.bases[key]; ok {
		bi = prev
	} else {
		b.bases[key] = bi
	}
	b.mu.Unlock()
	return bi, nil
}

func (b *builder) fetchBase(ref string, pl v1.Platform) (*baseImage, error) {
	bi := &baseImage{ref: ref}
	if !b.opts.Pull {
		if img, err := b.storeImage(ref, pl); err == nil && img != nil {
			bi.img, bi.local = img, true
		}
	}
	if bi.img == nil {
		_, done := b.vertex("[internal] load metadata for " + ref)
		img, _, err := b.opts.Registry.Image(b.ctx, ref, pl)
		done(false, err)
		if err != nil {
			return nil, err
		}
		bi.img = img
	}
	var err error
	if bi.digest, err = bi.img.Digest(); err != nil {
		return nil, fmt.Errorf("base image %s: %w", ref, err)
	}
	if bi.cfg, err = bi.img.ConfigFile(); err != nil {
		if !bi.local {
			err = registry.Explain(err, ref)
		}
		return nil, fmt.Errorf("base image %s: reading its configuration: %w", ref, err)
	}
	if bi.cfg.OS == "" || bi.cfg.Architecture == "" {
		bi.cfg.OS, bi.cfg.Architecture, bi.cfg.Variant = pl.OS, pl.Architecture, pl.Variant
	}
	m, err := bi.img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", ref, err)
	}
	if len(m.Layers) != len(bi.cfg.RootFS.DiffIDs) {
		return nil, fmt.Errorf("base image %s is invalid: %d layers in the manifest, %d in the configuration", ref, len(m.Layers), len(bi.cfg.RootFS.DiffIDs))
	}
	for i, d := range m.Layers {
		d.MediaType = ociLayerType(d.MediaType)
		img := bi.img
		h := d.Digest
		bi.layers = append(bi.layers, layerRef{desc: d, diffID: bi.cfg.RootFS.DiffIDs[i], open: func() (v1.Layer, error) { return img.LayerByDigest(h) }})
	}
	return bi, nil
}

// storeImage is ref from the local store for a platform, or nil.
func (b *builder) storeImage(ref string, pl v1.Platform) (v1.Image, error) {
	if idx, err := b.opts.Store.ImageIndex(ref); err == nil {
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, err
		}
		for _, d := range im.Manifests {
			if d.Platform != nil && platformMatches(*d.Platform, pl) {
				return idx.Image(d.Digest)
			}
		}
		return nil, nil
	}
	img, err := b.opts.Store.Image(ref)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	if cfg.OS != "" && !platformMatches(v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}, pl) {
		return nil, nil
	}
	return img, nil
}

func platformMatches(have, want v1.Platform) bool {
	if have.OS != want.OS || have.Architecture != want.Architecture {
		return false
	}
	return want.Variant == "" || have.Variant == "" || have.Variant == want.Variant
}

// Tree is the base image's merged file tree; its layers are downloaded
// the first time it is needed.
func (bi *baseImage) Tree(b *builder) (*buildfs.Tree, error) {
	bi.once.Do(func() {
		_, done := b.vertex("[internal] load layers of " + bi.ref)
		t := buildfs.NewTree()
		for _, l := range bi.layers {
			if err := b.applyLayer(t, l); err != nil {
				if !bi.local {
					err = registry.Explain(err, bi.ref)
				}
				bi.err = fmt.Errorf("base image %s: %w", bi.ref, err)
				break
			}
		}
		done(false, bi.err)
		bi.tree = t
	})
	if bi.err != nil {
		return nil, bi.err
	}
	return bi.tree, nil
}

// baseKey is the cache key of a base image: its manifest digest.
func baseKey(digest v1.Hash) cache.Key {
	h := cache.NewHasher("base")
	h.String("digest", digest.String())
	return h.Sum()
}

// ociLayerType maps Docker's layer media types to OCI's (the bytes are
// the same), as BuildKit does for OCI manifests.
func ociLayerType(mt types.MediaType) types.MediaType {
	switch mt {
	case types.DockerLayer:
		return types.OCILayer
	case types.DockerUncompressedLayer:
		return types.OCIUncompressedLayer
	case types.DockerForeignLayer:
		return types.OCIRestrictedLayer
	}
	return mt
}

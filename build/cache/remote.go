package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/internal/registry"
)

// ImportRegistry reads the cache at ref (--cache-from type=registry,ref=R)
// with one manifest GET and one config blob GET (plus the registry's
// authentication handshake). A missing, unreadable or corrupt cache is an
// empty cache and a warning, never an error: the build goes on without it.
// Registry failures (auth included) come back as explained warnings. Only a
// malformed reference is an error.
//
// The returned cache reads layers with ctx: ctx must outlive its use.
func ImportRegistry(ctx context.Context, ref string, o registry.Options) (*Cache, []string, error) {
	r, err := o.Reference(ref)
	if err != nil {
		return nil, nil, fmt.Errorf("cache %s: %w", ref, err)
	}
	c := emptyCache()
	c.name = ref
	miss := func(format string, args ...any) (*Cache, []string, error) {
		return c, []string{fmt.Sprintf(format, args...) + "; building without it"}, nil
	}
	p, err := remote.NewPuller(o.Remote(ctx)...)
	if err != nil {
		return miss("cache %s not imported: %v", ref, err)
	}
	desc, err := p.Get(ctx, r)
	if err != nil {
		err = registry.Explain(err, ref)
		if registry.KindOf(err) == registry.KindNotFound {
			return miss("cache %s not found (--cache-to type=registry,ref=%s creates it)", ref, ref)
		}
		return miss("cache %s not imported: %v", ref, err)
	}
	if !desc.MediaType.IsImage() {
		return miss("cache %s not imported: %v: it is a %s", ref, errNotCache, desc.MediaType)
	}
	m, err := parseManifest(desc.Manifest)
	if err != nil {
		return miss("cache %s not imported: %v", ref, err)
	}
	img, err := desc.Image()
	if err != nil {
		return miss("cache %s not imported: %v", ref, registry.Explain(err, ref))
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return miss("cache %s not imported: reading its config blob: %v", ref, registry.Explain(err, ref))
	}
	records, warnings, err := decodeConfig(raw, m.Layers, ref)
	if err != nil {
		return miss("cache %s not imported: %v", ref, err)
	}
	repo := r.Context()
	c.records = records
	c.repo = &repo
	c.open = func(d v1.Descriptor) (io.ReadCloser, error) {
		l, err := p.Layer(ctx, repo.Digest(d.Digest.String()))
		if err != nil {
			return nil, registry.Explain(err, ref)
		}
		// go-containerregistry verifies the digest as the blob streams.
		rc, err := l.Compressed()
		if err != nil {
			return nil, registry.Explain(err, ref)
		}
		return rc, nil
	}
	return c, warnings, nil
}

// ExportRegistry writes recs as the cache manifest at ref (--cache-to
// type=registry,ref=R). layer(r) gives each distinct blob (from the local
// store, or a lazy remote layer); it should be lazy, as only the blobs the
// repository lacks are read: remote.Write HEADs each blob first, mounts
// blobs from other repositories of the same registry, and writes the
// manifest last. Exporting the same records again writes nothing but, at
// most, the manifest.
func ExportRegistry(ctx context.Context, ref string, recs []Record, layer func(Record) (v1.Layer, error), o registry.Options) error {
	enc, err := encode(recs)
	if err != nil {
		return fmt.Errorf("cache %s: %w", ref, err)
	}
	img, err := newCacheImage(enc, layer)
	if err != nil {
		return fmt.Errorf("cache %s: %w", ref, err)
	}
	if err := o.WriteImage(ctx, ref, img); err != nil {
		return fmt.Errorf("export cache: %w", err)
	}
	return nil
}

// cacheImage is a cache manifest as a v1.Image, so remote.Write can push it.
// It is not built with partial.CompressedToImage because that wraps every
// layer, which hides *remote.MountableLayer and disables cross-repository
// mounts.
type cacheImage struct {
	enc    *encoded
	layers []v1.Layer
	byHash map[v1.Hash]v1.Layer
}

var _ v1.Image = (*cacheImage)(nil)

func newCacheImage(enc *encoded, layer func(Record) (v1.Layer, error)) (*cacheImage, error) {
	ci := &cacheImage{enc: enc, byHash: map[v1.Hash]v1.Layer{}}
	for _, r := range enc.blobs {
		l, err := layer(r)
		if err != nil {
			return nil, fmt.Errorf("layer %s of record %s: %w", r.Layer.Digest, r.Key.Short(), err)
		}
		d, err := l.Digest()
		if err != nil {
			return nil, fmt.Errorf("layer %s of record %s: %w", r.Layer.Digest, r.Key.Short(), err)
		}
		if d != r.Layer.Digest {
			return nil, fmt.Errorf("record %s names layer %s, the layer given for it is %s", r.Key.Short(), r.Layer.Digest, d)
		}
		ci.layers = append(ci.layers, l)
		ci.byHash[d] = l
	}
	return ci, nil
}

func (ci *cacheImage) Layers() ([]v1.Layer, error)         { return ci.layers, nil }
func (ci *cacheImage) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (ci *cacheImage) Size() (int64, error)                { return ci.enc.manifestDesc.Size, nil }
func (ci *cacheImage) ConfigName() (v1.Hash, error)        { return ci.enc.configDesc.Digest, nil }
func (ci *cacheImage) RawConfigFile() ([]byte, error)      { return ci.enc.config, nil }
func (ci *cacheImage) Digest() (v1.Hash, error)            { return ci.enc.manifestDesc.Digest, nil }
func (ci *cacheImage) RawManifest() ([]byte, error)        { return ci.enc.manifest, nil }
func (ci *cacheImage) Manifest() (*v1.Manifest, error) {
	return v1.ParseManifest(bytes.NewReader(ci.enc.manifest))
}
func (ci *cacheImage) ConfigLayer() (v1.Layer, error) {
	return static.NewLayer(ci.enc.config, ConfigMediaType), nil
}
func (ci *cacheImage) ConfigFile() (*v1.ConfigFile, error) { return nil, errNoImageConfig }
func (ci *cacheImage) Descriptor() (*v1.Descriptor, error) { d := ci.enc.manifestDesc; return &d, nil }
func (ci *cacheImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	for _, r := range ci.enc.blobs {
		if r.DiffID == h {
			return ci.byHash[r.Layer.Digest], nil
		}
	}
	return nil, fmt.Errorf("cache manifest has no layer with diffID %s", h)
}
func (ci *cacheImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	if l, ok := ci.byHash[h]; ok {
		return l, nil
	}
	if h == ci.enc.configDesc.Digest {
		return ci.ConfigLayer()
	}
	return nil, fmt.Errorf("cache manifest has no layer %s", h)
}

var errNoImageConfig = errors.New("a hoist cache manifest has no image config")

var _ partial.Describable = (*cacheImage)(nil)

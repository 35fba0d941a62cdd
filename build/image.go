package build

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/build/plan"
)

// builtImage is an image the build produced: manifest and config in
// memory, layers where they are (the store, a registry cache, the base
// image's registry) until an output reads them.
type builtImage struct {
	platform v1.Platform
	run      *stageRun
	cfg      *v1.ConfigFile
	rawCfg   []byte
	cfgHash  v1.Hash // digest of rawCfg
	manifest []byte
	layers   map[v1.Hash]layerRef
	order    []layerRef
	img      v1.Image
}

func (i *builtImage) RawConfigFile() ([]byte, error) { return i.rawCfg, nil }
func (i *builtImage) RawManifest() ([]byte, error)   { return i.manifest, nil }
func (i *builtImage) MediaType() (types.MediaType, error) {
	return types.OCIManifestSchema1, nil
}

// LayerByDigest returns the layer as its source gives it, so a registry
// layer stays mountable across repositories.
func (i *builtImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == i.cfgHash {
		return partial.ConfigLayer(i)
	}
	l, ok := i.layers[h]
	if !ok {
		return nil, fmt.Errorf("layer %s is not part of the image", h)
	}
	return l.open()
}

// assemble turns the target stage into an image.
func (b *builder) assemble(r *stageRun) (*builtImage, error) {
	cfg := r.ps.Config.DeepCopy()
	cfg.RootFS = v1.RootFS{Type: "layers"}
	bi := &builtImage{platform: r.ps.Platform, run: r, layers: map[v1.Hash]layerRef{}}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1}
	for _, l := range r.layers {
		if l.diffID == emptyTarDiffID && l.hist >= 0 {
			cfg.History[l.hist].EmptyLayer = true
			continue
		}
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, l.diffID)
		d := l.desc
		d.MediaType = ociLayerType(d.MediaType)
		m.Layers = append(m.Layers, d)
		bi.layers[d.Digest] = l
		bi.order = append(bi.order, l)
	}
	if len(b.opts.Labels) > 0 {
		if cfg.Config.Labels == nil {
			cfg.Config.Labels = map[string]string{}
		}
		maps.Copy(cfg.Config.Labels, b.opts.Labels)
	}
	created := b.opts.Now().UTC()
	if b.opts.Epoch != nil {
		created = b.opts.Epoch.UTC()
	}
	cfg.Created = v1.Time{Time: created}
	for i := range cfg.History {
		if cfg.History[i].Created.IsZero() {
			cfg.History[i].Created = v1.Time{Time: created}
		}
	}
	if cfg.OS == "" {
		cfg.OS, cfg.Architecture, cfg.Variant = r.ps.Platform.OS, r.ps.Platform.Architecture, r.ps.Platform.Variant
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	bi.cfg, bi.rawCfg = cfg, raw
	if bi.cfgHash, _, err = v1.SHA256(bytes.NewReader(raw)); err != nil {
		return nil, err
	}
	m.Config = v1.Descriptor{MediaType: types.OCIConfigJSON, Size: int64(len(raw)), Digest: bi.cfgHash}
	if len(b.opts.Annotations) > 0 {
		m.Annotations = maps.Clone(b.opts.Annotations)
	}
	if bi.manifest, err = json.Marshal(m); err != nil {
		return nil, err
	}
	img, err := partial.CompressedToImage(bi)
	if err != nil {
		return nil, err
	}
	bi.img = &sourceLayersImage{Image: img, bi: bi}
	return bi, nil
}

// sourceLayersImage hands out the layers exactly as their sources give
// them: partial's wrapper would hide that a registry layer is mountable,
// and a push would then download and upload a base layer the target
// registry could mount.
type sourceLayersImage struct {
	v1.Image
	bi *builtImage
}

func (i *sourceLayersImage) Layers() ([]v1.Layer, error) {
	out := make([]v1.Layer, 0, len(i.bi.order))
	for _, l := range i.bi.order {
		layer, err := l.open()
		if err != nil {
			return nil, err
		}
		out = append(out, layer)
	}
	return out, nil
}

func (i *sourceLayersImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	if l, ok := i.bi.layers[h]; ok {
		return l.open()
	}
	return i.Image.LayerByDigest(h)
}

// platformString names an image's platform.
func (i *builtImage) platformString() string { return plan.FormatPlatform(i.platform) }

package build

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/build/cache"
	"github.com/hoistci/hoist/build/layer"
	"github.com/hoistci/hoist/build/output"
)

// result is what the outputs write: one image, or an index of several.
type result struct {
	images []*builtImage
	index  v1.ImageIndex
}

func (b *builder) export(images []*builtImage) (*Result, error) {
	res := &Result{}
	out := result{images: images}
	if len(images) > 1 {
		var adds []mutate.IndexAddendum
		for _, im := range images {
			p := im.platform
			adds = append(adds, mutate.IndexAddendum{Add: im.img, Descriptor: v1.Descriptor{Platform: &p}})
		}
		idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
		if len(b.opts.Annotations) > 0 {
			idx = mutate.Annotations(idx, maps.Clone(b.opts.Annotations)).(v1.ImageIndex)
		}
		out.index = idx
	}
	for _, im := range images {
		res.Platforms = append(res.Platforms, im.platformString())
		res.ImageSize += int64(len(im.rawCfg))
		for _, l := range im.order {
			res.ImageSize += l.desc.Size
		}
	}
	var err error
	if out.index != nil {
		if res.Digest, err = out.index.Digest(); err != nil {
			return nil, err
		}
		raw, _ := out.index.RawManifest()
		res.Size, res.MediaType = int64(len(raw)), string(types.OCIImageIndex)
	} else {
		im := images[0]
		if res.Digest, err = im.img.Digest(); err != nil {
			return nil, err
		}
		res.ConfigDigest = im.cfgHash
		res.Size, res.MediaType = int64(len(im.manifest)), string(types.OCIManifestSchema1)
	}

	outputs := b.opts.Outputs
	if len(outputs) == 0 {
		outputs = []output.Spec{{Type: "image"}}
	}
	for _, o := range outputs {
		names := append(slices.Clone(b.opts.Tags), o.Names...)
		_, done := b.vertex(exportName(o, names))
		var err error
		switch {
		case (o.Type == "image" && o.Push) || o.Type == "registry":
			var pushed int64
			pushed, err = b.push(out, names)
			res.BytesPushed += pushed
			if err == nil {
				res.Names = append(res.Names, names...)
			}
		case o.Type == "image":
			err = b.toStore(out, names)
			if err == nil {
				res.Names = append(res.Names, names...)
			}
		case o.Type == "oci" || (o.Type == "docker" && o.Dest != ""):
			o.Names = names
			var a output.Artifact = out.images[0].img
			if out.index != nil {
				a = out.index
			}
			err = output.Write(b.ctx, o, a, b.stdout())
		case o.Type == "docker":
			if b.opts.DockerLoad == nil {
				err = fmt.Errorf("no Docker daemon to load into: give dest=FILE for a docker archive")
			} else {
				err = b.dockerLoad(out.images[0], names)
			}
		case o.Type == "local":
			t, terr := out.images[0].run.finalTree(b)
			if terr != nil {
				err = terr
			} else {
				err = layer.Extract(b.ctx, t, o.Dest)
			}
		case o.Type == "tar":
			err = b.rootfsTar(out.images[0], o.Dest)
		default:
			err = fmt.Errorf("unknown output type %q", o.Type)
		}
		done(false, err)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", o.Type, err)
		}
	}
	return res, nil
}

func exportName(o output.Spec, names []string) string {
	switch {
	case (o.Type == "image" && o.Push) || o.Type == "registry":
		return fmt.Sprintf("pushing %v", names)
	case o.Type == "image":
		return "writing image to the local store"
	}
	if o.Dest != "" {
		return fmt.Sprintf("exporting to %s %s", o.Type, o.Dest)
	}
	return "exporting to " + o.Type
}

// toStore writes the image (and every layer it lacks) into the store.
func (b *builder) toStore(out result, names []string) error {
	if out.index != nil {
		_, err := b.opts.Store.WriteIndex(b.ctx, out.index, names...)
		return err
	}
	_, err := b.opts.Store.WriteImage(b.ctx, out.images[0].img, names...)
	return err
}

// push writes the image under every name; blobs the registry has are not
// uploaded (HEAD), blobs of another repository of the same registry are
// mounted. It returns the bytes uploaded.
func (b *builder) push(out result, names []string) (int64, error) {
	if len(names) == 0 {
		return 0, fmt.Errorf("nothing to push to: name the image with -t or --output type=image,name=REF,push=true")
	}
	ro := b.opts.Registry
	before := b.uploaded.Load()
	for i, name := range names {
		var err error
		switch {
		case i > 0:
			// The first push wrote every blob and the manifest: the other
			// tags are one manifest PUT each.
			err = ro.Tag(b.ctx, names[0], name)
		case out.index != nil:
			err = ro.WriteIndex(b.ctx, name, out.index)
		default:
			err = ro.WriteImage(b.ctx, name, out.images[0].img)
		}
		if err != nil {
			return b.uploaded.Load() - before, err
		}
	}
	return b.uploaded.Load() - before, nil
}

func (b *builder) dockerLoad(im *builtImage, names []string) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(output.WriteDockerTo(b.ctx, pw, im.img, names)) }()
	return b.opts.DockerLoad(b.ctx, pr)
}

func (b *builder) rootfsTar(im *builtImage, dest string) error {
	t, err := im.run.finalTree(b)
	if err != nil {
		return err
	}
	if dest == "" || dest == "-" {
		return output.WriteRootfsTar(b.ctx, b.stdout(), t)
	}
	tmp := dest + ".hoist-tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := output.WriteRootfsTar(b.ctx, f, t); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dest)
}

func (b *builder) stdout() io.Writer {
	if b.opts.Stdout == nil {
		return io.Discard
	}
	return b.opts.Stdout
}

// importCaches reads every --cache-from; an unusable cache is a warning.
func (b *builder) importCaches() {
	if b.opts.NoCache {
		return
	}
	for _, cs := range b.opts.CacheFrom {
		var c *cache.Cache
		var warns []string
		var err error
		_, done := b.vertex("importing cache " + cacheName(cs))
		switch cs.Type {
		case "registry":
			c, warns, err = cache.ImportRegistry(b.ctx, cs.Ref, b.opts.Registry)
		case "local":
			c, warns, err = cache.ImportLocal(cs.Src)
		default:
			err = fmt.Errorf("cache type %q cannot be read", cs.Type)
		}
		done(false, nil)
		for _, w := range warns {
			b.warn(w)
		}
		if err != nil {
			b.warn(fmt.Sprintf("cache %s is not used: %v", cacheName(cs), err))
			continue
		}
		if c != nil {
			b.caches = append(b.caches, c)
		}
	}
}

func cacheName(cs output.CacheSpec) string {
	switch {
	case cs.Ref != "":
		return cs.Ref
	case cs.Src != "":
		return cs.Src
	}
	return cs.Dest
}

// exportCaches writes every --cache-to: mode=min the records of the
// images' own layers, mode=max every step of every stage built. A failed
// export is a warning: the image is already built.
func (b *builder) exportCaches(images []*builtImage) {
	for _, cs := range b.opts.CacheTo {
		var recs []cache.Record
		seen := map[cache.Key]bool{}
		add := func(k cache.Key) {
			if l, ok := b.steps[k]; ok && !seen[k] {
				seen[k] = true
				recs = append(recs, l.record())
			}
		}
		if cs.Mode == "max" {
			for _, k := range slices.Sorted(maps.Keys(b.steps)) {
				add(k)
			}
		} else {
			for _, im := range images {
				for _, l := range im.run.layers {
					if l.key != "" {
						add(l.key)
					}
				}
			}
		}
		layerOf := func(r cache.Record) (v1.Layer, error) {
			l, ok := b.steps[r.Key]
			if !ok {
				return b.opts.Store.Layer(r.Layer, r.DiffID)
			}
			return l.open()
		}
		_, done := b.vertex("exporting cache " + cacheName(cs))
		var err error
		switch cs.Type {
		case "registry":
			err = cache.ExportRegistry(b.ctx, cs.Ref, recs, layerOf, b.opts.Registry)
		case "local":
			err = cache.ExportLocal(cs.Dest, recs, layerOf)
		case "inline":
			err = fmt.Errorf("type=inline is not supported: use type=registry,ref=REPO:buildcache")
		default:
			err = fmt.Errorf("cache type %q cannot be written", cs.Type)
		}
		done(false, err)
		if err != nil {
			b.warn(fmt.Sprintf("cache %s was not written: %v", cacheName(cs), err))
		}
	}
}

package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// WriteImage stores img and points names (repo[:tag]) at it. Blobs go first,
// then the manifest, and the index last, so a failure at any point leaves no
// name pointing at missing blobs. It returns the manifest digest.
func (s *Store) WriteImage(ctx context.Context, img v1.Image, names ...string) (v1.Hash, error) {
	return s.write(ctx, names, func() (v1.Descriptor, error) { return s.writeImageBlobs(ctx, img) })
}

// WriteIndex stores a multi-platform index, its child images and their blobs,
// then points names at it.
func (s *Store) WriteIndex(ctx context.Context, ii v1.ImageIndex, names ...string) (v1.Hash, error) {
	return s.write(ctx, names, func() (v1.Descriptor, error) { return s.writeIndexBlobs(ctx, ii) })
}

// write checks the names, stores the blobs with writeBlobs, then commits
// the index entry: the order that keeps names off missing blobs.
func (s *Store) write(ctx context.Context, names []string, writeBlobs func() (v1.Descriptor, error)) (v1.Hash, error) {
	norm, err := normalizeAll(names)
	if err != nil {
		return v1.Hash{}, err
	}
	desc, err := writeBlobs()
	if err != nil {
		return v1.Hash{}, err
	}
	if err := s.commit(ctx, desc, norm); err != nil {
		return v1.Hash{}, err
	}
	return desc.Digest, nil
}

func normalizeAll(names []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		nn, err := NormalizeName(n)
		if err != nil {
			return nil, err
		}
		if !seen[nn] {
			seen[nn] = true
			out = append(out, nn)
		}
	}
	return out, nil
}

func (s *Store) commit(ctx context.Context, desc v1.Descriptor, names []string) error {
	if s.beforeIndexUpdate != nil {
		if err := s.beforeIndexUpdate(); err != nil {
			return err
		}
	}
	return s.updateIndex(ctx, func(idx *v1.IndexManifest) (bool, error) {
		// Re-check inside the lock: a concurrent GC (which holds the same
		// lock) may have removed a blob this write found already present.
		if missing := s.missingBlobs(desc); len(missing) > 0 {
			return false, fmt.Errorf("store image %s: blob %s vanished while writing (a concurrent prune?); run the command again", desc.Digest, missing[0])
		}
		setNames(idx, desc, names)
		return true, nil
	})
}

func (s *Store) writeBytes(ctx context.Context, b []byte, want v1.Hash) error {
	_, _, err := s.WriteBlob(ctx, bytes.NewReader(b), want)
	return err
}

func (s *Store) writeImageBlobs(ctx context.Context, img v1.Image) (v1.Descriptor, error) {
	layers, err := img.Layers()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("store image: %w", err)
	}
	for _, l := range layers {
		mt, err := l.MediaType()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("store image: layer: %w", err)
		}
		if !mt.IsDistributable() {
			continue // foreign layers live elsewhere by definition
		}
		h, err := l.Digest()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("store image: layer: %w", err)
		}
		if s.HasBlob(h) {
			if _, err := s.touch(h); err == nil {
				continue // shared base layer; not even opened (lazy bases stay lazy)
			}
		}
		rc, err := l.Compressed()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("store image: layer %s: %w", h, err)
		}
		_, _, err = s.WriteBlob(ctx, rc, h)
		rc.Close()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("store image: layer %s: %w", h, err)
		}
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("store image: config: %w", err)
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("store image: config: %w", err)
	}
	if err := s.writeBytes(ctx, cfg, cfgName); err != nil {
		return v1.Descriptor{}, fmt.Errorf("store image: config: %w", err)
	}
	return s.writeManifest(ctx, img, "store image: manifest")
}

func (s *Store) writeIndexBlobs(ctx context.Context, ii v1.ImageIndex) (v1.Descriptor, error) {
	im, err := ii.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("store index: %w", err)
	}
	for _, d := range im.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := ii.ImageIndex(d.Digest)
			if err != nil {
				return v1.Descriptor{}, fmt.Errorf("store index: child %s: %w", d.Digest, err)
			}
			if _, err := s.writeIndexBlobs(ctx, child); err != nil {
				return v1.Descriptor{}, err
			}
		case d.MediaType.IsImage():
			child, err := ii.Image(d.Digest)
			if err != nil {
				return v1.Descriptor{}, fmt.Errorf("store index: child %s: %w", d.Digest, err)
			}
			if _, err := s.writeImageBlobs(ctx, child); err != nil {
				return v1.Descriptor{}, err
			}
		default:
			return v1.Descriptor{}, fmt.Errorf("store index: child %s has unsupported media type %q", d.Digest, d.MediaType)
		}
	}
	return s.writeManifest(ctx, ii, "store index")
}

// manifestSource is what images and indexes have in common here.
type manifestSource interface {
	RawManifest() ([]byte, error)
	MediaType() (types.MediaType, error)
}

// writeManifest stores an image's or index's manifest blob and returns
// its descriptor; what prefixes errors.
func (s *Store) writeManifest(ctx context.Context, m manifestSource, what string) (v1.Descriptor, error) {
	raw, err := m.RawManifest()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: %w", what, err)
	}
	mt, err := m.MediaType()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: %w", what, err)
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := s.writeBytes(ctx, raw, h); err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: %w", what, err)
	}
	return v1.Descriptor{MediaType: mt, Size: int64(len(raw)), Digest: h}, nil
}

// children returns the descriptors a manifest blob refers to. Blobs that
// cannot be read are reported through the error.
func (s *Store) children(d v1.Descriptor) ([]v1.Descriptor, error) {
	switch {
	case d.MediaType.IsIndex():
		b, err := s.readBlob(d.Digest)
		if err != nil {
			return nil, err
		}
		im, err := v1.ParseIndexManifest(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", d.Digest, err)
		}
		return im.Manifests, nil
	case d.MediaType.IsImage():
		b, err := s.readBlob(d.Digest)
		if err != nil {
			return nil, err
		}
		m, err := v1.ParseManifest(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("manifest %s: %w", d.Digest, err)
		}
		return append([]v1.Descriptor{m.Config}, m.Layers...), nil
	case !d.MediaType.IsLayer() && !d.MediaType.IsConfig():
		return s.sniffChildren(d)
	}
	return nil, nil
}

// maxSniff bounds the blob sniffChildren reads: far above any manifest.
const maxSniff = 32 << 20

// sniffChildren returns the descriptors a blob of no or an unknown media
// type refers to if it is a manifest or an index, as its JSON says. Image
// and ImageIndex read whatever an entry names, so GC must keep what such a
// blob reaches (a hand-edited or foreign index.json may omit media types);
// a blob that is not a manifest reaches nothing.
func (s *Store) sniffChildren(d v1.Descriptor) ([]v1.Descriptor, error) {
	if fi, err := os.Stat(s.blobPath(d.Digest)); err != nil || fi.Size() > maxSniff {
		return nil, nil
	}
	b, err := s.readBlob(d.Digest)
	if err != nil {
		return nil, err
	}
	var probe struct {
		Manifests []v1.Descriptor `json:"manifests"`
		Config    v1.Descriptor   `json:"config"`
		Layers    []v1.Descriptor `json:"layers"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return nil, nil
	}
	kids := probe.Manifests
	if probe.Config.Digest != (v1.Hash{}) {
		kids = append(kids, probe.Config)
	}
	return append(kids, probe.Layers...), nil
}

// walk visits every blob reachable from roots once. visit returns false to
// skip descending (e.g. a missing blob). Foreign layers are not visited.
func (s *Store) walk(roots []v1.Descriptor, visit func(d v1.Descriptor) error) error {
	seen := map[v1.Hash]bool{}
	var rec func(d v1.Descriptor) error
	rec = func(d v1.Descriptor) error {
		if seen[d.Digest] || !d.MediaType.IsDistributable() {
			return nil
		}
		seen[d.Digest] = true
		if err := visit(d); err != nil {
			return err
		}
		if !s.HasBlob(d.Digest) {
			return nil
		}
		kids, err := s.children(d)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if err := rec(k); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range roots {
		if err := rec(r); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) missingBlobs(root v1.Descriptor) []v1.Hash {
	var missing []v1.Hash
	err := s.walk([]v1.Descriptor{root}, func(d v1.Descriptor) error {
		if !s.HasBlob(d.Digest) {
			missing = append(missing, d.Digest)
		}
		return nil
	})
	if err != nil && len(missing) == 0 {
		missing = append(missing, root.Digest)
	}
	return missing
}

// Image returns a local image by name (repo[:tag]), digest, or image ID
// prefix. Its blobs are verified against their digests as they are read.
func (s *Store) Image(ref string) (v1.Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	d, err := resolve(idx, ref)
	if err != nil {
		return nil, err
	}
	if d.MediaType.IsIndex() {
		return nil, fmt.Errorf("%s is a multi-platform index; use ImageIndex or pick a platform", ref)
	}
	return s.imageByDigest(d.Digest)
}

func (s *Store) imageByDigest(h v1.Hash) (v1.Image, error) {
	raw, err := s.readBlob(h)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", h, err)
	}
	return partial.CompressedToImage(&storedImage{s: s, raw: raw, m: m})
}

// ImageIndex returns a local multi-platform index by name or digest.
func (s *Store) ImageIndex(ref string) (v1.ImageIndex, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	d, err := resolve(idx, ref)
	if err != nil {
		return nil, err
	}
	if !d.MediaType.IsIndex() {
		return nil, fmt.Errorf("%s is a single image, not an index", ref)
	}
	return s.indexByDigest(d.Digest)
}

func (s *Store) indexByDigest(h v1.Hash) (v1.ImageIndex, error) {
	raw, err := s.readBlob(h)
	if err != nil {
		return nil, err
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", h, err)
	}
	return &storedIndex{s: s, raw: raw, im: im}, nil
}

type storedImage struct {
	s   *Store
	raw []byte
	m   *v1.Manifest
}

func (i *storedImage) RawManifest() ([]byte, error) { return i.raw, nil }
func (i *storedImage) RawConfigFile() ([]byte, error) {
	return i.s.readBlob(i.m.Config.Digest)
}
func (i *storedImage) MediaType() (types.MediaType, error) {
	if i.m.MediaType != "" {
		return i.m.MediaType, nil
	}
	return types.OCIManifestSchema1, nil
}
func (i *storedImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, l := range i.m.Layers {
		if l.Digest == h {
			return &storedLayer{s: i.s, d: l}, nil
		}
	}
	if i.m.Config.Digest == h {
		return &storedLayer{s: i.s, d: i.m.Config}, nil
	}
	return nil, fmt.Errorf("blob %s is not part of this image", h)
}

type storedLayer struct {
	s *Store
	d v1.Descriptor
}

func (l *storedLayer) Digest() (v1.Hash, error)            { return l.d.Digest, nil }
func (l *storedLayer) Compressed() (io.ReadCloser, error)  { return l.s.Blob(l.d.Digest) }
func (l *storedLayer) Size() (int64, error)                { return l.d.Size, nil }
func (l *storedLayer) MediaType() (types.MediaType, error) { return l.d.MediaType, nil }

type storedIndex struct {
	s   *Store
	raw []byte
	im  *v1.IndexManifest
}

func (x *storedIndex) MediaType() (types.MediaType, error) {
	if x.im.MediaType != "" {
		return x.im.MediaType, nil
	}
	return types.OCIImageIndex, nil
}
func (x *storedIndex) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(x.raw))
	return h, err
}
func (x *storedIndex) Size() (int64, error)                        { return int64(len(x.raw)), nil }
func (x *storedIndex) IndexManifest() (*v1.IndexManifest, error)   { return x.im, nil }
func (x *storedIndex) RawManifest() ([]byte, error)                { return x.raw, nil }
func (x *storedIndex) Image(h v1.Hash) (v1.Image, error)           { return x.s.imageByDigest(h) }
func (x *storedIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) { return x.s.indexByDigest(h) }

// Entry is one local image name, as `hoist images` prints it.
type Entry struct {
	Repository string // "" for an image without a name
	Tag        string
	Digest     v1.Hash
	MediaType  types.MediaType
	Created    time.Time // config "created"; zero for indexes or when unset
	Size       int64     // manifest + config + layers as stored (compressed), shared blobs counted once
}

// Name returns "repo:tag", or "" for a nameless image.
func (e Entry) Name() string {
	if e.Repository == "" {
		return ""
	}
	return e.Repository + ":" + e.Tag
}

// List returns every index entry, newest first, then by name.
func (s *Store) List() ([]Entry, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	type info struct {
		created time.Time
		size    int64
	}
	cache := map[v1.Hash]info{}
	var out []Entry
	for _, d := range idx.Manifests {
		in, ok := cache[d.Digest]
		if !ok {
			in.created = s.created(d)
			err := s.walk([]v1.Descriptor{d}, func(c v1.Descriptor) error {
				in.size += c.Size
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("list images: %w", err)
			}
			cache[d.Digest] = in
		}
		repo, tag := splitName(refName(d))
		out = append(out, Entry{Repository: repo, Tag: tag, Digest: d.Digest, MediaType: d.MediaType, Created: in.created, Size: in.size})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].Name() < out[j].Name()
	})
	return out, nil
}

func (s *Store) created(d v1.Descriptor) time.Time {
	if !d.MediaType.IsImage() {
		return time.Time{}
	}
	img, err := s.imageByDigest(d.Digest)
	if err != nil {
		return time.Time{}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return time.Time{}
	}
	return cf.Created.Time
}

// Untag removes a name. The image's blobs stay until GC, and only if no
// other name reaches them.
func (s *Store) Untag(ctx context.Context, ref string) error {
	n, err := NormalizeName(ref)
	if err != nil {
		return err
	}
	return s.updateIndex(ctx, func(idx *v1.IndexManifest) (bool, error) {
		kept := idx.Manifests[:0]
		found := false
		for _, d := range idx.Manifests {
			if refName(d) == n {
				found = true
				continue
			}
			kept = append(kept, d)
		}
		if !found {
			return false, fmt.Errorf("untag %s: no local image has this name; see `hoist images`", n)
		}
		idx.Manifests = kept
		return true, nil
	})
}

// DeleteOptions tunes Delete.
type DeleteOptions struct {
	// Force deletes an image even when other local images are built on it.
	Force bool
}

// Delete removes every name of an image (by name, digest or ID prefix) and
// returns the names removed. It refuses when another local image is built on
// it (its layers are a prefix of the other's) unless opts.Force. Blobs are
// freed by GC.
func (s *Store) Delete(ctx context.Context, ref string, opts DeleteOptions) ([]string, error) {
	var removed []string
	err := s.updateIndex(ctx, func(idx *v1.IndexManifest) (bool, error) {
		target, err := resolve(idx, ref)
		if err != nil {
			return false, err
		}
		if !opts.Force {
			if users := s.builtOn(idx, target); len(users) > 0 {
				return false, fmt.Errorf("image %s is the base of %s (they share its layers); delete those first, or force it (`hoist rmi --force`)", short(target.Digest), strings.Join(users, ", "))
			}
		}
		kept := idx.Manifests[:0]
		for _, d := range idx.Manifests {
			if d.Digest == target.Digest {
				if n := refName(d); n != "" {
					removed = append(removed, n)
				}
				continue
			}
			kept = append(kept, d)
		}
		idx.Manifests = kept
		return true, nil
	})
	return removed, err
}

func short(h v1.Hash) string {
	if len(h.Hex) >= 12 {
		return h.Hex[:12]
	}
	return h.String()
}

type lineage struct {
	layers  []v1.Hash
	history []v1.History
}

func (s *Store) lineageOf(h v1.Hash) (lineage, bool) {
	img, err := s.imageByDigest(h)
	if err != nil {
		return lineage{}, false
	}
	m, err := img.Manifest()
	if err != nil {
		return lineage{}, false
	}
	var l lineage
	for _, d := range m.Layers {
		l.layers = append(l.layers, d.Digest)
	}
	if cf, err := img.ConfigFile(); err == nil {
		l.history = cf.History
	}
	return l, true
}

// historyPrefix tells a child (whose history continues the base's) from a
// sibling that merely shares layers (e.g. two images FROM the same base).
func historyPrefix(base, other []v1.History) bool {
	if len(base) > len(other) {
		return false
	}
	for i, h := range base {
		o := other[i]
		if h.CreatedBy != o.CreatedBy || h.EmptyLayer != o.EmptyLayer || h.Comment != o.Comment || h.Author != o.Author {
			return false
		}
	}
	return true
}

// builtOn names the local images whose layer list and history start with
// target's: images built FROM target. With equal layer lists (a child that only changed
// metadata), the one with the longer history is the child.
func (s *Store) builtOn(idx *v1.IndexManifest, target v1.Descriptor) []string {
	if !target.MediaType.IsImage() {
		return nil
	}
	base, ok := s.lineageOf(target.Digest)
	if !ok || len(base.layers) == 0 {
		return nil // an image with no layers is not a base of anything meaningful
	}
	var users []string
	seen := map[string]bool{}
	for _, d := range idx.Manifests {
		if d.Digest == target.Digest || !d.MediaType.IsImage() {
			continue
		}
		l, ok := s.lineageOf(d.Digest)
		if !ok || len(l.layers) < len(base.layers) {
			continue
		}
		prefix := true
		for i, h := range base.layers {
			if l.layers[i] != h {
				prefix = false
				break
			}
		}
		if !prefix || !historyPrefix(base.history, l.history) ||
			(len(l.layers) == len(base.layers) && len(l.history) <= len(base.history)) {
			continue
		}
		n := refName(d)
		if n == "" {
			n = short(d.Digest)
		}
		if !seen[n] {
			seen[n] = true
			users = append(users, n)
		}
	}
	sort.Strings(users)
	return users
}

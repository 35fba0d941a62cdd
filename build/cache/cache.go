package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// ConfigMediaType is the media type of a cache manifest's config blob.
	ConfigMediaType types.MediaType = "application/vnd.hoistci.hoist.cache.config.v1+json"
	// LocalRefName names the cache manifest in a local cache directory (the
	// org.opencontainers.image.ref.name annotation): skopeo and crane read
	// it as oci:DIR:hoist-cache.
	LocalRefName = "hoist-cache"
	// FormatVersion is the version of the config blob's format.
	FormatVersion = 1

	refNameAnnotation = "org.opencontainers.image.ref.name"
	// maxConfigSize bounds the config blob read from a registry or a
	// directory: a cache of 100,000 steps is ~40 MB.
	maxConfigSize = 128 << 20
	// maxManifestSize bounds a cache manifest read from a directory.
	maxManifestSize = 64 << 20
)

// Record is one cached step result: the layer the step produced, under the
// step's key.
type Record struct {
	Key Key `json:"key"`
	// Layer is the compressed blob (digest, size, media type).
	Layer v1.Descriptor `json:"layer"`
	// DiffID is the digest of the uncompressed layer (the image config's
	// rootfs entry), known without downloading the blob.
	DiffID  v1.Hash   `json:"diffID"`
	Created time.Time `json:"created,omitzero"`
	// History is the step's image-config history entry, when the caller
	// wants it restored on a hit.
	History *v1.History `json:"history,omitempty"`
}

// configFile is the cache manifest's config blob.
type configFile struct {
	Version int      `json:"version"`
	Records []Record `json:"records"`
}

// Cache is an imported cache: lookups are map hits, layers are read only
// when asked. A nil *Cache is an empty cache.
type Cache struct {
	// name is the cache's reference or directory, for errors.
	name    string
	records map[Key]Record
	// open returns the compressed blob of d, verified against its digest.
	open func(d v1.Descriptor) (io.ReadCloser, error)
	// repo, for a registry cache, lets pushes to the same registry mount
	// the blobs instead of uploading them.
	repo *name.Repository
}

func emptyCache() *Cache { return &Cache{records: map[Key]Record{}} }

// Lookup returns the record for k.
func (c *Cache) Lookup(k Key) (Record, bool) {
	if c == nil {
		return Record{}, false
	}
	r, ok := c.records[k]
	return r, ok
}

// Len is the number of records.
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	return len(c.records)
}

// Records returns the records sorted by key (to merge an imported cache
// into the next export).
func (c *Cache) Records() []Record {
	if c == nil {
		return nil
	}
	out := make([]Record, 0, len(c.records))
	for _, r := range c.records {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Record) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	return out
}

// Layer returns the layer of r. Nothing is read until Compressed or
// Uncompressed is called; Digest, DiffID, Size and MediaType come from the
// record. Layers of a registry cache are mountable: pushing them to another
// repository of the same registry mounts instead of uploading.
func (c *Cache) Layer(r Record) (v1.Layer, error) {
	if c == nil || c.open == nil {
		return nil, fmt.Errorf("cache layer %s: the cache is empty", r.Layer.Digest)
	}
	open := func(d v1.Descriptor) (io.ReadCloser, error) {
		rc, err := c.open(d)
		if err != nil {
			return nil, &LayerError{Cache: c.name, Digest: d.Digest, Err: err}
		}
		return &layerReader{ReadCloser: rc, cache: c.name, digest: d.Digest}, nil
	}
	l, err := partial.CompressedToLayer(&lazyLayer{desc: r.Layer, diffID: r.DiffID, open: open})
	if err != nil {
		return nil, err
	}
	if c.repo != nil {
		return &remote.MountableLayer{Layer: l, Reference: c.repo.Digest(r.Layer.Digest.String())}, nil
	}
	return l, nil
}

// LayerError is a cache layer that could not be read (a registry that
// fails or sends damaged data, a blob gone from a cache directory) after
// its record was a hit. The build can still be done without that cache:
// Build then builds again without it.
type LayerError struct {
	// Cache is the cache's reference (registry) or directory (local).
	Cache  string
	Digest v1.Hash
	Err    error
}

func (e *LayerError) Error() string {
	return fmt.Sprintf("cache %s: layer %s: %v", e.Cache, e.Digest, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }

// layerReader marks read failures of a cache layer as *LayerError.
type layerReader struct {
	io.ReadCloser
	cache  string
	digest v1.Hash
}

func (r *layerReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = &LayerError{Cache: r.cache, Digest: r.digest, Err: err}
	}
	return n, err
}

// lazyLayer is a compressed layer described by a record.
type lazyLayer struct {
	desc   v1.Descriptor
	diffID v1.Hash
	open   func(d v1.Descriptor) (io.ReadCloser, error)
}

func (l *lazyLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *lazyLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *lazyLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *lazyLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }
func (l *lazyLayer) Compressed() (io.ReadCloser, error)  { return l.open(l.desc) }

// decodeConfig parses a config blob. Records that are malformed, or whose
// blob is not among the manifest's layers, are dropped with a warning: they
// are misses, not failures.
func decodeConfig(raw []byte, layers []v1.Descriptor, where string) (map[Key]Record, []string, error) {
	var cf configFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&cf); err != nil {
		return nil, nil, fmt.Errorf("config is not valid JSON: %w", err)
	}
	if cf.Version != FormatVersion {
		return nil, nil, fmt.Errorf("cache format version %d, this hoist reads version %d", cf.Version, FormatVersion)
	}
	inManifest := make(map[v1.Hash]v1.Descriptor, len(layers))
	for _, d := range layers {
		inManifest[d.Digest] = d
	}
	records := make(map[Key]Record, len(cf.Records))
	bad := 0
	var firstErr error
	for _, r := range cf.Records {
		err := r.validate()
		if err == nil {
			if d, ok := inManifest[r.Layer.Digest]; !ok {
				err = fmt.Errorf("layer %s is not in the cache manifest", r.Layer.Digest)
			} else if d.Size != r.Layer.Size {
				err = fmt.Errorf("layer %s has size %d in the manifest, %d in the record", r.Layer.Digest, d.Size, r.Layer.Size)
			}
		}
		if err != nil {
			bad++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if _, dup := records[r.Key]; !dup {
			records[r.Key] = r
		}
	}
	var warnings []string
	if bad > 0 {
		warnings = append(warnings, fmt.Sprintf("cache %s: ignored %d invalid record(s) (first: %v); they are cache misses", where, bad, firstErr))
	}
	return records, warnings, nil
}

func validHash(h v1.Hash) bool {
	return h.Algorithm == "sha256" && len(h.Hex) == 64 && Key(h.Hex).Valid()
}

func (r Record) validate() error {
	switch {
	case !r.Key.Valid():
		return fmt.Errorf("key %q is not 64 hex digits", r.Key)
	case !validHash(r.Layer.Digest):
		return fmt.Errorf("record %s: layer digest %q is not a sha256 digest", r.Key.Short(), r.Layer.Digest)
	case r.Layer.Size <= 0:
		return fmt.Errorf("record %s: layer size %d", r.Key.Short(), r.Layer.Size)
	case r.Layer.MediaType == "":
		return fmt.Errorf("record %s: layer has no media type", r.Key.Short())
	case !validHash(r.DiffID):
		return fmt.Errorf("record %s: diffID %q is not a sha256 digest", r.Key.Short(), r.DiffID)
	}
	return nil
}

// encoded is a cache manifest ready to write: config blob, manifest, and one
// record per distinct blob (in manifest order).
type encoded struct {
	config, manifest []byte
	configDesc       v1.Descriptor
	manifestDesc     v1.Descriptor
	blobs            []Record
}

// encode builds the cache manifest for recs. The first record of a key wins;
// records are sorted by key, so the same records always give the same
// manifest digest (and a second export is a no-op for the registry).
func encode(recs []Record) (*encoded, error) {
	seen := map[Key]bool{}
	var kept []Record
	for _, r := range recs {
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("cache record: %w", err)
		}
		if seen[r.Key] {
			continue
		}
		seen[r.Key] = true
		kept = append(kept, r)
	}
	slices.SortFunc(kept, func(a, b Record) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	if kept == nil {
		kept = []Record{}
	}
	cfg, err := json.Marshal(configFile{Version: FormatVersion, Records: kept})
	if err != nil {
		return nil, err
	}
	e := &encoded{config: cfg}
	e.configDesc = v1.Descriptor{MediaType: ConfigMediaType, Size: int64(len(cfg)), Digest: sha256Hash(cfg)}

	layers := []v1.Descriptor{}
	blobSeen := map[v1.Hash]v1.Descriptor{}
	for _, r := range kept {
		if d, ok := blobSeen[r.Layer.Digest]; ok {
			if d.Size != r.Layer.Size {
				return nil, fmt.Errorf("cache records disagree on the size of blob %s (%d, %d)", r.Layer.Digest, d.Size, r.Layer.Size)
			}
			continue
		}
		d := v1.Descriptor{MediaType: r.Layer.MediaType, Size: r.Layer.Size, Digest: r.Layer.Digest}
		blobSeen[r.Layer.Digest] = d
		layers = append(layers, d)
		e.blobs = append(e.blobs, r)
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        e.configDesc,
		Layers:        layers,
	}
	e.manifest, err = json.Marshal(m)
	if err != nil {
		return nil, err
	}
	e.manifestDesc = v1.Descriptor{MediaType: types.OCIManifestSchema1, Size: int64(len(e.manifest)), Digest: sha256Hash(e.manifest)}
	return e, nil
}

func sha256Hash(b []byte) v1.Hash {
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	return h
}

// errNotCache marks a manifest that is not a hoist cache.
var errNotCache = errors.New("not a hoist cache")

// parseManifest checks that raw is a hoist cache manifest.
func parseManifest(raw []byte) (*v1.Manifest, error) {
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("manifest is not valid JSON: %w", err)
	}
	if m.Config.MediaType != ConfigMediaType {
		return nil, fmt.Errorf("%w: its config media type is %q, not %q", errNotCache, m.Config.MediaType, ConfigMediaType)
	}
	if m.Config.Size > maxConfigSize || m.Config.Size < 0 {
		return nil, fmt.Errorf("config blob of %d bytes, more than the %d this hoist reads", m.Config.Size, maxConfigSize)
	}
	if !validHash(m.Config.Digest) {
		return nil, fmt.Errorf("config digest %q is not a sha256 digest", m.Config.Digest)
	}
	return m, nil
}

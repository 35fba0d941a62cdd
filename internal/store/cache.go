package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
)

// cacheDir holds the build cache records, cache/<key[:2]>/<key>.json. OCI
// layout readers ignore it; GC treats its records as roots.
const cacheDir = "cache"

// CacheRecord maps a build cache key to the layer a step produced.
type CacheRecord struct {
	Key     string        `json:"key"`    // 64 lowercase hex digits (a sha256)
	Layer   v1.Descriptor `json:"layer"`  // the compressed layer blob, in the store
	DiffID  v1.Hash       `json:"diffID"` // digest of the uncompressed tar
	Created time.Time     `json:"created"`

	// LastUsed is when the record was last written or hit: the record
	// file's modification time, not part of the JSON. GC drops the least
	// recently used records first.
	LastUsed time.Time `json:"-"`
}

func validCacheKey(k string) bool { return len(k) == 64 && isHex(k) }

func cacheRel(key string) string { return path.Join(cacheDir, key[:2], key+".json") }

func (s *Store) cachePath(key string) string {
	return filepath.Join(s.dir, filepath.FromSlash(cacheRel(key)))
}

// checkRecord validates a record's fields (not its blob).
func checkRecord(r CacheRecord) error {
	switch {
	case !validCacheKey(r.Key):
		return fmt.Errorf("cache key %q is not 64 lowercase hex digits (a sha256)", r.Key)
	case r.Layer.Digest.Algorithm != "sha256" || len(r.Layer.Digest.Hex) != 64:
		return fmt.Errorf("cache record %s: layer digest %q is not a sha256 digest", r.Key, r.Layer.Digest)
	case r.Layer.MediaType == "":
		return fmt.Errorf("cache record %s: the layer descriptor has no media type", r.Key)
	case r.Layer.Size <= 0:
		return fmt.Errorf("cache record %s: the layer descriptor has no size", r.Key)
	case r.DiffID.Algorithm != "sha256" || len(r.DiffID.Hex) != 64:
		return fmt.Errorf("cache record %s: diffID %q is not a sha256 digest", r.Key, r.DiffID)
	}
	return nil
}

// PutCache records that key produced r.Layer. The layer blob must already
// be in the store (WriteBlob it first). The record is written atomically
// under the store lock, after checking the blob inside the lock, so a
// concurrent GC can never leave it pointing at a deleted blob. Writing a key
// again replaces its record.
func (s *Store) PutCache(ctx context.Context, r CacheRecord) error {
	if err := checkRecord(r); err != nil {
		return fmt.Errorf("put cache record: %w", err)
	}
	if r.Created.IsZero() {
		r.Created = time.Now().UTC()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("put cache record %s: %w", r.Key, err)
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return fmt.Errorf("put cache record %s: %w", r.Key, err)
	}
	defer unlock()
	// The touch both checks the blob and makes it recent, so a GC after
	// this one does not take it for garbage of a failed build either.
	fi, err := s.touch(r.Layer.Digest)
	if err != nil {
		return fmt.Errorf("put cache record %s: layer blob %s is not in the local store; store the blob before its cache record", r.Key, r.Layer.Digest)
	}
	if fi.Size() != r.Layer.Size {
		return fmt.Errorf("put cache record %s: layer blob %s has %d bytes but the descriptor says %d", r.Key, r.Layer.Digest, fi.Size(), r.Layer.Size)
	}
	if err := os.MkdirAll(filepath.Dir(s.cachePath(r.Key)), 0o755); err != nil {
		return fmt.Errorf("put cache record %s: %w", r.Key, err)
	}
	if err := s.writeFileAtomic(cacheRel(r.Key), b); err != nil {
		return fmt.Errorf("put cache record %s: %w", r.Key, err)
	}
	return nil
}

// GetCache looks a key up. A record that cannot be used (unreadable JSON,
// a missing blob, a blob of the wrong size) is a miss and is removed. A hit
// refreshes the record's last use and its blob's modification time, so the
// layer outlives a concurrent GC's grace period while the build uses it.
func (s *Store) GetCache(key string) (CacheRecord, bool) {
	if !validCacheKey(key) {
		return CacheRecord{}, false
	}
	r, err := s.readCacheRecord(key)
	if errors.Is(err, os.ErrNotExist) {
		return CacheRecord{}, false
	}
	if err == nil {
		err = s.checkCacheBlob(r)
	}
	if err != nil {
		s.dropBrokenCache(key)
		return CacheRecord{}, false
	}
	now := time.Now()
	if err := os.Chtimes(s.cachePath(key), now, now); err != nil {
		return CacheRecord{}, false // dropped by a GC meanwhile
	}
	r.LastUsed = now
	return r, true
}

// checkCacheBlob touches the record's blob and checks its size.
func (s *Store) checkCacheBlob(r CacheRecord) error {
	fi, err := s.touch(r.Layer.Digest)
	if err != nil {
		return fmt.Errorf("layer blob %s is missing", r.Layer.Digest)
	}
	if fi.Size() != r.Layer.Size {
		return fmt.Errorf("layer blob %s has %d bytes, the record says %d", r.Layer.Digest, fi.Size(), r.Layer.Size)
	}
	return nil
}

// dropBrokenCache removes an unusable record if the lock is free right now:
// a lookup never waits for a GC, and GC removes broken records anyway. The
// record is re-checked inside the lock, as a PutCache may have replaced it.
func (s *Store) dropBrokenCache(key string) {
	unlock, err := lockFileExclusive(context.Background(), filepath.Join(s.dir, lockFile), 0)
	if err != nil {
		return
	}
	defer unlock()
	r, err := s.readCacheRecord(key)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err == nil && s.HasBlob(r.Layer.Digest) {
		if fi, serr := os.Stat(s.blobPath(r.Layer.Digest)); serr == nil && fi.Size() == r.Layer.Size {
			return
		}
	}
	_ = os.Remove(s.cachePath(key))
}

// readCacheRecord reads and validates one record; LastUsed is its mtime.
func (s *Store) readCacheRecord(key string) (CacheRecord, error) {
	p := s.cachePath(key)
	b, err := os.ReadFile(p)
	if err != nil {
		return CacheRecord{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return CacheRecord{}, err
	}
	return parseCacheRecord(key, b, fi.ModTime())
}

func parseCacheRecord(key string, b []byte, mod time.Time) (CacheRecord, error) {
	var r CacheRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return CacheRecord{}, fmt.Errorf("cache record %s: %w", key, err)
	}
	if r.Key != key {
		return CacheRecord{}, fmt.Errorf("cache record %s: the file holds key %q", key, r.Key)
	}
	if err := checkRecord(r); err != nil {
		return CacheRecord{}, err
	}
	r.LastUsed = mod
	return r, nil
}

// CacheRecords returns the usable cache records (readable, with their blob
// present), sorted by key.
func (s *Store) CacheRecords() ([]CacheRecord, error) {
	files, _, err := s.scanCache()
	if err != nil {
		return nil, fmt.Errorf("list cache records: %w", err)
	}
	var out []CacheRecord
	for _, f := range files {
		if f.err == nil && s.HasBlob(f.rec.Layer.Digest) {
			out = append(out, f.rec)
		}
	}
	return out, nil
}

// cacheFile is one file in cache/ named like a record.
type cacheFile struct {
	key  string
	rel  string // relative to the store, slash separated
	size int64
	rec  CacheRecord // valid when err is nil
	err  error       // why the record is unreadable
}

// scanCache reads every record file; files that are not named like records
// are strays. Files are sorted by key.
func (s *Store) scanCache() (files []cacheFile, strays []string, err error) {
	root := filepath.Join(s.dir, cacheDir)
	subs, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, sub := range subs {
		subRel := path.Join(cacheDir, sub.Name())
		if !sub.IsDir() || len(sub.Name()) != 2 || !isHex(sub.Name()) {
			strays = append(strays, subRel)
			continue
		}
		ents, err := os.ReadDir(filepath.Join(root, sub.Name()))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, nil, err
		}
		for _, e := range ents {
			rel := path.Join(subRel, e.Name())
			key, ok := strings.CutSuffix(e.Name(), ".json")
			if !ok || !validCacheKey(key) || key[:2] != sub.Name() || !e.Type().IsRegular() {
				strays = append(strays, rel)
				continue
			}
			fi, err := e.Info()
			if err != nil {
				continue // removed meanwhile
			}
			f := cacheFile{key: key, rel: rel, size: fi.Size()}
			b, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(rel)))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err == nil {
				f.rec, err = parseCacheRecord(key, b, fi.ModTime())
			}
			f.err = err
			if f.err != nil {
				f.rec = CacheRecord{Key: key, LastUsed: fi.ModTime()}
			}
			files = append(files, f)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].key < files[j].key })
	return files, strays, nil
}

// Layer returns a stored blob as a layer (compressed as stored, verified
// against its digest as it is read), so an image can be assembled from
// cache records without copying anything. A zero diffID is computed on
// demand by decompressing the blob.
func (s *Store) Layer(d v1.Descriptor, diffID v1.Hash) (v1.Layer, error) {
	if d.MediaType == "" {
		return nil, fmt.Errorf("layer %s: the descriptor has no media type", d.Digest)
	}
	if d.Digest.Algorithm != "sha256" || len(d.Digest.Hex) != 64 {
		return nil, fmt.Errorf("layer %q: not a sha256 digest", d.Digest)
	}
	fi, err := os.Stat(s.blobPath(d.Digest))
	if err != nil {
		return nil, fmt.Errorf("layer %s is missing from the local store; build or pull the image again", d.Digest)
	}
	if d.Size != 0 && fi.Size() != d.Size {
		return nil, fmt.Errorf("layer %s: the stored blob has %d bytes, the descriptor says %d", d.Digest, fi.Size(), d.Size)
	}
	d.Size = fi.Size()
	sl := &storedLayer{s: s, d: d}
	if diffID == (v1.Hash{}) {
		return partial.CompressedToLayer(sl)
	}
	return partial.CompressedToLayer(&cacheLayer{storedLayer: sl, diffID: diffID})
}

type cacheLayer struct {
	*storedLayer
	diffID v1.Hash
}

func (l *cacheLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// ProblemCache is a Verify finding about a cache record that cannot be read.
const ProblemCache ProblemKind = "cache"

// verifyCache reports unreadable records, records whose blob is missing or
// has the wrong size, and stray files in cache/.
func (s *Store) verifyCache() ([]Problem, error) {
	files, strays, err := s.scanCache()
	if err != nil {
		return nil, err
	}
	var probs []Problem
	for _, p := range strays {
		probs = append(probs, Problem{Kind: ProblemStray, Path: p, Detail: "not a cache record; remove it"})
	}
	for _, f := range files {
		ref := "cache record " + f.key
		switch {
		case f.err != nil:
			probs = append(probs, Problem{Kind: ProblemCache, Path: f.rel, Ref: ref, Detail: f.err.Error() + "; `hoist prune --local` removes it"})
		case !s.HasBlob(f.rec.Layer.Digest):
			probs = append(probs, Problem{Kind: ProblemMissing, Digest: f.rec.Layer.Digest, Path: f.rel, Ref: ref,
				Detail: fmt.Sprintf("needed by %s; `hoist prune --local` removes the record", ref)})
		default:
			if fi, err := os.Stat(s.blobPath(f.rec.Layer.Digest)); err == nil && fi.Size() != f.rec.Layer.Size {
				probs = append(probs, Problem{Kind: ProblemCache, Path: f.rel, Ref: ref,
					Detail: fmt.Sprintf("layer blob %s has %d bytes, the record says %d; `hoist prune --local` removes the record", f.rec.Layer.Digest, fi.Size(), f.rec.Layer.Size)})
			}
		}
	}
	return probs, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DefaultGracePeriod protects blobs written recently: another process may be
// in the middle of a build whose index update has not happened yet.
const DefaultGracePeriod = time.Hour

// GCOptions tunes GC.
type GCOptions struct {
	// GracePeriod keeps unreferenced blobs and temp files younger than this.
	// Zero means DefaultGracePeriod; a negative value means no grace at all.
	GracePeriod time.Duration
	// RemoveCorrupt first deletes every blob whose content does not match its
	// digest, and the index entries and cache records that thereby lose
	// blobs, so the images can be pulled or built again.
	RemoveCorrupt bool
	// DryRun reports what would be removed and removes nothing.
	DryRun bool

	// Cache records are roots: their blobs are kept unless the record is
	// dropped. A blob an index entry reaches is never removed, whatever the
	// cache options; unusable records (unreadable, blob missing) are always
	// dropped.

	// CacheMaxAge drops records not used (written or hit) for longer than
	// this. Zero: no age limit.
	CacheMaxAge time.Duration
	// CacheMaxSize drops the least recently used records until the blobs
	// that only cache records reach total at most this many bytes. Zero: no
	// size limit.
	CacheMaxSize int64
	// CacheAll drops every cache record.
	CacheAll bool

	// Snapshots says which RUN snapshots to remove; the zero value
	// removes those unused for CacheMaxAge (see SnapshotPolicy).
	Snapshots SnapshotPolicy

	// Candidates, when non-nil, limits removal to these blobs (rmi frees the
	// image it deleted and nothing else); temp files are left alone.
	Candidates []v1.Hash

	// now overrides the clock in tests.
	now func() time.Time
}

// CacheDropReason says why GC dropped a cache record.
type CacheDropReason string

const (
	CacheDropBroken  CacheDropReason = "broken"   // unreadable, or its blob is missing or corrupt
	CacheDropAll     CacheDropReason = "all"      // GCOptions.CacheAll
	CacheDropMaxAge  CacheDropReason = "max-age"  // not used within GCOptions.CacheMaxAge
	CacheDropMaxSize CacheDropReason = "max-size" // least recently used beyond GCOptions.CacheMaxSize
)

// CacheDrop is one cache record GC dropped. For an unreadable record only
// Key and LastUsed are set.
type CacheDrop struct {
	Record CacheRecord
	Reason CacheDropReason
}

// GCResult reports what GC removed (or would remove, with DryRun).
type GCResult struct {
	Blobs          []v1.Hash // unreferenced (or corrupt) blobs
	TempFiles      []string  // leftovers of interrupted writes, relative to the store
	RemovedEntries []string  // index entries dropped because their blobs were corrupt
	CacheRecords   int       // cache records dropped
	CacheDropped   []CacheDrop
	BytesFreed     int64 // blobs, temp files, cache record files and snapshots
	// Snapshots are the RUN snapshots removed; interrupted extractions are
	// in TempFiles.
	Snapshots []SnapshotInfo
	// CacheMounts are the RUN cache mounts removed (by hashed id).
	CacheMounts []string

	// KeptYoung counts unreferenced blobs kept because they were written or
	// used within the grace period (a build in progress may need them); a
	// later GC removes them.
	KeptYoung      int
	KeptYoungBytes int64
}

// GC deletes blobs that neither an index entry nor a kept cache record
// reaches, cache records as GCOptions says, and stale temp files. It holds
// the store lock throughout, so no image or cache record can be committed in
// the middle; a blob written by a build that has not committed yet is
// protected by the grace period (and WriteImage re-checks its blobs under
// the lock).
func (s *Store) GC(ctx context.Context, opts GCOptions) (GCResult, error) {
	var res GCResult
	now := time.Now
	if opts.now != nil {
		now = opts.now
	}
	grace := opts.GracePeriod
	if grace == 0 {
		grace = DefaultGracePeriod
	}
	cutoff := now().Add(-grace)

	// Snapshots are not reached from the index: they have their own locks
	// and leases, and are done before taking the store lock.
	snaps, snapTemps, snapFreed, err := s.gcSnapshots(ctx, opts, now(), grace)
	if err != nil {
		return res, fmt.Errorf("gc: snapshots: %w", err)
	}
	mounts, mountsFreed, err := s.gcCacheMounts(opts, now())
	if err != nil {
		return res, fmt.Errorf("gc: cache mounts: %w", err)
	}
	addSnapshots := func() {
		res.CacheMounts = mounts
		res.BytesFreed += mountsFreed
		res.Snapshots = snaps
		res.TempFiles = append(res.TempFiles, snapTemps...)
		res.BytesFreed += snapFreed
	}

	// Hashing every blob takes a while: it happens before taking the lock
	// (blob files never change once written), so builds are not held up;
	// the few suspects are hashed again inside it.
	var suspects []v1.Hash
	if opts.RemoveCorrupt {
		pre, err := s.listBlobs()
		if err != nil {
			return res, fmt.Errorf("gc: %w", err)
		}
		for _, b := range pre {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if got, err := verifyBlobFile(s.blobPath(b.h)); (err != nil && !errors.Is(err, os.ErrNotExist)) || (err == nil && got != b.h) {
				suspects = append(suspects, b.h)
			}
		}
	}

	unlock, err := s.lock(ctx)
	if err != nil {
		return res, fmt.Errorf("gc: %w", err)
	}
	defer unlock()

	blobs, err := s.listBlobs()
	if err != nil {
		return res, fmt.Errorf("gc: %w", err)
	}
	corrupt := map[v1.Hash]bool{}
	for _, h := range suspects {
		got, err := verifyBlobFile(s.blobPath(h))
		if (err != nil && !errors.Is(err, os.ErrNotExist)) || (err == nil && got != h) {
			corrupt[h] = true
		}
	}

	idx, err := s.readIndex()
	if err != nil {
		return res, fmt.Errorf("gc: %w", err)
	}
	if len(corrupt) > 0 {
		// Entries reaching a corrupt blob are broken: drop them so the
		// image can be pulled or built again from scratch.
		kept := idx.Manifests[:0]
		for _, d := range idx.Manifests {
			broken := false
			_ = s.walk([]v1.Descriptor{d}, func(c v1.Descriptor) error {
				if corrupt[c.Digest] {
					broken = true
					return errStop
				}
				return nil
			})
			if broken {
				n := refName(d)
				if n == "" {
					n = d.Digest.String()
				}
				res.RemovedEntries = append(res.RemovedEntries, n)
				continue
			}
			kept = append(kept, d)
		}
		idx.Manifests = kept
	}

	reachable := map[v1.Hash]bool{}
	if err := s.walk(idx.Manifests, func(d v1.Descriptor) error {
		reachable[d.Digest] = true
		return nil
	}); err != nil {
		var ce *CorruptBlobError
		if errors.As(err, &ce) {
			return res, fmt.Errorf("gc: %w", err) // message says to prune with corrupt removal
		}
		return res, fmt.Errorf("gc: cannot tell which blobs are in use: %w", err)
	}

	blobSize := map[v1.Hash]int64{}
	for _, b := range blobs {
		blobSize[b.h] = b.size
	}
	cacheFiles, _, err := s.scanCache()
	if err != nil {
		return res, fmt.Errorf("gc: cache records: %w", err)
	}
	keptCache, droppedCache := planCache(cacheFiles, blobSize, corrupt, reachable, now(), opts)
	for _, f := range droppedCache {
		res.CacheDropped = append(res.CacheDropped, CacheDrop{Record: f.rec, Reason: f.reason})
		res.BytesFreed += f.size
	}
	res.CacheRecords = len(droppedCache)
	for _, f := range keptCache {
		reachable[f.rec.Layer.Digest] = true
	}

	var only map[v1.Hash]bool
	if opts.Candidates != nil {
		only = map[v1.Hash]bool{}
		for _, h := range opts.Candidates {
			only[h] = true
		}
	}
	for _, b := range blobs {
		if only != nil && !only[b.h] {
			continue
		}
		switch {
		case corrupt[b.h] || (!reachable[b.h] && b.mod.Before(cutoff)):
			res.Blobs = append(res.Blobs, b.h)
			res.BytesFreed += b.size
		case !reachable[b.h]:
			res.KeptYoung++
			res.KeptYoungBytes += b.size
		}
	}
	if only == nil {
		temps, err := s.listTemp()
		if err != nil {
			return res, fmt.Errorf("gc: %w", err)
		}
		for _, t := range temps {
			if t.mod.Before(cutoff) && !tempInUse(filepath.Join(s.dir, t.rel)) {
				res.TempFiles = append(res.TempFiles, t.rel)
				res.BytesFreed += t.size
			}
		}
	}
	if opts.DryRun {
		addSnapshots()
		return res, nil
	}
	if len(res.RemovedEntries) > 0 {
		if err := s.writeIndexLocked(idx); err != nil {
			return res, fmt.Errorf("gc: %w", err)
		}
	}
	// Records go before blobs: a crash in between leaves an unreferenced
	// blob, never a record pointing at nothing.
	for _, f := range droppedCache {
		if err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(f.rel))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, fmt.Errorf("gc: remove cache record %s: %w", f.key, err)
		}
	}
	removed := res.Blobs[:0]
	for _, h := range res.Blobs {
		// A blob touched since it was listed (WriteImage found it present,
		// GetCache hit a record) is about to be referenced: keep it.
		if fi, err := os.Stat(s.blobPath(h)); err == nil && !corrupt[h] && !fi.ModTime().Before(cutoff) {
			res.BytesFreed -= fi.Size()
			res.KeptYoung++
			res.KeptYoungBytes += fi.Size()
			continue
		}
		if err := os.Remove(s.blobPath(h)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, fmt.Errorf("gc: remove blob %s: %w", h, err)
		}
		removed = append(removed, h)
	}
	res.Blobs = removed
	for _, t := range res.TempFiles {
		if err := os.RemoveAll(filepath.Join(s.dir, t)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, fmt.Errorf("gc: remove %s: %w", t, err)
		}
	}
	addSnapshots()
	return res, nil
}

type plannedCache struct {
	cacheFile
	reason CacheDropReason
}

// planCache splits the cache records into kept and dropped (dropped in
// least-recently-used order). indexReach holds the blobs index entries
// reach: records of those cost nothing and are never dropped for size.
func planCache(files []cacheFile, blobSize map[v1.Hash]int64, corrupt, indexReach map[v1.Hash]bool, now time.Time, opts GCOptions) (kept, dropped []plannedCache) {
	var live []plannedCache
	for _, f := range files {
		p := plannedCache{cacheFile: f}
		_, present := blobSize[f.rec.Layer.Digest]
		switch {
		case f.err != nil || !present || corrupt[f.rec.Layer.Digest] || blobSize[f.rec.Layer.Digest] != f.rec.Layer.Size:
			p.reason = CacheDropBroken
		case opts.CacheAll:
			p.reason = CacheDropAll
		case opts.CacheMaxAge > 0 && f.rec.LastUsed.Before(now.Add(-opts.CacheMaxAge)):
			p.reason = CacheDropMaxAge
		}
		if p.reason != "" {
			dropped = append(dropped, p)
		} else {
			live = append(live, p)
		}
	}
	lru := func(ps []plannedCache) {
		sort.SliceStable(ps, func(i, j int) bool {
			if !ps[i].rec.LastUsed.Equal(ps[j].rec.LastUsed) {
				return ps[i].rec.LastUsed.Before(ps[j].rec.LastUsed)
			}
			return ps[i].key < ps[j].key
		})
	}
	lru(live)
	if opts.CacheMaxSize > 0 {
		// The bytes cache records alone keep: each such blob counted once,
		// however many records share it.
		refs := map[v1.Hash]int{}
		var total int64
		for _, p := range live {
			h := p.rec.Layer.Digest
			if indexReach[h] {
				continue
			}
			if refs[h] == 0 {
				total += blobSize[h]
			}
			refs[h]++
		}
		var rest []plannedCache
		for _, p := range live {
			h := p.rec.Layer.Digest
			if total <= opts.CacheMaxSize || indexReach[h] {
				rest = append(rest, p)
				continue
			}
			p.reason = CacheDropMaxSize
			dropped = append(dropped, p)
			if refs[h]--; refs[h] == 0 {
				total -= blobSize[h]
			}
		}
		live = rest
	}
	lru(dropped)
	return live, dropped
}

var errStop = errors.New("stop")

type blobFile struct {
	h    v1.Hash
	size int64
	mod  time.Time
}

type tempFile struct {
	rel  string
	size int64
	mod  time.Time
}

// listBlobs returns the files in blobs/sha256 named like a sha256 digest.
func (s *Store) listBlobs() ([]blobFile, error) {
	blobs, _, err := s.scanBlobs()
	return blobs, err
}

func (s *Store) scanBlobs() (blobs []blobFile, strays []string, err error) {
	dir := filepath.Join(s.dir, "blobs", "sha256")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		rel := filepath.Join("blobs", "sha256", e.Name())
		h, herr := v1.NewHash("sha256:" + e.Name())
		if herr != nil || !e.Type().IsRegular() {
			strays = append(strays, rel)
			continue
		}
		fi, err := e.Info()
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, nil, err
		}
		blobs = append(blobs, blobFile{h: h, size: fi.Size(), mod: fi.ModTime()})
	}
	sort.Slice(blobs, func(i, j int) bool { return blobs[i].h.Hex < blobs[j].h.Hex })
	return blobs, strays, nil
}

func (s *Store) listTemp() ([]tempFile, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, tmpDir))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []tempFile
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // finished (renamed) meanwhile
		}
		out = append(out, tempFile{rel: filepath.Join(tmpDir, e.Name()), size: fi.Size(), mod: fi.ModTime()})
	}
	return out, nil
}

// writeIndexLocked replaces index.json; the caller holds the lock.
func (s *Store) writeIndexLocked(idx *v1.IndexManifest) error {
	return s.writeIndexFile(idx)
}

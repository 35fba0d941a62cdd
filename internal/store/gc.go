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
	// digest, and the index entries that thereby lose blobs, so the images can
	// be pulled or built again.
	RemoveCorrupt bool
	// DryRun reports what would be removed and removes nothing.
	DryRun bool
	// now overrides the clock in tests.
	now func() time.Time
}

// GCResult reports what GC removed (or would remove, with DryRun).
type GCResult struct {
	Blobs          []v1.Hash // unreferenced (or corrupt) blobs
	TempFiles      []string  // leftovers of interrupted writes, relative to the store
	RemovedEntries []string  // index entries dropped because their blobs were corrupt
	BytesFreed     int64
}

// GC deletes blobs that no index entry reaches and stale temp files. It holds
// the index lock throughout, so no image can be committed in the middle; a
// blob written by a build that has not committed yet is protected by the
// grace period (and WriteImage re-checks its blobs under the lock).
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
	if opts.RemoveCorrupt {
		for _, b := range blobs {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			got, err := verifyBlobFile(s.blobPath(b.h))
			if err != nil || got != b.h {
				corrupt[b.h] = true
			}
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

	for _, b := range blobs {
		if corrupt[b.h] || (!reachable[b.h] && b.mod.Before(cutoff)) {
			res.Blobs = append(res.Blobs, b.h)
			res.BytesFreed += b.size
		}
	}
	temps, err := s.listTemp()
	if err != nil {
		return res, fmt.Errorf("gc: %w", err)
	}
	for _, t := range temps {
		if t.mod.Before(cutoff) {
			res.TempFiles = append(res.TempFiles, t.rel)
			res.BytesFreed += t.size
		}
	}
	if opts.DryRun {
		return res, nil
	}
	if len(res.RemovedEntries) > 0 {
		if err := s.writeIndexLocked(idx); err != nil {
			return res, fmt.Errorf("gc: %w", err)
		}
	}
	for _, h := range res.Blobs {
		if err := os.Remove(s.blobPath(h)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, fmt.Errorf("gc: remove blob %s: %w", h, err)
		}
	}
	for _, t := range res.TempFiles {
		if err := os.Remove(filepath.Join(s.dir, t)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, fmt.Errorf("gc: remove %s: %w", t, err)
		}
	}
	return res, nil
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

package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"time"
)

// cacheMountsDir holds the persistent directories of RUN
// --mount=type=cache: cache-mounts/<hash of id>/dir, with a lock file
// beside each (<hash>.lock) that a RUN holds while it uses the directory.
const cacheMountsDir = "cache-mounts"

// CacheMountPath is where the cache mount id lives: PATH/dir is its
// content, PATH.lock is held (shared, or exclusive for sharing=locked)
// while a RUN uses it.
func (s *Store) CacheMountPath(id string) string {
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(s.dir, cacheMountsDir, hex.EncodeToString(sum[:])[:32])
}

// gcCacheMounts removes the cache mounts nobody uses: all of them with
// CacheAll, else those unused (by mtime of their lock file) for longer
// than CacheMaxAge. A cache mount whose lock is held is kept.
func (s *Store) gcCacheMounts(opts GCOptions, now time.Time) (removed []string, freed int64, err error) {
	if !opts.CacheAll && opts.CacheMaxAge <= 0 {
		return nil, 0, nil
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, cacheMountsDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		base := filepath.Join(s.dir, cacheMountsDir, e.Name())
		lock, err := os.OpenFile(base+".lock", os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return removed, freed, err
		}
		st, _ := lock.Stat()
		old := st != nil && now.Sub(st.ModTime()) > opts.CacheMaxAge
		if (opts.CacheAll || old) && flock(lock, true, false) == nil {
			size := dirSize(base)
			if !opts.DryRun {
				if err := os.RemoveAll(base); err != nil {
					lock.Close()
					return removed, freed, err
				}
			}
			removed = append(removed, e.Name())
			freed += size
		}
		lock.Close()
	}
	return removed, freed, nil
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

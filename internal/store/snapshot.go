package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Snapshots are extracted layers for RUN, kept in the store so that each
// layer is extracted once per store:
//
//	snapshots/<chain-id hex>/
//	    lock        flock'ed while extracting, leasing or removing it
//	    fs/         the layer's diff in overlay form (commit point: present
//	                only once complete, by rename)
//	    meta.json   chain ID, size and creation time
//	    used        its mtime is when the snapshot was last used
//	    leases/     one file per user, flock'ed (shared) by the process
//	                using it; the kernel drops the lock when it exits
//
// Extraction happens in .hoist-tmp/snap-new-<hex>-*; GC renames a
// snapshot to .hoist-tmp/snap-del-<hex>-* before removing it, so a
// snapshot is either complete or invisible.
const (
	snapshotsDir      = "snapshots"
	snapNewPrefix     = "snap-new-"
	snapDelPrefix     = "snap-del-"
	snapLockFile      = "lock"
	snapFSDir         = "fs"
	snapMetaFile      = "meta.json"
	snapUsedFile      = "used"
	snapLeasesDir     = "leases"
	snapshotPollLimit = 50 * time.Millisecond
)

// SnapshotInfo describes one snapshot.
type SnapshotInfo struct {
	ChainID v1.Hash
	// Dir is the extracted directory (a lowerdir for overlay).
	Dir string
	// Size is the bytes of its regular files (hard links counted once),
	// as extracted.
	Size     int64
	Created  time.Time
	LastUsed time.Time
	// Leased says a process is using it (GC keeps it).
	Leased bool
}

// SnapshotPolicy says which snapshots GC removes. A leased snapshot (in
// use by a build, in this or another process) is never removed, nor one
// being extracted.
type SnapshotPolicy struct {
	// MaxAge removes snapshots not used for longer than this. Zero means
	// GCOptions.CacheMaxAge, or the grace period when that is zero too; it
	// is never less than the grace period.
	MaxAge time.Duration
	// All removes every snapshot not in use (prune --all).
	All bool
	// Keep removes none (interrupted extractions are still cleaned).
	Keep bool
}

type snapshotMeta struct {
	ChainID v1.Hash   `json:"chainID"`
	Size    int64     `json:"size"`
	Created time.Time `json:"created"`
}

func (s *Store) snapDir(hex string) string { return filepath.Join(s.dir, snapshotsDir, hex) }

// Snapshot returns the directory holding the extracted snapshot chainID:
// the diff of the top layer of the stack whose chain ID it is, in overlay
// form (see layer.ExtractOverlay), to be a lowerdir above the snapshots of
// the layers below it. When the store has none, extract is called with a
// fresh empty directory on the store's file system, and what it leaves
// there becomes the snapshot, atomically; callers that ask for the same
// snapshot meanwhile, in this process or another, wait for that one
// extraction. A failed extraction leaves nothing.
//
// The snapshot is leased to the caller until release is called (once; more
// calls do nothing): GC does not remove it meanwhile. The lease is an
// flock'ed file, so a process that dies without releasing frees it. The
// caller must not modify the directory.
func (s *Store) Snapshot(ctx context.Context, chainID v1.Hash, extract func(dir string) error) (dir string, release func(), err error) {
	if chainID.Algorithm != "sha256" || len(chainID.Hex) != 64 || !isHex(chainID.Hex) {
		return "", nil, fmt.Errorf("snapshot %q: not a sha256 chain ID", chainID)
	}
	hex := chainID.Hex
	unlock, _, err := s.lockSnapshot(ctx, hex, true, true)
	if err != nil {
		return "", nil, fmt.Errorf("snapshot %s: %w", chainID, err)
	}
	defer unlock()
	sd := s.snapDir(hex)
	fsDir := filepath.Join(sd, snapFSDir)
	if _, err := os.Lstat(fsDir); errors.Is(err, fs.ErrNotExist) {
		if err := s.extractSnapshot(ctx, chainID, extract); err != nil {
			// Holding the lock: waiters notice the lock file is gone and
			// start over.
			_ = os.RemoveAll(sd)
			return "", nil, fmt.Errorf("snapshot %s: %w", chainID, err)
		}
	} else if err != nil {
		return "", nil, fmt.Errorf("snapshot %s: %w", chainID, err)
	}
	leases := filepath.Join(sd, snapLeasesDir)
	if err := os.MkdirAll(leases, 0o755); err != nil {
		return "", nil, fmt.Errorf("snapshot %s: lease: %w", chainID, err)
	}
	lf, err := os.CreateTemp(leases, fmt.Sprintf("%d-", os.Getpid()))
	if err != nil {
		return "", nil, fmt.Errorf("snapshot %s: lease: %w", chainID, err)
	}
	if err := flock(lf, false, true); err != nil {
		lf.Close()
		os.Remove(lf.Name())
		return "", nil, fmt.Errorf("snapshot %s: lease: %w", chainID, err)
	}
	used := filepath.Join(sd, snapUsedFile)
	if err := touch(used); err != nil {
		lf.Close()
		os.Remove(lf.Name())
		return "", nil, fmt.Errorf("snapshot %s: %w", chainID, err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_ = touch(used)
			os.Remove(lf.Name())
			lf.Close()
		})
	}
	return fsDir, release, nil
}

// extractSnapshot runs extract in a temporary directory and renames the
// result into place; the caller holds the snapshot's lock.
func (s *Store) extractSnapshot(ctx context.Context, chainID v1.Hash, extract func(dir string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Join(s.dir, tmpDir), snapNewPrefix+chainID.Hex+"-")
	if err != nil {
		return fmt.Errorf("make a directory to extract into: %w", err)
	}
	defer removeTree(tmp)
	work := filepath.Join(tmp, snapFSDir)
	if err := os.Mkdir(work, 0o755); err != nil {
		return err
	}
	if err := extract(work); err != nil {
		return err
	}
	size, err := treeSize(work)
	if err != nil {
		return fmt.Errorf("measure the extracted snapshot: %w", err)
	}
	sd := s.snapDir(chainID.Hex)
	if err := os.Rename(work, filepath.Join(sd, snapFSDir)); err != nil {
		return fmt.Errorf("commit the extracted snapshot: %w", err)
	}
	if err := syncDir(sd); err != nil {
		return err
	}
	b, _ := json.Marshal(snapshotMeta{ChainID: chainID, Size: size, Created: time.Now().UTC()})
	// Best effort: without it Snapshots measures the directory.
	_ = os.WriteFile(filepath.Join(sd, snapMetaFile), b, 0o644)
	return nil
}

// lockSnapshot takes the snapshot's exclusive lock. With wait, it polls
// until it has it or ctx ends; without, ok is false when another holds it.
// With create, the snapshot directory and its lock file are made when
// missing; without, a missing lock file gives ok false and no error.
// Whoever removes a snapshot does so holding its lock, so after locking
// the file is checked to still be the one at the path: if not, the lock
// is taken again on the new one.
func (s *Store) lockSnapshot(ctx context.Context, hex string, wait, create bool) (unlock func(), ok bool, err error) {
	sd := s.snapDir(hex)
	lockPath := filepath.Join(sd, snapLockFile)
	delay := time.Millisecond
	for {
		if create {
			if err := os.MkdirAll(sd, 0o755); err != nil {
				return nil, false, err
			}
		}
		flags := os.O_RDWR
		if create {
			flags |= os.O_CREATE
		}
		f, err := os.OpenFile(lockPath, flags, 0o644)
		if !create && errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if create && errors.Is(err, fs.ErrNotExist) {
			continue // removed between MkdirAll and open
		}
		if err != nil {
			return nil, false, fmt.Errorf("open lock file: %w", err)
		}
		err = flock(f, true, false)
		if err == nil {
			if sameFile(f, lockPath) {
				return func() { f.Close() }, true, nil
			}
			f.Close()
			if !create {
				return nil, false, nil
			}
			continue
		}
		f.Close()
		if !errors.Is(err, errWouldBlock) {
			return nil, false, fmt.Errorf("lock %s: %w", lockPath, err)
		}
		if !wait {
			return nil, false, nil
		}
		select {
		case <-ctx.Done():
			return nil, false, fmt.Errorf("waiting for another process extracting it: %w", ctx.Err())
		case <-time.After(delay):
		}
		if delay < snapshotPollLimit {
			delay *= 2
		}
	}
}

// sameFile says whether the open file f is still the file at p.
func sameFile(f *os.File, p string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(p)
	if err != nil {
		return false
	}
	return os.SameFile(a, b)
}

func touch(p string) error {
	now := time.Now()
	err := os.Chtimes(p, now, now)
	if errors.Is(err, fs.ErrNotExist) {
		var f *os.File
		if f, err = os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			err = f.Close()
		}
	}
	return err
}

// leased says whether a live process holds a lease on the snapshot; with
// removeStale, leases of processes that are gone are deleted (the caller
// holds the snapshot's lock).
func leased(sd string, removeStale bool) (bool, error) {
	dir := filepath.Join(sd, snapLeasesDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	live := false
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return false, err
		}
		err = flock(f, true, false)
		f.Close()
		switch {
		case err == nil:
			if removeStale {
				os.Remove(p)
			}
		case errors.Is(err, errWouldBlock):
			live = true
		default:
			return false, fmt.Errorf("check lease %s: %w", p, err)
		}
	}
	return live, nil
}

// Snapshots lists the complete snapshots, by chain ID.
func (s *Store) Snapshots() ([]SnapshotInfo, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, snapshotsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	var out []SnapshotInfo
	for _, e := range ents {
		if !validSnapName(e.Name()) {
			continue
		}
		info, ok, err := s.snapshotInfo(e.Name())
		if err != nil {
			return nil, fmt.Errorf("list snapshots: %w", err)
		}
		if ok {
			out = append(out, info)
		}
	}
	return out, nil
}

func validSnapName(n string) bool { return len(n) == 64 && isHex(n) }

// snapshotInfo describes the snapshot hex; ok is false when it is not
// complete (being extracted, interrupted, or removed meanwhile).
func (s *Store) snapshotInfo(hex string) (info SnapshotInfo, ok bool, err error) {
	sd := s.snapDir(hex)
	fsDir := filepath.Join(sd, snapFSDir)
	fi, err := os.Lstat(fsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return info, false, nil
	}
	if err != nil {
		return info, false, err
	}
	info = SnapshotInfo{ChainID: v1.Hash{Algorithm: "sha256", Hex: hex}, Dir: fsDir, Created: fi.ModTime(), LastUsed: fi.ModTime(), Size: -1}
	if b, err := os.ReadFile(filepath.Join(sd, snapMetaFile)); err == nil {
		var m snapshotMeta
		if json.Unmarshal(b, &m) == nil && m.ChainID == info.ChainID {
			info.Size, info.Created = m.Size, m.Created
		}
	}
	if info.Size < 0 {
		if info.Size, err = treeSize(fsDir); err != nil {
			return info, false, err
		}
	}
	if ui, err := os.Stat(filepath.Join(sd, snapUsedFile)); err == nil {
		info.LastUsed = ui.ModTime()
	}
	if info.Leased, err = leased(sd, false); err != nil {
		return info, false, err
	}
	return info, true, nil
}

// gcSnapshots removes snapshots as opts says, interrupted extractions, and
// leftovers of removals. temps are those interrupted ones and leftovers,
// relative to the store.
func (s *Store) gcSnapshots(ctx context.Context, opts GCOptions, now time.Time, grace time.Duration) (removed []SnapshotInfo, temps []string, freed int64, err error) {
	if opts.Candidates != nil {
		return nil, nil, 0, nil // rmi frees its image's blobs and nothing else
	}
	maxAge := opts.Snapshots.MaxAge
	if maxAge <= 0 {
		maxAge = opts.CacheMaxAge
	}
	if maxAge <= 0 || maxAge < grace {
		maxAge = max(grace, 0)
	}
	cutoff := now.Add(-maxAge)

	ents, err := os.ReadDir(filepath.Join(s.dir, snapshotsDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, 0, err
	}
	var toDelete []string
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return removed, temps, freed, err
		}
		hex := e.Name()
		if !validSnapName(hex) {
			continue
		}
		unlock, ok, err := s.lockSnapshot(ctx, hex, false, false)
		if err != nil {
			return removed, temps, freed, err
		}
		if !ok {
			continue // being extracted or leased right now
		}
		sd := s.snapDir(hex)
		info, complete, err := s.snapshotInfo(hex)
		if err != nil {
			unlock()
			return removed, temps, freed, err
		}
		if !complete {
			// An interrupted or failed extraction.
			temps = append(temps, filepath.Join(snapshotsDir, hex))
			if !opts.DryRun {
				err = removeTree(sd)
			}
			unlock()
			if err != nil {
				return removed, temps, freed, err
			}
			continue
		}
		live, err := leased(sd, !opts.DryRun)
		if err != nil || live || opts.Snapshots.Keep || (!opts.Snapshots.All && info.LastUsed.After(cutoff)) {
			unlock()
			if err != nil {
				return removed, temps, freed, err
			}
			continue
		}
		info.Leased = false
		removed = append(removed, info)
		freed += info.Size
		if !opts.DryRun {
			del, err := os.MkdirTemp(filepath.Join(s.dir, tmpDir), snapDelPrefix+hex+"-")
			if err == nil {
				err = os.Rename(sd, filepath.Join(del, "s"))
			}
			if err != nil {
				unlock()
				return removed[:len(removed)-1], temps, freed - info.Size, fmt.Errorf("remove snapshot %s: %w", info.ChainID, err)
			}
			toDelete = append(toDelete, del)
		}
		unlock()
	}

	tents, err := os.ReadDir(filepath.Join(s.dir, tmpDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return removed, temps, freed, err
	}
	for _, e := range tents {
		n := e.Name()
		full := filepath.Join(s.dir, tmpDir, n)
		switch {
		case strings.HasPrefix(n, snapDelPrefix):
			if !slices.Contains(toDelete, full) {
				temps = append(temps, filepath.Join(tmpDir, n))
				if !opts.DryRun {
					toDelete = append(toDelete, full)
				}
			}
		case strings.HasPrefix(n, snapNewPrefix):
			hex, _, _ := strings.Cut(strings.TrimPrefix(n, snapNewPrefix), "-")
			if !validSnapName(hex) {
				continue
			}
			unlock, ok, err := s.lockSnapshot(ctx, hex, false, false)
			if err != nil {
				return removed, temps, freed, err
			}
			if ok {
				unlock()
			} else if _, err := os.Stat(filepath.Join(s.snapDir(hex), snapLockFile)); err == nil {
				continue // an extraction in progress
			}
			temps = append(temps, filepath.Join(tmpDir, n))
			if !opts.DryRun {
				toDelete = append(toDelete, full)
			}
		}
	}
	for _, d := range toDelete {
		if err := removeTree(d); err != nil {
			return removed, temps, freed, fmt.Errorf("remove %s: %w", d, err)
		}
	}
	sort.Slice(removed, func(i, j int) bool { return removed[i].ChainID.Hex < removed[j].ChainID.Hex })
	return removed, temps, freed, nil
}

// verifySnapshots reports interrupted extractions and removals.
func (s *Store) verifySnapshots(ctx context.Context) ([]Problem, error) {
	var probs []Problem
	ents, err := os.ReadDir(filepath.Join(s.dir, snapshotsDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range ents {
		if !validSnapName(e.Name()) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(s.snapDir(e.Name()), snapFSDir)); err == nil {
			continue
		}
		unlock, ok, err := s.lockSnapshot(ctx, e.Name(), false, false)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // being extracted
		}
		_, statErr := os.Lstat(filepath.Join(s.snapDir(e.Name()), snapFSDir))
		unlock()
		if statErr == nil {
			continue // finished meanwhile
		}
		probs = append(probs, Problem{Kind: ProblemTempFile, Path: filepath.Join(snapshotsDir, e.Name()),
			Detail: "a snapshot whose extraction was interrupted; `hoist prune --local` removes it"})
	}
	tents, err := os.ReadDir(filepath.Join(s.dir, tmpDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range tents {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, snapDelPrefix):
			probs = append(probs, Problem{Kind: ProblemTempFile, Path: filepath.Join(tmpDir, n), Detail: "a snapshot whose removal was interrupted; `hoist prune --local` removes it"})
		case strings.HasPrefix(n, snapNewPrefix):
			hex, _, _ := strings.Cut(strings.TrimPrefix(n, snapNewPrefix), "-")
			if validSnapName(hex) {
				unlock, ok, err := s.lockSnapshot(ctx, hex, false, false)
				if err != nil {
					return nil, err
				}
				if ok {
					unlock()
				} else if _, err := os.Stat(filepath.Join(s.snapDir(hex), snapLockFile)); err == nil {
					continue // an extraction in progress
				}
			}
			probs = append(probs, Problem{Kind: ProblemTempFile, Path: filepath.Join(tmpDir, n), Detail: "left by an interrupted snapshot extraction; `hoist prune --local` removes it"})
		}
	}
	return probs, nil
}

// treeSize adds up the sizes of the regular files below dir, each inode
// once.
func treeSize(dir string) (int64, error) {
	var total int64
	seen := map[uint64]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if ino, linked := hardLinkID(fi); linked {
			if seen[ino] {
				return nil
			}
			seen[ino] = true
		}
		total += fi.Size()
		return nil
	})
	return total, err
}

// removeTree removes dir, making read-only directories (common in images:
// 0555) writable first when a non-root user cannot remove them.
func removeTree(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

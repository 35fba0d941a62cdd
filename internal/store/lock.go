package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// lockFileExclusive takes an exclusive flock on path, polling until timeout.
// flock locks belong to the open file description, so two Store values in the
// same process exclude each other just as two processes do.
func lockFileExclusive(ctx context.Context, path string, timeout time.Duration) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	deadline := time.Now().Add(timeout)
	wait := time.Millisecond
	for {
		err := flock(f, true, false)
		if err == nil {
			return func() {
				funlock(f)
				f.Close()
			}, nil
		}
		if !errors.Is(err, errWouldBlock) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("the store is locked by another hoist process (waited %s for %s); wait for it to finish, or if none is running, try again", timeout, path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for store lock: %w", ctx.Err())
		case <-time.After(wait):
		}
		if wait < 50*time.Millisecond {
			wait *= 2
		}
	}
}

func (s *Store) lock(ctx context.Context) (func(), error) {
	return lockFileExclusive(ctx, filepath.Join(s.dir, lockFile), s.lockTimeout)
}

// errWouldBlock: another holder has the lock (flock without waiting).
var errWouldBlock = errors.New("locked by another holder")

// LockFile locks f (shared or exclusive; waiting, or failing at once with
// an error when another holder has it): flock on Unix, LockFileEx on
// Windows. The lock goes with the open file.
func LockFile(f *os.File, exclusive, wait bool) error { return flock(f, exclusive, wait) }

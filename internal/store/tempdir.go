package store

import (
	"fmt"
	"os"
	"path/filepath"
)

// tempLock is the lock file inside a working directory made by TempDir: a
// process holds it (shared) while it uses the directory.
const tempLock = ".in-use"

// TempDir makes a working directory inside the store (so overlay upper
// directories and new layers sit on the store's file system) and keeps it
// leased until release: GC removes such a directory only once no process
// holds it and it is older than the grace period, so a build killed mid-way
// leaves nothing that lasts.
func (s *Store) TempDir(prefix string) (dir string, release func(), err error) {
	dir, err = os.MkdirTemp(filepath.Join(s.dir, tmpDir), tmpPrefix+prefix)
	if err != nil {
		return "", nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, tempLock), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	if err := flock(f, false, true); err != nil {
		f.Close()
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("lease %s: %w", dir, err)
	}
	return dir, func() {
		os.RemoveAll(dir)
		f.Close()
	}, nil
}

// tempInUse reports whether a temp entry is a TempDir some process holds.
func tempInUse(path string) bool {
	f, err := os.Open(filepath.Join(path, tempLock))
	if err != nil {
		return false
	}
	defer f.Close()
	if err := flock(f, true, false); err != nil {
		return true
	}
	funlock(f)
	return false
}

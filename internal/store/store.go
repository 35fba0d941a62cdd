// Package store is hoist's local image store: an OCI image layout
// (oci-layout, index.json, blobs/sha256/...) that skopeo, crane and umoci
// can read, shared safely by several hoist processes.
//
// Invariants:
//   - a blob file is only ever created by renaming a fully written, fsynced,
//     digest-verified temp file, so a blob path never holds partial content;
//   - index.json is only changed under an exclusive file lock, re-read inside
//     the lock and replaced atomically, so concurrent writers never lose an
//     update;
//   - an index entry is only added after every blob it reaches exists (checked
//     again inside the lock), so a crash or a concurrent GC never leaves a name
//     pointing at missing blobs.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	layoutFile   = "oci-layout"
	indexFile    = "index.json"
	lockFile     = ".hoist.lock"
	tmpDir       = ".hoist-tmp"
	tmpPrefix    = "tmp-"
	layoutVerStr = "1.0.0"

	// RefNameAnnotation is the standard OCI annotation that names an index
	// entry; hoist stores the full reference (repo:tag) in it.
	RefNameAnnotation = "org.opencontainers.image.ref.name"

	// DefaultLockTimeout bounds how long an index update waits for another
	// process holding the store lock.
	DefaultLockTimeout = 30 * time.Second
)

// Store is a local OCI image layout. A Store value is safe for concurrent use
// by several goroutines; several Store values (in one or many processes) may
// share the same directory.
type Store struct {
	dir         string
	lockTimeout time.Duration

	// beforeIndexUpdate, when set (tests only), runs after all blobs of an
	// image are written and before the index is updated; an error aborts the
	// write as a crash at that point would.
	beforeIndexUpdate func() error
}

// Option configures a Store.
type Option func(*Store)

// WithLockTimeout sets how long index updates wait for the store lock.
func WithLockTimeout(d time.Duration) Option {
	return func(s *Store) { s.lockTimeout = d }
}

// DefaultDir returns $HOIST_HOME, else $XDG_DATA_HOME/hoist, else
// ~/.local/share/hoist.
func DefaultDir() (string, error) {
	if d := os.Getenv("HOIST_HOME"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "hoist"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("locate the hoist store: %w (set HOIST_HOME)", err)
	}
	return filepath.Join(home, ".local", "share", "hoist"), nil
}

type ociLayout struct {
	ImageLayoutVersion string `json:"imageLayoutVersion"`
}

// Open opens the store at dir, creating an empty OCI layout when dir is
// missing or empty. A non-empty directory that is not an OCI layout is
// refused, so a mistyped HOIST_HOME never gets blobs sprayed into it.
func Open(dir string, opts ...Option) (*Store, error) {
	// Absolute, so paths handed to other processes (overlay lowerdirs, the
	// sandbox) do not depend on their working directory.
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	s := &Store{dir: dir, lockTimeout: DefaultLockTimeout}
	for _, o := range opts {
		o(s)
	}
	if err := s.init(); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return s, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) init() error {
	b, err := os.ReadFile(filepath.Join(s.dir, layoutFile))
	switch {
	case err == nil:
		var l ociLayout
		if err := json.Unmarshal(b, &l); err != nil || l.ImageLayoutVersion == "" {
			return fmt.Errorf("%s is not a valid OCI layout file; move the directory away or set HOIST_HOME to another one", layoutFile)
		}
		if l.ImageLayoutVersion != layoutVerStr {
			return fmt.Errorf("unsupported OCI layout version %q (hoist supports %s)", l.ImageLayoutVersion, layoutVerStr)
		}
	case errors.Is(err, os.ErrNotExist):
		entries, rerr := os.ReadDir(s.dir)
		if rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return rerr
		}
		if len(entries) > 0 {
			return fmt.Errorf("the directory is not empty and is not a hoist store (no %s); set HOIST_HOME to an empty or new directory", layoutFile)
		}
		if err := os.MkdirAll(s.dir, 0o755); err != nil {
			return err
		}
	default:
		return err
	}
	for _, d := range []string{filepath.Join(s.dir, "blobs", "sha256"), filepath.Join(s.dir, tmpDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, layoutFile)); errors.Is(err, os.ErrNotExist) {
		b, _ := json.Marshal(ociLayout{ImageLayoutVersion: layoutVerStr})
		if err := s.writeFileAtomic(layoutFile, b); err != nil {
			return err
		}
	}
	// index.json is created under the lock so two processes opening a new
	// store at once cannot overwrite each other's first entries.
	return s.updateIndex(context.Background(), func(*v1.IndexManifest) (bool, error) { return false, nil })
}

func emptyIndex() *v1.IndexManifest {
	return &v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}}
}

func (s *Store) blobPath(h v1.Hash) string {
	return filepath.Join(s.dir, "blobs", h.Algorithm, h.Hex)
}

// writeFileAtomic writes a file (name is relative to the store root, slash
// separated) via temp file, fsync and rename, then fsyncs the directory so
// the rename survives a crash.
func (s *Store) writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), tmpPrefix+path.Base(name)+"-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	dst := filepath.Join(s.dir, filepath.FromSlash(name))
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

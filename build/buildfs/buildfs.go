// Package buildfs is the builder's common file-tree vocabulary: an Entry is
// one file system object as a layer tar holds it, and an FS is a read-only
// tree of entries (the build context, or the root file system of an image or
// of a stage). COPY and ADD read from an FS and produce entries; the layer
// writer turns entries into a layer.
package buildfs

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// Entry is one file system object.
type Entry struct {
	// Path is slash-separated and relative to the root, clean, without a
	// leading or trailing slash; the root itself is ".".
	Path string
	// Mode holds the type bits (fs.ModeDir, fs.ModeSymlink, fs.ModeDevice,
	// fs.ModeCharDevice, fs.ModeNamedPipe, fs.ModeSocket; none for a regular
	// file), the permission bits and fs.ModeSetuid, fs.ModeSetgid,
	// fs.ModeSticky.
	Mode fs.FileMode
	UID  int
	GID  int
	// Size is the content size of a regular file.
	Size int64
	// Linkname is a symlink's target, as stored (not resolved).
	Linkname string
	// HardLink, when set on a regular file written to a layer, is the Path
	// of an earlier entry of the same layer that this one is a hard link
	// to (tar TypeLink).
	HardLink string
	ModTime  time.Time
	// Devmajor and Devminor are a device node's numbers.
	Devmajor, Devminor int64
	// Xattrs are extended attributes (e.g. security.capability), by name.
	Xattrs map[string]string
	// Open returns the content of a regular file; nil for other types.
	// Each call returns a fresh reader from the start.
	Open func() (io.ReadCloser, error)
	// Hash, when set, returns the hex sha256 of the content of a regular
	// file, memoised by the FS (the build context computes each file's once,
	// lazily). When nil, the content read through Open is hashed.
	Hash func() (string, error)
}

// IsDir reports whether e is a directory.
func (e *Entry) IsDir() bool { return e.Mode&fs.ModeDir != 0 }

// IsSymlink reports whether e is a symbolic link.
func (e *Entry) IsSymlink() bool { return e.Mode&fs.ModeSymlink != 0 }

// IsRegular reports whether e is a regular file.
func (e *Entry) IsRegular() bool { return e.Mode.Type() == 0 }

// FS is a read-only file tree. Implementations must be safe for concurrent
// use.
type FS interface {
	// Lstat returns the entry at p (a clean slash path relative to the
	// root; "." is the root) without following a final symlink. A missing
	// path gives an error that errors.Is(err, fs.ErrNotExist).
	Lstat(p string) (*Entry, error)
	// ReadDir returns the entries of the directory at p, sorted by name.
	ReadDir(p string) ([]*Entry, error)
}

// Clean turns an absolute or relative slash path into the Entry.Path form:
// "/app/./src/" -> "app/src", "/" -> ".". ".." cannot climb above the root.
func Clean(p string) string {
	p = path.Clean("/" + p)
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

// Walk calls fn for p and, when p is a directory, everything below it, in
// lexical order (a directory before its contents). fn returning
// fs.SkipDir skips a directory's contents.
func Walk(fsys FS, p string, fn func(e *Entry) error) error {
	e, err := fsys.Lstat(p)
	if err != nil {
		return err
	}
	return walk(fsys, e, fn)
}

func walk(fsys FS, e *Entry, fn func(e *Entry) error) error {
	if err := fn(e); err != nil {
		if errors.Is(err, fs.SkipDir) && e.IsDir() {
			return nil
		}
		return err
	}
	if !e.IsDir() {
		return nil
	}
	children, err := fsys.ReadDir(e.Path)
	if err != nil {
		return err
	}
	for _, c := range children {
		if err := walk(fsys, c, fn); err != nil {
			return err
		}
	}
	return nil
}

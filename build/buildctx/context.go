// Package buildctx is the build context as hoist's builder reads it: a
// directory filtered by .dockerignore (or <Dockerfile>.dockerignore) with
// Docker's exact semantics, read once, listed lazily, its files hashed
// lazily and at most once.
//
// The context never follows symlinks and never reads outside its
// directory: symlinks are reported as they are stored and the COPY logic
// decides what to do with them.
package buildctx

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/moby/patternmatcher"

	"github.com/hoistci/hoist/build/buildfs"
)

// Options tune Open.
type Options struct {
	// Dockerfile is the Dockerfile's path (as given to -f, may be outside
	// the context or "-"), used to find <Dockerfile>.dockerignore. Empty
	// means <dir>/Dockerfile; "-" (stdin) means there is no such file.
	Dockerfile string
}

// Context is an opened build context. It implements buildfs.FS and is safe
// for concurrent use. Close releases its directory handle.
type Context struct {
	dir        string
	root       *os.Root
	ignoreFile string
	patterns   []string
	m          *matcher // nil: nothing is excluded
	top        *node

	// opens counts files opened for content (Hash and Open), for tests.
	opens atomic.Int64
}

var _ buildfs.FS = (*Context)(nil)

// node is one visible object of the context.
type node struct {
	rel   string // buildfs path
	name  string // base name (a suffix of rel)
	entry buildfs.Entry
	// dev and ino identify the object on disk (ok false where the
	// platform has no inodes): they detect hard links and a path that was
	// replaced while the build read it.
	dev, ino uint64
	inoOK    bool
	// match is a directory's pattern state, for its children.
	match patternmatcher.MatchInfo

	listOnce sync.Once
	children []*node // visible, sorted by name
	listErr  error

	hashOnce sync.Once
	sum      string
	hashErr  error
}

// Open opens the context directory dir. It reads the ignore file:
// <Dockerfile>.dockerignore next to the Dockerfile when it exists (it takes
// precedence, as with BuildKit), else <dir>/.dockerignore. If dir is a
// symlink it is resolved once, here.
func Open(dir string, opts Options) (*Context, error) {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, contextDirError(abs, err)
	}
	root, err := os.OpenRoot(resolved)
	if err != nil {
		return nil, contextDirError(abs, err)
	}
	c, err := open(resolved, root, opts)
	if err != nil {
		root.Close()
		return nil, err
	}
	return c, nil
}

func contextDirError(dir string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("build context %s: no such directory; check the path given as the context", dir)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("build context %s: not a directory; the context must be a directory", dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("build context %s: permission denied; make the directory readable", dir)
	}
	return fmt.Errorf("build context %s: %w", dir, unwrapPathError(err))
}

func open(dir string, root *os.Root, opts Options) (*Context, error) {
	name, data, err := readIgnoreFile(dir, root, opts.Dockerfile)
	if err != nil {
		return nil, err
	}
	return openWithIgnore(dir, root, name, data)
}

// openWithIgnore opens the context with the ignore file name holding data
// (name "" and data nil: no ignore file).
func openWithIgnore(dir string, root *os.Root, name string, data []byte) (*Context, error) {
	c := &Context{dir: dir, root: root, ignoreFile: name}
	if name != "" {
		patterns, err := parseIgnore(name, data)
		if err != nil {
			return nil, err
		}
		c.patterns = patterns
		c.m, err = newMatcher(patterns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	fi, err := root.Stat(".")
	if err != nil {
		return nil, contextDirError(dir, err)
	}
	if !fi.IsDir() {
		return nil, contextDirError(dir, syscall.ENOTDIR)
	}
	c.top, err = c.newNode(".", fi)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Close releases the context's directory handle; Open and Hash of its
// entries fail afterwards.
func (c *Context) Close() error { return c.root.Close() }

// Dir is the context directory: absolute, symlinks resolved.
func (c *Context) Dir() string { return c.dir }

// IgnoreFile is the path of the ignore file used, or "".
func (c *Context) IgnoreFile() string { return c.ignoreFile }

// Patterns are the exclude patterns read from the ignore file, as
// ignorefile.ReadAll returns them.
func (c *Context) Patterns() []string { return slices.Clone(c.patterns) }

// Lstat implements buildfs.FS. p is cleaned with buildfs.Clean, so ".."
// and absolute paths stay inside the context. An excluded path, and a path
// through a symlink (the context never follows one), do not exist.
func (c *Context) Lstat(p string) (*buildfs.Entry, error) {
	n, err := c.lookup(p, "lstat")
	if err != nil {
		return nil, err
	}
	e := n.entry
	return &e, nil
}

// ReadDir implements buildfs.FS: the visible entries of directory p,
// sorted by name. Listings are read from disk once and cached.
func (c *Context) ReadDir(p string) ([]*buildfs.Entry, error) {
	n, err := c.lookup(p, "readdir")
	if err != nil {
		return nil, err
	}
	if !n.entry.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: n.rel, Err: syscall.ENOTDIR}
	}
	kids, err := c.list(n)
	if err != nil {
		return nil, err
	}
	out := make([]*buildfs.Entry, len(kids))
	for i, k := range kids {
		e := k.entry
		out[i] = &e
	}
	return out, nil
}

// Inode returns the device and inode numbers of the visible object at p,
// so that a caller can tell hard links apart (two paths, one inode). ok is
// false when p is not visible or the platform has no inode numbers.
func (c *Context) Inode(p string) (dev, ino uint64, ok bool) {
	n, err := c.lookup(p, "lstat")
	if err != nil || !n.inoOK {
		return 0, 0, false
	}
	return n.dev, n.ino, true
}

func (c *Context) lookup(p, op string) (*node, error) {
	p = buildfs.Clean(p)
	n := c.top
	if p == "." {
		return n, nil
	}
	for name := range strings.SplitSeq(p, "/") {
		if !n.entry.IsDir() {
			return nil, &fs.PathError{Op: op, Path: p, Err: fs.ErrNotExist}
		}
		kids, err := c.list(n)
		if err != nil {
			return nil, err
		}
		i, found := slices.BinarySearchFunc(kids, name, func(k *node, name string) int { return strings.Compare(k.name, name) })
		if !found {
			return nil, &fs.PathError{Op: op, Path: p, Err: fs.ErrNotExist}
		}
		n = kids[i]
	}
	return n, nil
}

// list returns the visible children of directory n, reading them once.
func (c *Context) list(n *node) ([]*node, error) {
	n.listOnce.Do(func() { n.children, n.listErr = c.readDir(n) })
	return n.children, n.listErr
}

// readDir reads directory n from disk and keeps what the ignore patterns
// let through, as fsutil's filter walker does: a path that is not excluded
// is visible; an excluded directory is visible only when something below it
// is (re-included by an exception), and then with only that content.
func (c *Context) readDir(n *node) ([]*node, error) {
	// Through the root: the directory cannot be outside the context even
	// if a path component was replaced by a symlink meanwhile; the inode
	// check catches a directory that is not the one listed before.
	f, err := c.root.Open(n.rel)
	if err != nil {
		// A directory replaced by a symlink that leads out of the context
		// fails with an error of os.Root's own: look again.
		if fi, lerr := c.root.Lstat(n.rel); isNotExist(err) || (lerr == nil && !sameObject(n, fi)) || isNotExist(lerr) {
			return nil, c.changed(n.rel)
		}
		return nil, c.listError(n.rel, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, c.listError(n.rel, err)
	} else if !fi.IsDir() || !sameObject(n, fi) {
		return nil, c.changed(n.rel)
	}
	// For a file opened in an os.Root, ReadDir lstats each entry relative
	// to the directory's descriptor: one fstatat per entry, never a path
	// that could lead elsewhere.
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, c.listError(n.rel, err)
	}
	slices.SortFunc(des, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	out := make([]*node, 0, len(des))
	for _, de := range des {
		rel := de.Name()
		if n.rel != "." {
			rel = n.rel + "/" + rel
		}
		var excluded bool
		var info patternmatcher.MatchInfo
		if c.m != nil {
			excluded, info, err = c.m.match(rel, n.match)
			if err != nil {
				return nil, fmt.Errorf("%s: match %s: %w", c.ignoreFile, rel, err)
			}
		}
		if excluded && (!de.IsDir() || !c.m.mayReinclude(rel)) {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			if isNotExist(err) {
				continue // removed since the listing: as if it never was
			}
			return nil, c.listError(rel, err)
		}
		k, err := c.newNode(rel, fi)
		if err != nil {
			return nil, err
		}
		k.match = info
		if excluded {
			if !k.entry.IsDir() {
				continue
			}
			kids, err := c.list(k)
			if err != nil && errors.Is(err, fs.ErrPermission) {
				// fsutil ignores permission errors below excluded paths.
				continue
			}
			if err != nil {
				return nil, err
			}
			if len(kids) == 0 {
				continue
			}
		}
		out = append(out, k)
	}
	return out, nil
}

func (c *Context) listError(rel string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("build context %s: cannot read %s: %w; make it readable or exclude it in .dockerignore", c.dir, rel, fs.ErrPermission)
	}
	return fmt.Errorf("build context %s: cannot read %s: %w", c.dir, rel, unwrapPathError(err))
}

// newNode makes the node of rel from its lstat information.
func (c *Context) newNode(rel string, fi fs.FileInfo) (*node, error) {
	n := &node{rel: rel, name: rel[strings.LastIndexByte(rel, '/')+1:]}
	mode := fi.Mode() & (fs.ModeType | fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	n.entry = buildfs.Entry{
		Path:    rel,
		Mode:    mode,
		ModTime: fi.ModTime(),
	}
	n.dev, n.ino, n.inoOK = inode(fi)
	switch {
	case mode.IsRegular():
		n.entry.Size = fi.Size()
		n.entry.Open = func() (io.ReadCloser, error) { return c.openFile(n) }
		n.entry.Hash = func() (string, error) { return c.hash(n) }
	case mode&fs.ModeSymlink != 0:
		target, err := c.root.Readlink(rel)
		if err != nil {
			if isNotExist(err) || errors.Is(err, syscall.EINVAL) {
				return nil, c.changed(rel)
			}
			return nil, c.listError(rel, err)
		}
		n.entry.Linkname = target
	case mode&fs.ModeDevice != 0:
		n.entry.Devmajor, n.entry.Devminor = deviceNumbers(fi)
	}
	x, err := readXattrs(filepath.Join(c.dir, filepath.FromSlash(rel)))
	if err != nil {
		if isNotExist(err) {
			return nil, c.changed(rel)
		}
		return nil, fmt.Errorf("build context %s: read extended attributes of %s: %w", c.dir, rel, err)
	}
	n.entry.Xattrs = x
	return n, nil
}

// sameObject reports whether fi (from an open descriptor) is still the
// object n was listed as.
func sameObject(n *node, fi fs.FileInfo) bool {
	if n.inoOK {
		dev, ino, ok := inode(fi)
		if ok && (dev != n.dev || ino != n.ino) {
			return false
		}
	}
	return fi.Mode().Type() == n.entry.Mode.Type()
}

// sameContent reports whether fi still has the size and modification time
// n was listed with.
func sameContent(n *node, fi fs.FileInfo) bool {
	return sameObject(n, fi) && fi.Size() == n.entry.Size && fi.ModTime().Equal(n.entry.ModTime)
}

// ErrChanged is matched (errors.Is) by the error of a file or directory
// that changed or vanished between being listed and being read.
var ErrChanged = errors.New("the build context changed while it was read")

type changedError struct{ path string }

func (e *changedError) Error() string {
	return ErrChanged.Error() + ": " + e.path + "; retry the build"
}

func (e *changedError) Is(target error) bool { return target == ErrChanged }

func (c *Context) changed(rel string) error { return &changedError{path: rel} }

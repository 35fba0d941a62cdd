package layer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"time"

	"github.com/hoistci/hoist/build/buildfs"
)

// Extract writes fsys to the directory dest (created if missing), as
// `--output type=local` does: directories, regular files, symlinks (their
// targets as stored), hard links where an entry's HardLink names a file
// written by this extraction with the same metadata (else a copy), named
// pipes, and device nodes when running as root. Modes (setuid, setgid and
// sticky included) and mtimes are set. Ownership is set only when running
// as root; otherwise files belong to the caller, silently, as with
// BuildKit's local exporter run rootless. Extended attributes are not
// written.
//
// Like Docker's local exporter, Extract overwrites: what dest already
// holds stays unless fsys has the same path, which replaces it (a
// directory merges with an existing directory). Nothing is ever written
// outside dest: every operation goes through an os.Root opened on dest, a
// parent is always a directory this extraction made or checked (an
// existing symlink in its place is removed first), and an entry whose
// parent is not a directory of fsys is refused.
func Extract(ctx context.Context, fsys buildfs.FS, dest string) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("extract to %s: %w", dest, err)
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return fmt.Errorf("extract to %s: %w", dest, err)
	}
	defer root.Close()
	x := &extractor{
		ctx:     ctx,
		root:    root,
		asRoot:  os.Geteuid() == 0,
		dirs:    map[string]bool{".": true},
		written: map[string]*buildfs.Entry{},
		buf:     make([]byte, 256<<10),
	}
	err = buildfs.Walk(fsys, ".", x.visit)
	if err == nil {
		err = x.links(fsys)
	}
	if err == nil {
		err = x.finishDirs()
	}
	if err != nil {
		return fmt.Errorf("extract to %s: %w", dest, err)
	}
	return nil
}

type extractor struct {
	ctx     context.Context
	root    *os.Root
	asRoot  bool
	dirs    map[string]bool // directories made or checked
	dirList []*buildfs.Entry
	written map[string]*buildfs.Entry // regular files written, for hard links
	pending []*buildfs.Entry          // hard links, made after every file exists
	buf     []byte
}

func (x *extractor) visit(e *buildfs.Entry) error {
	if err := x.ctx.Err(); err != nil {
		return err
	}
	if e.Path == "." {
		return nil
	}
	if e.Path == "" || buildfs.Clean(e.Path) != e.Path {
		return fmt.Errorf("entry %q: not a clean relative path", e.Path)
	}
	if !x.dirs[path.Dir(e.Path)] {
		return fmt.Errorf("entry %q: its parent is not a directory of the tree", e.Path)
	}
	if e.HardLink != "" && e.IsRegular() {
		x.pending = append(x.pending, e)
		return nil
	}
	return x.create(e)
}

func (x *extractor) create(e *buildfs.Entry) error {
	name := e.Path
	switch {
	case e.IsDir():
		fi, err := x.root.Lstat(name)
		switch {
		case err == nil && fi.IsDir():
			// Keep it (overwrite semantics) but make sure it can take our
			// files; the final mode is set in finishDirs.
			if err := x.root.Chmod(name, 0o700|fi.Mode().Perm()); err != nil {
				return err
			}
		case err == nil:
			if err := x.root.Remove(name); err != nil {
				return err
			}
			fallthrough
		default:
			if err := x.root.Mkdir(name, 0o700); err != nil {
				return err
			}
		}
		x.dirs[name] = true
		x.dirList = append(x.dirList, e)
		return nil
	case e.IsRegular():
		if err := x.clear(name); err != nil {
			return err
		}
		if err := x.writeFile(e); err != nil {
			return err
		}
		x.written[name] = e
		return x.finish(e)
	case e.IsSymlink():
		if err := x.clear(name); err != nil {
			return err
		}
		if err := x.root.Symlink(e.Linkname, name); err != nil {
			return err
		}
		if x.asRoot {
			if err := x.root.Lchown(name, e.UID, e.GID); err != nil {
				return err
			}
		}
		return lutimes(x.root, name, e.ModTime)
	case e.Mode&(fs.ModeNamedPipe|fs.ModeDevice) != 0:
		if e.Mode&fs.ModeDevice != 0 && !x.asRoot {
			return nil // mknod of a device needs root; skipped like sockets
		}
		if err := x.clear(name); err != nil {
			return err
		}
		if err := mknod(x.root, name, e); err != nil {
			if errors.Is(err, errors.ErrUnsupported) {
				return nil
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		return x.finish(e)
	}
	return nil // sockets
}

// clear removes whatever dest has at name.
func (x *extractor) clear(name string) error {
	fi, err := x.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return x.root.RemoveAll(name)
	}
	return x.root.Remove(name)
}

func (x *extractor) writeFile(e *buildfs.Entry) error {
	f, err := x.root.OpenFile(e.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = x.copyContent(f, e)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (x *extractor) copyContent(w io.Writer, e *buildfs.Entry) error {
	if e.Size == 0 {
		return nil
	}
	if e.Open == nil {
		return fmt.Errorf("%s: no content", e.Path)
	}
	rc, err := e.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", e.Path, err)
	}
	defer rc.Close()
	n, err := io.CopyBuffer(w, io.LimitReader(struct{ io.Reader }{rc}, e.Size), x.buf)
	if err != nil {
		return fmt.Errorf("%s: %w", e.Path, err)
	}
	if n != e.Size {
		return fmt.Errorf("%s: %d bytes read, %d expected", e.Path, n, e.Size)
	}
	return nil
}

// finish sets ownership, mode and mtime, in that order: chown clears
// setuid and setgid.
func (x *extractor) finish(e *buildfs.Entry) error {
	name := e.Path
	if x.asRoot {
		if err := x.root.Lchown(name, e.UID, e.GID); err != nil {
			return err
		}
	}
	mode := e.Mode.Perm() | e.Mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
	if err := x.root.Chmod(name, mode); err != nil {
		return err
	}
	mt := e.ModTime
	if mt.IsZero() {
		mt = time.Unix(0, 0)
	}
	return x.root.Chtimes(name, mt, mt)
}

// links makes the hard links: to the file written for e.HardLink when it is
// still the same file (same type, size, mode, owner and mtime), else as a
// copy.
func (x *extractor) links(fsys buildfs.FS) error {
	for _, e := range x.pending {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		if err := x.clear(e.Path); err != nil {
			return err
		}
		target := buildfs.Clean(e.HardLink)
		if t, ok := x.written[target]; ok && sameFile(t, e) {
			if cur, err := fsys.Lstat(target); err == nil && sameFile(cur, e) {
				if err := x.root.Link(target, e.Path); err != nil {
					return err
				}
				continue
			}
		}
		if err := x.writeFile(e); err != nil {
			return err
		}
		x.written[e.Path] = e
		if err := x.finish(e); err != nil {
			return err
		}
	}
	return nil
}

func sameFile(a, b *buildfs.Entry) bool {
	return a.IsRegular() && b.IsRegular() && a.Size == b.Size && a.Mode == b.Mode &&
		a.UID == b.UID && a.GID == b.GID && a.ModTime.Equal(b.ModTime)
}

// finishDirs sets directories' metadata, children before parents, after
// everything is written (writing into a directory changes its mtime, and a
// read-only directory could not take its files).
func (x *extractor) finishDirs() error {
	for _, e := range slices.Backward(x.dirList) {
		if err := x.finish(e); err != nil {
			return err
		}
	}
	return nil
}

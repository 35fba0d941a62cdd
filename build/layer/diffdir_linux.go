package layer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hoistci/hoist/build/buildfs"
)

// Snapshot-and-compare: where overlayfs cannot be mounted, a RUN works on
// a plain copy of the image's root (ExtractTree), and DiffDir compares the
// copy afterwards with the tree it was made from, giving the layer that
// DiffEntries gives for an overlay's upper directory.

// ExtractTree writes fsys into dir (missing or empty) as a writable root
// file system for a RUN: Extract, plus what a root file system needs and
// Extract leaves out: the root directory's own owner, mode and mtime, and
// extended attributes (security.capability and the like; overlayfs's own
// are never written). Ownership and device nodes need root, as for
// Extract; an extended attribute that cannot be set is an error, since
// DiffDir would later see it as removed.
func ExtractTree(ctx context.Context, fsys buildfs.FS, dir string) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("extract the root file system to %s: the directory is not empty", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("extract the root file system to %s: %w", dir, err)
	}
	if err := Extract(ctx, fsys, dir); err != nil {
		return err
	}
	fail := func(p string, err error) error {
		return fmt.Errorf("extract the root file system to %s: /%s: %w", dir, strings.TrimPrefix(p, "."), err)
	}
	asRoot := os.Geteuid() == 0
	err := buildfs.Walk(fsys, ".", func(e *buildfs.Entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.Mode&fs.ModeSocket != 0 || (e.Mode&fs.ModeDevice != 0 && !asRoot) {
			return nil // not extracted
		}
		full := filepath.Join(dir, filepath.FromSlash(e.Path))
		for _, k := range sortedKeys(e.Xattrs) {
			if skipXattr(k) {
				continue
			}
			if err := unix.Lsetxattr(full, k, []byte(e.Xattrs[k]), 0); err != nil {
				return fmt.Errorf("/%s: set the extended attribute %s: %w (extract on a file system that supports it, as root)", strings.TrimPrefix(e.Path, "."), k, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("extract the root file system to %s: %w", dir, err)
	}
	root, err := fsys.Lstat(".")
	if err != nil {
		return fail(".", err)
	}
	if asRoot {
		if err := os.Lchown(dir, root.UID, root.GID); err != nil {
			return fail(".", err)
		}
	}
	if err := os.Chmod(dir, root.Mode.Perm()|root.Mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return fail(".", err)
	}
	mt := root.ModTime
	if mt.IsZero() {
		mt = time.Unix(0, 0)
	}
	if err := os.Chtimes(dir, mt, mt); err != nil {
		return fail(".", err)
	}
	return nil
}

// DiffDir compares dir, a root file system after a RUN, with before, the
// tree it was extracted from (ExtractTree), and returns what changed as
// the entries of an OCI layer, sorted by Path, the same layer DiffEntries
// gives for an overlay's upper directory:
//
//   - a path that is new, or whose type, mode (setuid, setgid and sticky
//     included), owner, extended attributes (except overlayfs's own and
//     security.selinux), symlink target or device number changed, is an
//     entry with its current metadata; a non-directory also when its
//     mtime changed, and a regular file when its size changed or, when
//     both mtimes are whole seconds (so a change could hide in one), when
//     its content's sha256 differs (BuildKit's double-walk differ:
//     mtime, size, then content). A directory's mtime alone is no change;
//   - a deleted path is a whiteout ".wh.NAME" (one for a deleted
//     directory, none for what was below it), a directory replaced by a
//     non-directory just the new entry (it replaces the directory when
//     applied);
//   - a new or replaced directory comes with everything below it, and
//     the parents of every entry are entries too (current metadata);
//   - regular files of dir that share an inode form a hard-link group: if
//     one is an entry, all are, and all but the first in sort order have
//     HardLink set to it, as an overlay's copy-up would give;
//   - sockets are ignored on both sides (a tar cannot hold them), and the
//     root itself is never an entry.
//
// Symlinks are never followed. Regular files' Open reads them from dir,
// which must stay until the entries are written.
func DiffDir(ctx context.Context, before buildfs.FS, dir string) ([]*buildfs.Entry, error) {
	d := &dirDiff{ctx: ctx, before: before, root: dir, out: map[string]*buildfs.Entry{}, inodes: map[inodeKey][]*buildfs.Entry{}}
	if err := d.compareDir("."); err != nil {
		return nil, fmt.Errorf("compare %s with the image: %w", dir, err)
	}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("compare %s with the image: %w", dir, err)
	}
	entries := make([]*buildfs.Entry, 0, len(d.out))
	for _, e := range d.out {
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b *buildfs.Entry) int { return strings.Compare(a.Path, b.Path) })
	return entries, nil
}

type dirDiff struct {
	ctx    context.Context
	before buildfs.FS
	root   string
	out    map[string]*buildfs.Entry
	inodes map[inodeKey][]*buildfs.Entry // regular files with more than one link
}

func (d *dirDiff) full(p string) string {
	return filepath.Join(d.root, filepath.FromSlash(p))
}

// readNames lists directory p of dir, sorted, without following a symlink
// in its place.
func (d *dirDiff) readNames(p string) ([]string, error) {
	full := d.full(p)
	fd, err := unix.Open(full, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: full, Err: err}
	}
	f := os.NewFile(uintptr(fd), full)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

// compareDir compares the children of p, a directory on both sides.
func (d *dirDiff) compareDir(p string) error {
	if err := d.ctx.Err(); err != nil {
		return err
	}
	olds, err := d.before.ReadDir(p)
	if err != nil {
		return fmt.Errorf("read /%s of the image: %w", p, err)
	}
	names, err := d.readNames(p)
	if err != nil {
		return err
	}
	oldBy := make(map[string]*buildfs.Entry, len(olds))
	for _, o := range olds {
		if o.Mode&fs.ModeSocket == 0 {
			oldBy[path.Base(o.Path)] = o
		}
	}
	for _, name := range names {
		cp := join(p, name)
		cur, err := d.stat(cp)
		if err != nil {
			return err
		}
		if cur.Mode&fs.ModeSocket != 0 {
			continue // as if absent: a whiteout if the image had it
		}
		old, ok := oldBy[name]
		delete(oldBy, name)
		switch {
		case !ok || old.Mode.Type() != cur.Mode.Type():
			d.out[cp] = cur
			if cur.IsDir() {
				if err := d.addAll(cp); err != nil {
					return err
				}
			}
		case cur.IsDir():
			if metaChanged(old, cur) {
				d.out[cp] = cur
			}
			if err := d.compareDir(cp); err != nil {
				return err
			}
		default:
			changed, err := d.changed(old, cur)
			if err != nil {
				return err
			}
			if changed {
				d.out[cp] = cur
			}
		}
	}
	for name := range oldBy {
		if err := d.whiteout(p, name); err != nil {
			return err
		}
	}
	return nil
}

// addAll adds everything below p, a new directory.
func (d *dirDiff) addAll(p string) error {
	if err := d.ctx.Err(); err != nil {
		return err
	}
	names, err := d.readNames(p)
	if err != nil {
		return err
	}
	for _, name := range names {
		cp := join(p, name)
		cur, err := d.stat(cp)
		if err != nil {
			return err
		}
		if cur.Mode&fs.ModeSocket != 0 {
			continue
		}
		d.out[cp] = cur
		if cur.IsDir() {
			if err := d.addAll(cp); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *dirDiff) whiteout(dir, name string) error {
	var st unix.Stat_t
	full := d.full(dir)
	if err := unix.Lstat(full, &st); err != nil {
		return &fs.PathError{Op: "lstat", Path: full, Err: err}
	}
	wp := join(dir, whiteoutPrefix+name)
	d.out[wp] = markerEntry(wp, time.Unix(st.Mtim.Unix()))
	return nil
}

// stat reads path p of dir as an entry, recording hard-link groups.
func (d *dirDiff) stat(p string) (*buildfs.Entry, error) {
	full := d.full(p)
	var st unix.Stat_t
	if err := unix.Lstat(full, &st); err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: full, Err: err}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFSOCK {
		return &buildfs.Entry{Path: p, Mode: statMode(st.Mode), UID: int(st.Uid), GID: int(st.Gid), ModTime: time.Unix(st.Mtim.Unix())}, nil
	}
	xa, err := listXattrs(full)
	if err != nil {
		return nil, err
	}
	return diskEntry(p, full, &st, xa, d.inodes)
}

// metaChanged compares what a directory (or any entry) has besides content
// and times. A symlink's permission bits are not compared: Linux has none.
func metaChanged(old, cur *buildfs.Entry) bool {
	if old.UID != cur.UID || old.GID != cur.GID {
		return true
	}
	if !cur.IsSymlink() && old.Mode != cur.Mode {
		return true
	}
	ox, cx := keptXattrs(old.Xattrs), cur.Xattrs
	if len(ox) != len(cx) {
		return true
	}
	for k, v := range ox {
		if w, ok := cx[k]; !ok || w != v {
			return true
		}
	}
	return false
}

// changed compares a non-directory of the same type on both sides.
func (d *dirDiff) changed(old, cur *buildfs.Entry) (bool, error) {
	if metaChanged(old, cur) {
		return true, nil
	}
	switch {
	case cur.IsSymlink():
		if old.Linkname != cur.Linkname {
			return true, nil
		}
	case cur.Mode&fs.ModeDevice != 0:
		if old.Devmajor != cur.Devmajor || old.Devminor != cur.Devminor {
			return true, nil
		}
	}
	om := old.ModTime
	if om.IsZero() {
		om = time.Unix(0, 0) // as Extract writes it
	}
	if !om.Equal(cur.ModTime) {
		return true, nil
	}
	if !cur.IsRegular() {
		return false, nil
	}
	if old.Size != cur.Size {
		return true, nil
	}
	if cur.ModTime.Nanosecond() != 0 || cur.Size == 0 {
		// A sub-second mtime that is still the image's: the file was
		// not written since it was extracted.
		return false, nil
	}
	oh, err := entrySHA256(old)
	if err != nil {
		return false, fmt.Errorf("/%s of the image: %w", old.Path, err)
	}
	ch, err := entrySHA256(cur)
	if err != nil {
		return false, err
	}
	return oh != ch, nil
}

func entrySHA256(e *buildfs.Entry) (string, error) {
	if e.Hash != nil {
		return e.Hash()
	}
	if e.Open == nil {
		return "", fmt.Errorf("%s: no content", e.Path)
	}
	rc, err := e.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// finish completes hard-link groups and adds the parents of every entry.
func (d *dirDiff) finish() error {
	for _, group := range d.inodes {
		if len(group) < 2 {
			continue
		}
		slices.SortFunc(group, func(a, b *buildfs.Entry) int { return strings.Compare(a.Path, b.Path) })
		in := false
		for _, e := range group {
			if _, ok := d.out[e.Path]; ok {
				in = true
			}
		}
		if !in {
			continue
		}
		for i, e := range group {
			if i > 0 {
				e.HardLink = group[0].Path
			}
			d.out[e.Path] = e
		}
	}
	paths := make([]string, 0, len(d.out))
	for p := range d.out {
		paths = append(paths, p)
	}
	for _, p := range paths {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if _, ok := d.out[dir]; ok {
				break
			}
			e, err := d.stat(dir)
			if err != nil {
				return err
			}
			d.out[dir] = e
		}
	}
	return nil
}

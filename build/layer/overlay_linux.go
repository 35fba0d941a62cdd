package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hoistci/hoist/build/buildfs"
)

// ExtractOverlay extracts one layer r (a tar, plain or gzip- or
// zstd-compressed, detected by magic number as Reader.Apply does) into the
// directory dir in overlay form, so that dir can be a lowerdir of an
// overlay mount above the directories of the layers below it:
//
//   - directories, regular files, symlinks (targets as stored), hard links
//     between entries of this layer, named pipes, and device nodes (as
//     root; skipped otherwise);
//   - ownership (as root), modes with setuid, setgid and sticky, mtimes
//     (a directory's once its content is written), and xattrs except
//     overlayfs's own (trusted.overlay.*, user.overlay.*), which a layer
//     must not be able to set;
//   - ".wh.NAME" becomes a whiteout, a character device 0/0 named NAME
//     (unless the layer itself has NAME: a directory it has becomes opaque,
//     since OCI whiteouts only hide lower layers' files); ".wh..wh..opq"
//     marks its directory opaque with trusted.overlay.opaque="y" (as a
//     non-root user, user.overlay.opaque="y", for overlay's userxattr
//     mode); other ".wh..wh." names (AUFS metadata) are skipped;
//   - a directory the layer names only as the parent of other entries is
//     made with mode 0755, as containerd does; the root directory dir
//     takes the layer's "./" entry's metadata, or mode 0755 without one.
//
// A later entry with the name of an earlier one replaces it, as tar does.
//
// Nothing is written outside dir, and no symlink is ever followed: each
// entry's parent is opened component by component from dir with
// O_NOFOLLOW|O_DIRECTORY. An absolute name, a ".." component, a name below
// a symlink or a non-directory of the layer, and a hard link to a
// directory are refused with an error naming the entry. A hard link to a
// name that is not in this layer (it is in a lower layer) gives a
// *ForeignHardLinkError: a snapshot holds one layer, so the caller must
// resolve it with the lower layers. On error, dir holds part of the layer
// and should be removed.
func ExtractOverlay(ctx context.Context, r io.Reader, dir string) error {
	if err := extractOverlay(ctx, r, dir); err != nil {
		return fmt.Errorf("extract layer to %s: %w", dir, err)
	}
	return nil
}

func extractOverlay(ctx context.Context, r io.Reader, dir string) error {
	rootFd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	x := &overlayExtractor{
		ctx:       ctx,
		root:      rootFd,
		asRoot:    os.Geteuid() == 0,
		cacheFd:   -1,
		dirMeta:   map[string]*tar.Header{},
		whiteouts: map[string]bool{},
		buf:       make([]byte, 256<<10),
	}
	defer x.close()
	dr, err := decompress(r)
	if err != nil {
		return err
	}
	defer dr.Close()
	tr := tar.NewReader(dr)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read layer tar (entry %d): %w", n, err)
		}
		if err := x.entry(hdr, tr); err != nil {
			return err
		}
	}
	if err := x.finishDirs(); err != nil {
		return err
	}
	// Reading to the end lets a verifying reader check its digest.
	if _, err := io.Copy(io.Discard, dr); err != nil {
		return fmt.Errorf("read layer: %w", err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return fmt.Errorf("read layer: %w", err)
	}
	return nil
}

type overlayExtractor struct {
	ctx    context.Context
	root   int
	asRoot bool

	// The directory fd of the last parent resolved: layers list a
	// directory's entries together.
	cacheDir string
	cacheFd  int

	dirMeta   map[string]*tar.Header // directories of the layer, metadata set at the end
	dirOrder  []string
	whiteouts map[string]bool // whiteouts this extraction made
	buf       []byte
}

func (x *overlayExtractor) close() {
	x.dropCache()
	unix.Close(x.root)
}

func (x *overlayExtractor) dropCache() {
	if x.cacheFd >= 0 {
		unix.Close(x.cacheFd)
	}
	x.cacheFd, x.cacheDir = -1, ""
}

// errNotInLayer is openDir's error for a missing component when not
// creating.
var errNotInLayer = errors.New("not in this layer")

// openDir returns a new fd of the directory p (relative to the root, "."
// is the root), walking it component by component without following
// symlinks; missing directories are made (mode 0755) when create is set.
func (x *overlayExtractor) openDir(p string, create bool, entry string) (int, error) {
	if p == "." {
		return unix.Dup(x.root)
	}
	if p == x.cacheDir && x.cacheFd >= 0 {
		return unix.Dup(x.cacheFd)
	}
	cur, err := unix.Dup(x.root)
	if err != nil {
		return -1, err
	}
	walked := ""
	for _, c := range strings.Split(p, "/") {
		if walked == "" {
			walked = c
		} else {
			walked += "/" + c
		}
		fd, err := unix.Openat(cur, c, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) && create {
			// A directory the layer names only as a parent.
			if err = unix.Mkdirat(cur, c, 0o700); err == nil {
				fd, err = unix.Openat(cur, c, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
				if err == nil {
					if err = unix.Fchmod(fd, 0o755); err != nil {
						unix.Close(fd)
					}
				}
			}
		}
		unix.Close(cur)
		switch {
		case err == nil:
			cur = fd
			continue
		case errors.Is(err, unix.ENOENT):
			return -1, errNotInLayer
		case errors.Is(err, unix.ELOOP), errors.Is(err, unix.ENOTDIR):
			return -1, fmt.Errorf("layer entry %q: %q is a symlink or a non-directory in this layer; refusing to extract through it", entry, walked)
		default:
			return -1, fmt.Errorf("layer entry %q: open %s: %w", entry, walked, err)
		}
	}
	x.dropCache()
	if dup, err := unix.Dup(cur); err == nil {
		x.cacheDir, x.cacheFd = p, dup
	}
	return cur, nil
}

func (x *overlayExtractor) entry(hdr *tar.Header, tr io.Reader) error {
	p, err := overlayName(hdr.Name)
	if err != nil {
		return err
	}
	dir, base := path.Dir(p), path.Base(p)
	switch {
	case base == opaqueMarker:
		return x.opaque(dir, hdr.Name)
	case strings.HasPrefix(p, whiteoutMetaPrefix), strings.HasPrefix(base, whiteoutMetaPrefix):
		return nil // AUFS metadata, as Docker skips it
	case p != "." && strings.HasPrefix(base, whiteoutPrefix):
		name := base[len(whiteoutPrefix):]
		if name == "" || name == "." || name == ".." || strings.HasPrefix(name, whiteoutPrefix) {
			return nil
		}
		return x.whiteout(dir, name, hdr.Name)
	}
	if p == "." {
		if hdr.Typeflag == tar.TypeDir {
			x.recordDir(p, hdr)
		}
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeReg, tar.TypeRegA, tar.TypeCont, tar.TypeGNUSparse, tar.TypeSymlink, tar.TypeLink, tar.TypeFifo:
	case tar.TypeChar, tar.TypeBlock:
		if !x.asRoot {
			return nil // mknod of a device needs root
		}
	default:
		return nil // global PAX headers, GNU volume labels and the like
	}
	pfd, err := x.openDir(dir, true, hdr.Name)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if hdr.Typeflag == tar.TypeLink {
		return x.hardLink(pfd, p, hdr)
	}
	keptDir, err := x.clear(pfd, p, hdr.Typeflag == tar.TypeDir)
	if err != nil {
		return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
	}
	wasWhiteout := x.whiteouts[p]
	delete(x.whiteouts, p)
	switch hdr.Typeflag {
	case tar.TypeDir:
		if !keptDir {
			if err := unix.Mkdirat(pfd, base, 0o700); err != nil {
				return fmt.Errorf("layer entry %q: mkdir: %w", hdr.Name, err)
			}
		}
		x.recordDir(p, hdr)
		if wasWhiteout {
			// Deleted from the lower layers and made again here: only
			// this layer's content shows.
			return x.setOpaque(pfd, base, hdr.Name)
		}
		return nil
	case tar.TypeSymlink:
		if err := unix.Symlinkat(hdr.Linkname, pfd, base); err != nil {
			return fmt.Errorf("layer entry %q: symlink: %w", hdr.Name, err)
		}
	case tar.TypeFifo, tar.TypeChar, tar.TypeBlock:
		mode := uint32(unix.S_IFIFO)
		dev := 0
		switch hdr.Typeflag {
		case tar.TypeChar:
			mode = unix.S_IFCHR
			dev = int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))
		case tar.TypeBlock:
			mode = unix.S_IFBLK
			dev = int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))
		}
		if err := unix.Mknodat(pfd, base, mode|0o600, dev); err != nil {
			return fmt.Errorf("layer entry %q: mknod: %w", hdr.Name, err)
		}
	default:
		if err := x.writeFile(pfd, base, hdr, tr); err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
	}
	if err := x.setMeta(pfd, base, hdr); err != nil {
		return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
	}
	return nil
}

func (x *overlayExtractor) recordDir(p string, hdr *tar.Header) {
	if _, ok := x.dirMeta[p]; !ok {
		x.dirOrder = append(x.dirOrder, p)
	}
	x.dirMeta[p] = hdr
}

// clear removes what the layer put at p before, unless both it and the new
// entry are directories (then keptDir: the directory stays, and its
// metadata is the new entry's).
func (x *overlayExtractor) clear(pfd int, p string, dir bool) (keptDir bool, err error) {
	base := path.Base(p)
	var st unix.Stat_t
	err = unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return false, unix.Unlinkat(pfd, base, 0)
	}
	if dir {
		return true, nil
	}
	x.dropCache()
	for q := range x.dirMeta {
		if q == p || strings.HasPrefix(q, p+"/") {
			delete(x.dirMeta, q)
		}
	}
	for q := range x.whiteouts {
		if strings.HasPrefix(q, p+"/") {
			delete(x.whiteouts, q)
		}
	}
	return false, removeAllAt(pfd, base)
}

// removeAllAt removes the directory name below dirfd and its content,
// never following a symlink.
func removeAllAt(dirfd int, name string) error {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), name)
	names, err := f.Readdirnames(-1)
	if err != nil {
		f.Close()
		return err
	}
	for _, n := range names {
		var st unix.Stat_t
		if err := unix.Fstatat(fd, n, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			f.Close()
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			err = removeAllAt(fd, n)
		} else {
			err = unix.Unlinkat(fd, n, 0)
		}
		if err != nil {
			f.Close()
			return err
		}
	}
	f.Close()
	return unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR)
}

func (x *overlayExtractor) writeFile(pfd int, base string, hdr *tar.Header, tr io.Reader) error {
	fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	f := os.NewFile(uintptr(fd), base)
	_, err = io.CopyBuffer(struct{ io.Writer }{f}, ctxReader{x.ctx, tr}, x.buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// setMeta sets ownership, mode, xattrs and mtime of base in pfd, in that
// order: chown clears setuid, setgid and file capabilities.
func (x *overlayExtractor) setMeta(pfd int, base string, hdr *tar.Header) error {
	isLink := hdr.Typeflag == tar.TypeSymlink
	if x.asRoot {
		if err := unix.Fchownat(pfd, base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	if !isLink {
		if err := unix.Fchmodat(pfd, base, uint32(hdr.Mode&0o7777), 0); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	for _, k := range sortedKeys(xattrs(hdr)) {
		if skipXattr(k) {
			continue
		}
		v := hdr.PAXRecords[xattrPrefix+k]
		if err := unix.Lsetxattr(procPath(pfd, base), k, []byte(v), 0); err != nil {
			if errors.Is(err, unix.ENOTSUP) || (!x.asRoot && errors.Is(err, unix.EPERM)) || (isLink && errors.Is(err, unix.EPERM)) {
				continue // the file system or the user cannot hold it, as containerd skips
			}
			return fmt.Errorf("set xattr %s: %w", k, err)
		}
	}
	mt := hdr.ModTime
	if mt.IsZero() {
		mt = time.Unix(0, 0)
	}
	ts := []unix.Timespec{unix.NsecToTimespec(mt.UnixNano()), unix.NsecToTimespec(mt.UnixNano())}
	if err := unix.UtimesNanoAt(pfd, base, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set mtime: %w", err)
	}
	return nil
}

// procPath names base in the directory pfd for the xattr calls, which
// have no *at form: the /proc link resolves to that very directory.
func procPath(pfd int, base string) string {
	return "/proc/self/fd/" + strconv.Itoa(pfd) + "/" + base
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (x *overlayExtractor) hardLink(pfd int, p string, hdr *tar.Header) error {
	target, err := overlayName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("layer entry %q: hard link target: %w", hdr.Name, err)
	}
	if target == p {
		return nil
	}
	if target == "." || x.whiteouts[target] {
		return &ForeignHardLinkError{Entry: hdr.Name, Target: hdr.Linkname}
	}
	tfd, err := x.openDir(path.Dir(target), false, hdr.Name)
	if errors.Is(err, errNotInLayer) {
		return &ForeignHardLinkError{Entry: hdr.Name, Target: hdr.Linkname}
	}
	if err != nil {
		return err
	}
	defer unix.Close(tfd)
	var st unix.Stat_t
	if err := unix.Fstatat(tfd, path.Base(target), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return &ForeignHardLinkError{Entry: hdr.Name, Target: hdr.Linkname}
		}
		return fmt.Errorf("layer entry %q: hard link target %q: %w", hdr.Name, hdr.Linkname, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return fmt.Errorf("layer entry %q is a hard link to directory %q; a layer cannot hard-link directories", hdr.Name, hdr.Linkname)
	}
	if _, err := x.clear(pfd, p, false); err != nil {
		return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
	}
	delete(x.whiteouts, p)
	// Flags 0: a symlink target is linked itself, not followed.
	if err := unix.Linkat(tfd, path.Base(target), pfd, path.Base(p), 0); err != nil {
		return fmt.Errorf("layer entry %q: hard link to %q: %w", hdr.Name, hdr.Linkname, err)
	}
	return nil
}

// whiteout records that the lower layers' dir/name is deleted.
func (x *overlayExtractor) whiteout(dir, name, entry string) error {
	pfd, err := x.openDir(dir, true, entry)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	err = unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR:
		// The layer has its own dir/name: the whiteout hides only the
		// lower one's content.
		return x.setOpaque(pfd, name, entry)
	case err == nil:
		return nil // this layer's own file already hides the lower one
	case !errors.Is(err, unix.ENOENT):
		return fmt.Errorf("layer entry %q: %w", entry, err)
	}
	if err := unix.Mknodat(pfd, name, unix.S_IFCHR, 0); err != nil {
		return fmt.Errorf("layer entry %q: make the whiteout (a 0/0 character device; needs root or Linux 5.8+): %w", entry, err)
	}
	x.whiteouts[join(dir, name)] = true
	return nil
}

// opaque marks dir as hiding the lower layers' content.
func (x *overlayExtractor) opaque(dir, entry string) error {
	fd, err := x.openDir(dir, true, entry)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return x.setOpaque(fd, ".", entry)
}

func (x *overlayExtractor) setOpaque(pfd int, base, entry string) error {
	name := overlayOpaqueXattr
	if !x.asRoot {
		name = userOverlayOpaqueXattr // overlay's userxattr mode, for rootless mounts
	}
	if err := unix.Lsetxattr(procPath(pfd, base), name, []byte("y"), 0); err != nil {
		return fmt.Errorf("layer entry %q: mark the directory opaque (xattr %s): %w", entry, name, err)
	}
	return nil
}

// finishDirs sets directories' metadata, children first, after their
// content is written.
func (x *overlayExtractor) finishDirs() error {
	if _, ok := x.dirMeta["."]; !ok {
		if err := unix.Fchmod(x.root, 0o755); err != nil {
			return fmt.Errorf("chmod the root: %w", err)
		}
	}
	order := slices.Clone(x.dirOrder)
	slices.SortFunc(order, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	if i := slices.Index(order, "."); i >= 0 {
		order = append(slices.Delete(order, i, i+1), ".")
	}
	for _, p := range order {
		hdr, ok := x.dirMeta[p]
		if !ok {
			continue // replaced by a non-directory
		}
		if err := x.ctx.Err(); err != nil {
			return err
		}
		var pfd int
		var err error
		base := "."
		if p == "." {
			pfd, err = unix.Dup(x.root)
		} else {
			pfd, err = x.openDir(path.Dir(p), false, hdr.Name)
			base = path.Base(p)
		}
		if err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
		err = x.setMeta(pfd, base, hdr)
		unix.Close(pfd)
		if err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
	}
	return nil
}

// DiffEntries reads an overlay upper directory (what a RUN changed above
// its lower layers) as the entries of an OCI layer, sorted by Path:
//
//   - a whiteout (character device 0/0, or overlay's xattr form, a regular
//     file with trusted.overlay.whiteout) becomes an empty regular file
//     ".wh.NAME" with mode 0;
//   - an opaque directory (trusted.overlay.opaque or user.overlay.opaque
//     "y") gives its entry and "DIR/.wh..wh..opq";
//   - regular files are read from disk by Open (nothing is held in
//     memory); files that share an inode within upperDir are a hard-link
//     group: the first path in sort order carries the content, the others
//     have HardLink set to it;
//   - symlinks, directories, devices, fifos and sockets as they are;
//     UID, GID, mode and mtime from lstat; xattrs except overlayfs's own
//     and security.selinux.
//
// The upper directory itself is not an entry. Redirected directories and
// metacopy files (overlay features hoist mounts without) are refused, as
// their content would be in the lower layers.
func DiffEntries(upperDir string) ([]*buildfs.Entry, error) {
	d := &differ{root: upperDir, inodes: map[inodeKey][]*buildfs.Entry{}}
	if err := d.walk("."); err != nil {
		return nil, fmt.Errorf("read overlay upper directory %s: %w", upperDir, err)
	}
	slices.SortFunc(d.entries, func(a, b *buildfs.Entry) int { return strings.Compare(a.Path, b.Path) })
	for _, group := range d.inodes {
		if len(group) < 2 {
			continue
		}
		slices.SortFunc(group, func(a, b *buildfs.Entry) int { return strings.Compare(a.Path, b.Path) })
		for _, e := range group[1:] {
			e.HardLink = group[0].Path
		}
	}
	return d.entries, nil
}

type inodeKey struct{ dev, ino uint64 }

type differ struct {
	root    string
	entries []*buildfs.Entry
	inodes  map[inodeKey][]*buildfs.Entry
}

func (d *differ) walk(rel string) error {
	full := filepath.Join(d.root, filepath.FromSlash(rel))
	f, err := os.Open(full)
	if err != nil {
		return err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, n := range names {
		p := n
		if rel != "." {
			p = rel + "/" + n
		}
		isDir, err := d.visit(p, filepath.Join(full, n))
		if err != nil {
			return err
		}
		if isDir {
			if err := d.walk(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *differ) visit(p, full string) (isDir bool, err error) {
	var st unix.Stat_t
	if err := unix.Lstat(full, &st); err != nil {
		return false, &fs.PathError{Op: "lstat", Path: full, Err: err}
	}
	xa, err := listXattrs(full)
	if err != nil {
		return false, err
	}
	for _, k := range []string{"trusted.overlay.redirect", "user.overlay.redirect", "trusted.overlay.metacopy", "user.overlay.metacopy"} {
		if _, ok := xa[k]; ok {
			return false, fmt.Errorf("%s has the overlay xattr %s: the overlay was mounted with redirect_dir or metacopy on, so its content is in a lower layer; mount it with redirect_dir=off,metacopy=off", p, k)
		}
	}
	mode := st.Mode & unix.S_IFMT
	_, xattrWhiteout := xa["trusted.overlay.whiteout"]
	if _, ok := xa["user.overlay.whiteout"]; ok {
		xattrWhiteout = true
	}
	if (mode == unix.S_IFCHR && st.Rdev == 0) || (mode == unix.S_IFREG && xattrWhiteout && st.Size == 0) {
		dir, base := path.Dir(p), path.Base(p)
		d.entries = append(d.entries, markerEntry(join(dir, whiteoutPrefix+base), time.Unix(st.Mtim.Unix())))
		return false, nil
	}
	e, err := diskEntry(p, full, &st, xa, d.inodes)
	if err != nil {
		return false, err
	}
	d.entries = append(d.entries, e)
	if mode == unix.S_IFDIR {
		if xa[overlayOpaqueXattr] == "y" || xa[userOverlayOpaqueXattr] == "y" {
			d.entries = append(d.entries, markerEntry(p+"/"+opaqueMarker, e.ModTime))
		}
		return true, nil
	}
	return false, nil
}

// markerEntry is an empty regular file of a layer that marks something
// (a whiteout, an opaque directory).
func markerEntry(p string, mt time.Time) *buildfs.Entry {
	return &buildfs.Entry{
		Path:    p,
		ModTime: mt,
		Open:    func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(nil)), nil },
		Hash:    func() (string, error) { return emptySHA256, nil },
	}
}

// diskEntry is the file full, lstat'd as st with xattrs xa, as the layer
// entry at p (DiffEntries and DiffDir): regular files read from disk when
// written, never followed through a symlink; those with several links are
// added to inodes so their hard-link group can be formed.
func diskEntry(p, full string, st *unix.Stat_t, xa map[string]string, inodes map[inodeKey][]*buildfs.Entry) (*buildfs.Entry, error) {
	e := &buildfs.Entry{
		Path:    p,
		Mode:    statMode(st.Mode),
		UID:     int(st.Uid),
		GID:     int(st.Gid),
		ModTime: time.Unix(st.Mtim.Unix()),
		Xattrs:  keptXattrs(xa),
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		target, err := os.Readlink(full)
		if err != nil {
			return nil, err
		}
		e.Linkname = target
	case unix.S_IFREG:
		e.Size = st.Size
		e.Open = func() (io.ReadCloser, error) {
			return os.OpenFile(full, os.O_RDONLY|unix.O_NOFOLLOW, 0)
		}
		if st.Nlink > 1 {
			k := inodeKey{uint64(st.Dev), st.Ino}
			inodes[k] = append(inodes[k], e)
		}
	case unix.S_IFCHR, unix.S_IFBLK:
		e.Devmajor, e.Devminor = int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev)))
	}
	return e, nil
}

// keptXattrs are the xattrs a layer entry carries: not overlayfs's own,
// not SELinux labels of the build machine.
func keptXattrs(xa map[string]string) map[string]string {
	var out map[string]string
	for k, v := range xa {
		if skipXattr(k) || k == "security.selinux" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

func statMode(m uint32) fs.FileMode {
	fm := fs.FileMode(m & 0o777)
	if m&unix.S_ISUID != 0 {
		fm |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		fm |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		fm |= fs.ModeSticky
	}
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		fm |= fs.ModeDir
	case unix.S_IFLNK:
		fm |= fs.ModeSymlink
	case unix.S_IFCHR:
		fm |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		fm |= fs.ModeDevice
	case unix.S_IFIFO:
		fm |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		fm |= fs.ModeSocket
	}
	return fm
}

// listXattrs returns the extended attributes of full (not following a
// symlink); a file system without xattr support has none.
func listXattrs(full string) (map[string]string, error) {
	buf := make([]byte, 1024)
	var n int
	var err error
	for {
		n, err = unix.Llistxattr(full, buf)
		if errors.Is(err, unix.ERANGE) {
			sz, err := unix.Llistxattr(full, nil)
			if err != nil {
				return nil, &fs.PathError{Op: "llistxattr", Path: full, Err: err}
			}
			buf = make([]byte, sz+64)
			continue
		}
		break
	}
	if errors.Is(err, unix.ENOTSUP) {
		return nil, nil
	}
	if err != nil {
		return nil, &fs.PathError{Op: "llistxattr", Path: full, Err: err}
	}
	var out map[string]string
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if name == "" {
			continue
		}
		v, err := getXattr(full, name)
		if errors.Is(err, unix.ENODATA) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, &fs.PathError{Op: "lgetxattr " + name, Path: full, Err: err}
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = v
	}
	return out, nil
}

func getXattr(full, name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Lgetxattr(full, name, buf)
		if errors.Is(err, unix.ERANGE) {
			sz, err := unix.Lgetxattr(full, name, nil)
			if err != nil {
				return "", err
			}
			buf = make([]byte, sz+64)
			continue
		}
		if err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
}

package fileop

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression is an archive's compression, detected from its first bytes
// exactly as moby/go-archive's compression.Detect does (BuildKit's ADD uses
// it): the file name plays no part.
type Compression int

// The compressions ADD recognises.
const (
	Uncompressed Compression = iota
	Bzip2
	Gzip
	Xz
	Zstd
)

func (c Compression) String() string {
	return [...]string{"uncompressed", "bzip2", "gzip", "xz", "zstd"}[c]
}

var (
	bzip2Magic = []byte{0x42, 0x5A, 0x68}
	gzipMagic  = []byte{0x1F, 0x8B, 0x08}
	xzMagic    = []byte{0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00}
	zstdMagic  = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// DetectCompression is go-archive's Detect: bzip2, gzip, xz, then zstd
// (including a leading skippable frame), else uncompressed.
func DetectCompression(b []byte) Compression {
	switch {
	case bytes.HasPrefix(b, bzip2Magic):
		return Bzip2
	case bytes.HasPrefix(b, gzipMagic):
		return Gzip
	case bytes.HasPrefix(b, xzMagic):
		return Xz
	case bytes.HasPrefix(b, zstdMagic):
		return Zstd
	case len(b) >= 8 && binary.LittleEndian.Uint32(b[:4])&0xFFFFFFF0 == 0x184D2A50:
		return Zstd
	}
	return Uncompressed
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r *readCloser) Close() error {
	if r.close == nil {
		return nil
	}
	return r.close()
}

// decompress is go-archive's DecompressStream: xz goes through the xz
// program, as there (BuildKit fails the same way when it is missing).
func decompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 32<<10)
	bs, err := br.Peek(10)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	switch DetectCompression(bs) {
	case Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		return &readCloser{Reader: zr, close: zr.Close}, nil
	case Bzip2:
		return &readCloser{Reader: bzip2.NewReader(br)}, nil
	case Xz:
		return xzReader(br)
	case Zstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return &readCloser{Reader: zr, close: func() error { zr.Close(); return nil }}, nil
	}
	return &readCloser{Reader: br}, nil
}

func xzReader(r io.Reader) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "xz", "-d", "-c", "-q")
	cmd.Stdin = r
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		if err := cmd.Wait(); err != nil {
			pw.CloseWithError(fmt.Errorf("xz: %w: %s", err, strings.TrimSpace(stderr.String())))
		} else {
			pw.Close()
		}
		close(done)
	}()
	return &readCloser{Reader: pr, close: func() error {
		pr.Close()
		cancel()
		<-done
		return nil
	}}, nil
}

// isArchive is BuildKit's isArchivePath: a regular file that decompresses
// and whose first tar header reads. Only failing to run xz is an error.
func isArchive(e *buildfs.Entry) (bool, error) {
	rc, err := e.Open()
	if err != nil {
		return false, nil
	}
	defer rc.Close()
	dr, err := decompress(rc)
	if err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return false, fmt.Errorf("%q is xz-compressed and the xz program could not be run (%w); install xz-utils", errPath(e.Path), err)
		}
		return false, nil
	}
	defer dr.Close()
	_, err = tar.NewReader(dr).Next()
	return err == nil, nil
}

// tryUnpack is BuildKit's unpack for one ADD source: when it is an archive,
// it is extracted into the destination (created 0755, owned by --chown's
// user or root) and true is returned.
func (a *applier) tryUnpack(m Match) (bool, error) {
	e := m.Source
	if e.Open == nil {
		return false, nil
	}
	ok, err := isArchive(e)
	if err != nil || !ok {
		return false, err
	}
	d, err := a.resolveDst(a.dest)
	if err != nil {
		return false, err
	}
	uid, gid := a.newOwner()
	if err := a.mkdirAll(d, fs.ModeDir|0o755, uid, gid); err != nil {
		return false, err
	}
	return true, a.extract(e, d)
}

// extract is go-archive's Unpack into directory d (a resolved path), run
// as BuildKit runs it, in a chroot at d: names and symlinks met on the way
// resolve inside d. Unlike there, an entry whose name or hard link climbs
// out of d with "..", or a symlink whose relative target does, is an error
// naming the entry (go-archive's own breakout checks, which the chroot
// makes unreachable in BuildKit).
func (a *applier) extract(arc *buildfs.Entry, d string) error {
	rc, err := arc.Open()
	if err != nil {
		return fmt.Errorf("archive %q: %w", errPath(arc.Path), err)
	}
	defer rc.Close()
	dr, err := decompress(rc)
	if err != nil {
		return fmt.Errorf("archive %q: %w", errPath(arc.Path), err)
	}
	defer dr.Close()
	x := &extractor{a: a, arc: arc, d: d}
	defer x.closeSpool()
	tr := tar.NewReader(dr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive %q: %w", errPath(arc.Path), err)
		}
		if err := x.entry(hdr, tr); err != nil {
			return err
		}
	}
}

type extractor struct {
	a   *applier
	arc *buildfs.Entry
	d   string
	sp  *spool
}

func (x *extractor) closeSpool() {
	if x.sp != nil {
		x.sp.closeWrite()
	}
}

var (
	minTime = time.Unix(0, 0)
	maxTime = time.Unix(0, 1<<63-1)
)

// boundTime is go-archive's: times outside what chtimes takes become the
// Unix epoch.
func boundTime(t time.Time) time.Time {
	if t.Before(minTime) || t.After(maxTime) {
		return minTime.UTC()
	}
	return t.UTC()
}

const paxSchilyXattr = "SCHILY.xattr."

func within(d, p string) bool {
	return d == "." || p == d || strings.HasPrefix(p, d+"/")
}

func (x *extractor) entry(hdr *tar.Header, content io.Reader) error {
	a := x.a
	bad := func(format string, args ...any) error {
		return fmt.Errorf("archive %q: entry %q: %s", errPath(x.arc.Path), hdr.Name, fmt.Sprintf(format, args...))
	}
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	name := path.Clean(hdr.Name)
	if name == ".." || strings.HasPrefix(name, "../") {
		return bad("path is outside the destination %q; refusing the archive", errPath(x.d))
	}
	rel := buildfs.Clean(name)
	if rel == "." {
		if hdr.Typeflag != tar.TypeDir {
			return bad("would replace the destination directory %q", errPath(x.d))
		}
		if name == "." {
			return nil // go-archive skips "." when it exists as a directory
		}
	}

	p := x.d
	if rel != "." {
		// createImpliedDirectories: a missing parent is made 0755, owned by
		// root (not by --chown).
		parent := path.Dir(rel)
		pl, err := resolvePath(a.v.lstat, x.d, parent, false, false)
		if err != nil {
			return bad("%v", err)
		}
		if a.v.get(pl) == nil {
			pf, err := resolvePath(a.v.lstat, x.d, parent, true, false)
			if err != nil {
				return bad("%v", err)
			}
			if err := a.mkdirAll(pf, fs.ModeDir|0o755, 0, 0); err != nil {
				return bad("%v", err)
			}
		}
		if p, err = resolvePath(a.v.lstat, x.d, rel, false, false); err != nil {
			return bad("%v", err)
		}
		if pe := a.v.get(path.Dir(p)); pe == nil || !pe.IsDir() {
			return bad("parent directory %q does not exist", errPath(path.Dir(p)))
		}
	}
	if !within(x.d, p) {
		return bad("resolves outside the destination %q", errPath(x.d)) // unreachable: resolution is scoped
	}

	existing := a.v.get(p)
	if existing != nil && !(existing.IsDir() && hdr.Typeflag == tar.TypeDir) {
		if existing.IsDir() {
			a.v.removeAll(p)
		} else {
			delete(a.v.out, p)
		}
	}

	uid, gid := hdr.Uid, hdr.Gid
	if uid < 0 {
		uid = 0
	}
	if gid < 0 {
		gid = 0
	}
	if a.owner != nil {
		uid, gid = a.owner.UID, a.owner.GID
	}
	perm := hdr.FileInfo().Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	var xattrs map[string]string
	for k, v := range hdr.PAXRecords {
		if attr, ok := strings.CutPrefix(k, paxSchilyXattr); ok {
			if xattrs == nil {
				xattrs = map[string]string{}
			}
			xattrs[attr] = v
		}
	}
	e := &buildfs.Entry{Path: p, UID: uid, GID: gid, ModTime: boundTime(hdr.ModTime), Xattrs: xattrs}

	switch hdr.Typeflag {
	case tar.TypeDir:
		e.Mode = fs.ModeDir | perm
		if existing != nil && existing.IsDir() {
			e.Xattrs = mergeXattrs(existing.Xattrs, xattrs)
		}
		a.put(e, -1)
	case tar.TypeReg:
		e.Mode = perm
		if err := x.content(e, content); err != nil {
			return bad("%v", err)
		}
		a.put(e, -1)
	case tar.TypeSymlink:
		if !path.IsAbs(hdr.Linkname) {
			target := strings.TrimPrefix(path.Join("/"+path.Dir(p), hdr.Linkname), "/")
			if target == "" {
				target = "."
			}
			if !within(x.d, target) {
				return bad("symlink to %q points outside the destination %q; refusing the archive", hdr.Linkname, errPath(x.d))
			}
		}
		e.Mode = fs.ModeSymlink | 0o777
		e.Linkname = hdr.Linkname
		a.put(e, -1)
	case tar.TypeLink:
		ln := path.Clean(hdr.Linkname)
		if ln == ".." || strings.HasPrefix(ln, "../") {
			return bad("hard link to %q points outside the destination %q; refusing the archive", hdr.Linkname, errPath(x.d))
		}
		tp, err := resolvePath(a.v.lstat, x.d, buildfs.Clean(ln), false, false)
		if err != nil {
			return bad("hard link to %q: %v", hdr.Linkname, err)
		}
		te := a.v.get(tp)
		switch {
		case te == nil || tp == p:
			return bad("hard link target %q does not exist", hdr.Linkname)
		case te.IsDir():
			return bad("hard link to directory %q", hdr.Linkname)
		case te.IsRegular():
			e.Mode = perm
			e.Size, e.Open, e.Hash = te.Size, te.Open, te.Hash
			n, ok := a.ino[tp]
			if ok {
				// The shared inode keeps the xattrs it had; the header's
				// are set on top (lsetxattr per record).
				e.Xattrs = mergeXattrs(a.inoMeta[n].Xattrs, xattrs)
			} else {
				n = -1 // a file of the destination image: copied, not linked
				e.Xattrs = mergeXattrs(te.Xattrs, xattrs)
			}
			a.put(e, n)
		default:
			ne := *te
			ne.Path, ne.UID, ne.GID = p, uid, gid
			if !te.IsSymlink() {
				ne.Mode = te.Mode.Type() | perm
				ne.ModTime = e.ModTime
			}
			a.put(&ne, -1)
		}
	case tar.TypeChar:
		e.Mode = fs.ModeDevice | fs.ModeCharDevice | perm
		e.Devmajor, e.Devminor = hdr.Devmajor, hdr.Devminor
		a.put(e, -1)
	case tar.TypeBlock:
		e.Mode = fs.ModeDevice | perm
		e.Devmajor, e.Devminor = hdr.Devmajor, hdr.Devminor
		a.put(e, -1)
	case tar.TypeFifo:
		e.Mode = fs.ModeNamedPipe | perm
		a.put(e, -1)
	default:
		return bad("unhandled tar header type %d", hdr.Typeflag)
	}
	return nil
}

var emptySum = func() string { s := sha256.Sum256(nil); return hex.EncodeToString(s[:]) }()

// content stores a regular file's data in the spool and points e at it.
func (x *extractor) content(e *buildfs.Entry, r io.Reader) error {
	if x.sp == nil {
		if x.a.c.TmpDir == "" {
			return errors.New("fileop: Copy.TmpDir is required to extract archives")
		}
		sp, err := newSpool(x.a.c.TmpDir)
		if err != nil {
			return err
		}
		x.sp = sp
		x.a.spools = append(x.a.spools, sp)
	}
	off, n, sum, err := x.sp.add(r)
	if err != nil {
		return err
	}
	e.Size = n
	if n == 0 {
		e.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(nil)), nil }
		e.Hash = func() (string, error) { return emptySum, nil }
		return nil
	}
	e.Open = x.sp.opener(off, n)
	e.Hash = func() (string, error) { return sum, nil }
	return nil
}

// spool is one temporary file holding, back to back, the content of the
// files extracted from one archive.
type spool struct {
	f    *os.File
	name string
	off  int64
}

func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, "hoist-add-*")
	if err != nil {
		return nil, err
	}
	return &spool{f: f, name: f.Name()}, nil
}

func (s *spool) add(r io.Reader) (off, n int64, sum string, err error) {
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(s.f, h), r)
	if err != nil {
		return 0, 0, "", err
	}
	off = s.off
	s.off += n
	return off, n, hex.EncodeToString(h.Sum(nil)), nil
}

func (s *spool) opener(off, n int64) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		f, err := os.Open(s.name)
		if err != nil {
			return nil, err
		}
		return &readCloser{Reader: io.NewSectionReader(f, off, n), close: f.Close}, nil
	}
}

func (s *spool) closeWrite() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

func (s *spool) remove() {
	s.closeWrite()
	os.Remove(s.name)
}

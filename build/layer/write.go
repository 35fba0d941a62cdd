package layer

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/hoistci/hoist/build/buildfs"
)

// WriteOptions configure Write.
type WriteOptions struct {
	// Compression of the blob; "" is gzip.
	Compression Compression
	// Level is the compression level; 0 is the default (gzip 5 with one
	// pgzip worker per CPU, zstd's default level).
	Level int
	// Epoch, when set (--reproducible, SOURCE_DATE_EPOCH), clamps every
	// mtime later than it to it, as BuildKit's rewrite-timestamp does.
	// Headers never carry atime, ctime, user or group names, and mtimes are
	// truncated to whole seconds, with or without Epoch.
	Epoch *time.Time
	// TempDir is where the blob is written; "" is os.TempDir().
	TempDir string
}

// Layer is a written layer blob.
type Layer struct {
	// Path is a temporary file holding the blob; the caller moves it into
	// the store or removes it. It is not fsynced: that is the store's call.
	Path string
	// Digest is the sha256 of the blob, DiffID that of the tar inside.
	Digest v1.Hash
	DiffID v1.Hash
	// Size is the blob's size, UncompressedSize the tar's.
	Size             int64
	UncompressedSize int64
	MediaType        types.MediaType
}

// Write writes entries as one layer: tar -> sha256 (DiffID) -> compressor
// -> sha256 (Digest) -> temporary file, in one pass and never holding a
// file's content in memory. The tar is deterministic: entries are written
// sorted by Path (a sorted copy; the root "." is skipped), with numeric
// owners only, directory names ending in "/", PAX records only where USTAR
// cannot hold a field (long names, xattrs as SCHILY.xattr.*, large ids).
// Sockets cannot be in a tar and are skipped.
//
// Entries with HardLink set become tar hard links. The members of a
// hard-link group may be given in any order: the member whose Path sorts
// first carries the content (and the metadata of the entry the others link
// to) and the others link to it, so a link never precedes its target.
// Write detects no hard links itself.
func Write(ctx context.Context, entries []*buildfs.Entry, opts WriteOptions) (_ *Layer, err error) {
	c := opts.Compression
	if c == "" {
		c = Gzip
	}
	plan, err := planEntries(entries)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(opts.TempDir, "hoist-layer-*")
	if err != nil {
		return nil, fmt.Errorf("write layer: %w (set a writable temporary directory)", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()

	blob := &hashCounter{h: sha256.New()}
	bw := bufio.NewWriterSize(f, 1<<20)
	comp, err := compressor(io.MultiWriter(bw, blob), c, opts.Level)
	if err != nil {
		return nil, fmt.Errorf("write layer: %w", err)
	}
	diff := &hashCounter{h: sha256.New()}
	tw := tar.NewWriter(io.MultiWriter(diff, comp))
	buf := make([]byte, 256<<10)
	for _, w := range plan {
		if err := ctx.Err(); err != nil {
			comp.Close()
			return nil, err
		}
		if err := writeEntry(ctx, tw, w, opts.Epoch, buf); err != nil {
			comp.Close()
			return nil, fmt.Errorf("write layer: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		comp.Close()
		return nil, fmt.Errorf("write layer: %w", err)
	}
	if err := comp.Close(); err != nil {
		return nil, fmt.Errorf("write layer: %s: %w", c, err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("write layer %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write layer %s: %w", f.Name(), err)
	}
	return &Layer{
		Path:             f.Name(),
		Digest:           blob.sum(),
		DiffID:           diff.sum(),
		Size:             blob.n,
		UncompressedSize: diff.n,
		MediaType:        c.MediaType(),
	}, nil
}

// planned is one header to write: e's metadata, and either content (data,
// for a regular file) or a hard link to linkTo.
type planned struct {
	path   string
	e      *buildfs.Entry // metadata source
	linkTo string
}

// planEntries sorts a copy of entries, checks their paths and resolves
// hard-link groups.
func planEntries(entries []*buildfs.Entry) ([]planned, error) {
	sorted := make([]*buildfs.Entry, 0, len(entries))
	byPath := make(map[string]*buildfs.Entry, len(entries))
	for _, e := range entries {
		if e == nil || e.Path == "." {
			continue
		}
		if e.Path == "" || buildfs.Clean(e.Path) != e.Path {
			return nil, fmt.Errorf("write layer: entry path %q is not clean and relative to the root (want e.g. \"app/src\"); this is a bug in the caller", e.Path)
		}
		if _, dup := byPath[e.Path]; dup {
			return nil, fmt.Errorf("write layer: entry %q given twice; the caller must merge entries before writing", e.Path)
		}
		byPath[e.Path] = e
		sorted = append(sorted, e)
	}
	slices.SortFunc(sorted, func(a, b *buildfs.Entry) int { return strings.Compare(a.Path, b.Path) })

	// root returns the entry at the end of e's hard-link chain.
	root := func(e *buildfs.Entry) (*buildfs.Entry, error) {
		seen := 0
		for e.HardLink != "" {
			t, ok := byPath[buildfs.Clean(e.HardLink)]
			if !ok {
				return nil, fmt.Errorf("write layer: %q is a hard link to %q, which is not in the layer; add the target or write a copy", e.Path, e.HardLink)
			}
			if seen++; seen > len(byPath) {
				return nil, fmt.Errorf("write layer: hard links starting at %q form a cycle", e.Path)
			}
			e = t
		}
		if !e.IsRegular() && !e.IsSymlink() {
			return nil, fmt.Errorf("write layer: hard link to %q, a %s; only files and symlinks can be hard-linked", e.Path, typeName(e.Mode))
		}
		return e, nil
	}
	first := map[*buildfs.Entry]string{} // group root -> path written with content
	plan := make([]planned, 0, len(sorted))
	for _, e := range sorted {
		if e.Mode.Type()&fs.ModeSocket != 0 {
			continue
		}
		r := e
		if e.HardLink != "" {
			var err error
			if r, err = root(e); err != nil {
				return nil, err
			}
		} else if !e.IsRegular() && !e.IsSymlink() {
			plan = append(plan, planned{path: e.Path, e: e})
			continue
		}
		if p, ok := first[r]; ok {
			plan = append(plan, planned{path: e.Path, e: r, linkTo: p})
			continue
		}
		first[r] = e.Path
		plan = append(plan, planned{path: e.Path, e: r})
	}
	return plan, nil
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeDir != 0:
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m.Type() == 0:
		return "regular file"
	}
	return "file of unknown type"
}

func header(p planned, epoch *time.Time) (*tar.Header, error) {
	e := p.e
	mt := e.ModTime
	if mt.IsZero() {
		mt = time.Unix(0, 0)
	}
	if epoch != nil && mt.After(*epoch) {
		mt = *epoch
	}
	h := &tar.Header{
		Name:    p.path,
		Mode:    tarMode(e.Mode),
		Uid:     e.UID,
		Gid:     e.GID,
		ModTime: mt.Truncate(time.Second),
		Format:  tar.FormatPAX,
	}
	for k, v := range e.Xattrs {
		if h.PAXRecords == nil {
			h.PAXRecords = make(map[string]string, len(e.Xattrs))
		}
		h.PAXRecords["SCHILY.xattr."+k] = v
	}
	switch m := e.Mode; {
	case p.linkTo != "":
		h.Typeflag = tar.TypeLink
		h.Linkname = p.linkTo
	case m&fs.ModeDir != 0:
		h.Typeflag = tar.TypeDir
		h.Name += "/"
	case m&fs.ModeSymlink != 0:
		h.Typeflag = tar.TypeSymlink
		h.Linkname = e.Linkname
	case m&fs.ModeCharDevice != 0:
		h.Typeflag = tar.TypeChar
		h.Devmajor, h.Devminor = e.Devmajor, e.Devminor
	case m&fs.ModeDevice != 0:
		h.Typeflag = tar.TypeBlock
		h.Devmajor, h.Devminor = e.Devmajor, e.Devminor
	case m&fs.ModeNamedPipe != 0:
		h.Typeflag = tar.TypeFifo
	case m.Type() == 0:
		h.Typeflag = tar.TypeReg
		h.Size = e.Size
		if e.Size < 0 {
			return nil, fmt.Errorf("%s: negative size %d", p.path, e.Size)
		}
	default:
		return nil, fmt.Errorf("%s: cannot write a %s to a layer", p.path, typeName(m))
	}
	return h, nil
}

// tarMode is the tar (and stat) encoding of m's permission and special bits.
func tarMode(m fs.FileMode) int64 {
	v := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return v
}

func writeEntry(ctx context.Context, tw *tar.Writer, p planned, epoch *time.Time, buf []byte) error {
	h, err := header(p, epoch)
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	if h.Typeflag != tar.TypeReg || h.Size == 0 {
		return nil
	}
	if p.e.Open == nil {
		return fmt.Errorf("%s: regular file of %d bytes without content (Entry.Open is nil)", p.path, h.Size)
	}
	rc, err := p.e.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	defer rc.Close()
	n, err := io.CopyBuffer(tw, io.LimitReader(ctxReader{ctx, rc}, h.Size), buf)
	if err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	if n < h.Size {
		return fmt.Errorf("%s: file shrank while writing the layer (%d bytes expected, %d read); is something modifying the build context?", p.path, h.Size, n)
	}
	var one [1]byte
	if m, err := io.ReadFull(rc, one[:]); m > 0 {
		return fmt.Errorf("%s: file grew while writing the layer (more than the %d bytes expected); is something modifying the build context?", p.path, h.Size)
	} else if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	return nil
}

// ctxReader stops a long copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type hashCounter struct {
	h hash.Hash
	n int64
}

func (c *hashCounter) Write(p []byte) (int, error) {
	c.h.Write(p)
	c.n += int64(len(p))
	return len(p), nil
}

func (c *hashCounter) sum() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(c.h.Sum(nil))}
}

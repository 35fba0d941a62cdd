package layer

import (
	"archive/tar"
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
	"strconv"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/hoistci/hoist/build/buildfs"
)

// Reader applies image layers to file trees. Regular files' contents stay
// in the layers: the first Open of any file of a layer reads that layer
// once more and extracts its regular files into a temporary directory the
// Reader owns; Close removes those. A Reader is safe for concurrent use,
// but Apply calls on the same tree must not overlap, and Close must come
// after the last use of the trees' entries. A layer's files can be opened
// once its Apply has returned without error.
type Reader struct {
	tempDir string

	mu     sync.Mutex
	dir    string // created on the first spill
	closed bool
	links  map[*buildfs.Tree][]hardLink
}

// hardLink is an entry Apply made from a tar hard link, and the entry it
// shares its content with, to notice when a later layer replaces either.
type hardLink struct {
	e, target *buildfs.Entry
}

// NewReader returns a Reader spilling into tempDir ("" is os.TempDir()).
func NewReader(tempDir string) *Reader {
	return &Reader{tempDir: tempDir, links: map[*buildfs.Tree][]hardLink{}}
}

// Close removes the extracted files; entries of trees the Reader built can
// no longer be opened.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.links = nil
	if r.dir == "" {
		return nil
	}
	dir := r.dir
	r.dir = ""
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove extracted layer files: %w", err)
	}
	return nil
}

var errClosed = errors.New("layer reader is closed")

func (r *Reader) spillDir() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return "", errClosed
	}
	if r.dir == "" {
		d, err := os.MkdirTemp(r.tempDir, "hoist-layers-*")
		if err != nil {
			return "", fmt.Errorf("extract layer files: %w (set a writable temporary directory)", err)
		}
		r.dir = d
	}
	return os.MkdirTemp(r.dir, "layer-")
}

// Tree returns the merged file tree of img's layers. It reads every layer
// once (the blobs, decompressed here) and checks each against the diffID in
// the image config.
func (r *Reader) Tree(ctx context.Context, img v1.Image) (*buildfs.Tree, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("read image layers: %w", err)
	}
	var diffIDs []v1.Hash
	if cf, err := img.ConfigFile(); err == nil && cf != nil && len(cf.RootFS.DiffIDs) == len(layers) {
		diffIDs = cf.RootFS.DiffIDs
	}
	t := buildfs.NewTree()
	for i, l := range layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		open := l.Compressed
		if mt, err := l.MediaType(); err == nil && uncompressedMediaType(mt) {
			open = l.Uncompressed
		}
		what := fmt.Sprintf("layer %d of %d", i+1, len(layers))
		if d, err := l.Digest(); err == nil {
			what += " (" + d.String() + ")"
		}
		got, err := r.apply(ctx, t, open)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if diffIDs != nil && got != diffIDs[i] {
			return nil, fmt.Errorf("%s: its tar hashes to %s but the image config says %s; the image is corrupt: pull or build it again", what, got, diffIDs[i])
		}
	}
	return t, nil
}

func uncompressedMediaType(mt types.MediaType) bool {
	switch mt {
	case types.OCIUncompressedLayer, types.OCIUncompressedRestrictedLayer, types.DockerUncompressedLayer:
		return true
	}
	return false
}

// Apply applies one layer (a tar, plain or gzip- or zstd-compressed,
// detected by magic number) to t, with OCI semantics:
//
//   - ".wh.NAME" removes NAME as earlier layers had it, and
//     ".wh..wh..opq" empties its directory of what earlier layers put
//     there; neither touches what this layer itself adds, in whatever order
//     the tar holds them.
//   - A hard link becomes a copy of the entry it links to (in this or an
//     earlier layer), sharing its content and metadata, with HardLink set
//     while both stay unchanged by later layers.
//   - Names are cleaned against the root: "../../x" and "/x" are "x". A
//     name never leads outside the tree.
//   - Symlinks are data and never followed while applying. An entry below
//     a path an earlier entry made a symlink or file ("a -> /etc", then
//     "a/passwd") replaces that path with a directory, as Docker's overlay2
//     shows a layer's directory over a lower symlink. (containerd, which
//     extracts into the merged mount, would resolve the symlink inside the
//     root and write etc/passwd; hoist never follows links it is writing.)
//
// layer is called once now and once more on the first Open of a regular
// file of the layer; both reads must give the same bytes. On error t is
// partly applied and should be discarded.
func (r *Reader) Apply(t *buildfs.Tree, layer func() (io.ReadCloser, error)) error {
	_, err := r.apply(context.Background(), t, layer)
	return err
}

func (r *Reader) apply(ctx context.Context, t *buildfs.Tree, open func() (io.ReadCloser, error)) (v1.Hash, error) {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return v1.Hash{}, errClosed
	}
	rc, err := open()
	if err != nil {
		return v1.Hash{}, err
	}
	defer rc.Close()
	dr, err := decompress(rc)
	if err != nil {
		return v1.Hash{}, err
	}
	defer dr.Close()
	h := sha256.New()
	tee := io.TeeReader(dr, h)
	tr := tar.NewReader(tee)
	a := &applier{r: r, t: t, added: map[string]bool{}, l: &spill{r: r, open: open, want: map[int]int64{}}}
	for ord := 0; ; ord++ {
		if err := ctx.Err(); err != nil {
			return v1.Hash{}, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return v1.Hash{}, fmt.Errorf("read layer tar (entry %d): %w", ord+1, err)
		}
		if err := a.entry(hdr, ord); err != nil {
			return v1.Hash{}, err
		}
	}
	// The diffID covers the whole stream, padding after the end marker too;
	// reading the blob to its end lets a verifying reader (go-containerregistry's
	// remote layers) check its digest.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return v1.Hash{}, fmt.Errorf("read layer: %w", err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return v1.Hash{}, fmt.Errorf("read layer: %w", err)
	}
	diffID := hex.EncodeToString(h.Sum(nil))
	a.l.mu.Lock()
	a.l.diffID = diffID
	a.l.mu.Unlock()
	r.recheckLinks(t)
	return v1.Hash{Algorithm: "sha256", Hex: diffID}, nil
}

type applier struct {
	r     *Reader
	t     *buildfs.Tree
	l     *spill
	added map[string]bool // paths this layer put
}

const (
	whiteoutPrefix     = ".wh."
	whiteoutMetaPrefix = ".wh..wh."
	opaqueMarker       = ".wh..wh..opq"
)

func (a *applier) entry(hdr *tar.Header, ord int) error {
	p := buildfs.Clean(hdr.Name)
	dir, base := path.Dir(p), path.Base(p)
	if base == opaqueMarker {
		a.removeLower(dir, true)
		return nil
	}
	if strings.HasPrefix(p, whiteoutMetaPrefix) {
		return nil // AUFS metadata (.wh..wh.plnk/, .wh..wh.aufs), as Docker skips it
	}
	if p != "." && strings.HasPrefix(base, whiteoutPrefix) {
		switch name := base[len(whiteoutPrefix):]; {
		case strings.HasPrefix(name, ".wh."), name == "", name == ".", name == "..":
			// Metadata or nonsense.
		default:
			a.removeLower(join(dir, name), false)
		}
		return nil
	}
	e := &buildfs.Entry{
		Path:    p,
		Mode:    entryMode(hdr),
		UID:     hdr.Uid,
		GID:     hdr.Gid,
		ModTime: hdr.ModTime,
		Xattrs:  xattrs(hdr),
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
	case tar.TypeReg, tar.TypeRegA, tar.TypeCont, tar.TypeGNUSparse:
		e.Size = hdr.Size
		a.l.file(e, ord)
	case tar.TypeSymlink:
		e.Linkname = hdr.Linkname
	case tar.TypeChar, tar.TypeBlock:
		e.Devmajor, e.Devminor = hdr.Devmajor, hdr.Devminor
	case tar.TypeFifo:
	case tar.TypeLink:
		return a.hardLink(p, hdr.Linkname)
	default:
		return nil // global PAX headers, GNU volume labels and the like
	}
	if p == "." {
		if e.IsDir() {
			a.t.Put(e)
		}
		return nil
	}
	a.t.Put(e)
	a.added[p] = true
	return nil
}

func (a *applier) hardLink(p, linkname string) error {
	target := buildfs.Clean(linkname)
	te, err := a.t.Lstat(target)
	if err != nil {
		return fmt.Errorf("layer entry %q is a hard link to %q, which neither this nor an earlier layer has", p, linkname)
	}
	if te.IsDir() {
		return fmt.Errorf("layer entry %q is a hard link to directory %q; a layer cannot hard-link directories", p, linkname)
	}
	if target == p || p == "." {
		return nil
	}
	ne := *te
	ne.Path = p
	ne.HardLink = ""
	if te.IsRegular() {
		// Link to the entry holding the content, not to another link.
		ne.HardLink = target
		if te.HardLink != "" {
			ne.HardLink = te.HardLink
			if te, err = a.t.Lstat(te.HardLink); err != nil {
				ne.HardLink = ""
			}
		}
	}
	a.t.Put(&ne)
	a.added[p] = true
	if ne.HardLink != "" {
		a.r.mu.Lock()
		if a.r.links != nil {
			a.r.links[a.t] = append(a.r.links[a.t], hardLink{e: &ne, target: te})
		}
		a.r.mu.Unlock()
	}
	return nil
}

// removeLower removes p (or, for an opaque directory, what is below p) as
// earlier layers had it, keeping whatever this layer already put there.
func (a *applier) removeLower(p string, opaque bool) {
	if opaque {
		if e, err := a.t.Lstat(p); err != nil || !e.IsDir() {
			return
		}
	}
	var keep []*buildfs.Entry
	if len(a.added) > 0 {
		_ = buildfs.Walk(a.t, p, func(e *buildfs.Entry) error {
			if a.added[e.Path] && !(opaque && e.Path == p) {
				keep = append(keep, e)
			}
			return nil
		})
	}
	if opaque {
		a.t.RemoveChildren(p)
	} else {
		a.t.Remove(p)
	}
	for _, e := range keep { // parents first: Walk's order
		a.t.Put(e)
	}
}

// recheckLinks turns hard-link entries whose link or target a later layer
// replaced into plain entries: they no longer share an inode.
func (r *Reader) recheckLinks(t *buildfs.Tree) {
	r.mu.Lock()
	links := r.links[t]
	r.mu.Unlock()
	kept := links[:0]
	for _, l := range links {
		if cur, err := t.Lstat(l.e.Path); err != nil || cur != l.e {
			continue
		}
		if cur, err := t.Lstat(l.e.HardLink); err == nil && cur == l.target {
			kept = append(kept, l)
			continue
		}
		c := *l.e
		c.HardLink = ""
		t.Put(&c)
	}
	r.mu.Lock()
	if r.links != nil {
		r.links[t] = kept
	}
	r.mu.Unlock()
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

func entryMode(hdr *tar.Header) fs.FileMode {
	m := fs.FileMode(hdr.Mode & 0o777)
	if hdr.Mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if hdr.Mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if hdr.Mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		m |= fs.ModeDir
	case tar.TypeSymlink:
		m |= fs.ModeSymlink
	case tar.TypeChar:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case tar.TypeBlock:
		m |= fs.ModeDevice
	case tar.TypeFifo:
		m |= fs.ModeNamedPipe
	}
	return m
}

const xattrPrefix = "SCHILY.xattr."

func xattrs(hdr *tar.Header) map[string]string {
	var x map[string]string
	for k, v := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, xattrPrefix); ok && name != "" {
			if x == nil {
				x = map[string]string{}
			}
			x[name] = v
		}
	}
	return x
}

// spill is one applied layer's regular files, extracted on first use.
type spill struct {
	r    *Reader
	open func() (io.ReadCloser, error)
	want map[int]int64 // entry ordinal -> size, for non-empty regular files; written by Apply only

	mu     sync.Mutex
	diffID string // hex, of the first read; set when Apply is done
	dir    string // set once extracted
}

// file gives e (a regular file, entry number ord of the layer) its Open
// and Hash.
func (l *spill) file(e *buildfs.Entry, ord int) {
	if e.Size == 0 {
		e.Open = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("")), nil }
		e.Hash = func() (string, error) { return emptySHA256, nil }
		return
	}
	l.want[ord] = e.Size
	f := &spilledFile{l: l, ord: ord, size: e.Size}
	e.Open = f.open
	e.Hash = f.hash
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

type spilledFile struct {
	l    *spill
	ord  int
	size int64

	mu  sync.Mutex
	sum string
}

func (f *spilledFile) open() (io.ReadCloser, error) {
	dir, err := f.l.extract()
	if err != nil {
		return nil, err
	}
	return os.Open(filepath.Join(dir, strconv.Itoa(f.ord)))
}

func (f *spilledFile) hash() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sum != "" {
		return f.sum, nil
	}
	rc, err := f.open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	f.sum = hex.EncodeToString(h.Sum(nil))
	return f.sum, nil
}

// extract reads the layer again and writes its regular files into a
// directory, once; a failure is not remembered, so a later Open retries.
func (l *spill) extract() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dir != "" {
		return l.dir, nil
	}
	if l.diffID == "" {
		return "", errors.New("open a file of a layer that is still being applied, or failed to apply")
	}
	dir, err := l.r.spillDir()
	if err != nil {
		return "", err
	}
	if err := l.extractTo(dir); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("extract the files of a layer: %w", err)
	}
	l.dir = dir
	return dir, nil
}

var errLayerChanged = errors.New("the layer's content differs from when it was applied")

func (l *spill) extractTo(dir string) error {
	rc, err := l.open()
	if err != nil {
		return err
	}
	defer rc.Close()
	dr, err := decompress(rc)
	if err != nil {
		return err
	}
	defer dr.Close()
	h := sha256.New()
	tee := io.TeeReader(dr, h)
	tr := tar.NewReader(tee)
	buf := make([]byte, 256<<10)
	for ord := 0; ; ord++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		size, ok := l.want[ord]
		if !ok {
			continue
		}
		if hdr.Size != size {
			return errLayerChanged
		}
		if err := writeSpilled(filepath.Join(dir, strconv.Itoa(ord)), tr, buf); err != nil {
			return err
		}
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != l.diffID {
		return errLayerChanged
	}
	return nil
}

func writeSpilled(name string, r io.Reader, buf []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(f, r, buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

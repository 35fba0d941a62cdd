package output

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotations of an OCI layout's index.json entries, as BuildKit (through
// containerd's archive exporter) writes them: the full name, and the OCI
// reference name (the tag).
const (
	AnnotationImageName = "io.containerd.image.name"
	AnnotationRefName   = "org.opencontainers.image.ref.name"
)

// Artifact is what the OCI writers take: a v1.Image or a v1.ImageIndex
// (both satisfy it).
type Artifact interface {
	MediaType() (types.MediaType, error)
	Digest() (v1.Hash, error)
	Size() (int64, error)
	RawManifest() ([]byte, error)
}

// WriteOCI writes a (an image, or an index built with --platform a,b) as
// an OCI image layout at dest: a tarball of oci-layout, index.json and
// blobs/ (as buildx's type=oci) when dest ends in ".tar", else a directory
// (see WriteOCIDir). Each name becomes an index.json entry annotated with
// the name and its tag. The tarball appears at dest only once complete.
func WriteOCI(ctx context.Context, dest string, a Artifact, names []string) error {
	if strings.HasSuffix(dest, ".tar") {
		return writeFileAtomic(dest, func(w io.Writer) error {
			return WriteOCIArchive(ctx, w, a, names)
		})
	}
	return WriteOCIDir(ctx, dest, a, names)
}

// WriteOCIIndex is WriteOCI for a multi-platform image.
func WriteOCIIndex(ctx context.Context, dest string, idx v1.ImageIndex, names []string) error {
	return WriteOCI(ctx, dest, idx, names)
}

// WriteOCIArchive streams a as an OCI layout tarball to w (standard output
// for dest "-"). Entries are sorted and carry no times, owners or umask
// bits: the same image gives the same bytes.
func WriteOCIArchive(ctx context.Context, w io.Writer, a Artifact, names []string) error {
	blobs, err := collectBlobs(a)
	if err != nil {
		return err
	}
	index, err := indexFor(a, names)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(ctxWriter{ctx, w})
	epoch := time.Unix(0, 0)
	dirs := []string{"blobs/"}
	for _, algo := range blobs.algorithms() {
		dirs = append(dirs, "blobs/"+algo+"/")
	}
	for _, d := range dirs {
		if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: epoch}); err != nil {
			return fmt.Errorf("write OCI archive: %w", err)
		}
	}
	for _, b := range blobs.sorted() {
		hdr := &tar.Header{Name: path.Join("blobs", b.digest.Algorithm, b.digest.Hex), Typeflag: tar.TypeReg, Mode: 0o444, Size: b.size, ModTime: epoch}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("write OCI archive: %w", err)
		}
		if err := b.copyTo(tw); err != nil {
			return fmt.Errorf("write OCI archive: %w", err)
		}
	}
	for _, f := range []struct {
		name string
		data []byte
		mode int64
	}{{"index.json", index, 0o644}, {"oci-layout", ociLayoutFile, 0o444}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: f.mode, Size: int64(len(f.data)), ModTime: epoch}); err != nil {
			return fmt.Errorf("write OCI archive: %w", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return fmt.Errorf("write OCI archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write OCI archive: %w", err)
	}
	return nil
}

var ociLayoutFile = []byte(`{"imageLayoutVersion":"1.0.0"}`)

// WriteOCIDir writes a as an OCI layout directory. A new (or empty)
// directory is written beside dir and renamed into place. An existing
// layout is updated as skopeo and BuildKit do: blobs are added (each
// renamed into place once verified) and index.json is replaced atomically,
// its entries of the same names replaced by the new ones. Any other
// existing directory is refused.
func WriteOCIDir(ctx context.Context, dir string, a Artifact, names []string) error {
	blobs, err := collectBlobs(a)
	if err != nil {
		return err
	}
	entries, err := indexEntries(a, names)
	if err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("write OCI layout: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("write OCI layout: %s is a file; give a directory, or a path ending in .tar for an archive", dir)
	default:
		if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err == nil {
			return updateLayout(ctx, dir, blobs, entries)
		}
		if empty, err := isEmptyDir(dir); err != nil {
			return fmt.Errorf("write OCI layout: %w", err)
		} else if !empty {
			return fmt.Errorf("write OCI layout: %s is a directory that is not an OCI layout (no oci-layout file); choose a new or empty directory", dir)
		}
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "oci-layout"), ociLayoutFile, 0o644); err != nil {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	if err := writeBlobs(ctx, tmp, blobs); err != nil {
		return err
	}
	index, err := marshalIndex(entries)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "index.json"), index, 0o644); err != nil {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	// os.Rename refuses to replace a directory, even an empty one.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	return nil
}

func updateLayout(ctx context.Context, dir string, blobs *blobSet, entries []v1.Descriptor) error {
	if err := writeBlobs(ctx, dir, blobs); err != nil {
		return err
	}
	indexPath := filepath.Join(dir, "index.json")
	var old v1.IndexManifest
	data, err := os.ReadFile(indexPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("write OCI layout: %w", err)
	default:
		if err := json.Unmarshal(data, &old); err != nil {
			return fmt.Errorf("write OCI layout: %s: %v; repair or remove it", indexPath, err)
		}
	}
	merged := mergeEntries(old.Manifests, entries)
	old.SchemaVersion, old.MediaType, old.Manifests = 2, types.OCIImageIndex, merged
	out, err := json.Marshal(old)
	if err != nil {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	return writeFileAtomic(indexPath, func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	})
}

// mergeEntries replaces the entries that carry one of the new names (by
// full name, or by tag for entries without one, as skopeo writes them) and
// appends the new ones; an unnamed entry is not added twice.
func mergeEntries(old, add []v1.Descriptor) []v1.Descriptor {
	fulls, refs := map[string]bool{}, map[string]bool{}
	for _, d := range add {
		if n := d.Annotations[AnnotationImageName]; n != "" {
			fulls[n] = true
		}
		if r := d.Annotations[AnnotationRefName]; r != "" {
			refs[r] = true
		}
	}
	var out []v1.Descriptor
	for _, d := range old {
		if full := d.Annotations[AnnotationImageName]; full != "" {
			if fulls[full] {
				continue
			}
		} else if refs[d.Annotations[AnnotationRefName]] {
			continue
		}
		out = append(out, d)
	}
	for _, d := range add {
		if len(d.Annotations) == 0 && slices.ContainsFunc(out, func(o v1.Descriptor) bool {
			return o.Digest == d.Digest && len(o.Annotations) == 0
		}) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// indexFor renders index.json for a under names.
func indexFor(a Artifact, names []string) ([]byte, error) {
	entries, err := indexEntries(a, names)
	if err != nil {
		return nil, err
	}
	return marshalIndex(entries)
}

func marshalIndex(entries []v1.Descriptor) ([]byte, error) {
	b, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: entries})
	if err != nil {
		return nil, fmt.Errorf("write OCI layout: index.json: %w", err)
	}
	return b, nil
}

// indexEntries gives a's index.json entries: one per name (as
// containerd's exporter), or one without annotations when unnamed.
func indexEntries(a Artifact, names []string) ([]v1.Descriptor, error) {
	mt, err := a.MediaType()
	if err != nil {
		return nil, fmt.Errorf("write OCI layout: %w", err)
	}
	dgst, err := a.Digest()
	if err != nil {
		return nil, fmt.Errorf("write OCI layout: %w", err)
	}
	size, err := a.Size()
	if err != nil {
		return nil, fmt.Errorf("write OCI layout: %w", err)
	}
	base := v1.Descriptor{MediaType: mt, Digest: dgst, Size: size}
	if len(names) == 0 {
		return []v1.Descriptor{base}, nil
	}
	var out []v1.Descriptor
	seen := map[string]bool{}
	for _, n := range names {
		full, ref, err := normalizeName(n)
		if err != nil {
			return nil, fmt.Errorf("write OCI layout: image name %q: %w", n, err)
		}
		if seen[full] {
			continue
		}
		seen[full] = true
		d := base
		d.Annotations = map[string]string{AnnotationImageName: full, AnnotationRefName: ref}
		out = append(out, d)
	}
	return out, nil
}

// normalizeName returns Docker's full form of an image name
// ("app:1" -> "docker.io/library/app:1") and its OCI reference name (the
// tag; the full name for a digest reference), as containerd writes them.
func normalizeName(n string) (full, ref string, err error) {
	r, err := name.ParseReference(n)
	if err != nil {
		return "", "", err
	}
	repo := r.Context()
	registry := repo.RegistryStr()
	if registry == name.DefaultRegistry {
		registry = "docker.io"
	}
	full = registry + "/" + repo.RepositoryStr()
	switch r := r.(type) {
	case name.Tag:
		full += ":" + r.TagStr()
		return full, r.TagStr(), nil
	case name.Digest:
		full += "@" + r.DigestStr()
		return full, full, nil
	}
	return "", "", fmt.Errorf("unsupported reference %T", r)
}

// blob is one content-addressed file of a layout.
type blob struct {
	digest v1.Hash
	size   int64
	open   func() (io.ReadCloser, error)
}

// copyTo copies the blob to w, checking its size and digest: a layout with
// a corrupt blob would fail only when someone pulls it.
func (b blob) copyTo(w io.Writer) error {
	if b.digest.Algorithm != "sha256" {
		return fmt.Errorf("blob %s: unsupported digest algorithm", b.digest)
	}
	rc, err := b.open()
	if err != nil {
		return fmt.Errorf("blob %s: %w", b.digest, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(rc, b.size+1))
	if err != nil {
		return fmt.Errorf("blob %s: %w", b.digest, err)
	}
	if n != b.size {
		return fmt.Errorf("blob %s: %d bytes, the manifest says %d", b.digest, n, b.size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != b.digest.Hex {
		return fmt.Errorf("blob %s: content has digest sha256:%s", b.digest, got)
	}
	return nil
}

func bytesBlob(d v1.Hash, data []byte) blob {
	return blob{digest: d, size: int64(len(data)), open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

type blobSet struct {
	byDigest map[v1.Hash]blob
}

func (s *blobSet) add(b blob) {
	if _, ok := s.byDigest[b.digest]; !ok {
		s.byDigest[b.digest] = b
	}
}

func (s *blobSet) sorted() []blob {
	out := make([]blob, 0, len(s.byDigest))
	for _, b := range s.byDigest {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b blob) int { return strings.Compare(a.digest.String(), b.digest.String()) })
	return out
}

func (s *blobSet) algorithms() []string {
	var out []string
	for d := range s.byDigest {
		if !slices.Contains(out, d.Algorithm) {
			out = append(out, d.Algorithm)
		}
	}
	slices.Sort(out)
	return out
}

// collectBlobs lists every blob a references: manifests, indexes, configs
// and layers (non-distributable layers are left out, as registries and
// containerd do).
func collectBlobs(a Artifact) (*blobSet, error) {
	s := &blobSet{byDigest: map[v1.Hash]blob{}}
	if err := collect(a, s); err != nil {
		return nil, fmt.Errorf("write OCI layout: %w", err)
	}
	return s, nil
}

func collect(a Artifact, s *blobSet) error {
	mt, err := a.MediaType()
	if err != nil {
		return err
	}
	raw, err := a.RawManifest()
	if err != nil {
		return err
	}
	d, err := a.Digest()
	if err != nil {
		return err
	}
	s.add(bytesBlob(d, raw))
	switch {
	case mt.IsIndex():
		idx, ok := a.(v1.ImageIndex)
		if !ok {
			return fmt.Errorf("%s has media type %s but is not an image index", d, mt)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return err
		}
		for _, desc := range im.Manifests {
			var child Artifact
			switch {
			case desc.MediaType.IsIndex():
				child, err = idx.ImageIndex(desc.Digest)
			case desc.MediaType.IsImage():
				child, err = idx.Image(desc.Digest)
			default:
				return fmt.Errorf("index %s: manifest %s has media type %q, which cannot be written", d, desc.Digest, desc.MediaType)
			}
			if err != nil {
				return fmt.Errorf("index %s: %w", d, err)
			}
			if err := collect(child, s); err != nil {
				return err
			}
		}
	case mt.IsImage():
		img, ok := a.(v1.Image)
		if !ok {
			return fmt.Errorf("%s has media type %s but is not an image", d, mt)
		}
		m, err := img.Manifest()
		if err != nil {
			return err
		}
		cfg, err := img.RawConfigFile()
		if err != nil {
			return err
		}
		s.add(bytesBlob(m.Config.Digest, cfg))
		for _, l := range m.Layers {
			if !l.MediaType.IsDistributable() {
				continue
			}
			layer, err := img.LayerByDigest(l.Digest)
			if err != nil {
				return fmt.Errorf("image %s: layer %s: %w", d, l.Digest, err)
			}
			s.add(blob{digest: l.Digest, size: l.Size, open: layer.Compressed})
		}
	default:
		return fmt.Errorf("%s has media type %q: not an image or an index", d, mt)
	}
	return nil
}

// writeBlobs writes the blobs under dir/blobs, each to a temporary file
// renamed into place once its digest is verified; blobs already present
// with their size are kept.
func writeBlobs(ctx context.Context, dir string, blobs *blobSet) error {
	for _, b := range blobs.sorted() {
		if err := ctx.Err(); err != nil {
			return err
		}
		bdir := filepath.Join(dir, "blobs", b.digest.Algorithm)
		if err := os.MkdirAll(bdir, 0o755); err != nil {
			return fmt.Errorf("write OCI layout: %w", err)
		}
		p := filepath.Join(bdir, b.digest.Hex)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Size() == b.size {
			continue
		}
		if err := writeFileAtomic(p, func(w io.Writer) error { return b.copyTo(ctxWriter{ctx, w}) }); err != nil {
			return fmt.Errorf("write OCI layout: %w", err)
		}
	}
	return nil
}

// writeFileAtomic writes a file through fill into a temporary file in the
// same directory and renames it to p once complete and synced: readers
// see the old file or the whole new one, never a part.
func writeFileAtomic(p string, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(p)+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := fill(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// ctxWriter stops a long write when the build is cancelled.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

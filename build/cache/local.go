package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// A local cache directory (--cache-to type=local,dest=DIR, --cache-from
// type=local,src=DIR) is an OCI image layout whose index.json names the
// cache manifest "hoist-cache": `skopeo inspect --raw oci:DIR:hoist-cache`
// and `crane` read it, and `skopeo copy oci:DIR:hoist-cache docker://R`
// turns it into a registry cache.

// ImportLocal reads the cache in dir. A missing directory, index or blob,
// or a corrupt manifest or config, is an empty cache (or a dropped record)
// and a warning, never an error. Layer blobs are checked for presence and
// size now, and against their digest when read.
func ImportLocal(dir string) (*Cache, []string, error) {
	c := emptyCache()
	c.name = dir
	miss := func(format string, args ...any) (*Cache, []string, error) {
		return c, []string{fmt.Sprintf(format, args...) + "; building without it"}, nil
	}
	if fi, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return miss("cache directory %s does not exist", dir)
	} else if err != nil {
		return miss("cache directory %s not imported: %v", dir, err)
	} else if !fi.IsDir() {
		return miss("cache %s not imported: not a directory", dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return miss("cache directory %s not imported: %v", dir, err)
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(b, &idx); err != nil {
		return miss("cache directory %s not imported: index.json is not valid JSON: %v", dir, err)
	}
	var desc *v1.Descriptor
	for i := range idx.Manifests {
		if idx.Manifests[i].Annotations[refNameAnnotation] == LocalRefName {
			desc = &idx.Manifests[i]
		}
	}
	if desc == nil {
		return miss("cache directory %s has no manifest named %q", dir, LocalRefName)
	}
	if desc.Size > maxManifestSize || !validHash(desc.Digest) {
		return miss("cache directory %s not imported: index.json entry %q is invalid", dir, LocalRefName)
	}
	raw, err := readBlob(dir, *desc)
	if err != nil {
		return miss("cache directory %s not imported: manifest: %v", dir, err)
	}
	m, err := parseManifest(raw)
	if err != nil {
		return miss("cache directory %s not imported: %v", dir, err)
	}
	cfg, err := readBlob(dir, m.Config)
	if err != nil {
		return miss("cache directory %s not imported: config: %v", dir, err)
	}
	// Blobs that are missing or truncated are misses now rather than
	// failures later.
	var present []v1.Descriptor
	missing := 0
	for _, d := range m.Layers {
		if !validHash(d.Digest) {
			missing++
			continue
		}
		fi, err := os.Stat(blobPath(dir, d.Digest))
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != d.Size {
			missing++
			continue
		}
		present = append(present, d)
	}
	records, warnings, err := decodeConfig(cfg, present, dir)
	if err != nil {
		return miss("cache directory %s not imported: %v", dir, err)
	}
	if missing > 0 {
		warnings = append(warnings, fmt.Sprintf("cache directory %s: %d layer blob(s) missing or truncated; their records are cache misses", dir, missing))
	}
	c.records = records
	c.open = func(d v1.Descriptor) (io.ReadCloser, error) { return openBlob(dir, d) }
	return c, warnings, nil
}

// ExportLocal writes recs as the cache in dir, creating the layout if
// needed. layer(r) is called only for blobs dir lacks. Blobs are written to
// a temporary file, verified against their digest and size, and renamed;
// index.json is replaced atomically, keeping its other entries. Two exports
// to one directory at the same time are not coordinated: the last
// index.json wins (each is complete).
func ExportLocal(dir string, recs []Record, layer func(Record) (v1.Layer, error)) error {
	enc, err := encode(recs)
	if err != nil {
		return fmt.Errorf("cache directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return fmt.Errorf("cache directory %s: %w", dir, err)
	}
	layoutFile := filepath.Join(dir, "oci-layout")
	if _, err := os.Stat(layoutFile); errors.Is(err, fs.ErrNotExist) {
		if err := writeFileAtomic(layoutFile, []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
			return fmt.Errorf("cache directory %s: %w", dir, err)
		}
	}
	for _, r := range enc.blobs {
		if fi, err := os.Stat(blobPath(dir, r.Layer.Digest)); err == nil && fi.Mode().IsRegular() && fi.Size() == r.Layer.Size {
			continue
		}
		l, err := layer(r)
		if err != nil {
			return fmt.Errorf("cache directory %s: layer %s of record %s: %w", dir, r.Layer.Digest, r.Key.Short(), err)
		}
		rc, err := l.Compressed()
		if err != nil {
			return fmt.Errorf("cache directory %s: layer %s of record %s: %w", dir, r.Layer.Digest, r.Key.Short(), err)
		}
		err = writeBlob(dir, r.Layer, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("cache directory %s: record %s: %w", dir, r.Key.Short(), err)
		}
	}
	for _, b := range []struct {
		d    v1.Descriptor
		data []byte
	}{{enc.configDesc, enc.config}, {enc.manifestDesc, enc.manifest}} {
		if err := writeBlob(dir, b.d, bytes.NewReader(b.data)); err != nil {
			return fmt.Errorf("cache directory %s: %w", dir, err)
		}
	}
	if err := updateIndex(dir, enc.manifestDesc); err != nil {
		return fmt.Errorf("cache directory %s: %w", dir, err)
	}
	return nil
}

// updateIndex points "hoist-cache" at d in dir/index.json, keeping other
// entries. An unreadable index.json is replaced: the directory is a cache.
func updateIndex(dir string, d v1.Descriptor) error {
	path := filepath.Join(dir, "index.json")
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	if b, err := os.ReadFile(path); err == nil {
		var old v1.IndexManifest
		if json.Unmarshal(b, &old) == nil {
			for _, m := range old.Manifests {
				if m.Annotations[refNameAnnotation] != LocalRefName {
					idx.Manifests = append(idx.Manifests, m)
				}
			}
		}
	}
	d.Annotations = map[string]string{refNameAnnotation: LocalRefName}
	idx.Manifests = append(idx.Manifests, d)
	b, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

func blobPath(dir string, h v1.Hash) string {
	return filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
}

// readBlob reads a small blob (manifest, config) whole, verified.
func readBlob(dir string, d v1.Descriptor) ([]byte, error) {
	rc, err := openBlob(dir, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// openBlob opens a blob whose reads fail unless it has d's size and digest.
func openBlob(dir string, d v1.Descriptor) (io.ReadCloser, error) {
	if !validHash(d.Digest) {
		return nil, fmt.Errorf("blob digest %q is not a sha256 digest", d.Digest)
	}
	f, err := os.Open(blobPath(dir, d.Digest))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	return &verifyingReader{r: io.LimitReader(f, d.Size+1), c: f, want: d, h: sha256.New()}, nil
}

// verifyingReader fails at the end of the stream unless the content had the
// expected size and digest, so a corrupt blob never passes for a good one.
type verifyingReader struct {
	r    io.Reader
	c    io.Closer
	want v1.Descriptor
	h    hash.Hash
	n    int64
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.n += int64(n)
	v.h.Write(p[:n])
	if v.n > v.want.Size {
		return n, fmt.Errorf("blob %s is larger than its %d bytes: it is corrupt", v.want.Digest, v.want.Size)
	}
	if errors.Is(err, io.EOF) {
		if v.n != v.want.Size {
			return n, fmt.Errorf("blob %s has %d bytes, want %d: it is corrupt or truncated", v.want.Digest, v.n, v.want.Size)
		}
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want.Digest.Hex {
			return n, fmt.Errorf("blob %s has digest sha256:%s: it is corrupt", v.want.Digest, got)
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.c.Close() }

// writeBlob writes r as the blob d unless it is there already, through a
// verified temp file.
func writeBlob(dir string, d v1.Descriptor, r io.Reader) error {
	dst := blobPath(dir, d.Digest)
	if fi, err := os.Stat(dst); err == nil && fi.Mode().IsRegular() && fi.Size() == d.Size {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".tmp-"+d.Digest.Hex[:12]+"-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, a no-op
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write blob %s: %w", d.Digest, err)
	}
	if n != d.Size || hex.EncodeToString(h.Sum(nil)) != d.Digest.Hex {
		return fmt.Errorf("blob %s: the layer given has %d bytes and digest sha256:%x, the record says %d bytes", d.Digest, n, h.Sum(nil), d.Size)
	}
	return os.Rename(tmp, dst)
}

func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

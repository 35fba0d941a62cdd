package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/hoistci/hoist/build/buildfs"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func dirEntry(p string, perm fs.FileMode) *buildfs.Entry {
	return &buildfs.Entry{Path: p, Mode: fs.ModeDir | perm, ModTime: t0}
}

func fileEntry(p string, perm fs.FileMode, content string) *buildfs.Entry {
	b := []byte(content)
	return &buildfs.Entry{
		Path: p, Mode: perm, Size: int64(len(b)), ModTime: t0,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
	}
}

func symlinkEntry(p, target string) *buildfs.Entry {
	return &buildfs.Entry{Path: p, Mode: fs.ModeSymlink | 0o777, Linkname: target, ModTime: t0}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readAll(t testing.TB, e *buildfs.Entry) []byte {
	t.Helper()
	if e.Open == nil {
		t.Fatalf("%s: no Open", e.Path)
	}
	rc, err := e.Open()
	if err != nil {
		t.Fatalf("%s: open: %v", e.Path, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("%s: read: %v", e.Path, err)
	}
	return b
}

func mustWrite(t testing.TB, entries []*buildfs.Entry, opts WriteOptions) *Layer {
	t.Helper()
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	l, err := Write(context.Background(), entries, opts)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return l
}

func fileOpener(p string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(p) }
}

func bytesOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// tarEntry is one raw tar member for building test layers by hand.
type tarEntry struct {
	name     string
	typ      byte
	body     string
	linkname string
	mode     int64
}

func rawTar(t testing.TB, members ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		typ := m.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := m.mode
		if mode == 0 {
			mode = 0o644
			if typ == tar.TypeDir {
				mode = 0o755
			}
		}
		h := &tar.Header{Name: m.name, Typeflag: typ, Linkname: m.linkname, Mode: mode, ModTime: t0}
		if typ == tar.TypeReg {
			h.Size = int64(len(m.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %q: %v", m.name, err)
		}
		if _, err := io.WriteString(tw, m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// applyAll applies raw layers to a new tree.
func applyAll(t testing.TB, r *Reader, layers ...[]byte) (*buildfs.Tree, error) {
	t.Helper()
	tree := buildfs.NewTree()
	for _, l := range layers {
		if err := r.Apply(tree, bytesOpener(l)); err != nil {
			return tree, err
		}
	}
	return tree, nil
}

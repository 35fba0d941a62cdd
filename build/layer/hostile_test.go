package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hoistci/hoist/build/buildfs"
)

// Hostile base-image layers: tar bombs (a huge declared size, a
// decompression bomb, many entries, deep nesting, symlink loops) must end in
// an error or a correct tree, with memory that does not grow with the
// content, and never write outside the extraction directory. No assertion
// on time.

// truncatedHuge is a tar whose one member declares 1 TiB and holds 100
// bytes: a reader that trusted the header would allocate or wait forever.
func truncatedHuge(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "huge", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1 << 40, ModTime: t0}); err != nil {
		t.Fatal(err)
	}
	tw.Write(bytes.Repeat([]byte("x"), 100))
	return buf.Bytes() // no Close: the archive ends inside the member
}

// zeroBomb is a gzip-compressed layer holding one file of n zero bytes:
// a few hundred KB that decompress to n.
func zeroBomb(t testing.TB, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := compressor(&buf, Gzip, 0)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: n, ModTime: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(tw, zeroReader{}, n); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// allocated runs f and returns the bytes it allocated on the heap in all
// (runtime.MemStats.TotalAlloc): content held in memory would count in full.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestApplyHugeDeclaredSize(t *testing.T) {
	r := NewReader(t.TempDir())
	defer r.Close()
	_, err := applyAll(t, r, truncatedHuge(t))
	if err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("err = %v, want an unexpected EOF", err)
	}
}

func TestExtractOverlayHugeDeclaredSize(t *testing.T) {
	parent := t.TempDir()
	root, check := sentinelDir(t, parent)
	err := ExtractOverlay(context.Background(), bytes.NewReader(truncatedHuge(t)), root)
	if err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("err = %v, want an unexpected EOF", err)
	}
	if err := check(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(root, "huge")); err == nil && fi.Size() > 1<<20 {
		t.Fatalf("a truncated member became a %d-byte file", fi.Size())
	}
}

// TestDecompressionBomb applies, reads and extracts a 64 MiB file from a
// layer of a few hundred KB: it works (a big file is legitimate), and the
// content is streamed, never held in memory.
func TestDecompressionBomb(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("64 MiB of decompression: skipped with -short and -race")
	}
	const n = 64 << 20
	bomb := zeroBomb(t, n)
	t.Logf("layer: %d bytes compressed, %d uncompressed", len(bomb), n)
	r := NewReader(t.TempDir())
	defer r.Close()
	var tree *buildfs.Tree
	var err error
	if a := allocated(func() { tree, err = applyAll(t, r, bomb) }); a > n/4 {
		t.Errorf("Apply allocated %d MiB for a %d MiB file", a>>20, n>>20)
	}
	if err != nil {
		t.Fatal(err)
	}
	e, err := tree.Lstat("zeros")
	if err != nil || e == nil || e.Size != n {
		t.Fatalf("zeros: %+v, %v", e, err)
	}
	var got int64
	if a := allocated(func() {
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		got, err = io.Copy(io.Discard, rc)
		if err != nil {
			t.Fatal(err)
		}
	}); a > n/4 {
		t.Errorf("reading the file allocated %d MiB for %d MiB", a>>20, n>>20)
	}
	if got != n {
		t.Fatalf("read %d bytes, want %d", got, n)
	}
	parent := t.TempDir()
	root, check := sentinelDir(t, parent)
	if a := allocated(func() { err = ExtractOverlay(context.Background(), bytes.NewReader(bomb), root) }); a > n/4 {
		t.Errorf("ExtractOverlay allocated %d MiB for a %d MiB file", a>>20, n>>20)
	}
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(root, "zeros")); err != nil || fi.Size() != n {
		t.Fatalf("extracted zeros: %v, %v", fi, err)
	}
	if err := check(); err != nil {
		t.Fatal(err)
	}
}

// manyEntries is a layer of n empty files in 100 directories.
func manyEntries(t testing.TB, n int) []byte {
	members := make([]tarEntry, 0, n+100)
	for d := range 100 {
		members = append(members, tarEntry{name: fmt.Sprintf("d%02d/", d), typ: tar.TypeDir})
	}
	for i := range n {
		members = append(members, tarEntry{name: fmt.Sprintf("d%02d/f%06d", i%100, i)})
	}
	return rawTar(t, members...)
}

func TestManyEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 files on disk")
	}
	const n = 20000
	layer := manyEntries(t, n)
	r := NewReader(t.TempDir())
	defer r.Close()
	tree, err := applyAll(t, r, layer)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, p := range tree.Paths() {
		if e, err := tree.Lstat(p); err == nil && e.IsRegular() {
			files++
		}
	}
	if files != n {
		t.Fatalf("%d files in the tree, want %d", files, n)
	}
	parent := t.TempDir()
	root, check := sentinelDir(t, parent)
	if err := ExtractOverlay(context.Background(), bytes.NewReader(layer), root); err != nil {
		t.Fatal(err)
	}
	if es, err := os.ReadDir(filepath.Join(root, "d42")); err != nil || len(es) != n/100 {
		t.Fatalf("d42 holds %d entries (%v), want %d", len(es), err, n/100)
	}
	if err := check(); err != nil {
		t.Fatal(err)
	}
}

// TestDeepNesting: a file 1500 directories deep (a 3 KB name) applies and
// extracts whole; extraction opens each level relative to the last, so no
// path ever exceeds PATH_MAX.
func TestDeepNesting(t *testing.T) {
	const depth = 1500
	name := strings.Repeat("d/", depth) + "f"
	layer := rawTar(t, tarEntry{name: name, body: "deep"})
	r := NewReader(t.TempDir())
	defer r.Close()
	tree, err := applyAll(t, r, layer)
	if err != nil {
		t.Fatal(err)
	}
	e, err := tree.Lstat(name)
	if err != nil || e == nil || string(readAll(t, e)) != "deep" {
		t.Fatalf("%d-deep file: %+v, %v", depth, e, err)
	}
	parent := t.TempDir()
	root, check := sentinelDir(t, parent)
	if err := ExtractOverlay(context.Background(), bytes.NewReader(layer), root); err != nil {
		t.Fatal(err)
	}
	// Walk down relative to each level to read it back.
	d, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for range depth {
		sub, err := d.OpenRoot("d")
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		d = sub
	}
	if b, err := d.ReadFile("f"); err != nil || string(b) != "deep" {
		t.Fatalf("f = %q, %v", b, err)
	}
	if err := check(); err != nil {
		t.Fatal(err)
	}
}

// TestSymlinkLoopLayer: symlinks that form a loop, and a member written
// through them, are refused by extraction. Apply never follows links: it
// keeps them as links, and a member below one replaces that link with a
// directory (Apply's documented overlay2 behaviour), leaving the rest of
// the loop alone.
func TestSymlinkLoopLayer(t *testing.T) {
	members := []tarEntry{}
	for i := range 50 {
		members = append(members, tarEntry{name: fmt.Sprintf("l%d", i), typ: tar.TypeSymlink, linkname: fmt.Sprintf("l%d", (i+1)%50)})
	}
	members = append(members, tarEntry{name: "self", typ: tar.TypeSymlink, linkname: "self"})
	withWrite := append(append([]tarEntry{}, members...), tarEntry{name: "l0/x", body: "evil"})

	r := NewReader(t.TempDir())
	defer r.Close()
	tree, err := applyAll(t, r, rawTar(t, members...))
	if err != nil {
		t.Fatal(err)
	}
	if e, err := tree.Lstat("l0"); err != nil || e == nil || !e.IsSymlink() || e.Linkname != "l1" {
		t.Fatalf("l0: %+v, %v", e, err)
	}
	tree, err = applyAll(t, r, rawTar(t, withWrite...))
	if err != nil {
		t.Fatal(err)
	}
	if e, err := tree.Lstat("l0"); err != nil || !e.IsDir() {
		t.Fatalf("l0 with l0/x below: %+v, %v; want a directory", e, err)
	}
	for _, p := range tree.Paths() {
		if strings.HasSuffix(p, "/x") && p != "l0/x" {
			t.Fatalf("x written through a link at %s", p)
		}
	}
	if e, err := tree.Lstat("l1"); err != nil || !e.IsSymlink() || e.Linkname != "l2" {
		t.Fatalf("l1: %+v, %v", e, err)
	}

	parent := t.TempDir()
	root, check := sentinelDir(t, parent)
	err = ExtractOverlay(context.Background(), bytes.NewReader(rawTar(t, withWrite...)), root)
	if err == nil || !strings.Contains(err.Error(), "symlink or a non-directory") {
		t.Fatalf("err = %v, want l0/x refused", err)
	}
	if err := check(); err != nil {
		t.Fatal(err)
	}
}

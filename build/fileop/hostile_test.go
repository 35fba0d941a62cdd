package fileop

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/hoistci/hoist/build/buildfs"
)

// Hostile ADD archives: tar bombs (a huge declared size, a decompression
// bomb, many entries, deep nesting) and symlink loops must end in an error
// or a correct result, with memory that does not grow with the content and
// no temporary file left behind on error. No assertion on time. (Path
// traversal: TestAddArchive, TestAddArchiveThroughAbsoluteSymlink and
// FuzzTarExtract.)

// addArchive runs ADD t.tar /dest/ with archive bytes data.
func addArchive(t *testing.T, data []byte, tmp string) ([]*buildfs.Entry, error) {
	t.Helper()
	src := tree(B("t.tar", data, 0o644))
	c := Copy{Sources: []string{"t.tar"}, Dest: "/dest/", IsAdd: true, TmpDir: tmp}
	ms, err := Select(src, c)
	if err != nil {
		t.Fatal(err)
	}
	return Apply(src, tree(F("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644), D("dest", 0o755)), c, ms)
}

func heapAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestAddHugeDeclaredSize(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "huge", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1 << 40, ModTime: t0}); err != nil {
		t.Fatal(err)
	}
	tw.Write(bytes.Repeat([]byte("x"), 100)) // and no more: the archive ends inside the member
	// A first small member makes it an archive (isArchive reads one header).
	data := append(mkTar(t, tarEnt{name: "ok", data: "fine"})[:1024], buf.Bytes()...)
	tmp := t.TempDir()
	_, err := addArchive(t, data, tmp)
	if err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("err = %v, want an unexpected EOF", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestAddDecompressionBomb extracts a 64 MiB file from a gzip archive of
// a few hundred KB: legitimate, so it works, with the content spooled to
// TmpDir and never held in memory.
func TestAddDecompressionBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB of decompression")
	}
	const n = 64 << 20
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: n, ModTime: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(tw, io.LimitReader(zeros{}, n)); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	zw.Close()
	t.Logf("archive: %d bytes compressed, %d uncompressed", buf.Len(), n)
	var got []*buildfs.Entry
	var err error
	if a := heapAllocated(func() { got, err = addArchive(t, buf.Bytes(), t.TempDir()) }); a > n/4 {
		t.Errorf("ADD allocated %d MiB for a %d MiB file", a>>20, n>>20)
	}
	if err != nil {
		t.Fatal(err)
	}
	var zerosEntry *buildfs.Entry
	for _, e := range got {
		if e.Path == "dest/zeros" {
			zerosEntry = e
		}
	}
	if zerosEntry == nil || zerosEntry.Size != n {
		t.Fatalf("dest/zeros: %+v in %v", zerosEntry, describeAll(t, got))
	}
	rc, err := zerosEntry.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if c, err := io.Copy(io.Discard, rc); err != nil || c != n {
		t.Fatalf("read %d bytes, %v; want %d", c, err, n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestAddManyEntries(t *testing.T) {
	const n = 20000
	ents := make([]tarEnt, 0, n)
	for i := range n {
		ents = append(ents, tarEnt{name: fmt.Sprintf("d%02d/f%06d", i%100, i)})
	}
	got, err := addArchive(t, mkTar(t, ents...), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, e := range got {
		if e.IsRegular() {
			if !strings.HasPrefix(e.Path, "dest/d") {
				t.Fatalf("entry %q", e.Path)
			}
			files++
		}
	}
	if files != n {
		t.Fatalf("%d files, want %d", files, n)
	}
}

func TestAddDeepNesting(t *testing.T) {
	const depth = 1500
	name := strings.Repeat("d/", depth) + "f"
	got, err := addArchive(t, mkTar(t, tarEnt{name: name, data: "deep"}), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dirs := 0
	var f *buildfs.Entry
	for _, e := range got {
		switch {
		case e.IsDir():
			dirs++
		case e.Path == "dest/"+name:
			f = e
		}
	}
	if f == nil || dirs < depth {
		t.Fatalf("%d directories, file %v; want %d and dest/%s", dirs, f, depth, name[:20]+"...")
	}
}

// TestAddSymlinkLoop: an archive whose symlinks form a loop, then writes
// through it, fails naming the loop; a self-link alone is kept as a link.
func TestAddSymlinkLoop(t *testing.T) {
	var ents []tarEnt
	for i := range 50 {
		ents = append(ents, tarEnt{name: fmt.Sprintf("l%d", i), typ: tar.TypeSymlink, link: fmt.Sprintf("l%d", (i+1)%50)})
	}
	ents = append(ents, tarEnt{name: "self", typ: tar.TypeSymlink, link: "self"})
	got, err := addArchive(t, mkTar(t, ents...), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	links := 0
	for _, e := range got {
		if e.IsSymlink() {
			links++
		}
	}
	if links != 51 {
		t.Fatalf("%d links, want 51", links)
	}
	tmp := t.TempDir()
	_, err = addArchive(t, mkTar(t, append(ents, tarEnt{name: "l0/x", data: "evil"})...), tmp)
	if err == nil || !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Fatalf("err = %v, want too many levels of symbolic links", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

package layer

import (
	"archive/tar"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/hoistci/hoist/build/buildfs"
)

// FuzzApply feeds hostile layer bytes to Apply: it must not panic, every
// path in the tree must be clean and inside the root, and opening any file
// must work or fail cleanly. (Extract is left out: its disk writes would
// make each run slow enough to stall the fuzzer's minimisation; the
// hostile-FS tests cover it.)
func FuzzApply(f *testing.F) {
	f.Add(rawTar(f, dir("a/"), file("a/x", "1"), symlink("l", "/etc"), file("l/passwd", "evil"), hardlink("h", "a/x")))
	f.Add(rawTar(f, file("../../x", "x"), file("/abs", "y"), file("a/.wh..wh..opq", ""), file(".wh.a", ""), file(".wh..", "")))
	f.Add(rawTar(f, hardlink("h", "../../etc/passwd"), file("p", "x"), hardlink("q", "/p")))
	f.Add(gzipped(f, rawTar(f, file("f", strings.Repeat("z", 5000)))))
	long := rawTar(f, file(strings.Repeat("d/", 80)+"f", "deep"), symlink("s", strings.Repeat("../", 60)))
	f.Add(long)
	var pax bytes.Buffer
	tw := tar.NewWriter(&pax)
	tw.WriteHeader(&tar.Header{Name: "x", Typeflag: tar.TypeReg, Size: 1, PAXRecords: map[string]string{"SCHILY.xattr.user.a": "b", "path": "../../pax"}, Format: tar.FormatPAX})
	tw.Write([]byte("1"))
	tw.Close()
	f.Add(pax.Bytes())
	f.Add([]byte{})
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0})
	l := mustWrite(f, roundTripEntries(), WriteOptions{Compression: Zstd})
	if b, err := os.ReadFile(l.Path); err == nil {
		f.Add(b)
	}
	spillRoot := f.TempDir() // one per worker process: cheaper runs
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(spillRoot)
		defer r.Close()
		tree := buildfs.NewTree()
		_ = r.Apply(tree, bytesOpener(data))
		for _, p := range tree.Paths() {
			if buildfs.Clean(p) != p || p == "" || strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
				t.Fatalf("path %q escapes or is not clean", p)
			}
			e, err := tree.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			if e.Path != p {
				t.Fatalf("entry at %q says it is %q", p, e.Path)
			}
			if e.IsRegular() && e.Size < 1<<20 {
				if rc, err := e.Open(); err == nil {
					rc.Close()
				}
			}
		}
	})
}

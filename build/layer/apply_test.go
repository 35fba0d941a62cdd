package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/hoistci/hoist/build/buildfs"
)

// describe lists a tree as "path" for directories (with a trailing /),
// "path=content" for files and "path->target" for symlinks.
func describe(t *testing.T, tree *buildfs.Tree) []string {
	t.Helper()
	var out []string
	for _, p := range tree.Paths() {
		e, err := tree.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case e.IsDir():
			out = append(out, p+"/")
		case e.IsSymlink():
			out = append(out, p+"->"+e.Linkname)
		default:
			out = append(out, p+"="+string(readAll(t, e)))
		}
	}
	return out
}

func dir(name string) tarEntry        { return tarEntry{name: name, typ: tar.TypeDir} }
func file(name, body string) tarEntry { return tarEntry{name: name, body: body} }
func symlink(name, target string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeSymlink, linkname: target}
}
func hardlink(name, target string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeLink, linkname: target}
}

func TestApplyLayers(t *testing.T) {
	base := []tarEntry{dir("a/"), file("a/x", "1"), file("a/y", "2"), dir("a/sub/"), file("a/sub/z", "3"), file("f", "f0"), symlink("l", "a/x")}
	for _, tc := range []struct {
		name   string
		layers [][]tarEntry
		want   []string
	}{
		{"base", [][]tarEntry{base},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=2", "f=f0", "l->a/x"}},
		{"whiteout file", [][]tarEntry{base, {file("a/.wh.x", "")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/y=2", "f=f0", "l->a/x"}},
		{"whiteout dir removes its contents", [][]tarEntry{base, {file("a/.wh.sub", "")}},
			[]string{"a/", "a/x=1", "a/y=2", "f=f0", "l->a/x"}},
		{"whiteout of a missing path", [][]tarEntry{base, {file(".wh.nothing", ""), file("a/.wh.nope", "")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=2", "f=f0", "l->a/x"}},
		{"whiteout symlink, not its target", [][]tarEntry{base, {file(".wh.l", "")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=2", "f=f0"}},
		{"opaque dir", [][]tarEntry{base, {dir("a/"), file("a/.wh..wh..opq", ""), file("a/new", "n")}},
			[]string{"a/", "a/new=n", "f=f0", "l->a/x"}},
		{"opaque marker after this layer's files", [][]tarEntry{base, {dir("a/"), file("a/new", "n"), dir("a/sub/"), file("a/sub/q", "q"), file("a/.wh..wh..opq", "")}},
			[]string{"a/", "a/new=n", "a/sub/", "a/sub/q=q", "f=f0", "l->a/x"}},
		{"opaque root", [][]tarEntry{base, {file(".wh..wh..opq", ""), file("only", "o")}},
			[]string{"only=o"}},
		{"whiteout after re-adding in the same layer keeps the new file", [][]tarEntry{base, {file("f", "f1"), file(".wh.f", "")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=2", "f=f1", "l->a/x"}},
		{"whiteout then re-add: a fresh directory", [][]tarEntry{base, {file(".wh.a", ""), dir("a/"), file("a/y", "new")}},
			[]string{"a/", "a/y=new", "f=f0", "l->a/x"}},
		{"whiteout of a dir re-added earlier in the layer drops only lower contents", [][]tarEntry{base, {dir("a/"), file("a/w", "w"), file(".wh.a", "")}},
			[]string{"a/", "a/w=w", "f=f0", "l->a/x"}},
		{"aufs metadata ignored", [][]tarEntry{base, {file(".wh..wh.plnk/123", "x"), file("a/.wh..wh.aufs", "")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=2", "f=f0", "l->a/x"}},
		{"file replaces dir", [][]tarEntry{base, {file("a", "now a file")}},
			[]string{"a=now a file", "f=f0", "l->a/x"}},
		{"dir replaces file", [][]tarEntry{base, {dir("f/"), file("f/in", "i")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=2", "f/", "f/in=i", "l->a/x"}},
		{"dir over dir merges", [][]tarEntry{base, {dir("a/"), file("a/x", "1b")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1b", "a/y=2", "f=f0", "l->a/x"}},
		{"three layers", [][]tarEntry{base, {file("a/.wh.y", ""), file("b", "b")}, {file(".wh.b", ""), file("a/y", "back")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=back", "f=f0", "l->a/x"}},
		{"hard link in the same layer", [][]tarEntry{{file("t", "data"), hardlink("h", "t")}},
			[]string{"h=data", "t=data"}},
		{"hard link to an earlier layer", [][]tarEntry{base, {hardlink("h", "/a/sub/z")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=2", "f=f0", "h=3", "l->a/x"}},
		{"hard link survives its target's whiteout", [][]tarEntry{base, {hardlink("h", "f")}, {file(".wh.f", "")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=2", "h=f0", "l->a/x"}},
		{"root entry and ./ prefixes", [][]tarEntry{{dir("./"), dir("./etc/"), file("./etc/hosts", "h")}},
			[]string{"etc/", "etc/hosts=h"}},
		// Hostile names are cleaned against the root.
		{"dot-dot names", [][]tarEntry{{file("../../x", "x"), file("a/../../../y", "y"), file("./b/../../z", "z")}},
			[]string{"x=x", "y=y", "z=z"}},
		{"absolute names", [][]tarEntry{{file("/etc/passwd", "root"), dir("/usr/")}},
			[]string{"etc/", "etc/passwd=root", "usr/"}},
		{"symlink then a file through it, one layer", [][]tarEntry{{dir("etc/"), file("etc/passwd", "real"), symlink("a", "/etc"), file("a/passwd", "evil")}},
			[]string{"a/", "a/passwd=evil", "etc/", "etc/passwd=real"}},
		{"symlink then a file through it, two layers", [][]tarEntry{{dir("etc/"), file("etc/passwd", "real"), symlink("a", "../../etc")}, {file("a/passwd", "evil")}},
			[]string{"a/", "a/passwd=evil", "etc/", "etc/passwd=real"}},
		{"hostile whiteouts", [][]tarEntry{base, {file(".wh..", ""), file("a/.wh..", ""), file(".wh.", ""), file("../.wh.f", "")}},
			[]string{"a/", "a/sub/", "a/sub/z=3", "a/x=1", "a/y=2", "l->a/x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(t.TempDir())
			defer r.Close()
			var layers [][]byte
			for _, l := range tc.layers {
				layers = append(layers, rawTar(t, l...))
			}
			tree, err := applyAll(t, r, layers...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, describe(t, tree)); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyHardLinkBookkeeping(t *testing.T) {
	r := NewReader(t.TempDir())
	defer r.Close()
	tree, err := applyAll(t, r,
		rawTar(t, file("t", "data"), hardlink("h1", "t"), hardlink("h2", "h1"), file("u", "u"), hardlink("hu", "u")),
		rawTar(t, file("u", "changed")))
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"h1": "t", "h2": "t", "hu": ""} {
		e, _ := tree.Lstat(p)
		if e.HardLink != want {
			t.Errorf("%s: HardLink %q, want %q", p, e.HardLink, want)
		}
	}
	if e, _ := tree.Lstat("hu"); string(readAll(t, e)) != "u" {
		t.Errorf("hu lost its content")
	}
}

func TestApplyErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		layer []byte
		want  string
	}{
		{"hard link to nothing", rawTar(t, hardlink("h", "missing")), "neither this nor an earlier layer"},
		{"hard link to a directory", rawTar(t, dir("d/"), hardlink("h", "d")), "directory"},
		{"truncated tar", rawTar(t, file("f", strings.Repeat("x", 2000)))[:1000], "unexpected EOF"},
		{"truncated gzip", gzipped(t, rawTar(t, file("f", "x")))[:20], "EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(t.TempDir())
			defer r.Close()
			_, err := applyAll(t, r, tc.layer)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := compressor(&buf, Gzip, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestApplySpill checks the lazy per-layer extraction: nothing is read a
// second time until a file is opened, then the layer is read exactly once
// more however many goroutines open its files at once.
func TestApplySpill(t *testing.T) {
	var entries []*buildfs.Entry
	for i := range 50 {
		entries = append(entries, fileEntry("f"+string(rune('A'+i)), 0o644, strings.Repeat(string(rune('a'+i%26)), 1000+i)))
	}
	entries = append(entries, fileEntry("empty", 0o644, ""))
	l := mustWrite(t, entries, WriteOptions{})
	var opens atomic.Int32
	opener := func() (io.ReadCloser, error) {
		opens.Add(1)
		return os.Open(l.Path)
	}
	spillRoot := t.TempDir()
	r := NewReader(spillRoot)
	tree := buildfs.NewTree()
	if err := r.Apply(tree, opener); err != nil {
		t.Fatal(err)
	}
	if n := opens.Load(); n != 1 {
		t.Fatalf("Apply opened the layer %d times", n)
	}
	e, _ := tree.Lstat("empty")
	if b := readAll(t, e); len(b) != 0 || opens.Load() != 1 {
		t.Errorf("an empty file must not need the layer: %q, %d opens", b, opens.Load())
	}
	var wg sync.WaitGroup
	for _, want := range entries {
		wg.Go(func() {
			e, err := tree.Lstat(want.Path)
			if err != nil {
				t.Error(err)
				return
			}
			if got, w := readAll(t, e), readAll(t, want); !bytes.Equal(got, w) {
				t.Errorf("%s: content differs", want.Path)
			}
			h, err := e.Hash()
			if err != nil || h != sha(readAll(t, want)) {
				t.Errorf("%s: hash %s, %v", want.Path, h, err)
			}
		})
	}
	wg.Wait()
	if n := opens.Load(); n != 2 {
		t.Errorf("layer opened %d times, want 2 (apply, one extraction)", n)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(spillRoot); len(left) != 0 {
		t.Errorf("Close left %v", left)
	}
	if _, err := e.Open(); err != nil {
		// empty files need nothing
		t.Errorf("empty after Close: %v", err)
	}
	fa, _ := tree.Lstat("fA")
	if _, err := fa.Open(); err != nil {
		// fA was extracted before Close; the extracted copy is gone now.
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("open after Close: %v", err)
		}
	} else {
		t.Errorf("open after Close succeeded")
	}
}

func TestApplySpillChangedLayer(t *testing.T) {
	first := rawTar(t, file("f", "one"))
	second := rawTar(t, file("f", "two"))
	n := 0
	r := NewReader(t.TempDir())
	defer r.Close()
	tree := buildfs.NewTree()
	err := r.Apply(tree, func() (io.ReadCloser, error) {
		n++
		if n == 1 {
			return io.NopCloser(bytes.NewReader(first)), nil
		}
		return io.NopCloser(bytes.NewReader(second)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := tree.Lstat("f")
	if _, err := e.Open(); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("a layer that changed between reads: %v", err)
	}
}

// fixedDiffIDs overrides an image's config diffIDs.
type fixedDiffIDs struct {
	v1.Image
	ids []v1.Hash
}

func (f fixedDiffIDs) ConfigFile() (*v1.ConfigFile, error) {
	cf, err := f.Image.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs = f.ids
	return cf, nil
}

func TestTree(t *testing.T) {
	l1 := mustWrite(t, []*buildfs.Entry{dirEntry("etc", 0o755), fileEntry("etc/passwd", 0o644, "root:x:0:0::/root:/bin/sh\n"), fileEntry("etc/group", 0o644, "root:x:0:\n")}, WriteOptions{Compression: Gzip})
	l2 := mustWrite(t, []*buildfs.Entry{dirEntry("etc", 0o755), fileEntry("etc/.wh.group", 0o644, ""), dirEntry("app", 0o755), fileEntry("app/run", 0o755, "go")}, WriteOptions{Compression: Zstd})
	l3 := mustWrite(t, []*buildfs.Entry{fileEntry("app/run", 0o755, "go2")}, WriteOptions{Compression: Uncompressed})
	var layers []v1.Layer
	for _, l := range []*Layer{l1, l2, l3} {
		gl, err := tarball.LayerFromFile(l.Path, tarball.WithMediaType(l.MediaType))
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, gl)
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(t.TempDir())
	defer r.Close()
	tree, err := r.Tree(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"app/", "app/run=go2", "etc/", "etc/passwd=root:x:0:0::/root:/bin/sh\n"}
	if diff := cmp.Diff(want, describe(t, tree)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}

	bad := fixedDiffIDs{img, []v1.Hash{l1.DiffID, l1.DiffID, l3.DiffID}}
	if _, err := r.Tree(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "layer 2 of 3") || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("a layer not matching the config's diffID: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Tree(ctx, img); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestApplyAfterClose(t *testing.T) {
	r := NewReader(t.TempDir())
	r.Close()
	if err := r.Apply(buildfs.NewTree(), bytesOpener(rawTar(t, file("f", "x")))); err == nil {
		t.Error("Apply after Close must fail")
	}
}

// TestApplySpillNames checks the extraction directory holds files named by
// entry number only, whatever the tar names them.
func TestApplySpillNames(t *testing.T) {
	spillRoot := t.TempDir()
	r := NewReader(spillRoot)
	defer r.Close()
	tree, err := applyAll(t, r, rawTar(t, file("../../../../tmp/evil", "x"), file("/etc/shadow", "y")))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tree.Paths() {
		if e, _ := tree.Lstat(p); e.IsRegular() {
			readAll(t, e)
		}
	}
	var names []string
	filepath.WalkDir(spillRoot, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, filepath.Base(p))
		}
		return nil
	})
	if diff := cmp.Diff([]string{"0", "1"}, names); diff != "" {
		t.Errorf("spilled files (-want +got):\n%s", diff)
	}
}

func TestOpenAfterFailedApply(t *testing.T) {
	r := NewReader(t.TempDir())
	defer r.Close()
	tree, err := applyAll(t, r, rawTar(t, file("f", "content"), hardlink("h", "missing")))
	if err == nil {
		t.Fatal("want an error")
	}
	e, lerr := tree.Lstat("f")
	if lerr != nil {
		t.Fatal(lerr)
	}
	if _, err := e.Open(); err == nil || !strings.Contains(err.Error(), "failed to apply") {
		t.Errorf("open of a file of a failed layer: %v", err)
	}
}

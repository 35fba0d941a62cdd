//go:build linux

package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/hoistci/hoist/build/buildfs"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (overlay mounts, whiteouts as trusted xattrs, chown)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare(1) for a private mount namespace")
	}
}

// hdrTar builds a layer from full tar headers (for xattrs, owners, devices).
func hdrTar(t testing.TB, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		body := ""
		if h.Typeflag == tar.TypeReg {
			body = h.Linkname // test convention: content rides in Linkname
			h.Linkname = ""
			h.Size = int64(len(body))
		}
		if h.ModTime.IsZero() {
			h.ModTime = t0
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		io.WriteString(tw, body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func extractLayer(t *testing.T, layer []byte, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := ExtractOverlay(context.Background(), bytes.NewReader(layer), dir); err != nil {
		t.Fatalf("ExtractOverlay: %v", err)
	}
}

func xattr(t *testing.T, p, name string) string {
	t.Helper()
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(p, name, buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

// describeDisk lists a directory tree as "path type mode uid:gid extra".
func describeDisk(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v %d:%d", rel, statMode(st.Mode), st.Uid, st.Gid)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			b, _ := os.ReadFile(p)
			line += fmt.Sprintf(" %q", b)
		case unix.S_IFLNK:
			l, _ := os.Readlink(p)
			line += " -> " + l
		case unix.S_IFCHR:
			line += fmt.Sprintf(" dev %d,%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// inMountNS runs script with sh in a private mount namespace, so that no
// mount outlives it.
func inMountNS(t *testing.T, script string) string {
	t.Helper()
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-ec", script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

func lowerLayer(t *testing.T) []byte {
	l := mustWrite(t, []*buildfs.Entry{
		dirEntry("etc", 0o755),
		fileEntry("etc/keep", 0o644, "keep\n"),
		fileEntry("etc/gone", 0o644, "gone\n"),
		fileEntry("etc/owned", 0o600, "owned\n"),
		dirEntry("data", 0o755),
		fileEntry("data/a", 0o644, "a\n"),
		dirEntry("data/sub", 0o700),
		fileEntry("data/sub/b", 0o644, "b\n"),
		dirEntry("opq", 0o755),
		fileEntry("opq/old", 0o644, "old\n"),
		dirEntry("bin", 0o755),
		fileEntry("bin/tool", 0o755, "#!tool\n"),
		dirEntry("redo", 0o755),
		fileEntry("redo/old", 0o644, "old\n"),
	}, WriteOptions{Compression: Zstd})
	b, err := os.ReadFile(l.Path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func upperLayer(t *testing.T) []byte {
	return gzipped(t, hdrTar(t,
		&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755},
		&tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755},
		&tar.Header{Name: "etc/.wh.gone", Typeflag: tar.TypeReg},
		&tar.Header{Name: "etc/new", Typeflag: tar.TypeReg, Linkname: "new\n", Mode: 0o4755, Uid: 1000, Gid: 1001,
			PAXRecords: map[string]string{"SCHILY.xattr.user.note": "hi", "SCHILY.xattr.trusted.overlay.opaque": "y"}},
		&tar.Header{Name: "etc/new-link", Typeflag: tar.TypeLink, Linkname: "etc/new"},
		&tar.Header{Name: "etc/sym", Typeflag: tar.TypeSymlink, Linkname: "../../../outside"},
		&tar.Header{Name: "etc/fifo", Typeflag: tar.TypeFifo, Mode: 0o640},
		&tar.Header{Name: "etc/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3, Mode: 0o666},
		// Injected overlay xattrs must not make data opaque.
		&tar.Header{Name: "data/", Typeflag: tar.TypeDir, Mode: 0o1777, PAXRecords: map[string]string{"SCHILY.xattr.trusted.overlay.opaque": "y"}},
		&tar.Header{Name: "opq/", Typeflag: tar.TypeDir, Mode: 0o750},
		&tar.Header{Name: "opq/.wh..wh..opq", Typeflag: tar.TypeReg},
		&tar.Header{Name: "opq/new", Typeflag: tar.TypeReg, Linkname: "new\n"},
		// Whiteout plus a directory of the same name: the lower one's
		// content is hidden, this layer's shows.
		&tar.Header{Name: ".wh.redo", Typeflag: tar.TypeReg},
		&tar.Header{Name: "redo/", Typeflag: tar.TypeDir},
		&tar.Header{Name: "redo/fresh", Typeflag: tar.TypeReg, Linkname: "fresh\n"},
		// A parent the layer never names.
		&tar.Header{Name: "deep/er/file", Typeflag: tar.TypeReg, Linkname: "deep\n"},
		&tar.Header{Name: ".wh..wh.plnk/123", Typeflag: tar.TypeReg},
	))
}

func TestExtractOverlayDisk(t *testing.T) {
	needRoot(t)
	dir := filepath.Join(t.TempDir(), "l2")
	extractLayer(t, upperLayer(t), dir)
	got := describeDisk(t, dir)
	want := []string{
		`data dtrwxrwxrwx 0:0`,
		`deep drwxr-xr-x 0:0`,
		`deep/er drwxr-xr-x 0:0`,
		`deep/er/file -rw-r--r-- 0:0 "deep\n"`,
		`etc drwxr-xr-x 0:0`,
		`etc/fifo prw-r----- 0:0`,
		`etc/gone Dc--------- 0:0 dev 0,0`,
		`etc/new urwxr-xr-x 1000:1001 "new\n"`,
		`etc/new-link urwxr-xr-x 1000:1001 "new\n"`,
		`etc/null Dcrw-rw-rw- 0:0 dev 1,3`,
		`etc/sym Lrwxrwxrwx 0:0 -> ../../../outside`,
		`opq drwxr-x--- 0:0`,
		`opq/new -rw-r--r-- 0:0 "new\n"`,
		`redo drwxr-xr-x 0:0`,
		`redo/fresh -rw-r--r-- 0:0 "fresh\n"`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("extracted tree (-want +got):\n%s", d)
	}
	for p, want := range map[string]string{"opq": "y", "redo": "y", "data": "", "etc/new": "", ".": ""} {
		if got := xattr(t, filepath.Join(dir, p), "trusted.overlay.opaque"); got != want {
			t.Errorf("%s: trusted.overlay.opaque = %q, want %q", p, got, want)
		}
	}
	if got := xattr(t, filepath.Join(dir, "etc/new"), "user.note"); got != "hi" {
		t.Errorf("etc/new: user.note = %q, want hi", got)
	}
	var a, b unix.Stat_t
	unix.Lstat(filepath.Join(dir, "etc/new"), &a)
	unix.Lstat(filepath.Join(dir, "etc/new-link"), &b)
	if a.Ino != b.Ino {
		t.Error("etc/new-link is not a hard link to etc/new")
	}
	for _, p := range []string{"etc", "opq", "etc/new", "etc/sym"} {
		fi, err := os.Lstat(filepath.Join(dir, p))
		if err != nil || !fi.ModTime().Equal(t0) {
			t.Errorf("%s: mtime %v, want %v (err %v)", p, fi.ModTime(), t0, err)
		}
	}
}

// TestExtractOverlayMount mounts two extracted layers and checks the
// merged view: whiteouts delete lower files, opaque directories hide lower
// content.
func TestExtractOverlayMount(t *testing.T) {
	needRoot(t)
	base := t.TempDir()
	l1, l2, mnt := filepath.Join(base, "l1"), filepath.Join(base, "l2"), filepath.Join(base, "m")
	extractLayer(t, lowerLayer(t), l1)
	extractLayer(t, upperLayer(t), l2)
	os.Mkdir(mnt, 0o755)
	out := inMountNS(t, fmt.Sprintf(`mount -t overlay overlay -o lowerdir=%s:%s %s; cd %s; find . | LC_ALL=C sort; cat etc/keep opq/new redo/fresh`, l2, l1, mnt, mnt))
	want := `.
./bin
./bin/tool
./data
./data/a
./data/sub
./data/sub/b
./deep
./deep/er
./deep/er/file
./etc
./etc/fifo
./etc/keep
./etc/new
./etc/new-link
./etc/null
./etc/owned
./etc/sym
./opq
./opq/new
./redo
./redo/fresh
keep
new
fresh
`
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("merged tree (-want +got):\n%s", d)
	}
	if ents, _ := os.ReadDir(mnt); len(ents) != 0 {
		t.Errorf("the mount leaked out of its namespace: %s holds %d entries", mnt, len(ents))
	}
}

type diffLine struct {
	Path, Mode, Owner, Link, HardLink, Content string
	Xattrs                                     string
}

func describeEntries(t *testing.T, entries []*buildfs.Entry) []diffLine {
	var out []diffLine
	for _, e := range entries {
		l := diffLine{Path: e.Path, Mode: e.Mode.String(), Owner: fmt.Sprintf("%d:%d", e.UID, e.GID), Link: e.Linkname, HardLink: e.HardLink}
		if e.IsRegular() && e.HardLink == "" {
			l.Content = string(readAll(t, e))
		}
		var xs []string
		for k, v := range e.Xattrs {
			xs = append(xs, k+"="+v)
		}
		slices.Sort(xs)
		l.Xattrs = strings.Join(xs, ",")
		out = append(out, l)
	}
	return out
}

// TestDiffEntries makes changes through a mounted overlay and reads the
// upper directory back as OCI entries.
func TestDiffEntries(t *testing.T) {
	needRoot(t)
	base := t.TempDir()
	lower, upper, work, mnt := filepath.Join(base, "l"), filepath.Join(base, "u"), filepath.Join(base, "w"), filepath.Join(base, "m")
	extractLayer(t, lowerLayer(t), lower)
	for _, d := range []string{upper, work, mnt} {
		os.Mkdir(d, 0o755)
	}
	inMountNS(t, fmt.Sprintf(`mount -t overlay overlay -o lowerdir=%s,upperdir=%s,workdir=%s,redirect_dir=off,metacopy=off,index=off %s; cd %s
printf 'created\n' > created
printf 'more\n' >> etc/keep
rm etc/gone
rm -rf data; mkdir data; printf 'x\n' > data/fresh
rm -rf opq/old
ln created hlink
ln created zlink
chmod 4750 bin/tool
chown 123:456 etc/owned
ln -s /target sym
mkfifo pipe
setfattr -n user.tag -v v1 created 2>/dev/null || true
`, lower, upper, work, mnt, mnt))
	entries, err := DiffEntries(upper)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(entries, func(a, b *buildfs.Entry) int { return strings.Compare(a.Path, b.Path) }) {
		t.Error("entries are not sorted by path")
	}
	got := describeEntries(t, entries)
	for i := range got {
		got[i].Xattrs = strings.ReplaceAll(got[i].Xattrs, "user.tag=v1", "") // setfattr may be missing
	}
	want := []diffLine{
		{Path: "bin", Mode: "drwxr-xr-x", Owner: "0:0"},
		{Path: "bin/tool", Mode: "urwxr-x---", Owner: "0:0", Content: "#!tool\n"},
		{Path: "created", Mode: "-rw-r--r--", Owner: "0:0", Content: "created\n"},
		{Path: "data", Mode: "drwxr-xr-x", Owner: "0:0"},
		{Path: "data/.wh..wh..opq", Mode: "----------", Owner: "0:0"},
		{Path: "data/fresh", Mode: "-rw-r--r--", Owner: "0:0", Content: "x\n"},
		{Path: "etc", Mode: "drwxr-xr-x", Owner: "0:0"},
		{Path: "etc/.wh.gone", Mode: "----------", Owner: "0:0"},
		{Path: "etc/keep", Mode: "-rw-r--r--", Owner: "0:0", Content: "keep\nmore\n"},
		{Path: "etc/owned", Mode: "-rw-------", Owner: "123:456", Content: "owned\n"},
		{Path: "hlink", Mode: "-rw-r--r--", Owner: "0:0", HardLink: "created"},
		{Path: "opq", Mode: "drwxr-xr-x", Owner: "0:0"},
		{Path: "opq/.wh.old", Mode: "----------", Owner: "0:0"},
		{Path: "pipe", Mode: "prw-r--r--", Owner: "0:0"},
		{Path: "sym", Mode: "Lrwxrwxrwx", Owner: "0:0", Link: "/target"},
		{Path: "zlink", Mode: "-rw-r--r--", Owner: "0:0", HardLink: "created"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DiffEntries (-want +got):\n%s", d)
	}

	// The entries are a layer: written and applied over the lower layer,
	// they give the tree the mount showed.
	l := mustWrite(t, entries, WriteOptions{})
	r := NewReader(t.TempDir())
	defer r.Close()
	ub, _ := os.ReadFile(l.Path)
	tree, err := applyAll(t, r, lowerLayer(t), ub)
	if err != nil {
		t.Fatal(err)
	}
	paths := tree.Paths()
	for _, gone := range []string{"etc/gone", "data/a", "data/sub", "opq/old"} {
		if slices.Contains(paths, gone) {
			t.Errorf("%s survived the delete", gone)
		}
	}
	for _, kept := range []string{"etc/keep", "data/fresh", "created", "hlink", "redo/old"} {
		if !slices.Contains(paths, kept) {
			t.Errorf("%s is missing from the merged tree", kept)
		}
	}
}

func TestDiffEntriesRefusesRedirect(t *testing.T) {
	needRoot(t)
	upper := t.TempDir()
	os.Mkdir(filepath.Join(upper, "moved"), 0o755)
	if err := unix.Lsetxattr(filepath.Join(upper, "moved"), "trusted.overlay.redirect", []byte("/orig"), 0); err != nil {
		t.Skipf("cannot set trusted xattrs here: %v", err)
	}
	_, err := DiffEntries(upper)
	if err == nil || !strings.Contains(err.Error(), "redirect_dir=off") {
		t.Fatalf("err = %v, want a redirect_dir error", err)
	}
}

func TestDiffEntriesStreamsContent(t *testing.T) {
	upper := t.TempDir()
	os.WriteFile(filepath.Join(upper, "f"), []byte("one"), 0o644)
	entries, err := DiffEntries(upper)
	if err != nil {
		t.Fatal(err)
	}
	// Content is read at Open time, from disk.
	os.WriteFile(filepath.Join(upper, "f"), []byte("two"), 0o644)
	if len(entries) != 1 || string(readAll(t, entries[0])) != "two" {
		t.Fatalf("entries = %v", entries)
	}
}

// sentinelDir returns a directory holding "root" (to extract into) and
// "sentinel" (which must stay empty), and a check that nothing else
// appeared.
func sentinelDir(t testing.TB, parent string) (root string, check func() error) {
	base, err := os.MkdirTemp(parent, "x")
	if err != nil {
		t.Fatal(err)
	}
	root = filepath.Join(base, "root")
	os.Mkdir(root, 0o755)
	os.Mkdir(filepath.Join(base, "sentinel"), 0o755)
	return root, func() error {
		ents, err := os.ReadDir(base)
		if err != nil {
			return err
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if !slices.Equal(names, []string{"root", "sentinel"}) {
			return fmt.Errorf("extraction wrote outside its directory: %s holds %v", base, names)
		}
		if s, _ := os.ReadDir(filepath.Join(base, "sentinel")); len(s) != 0 {
			return fmt.Errorf("extraction wrote into the sentinel directory")
		}
		return nil
	}
}

func TestExtractOverlayHostile(t *testing.T) {
	tests := []struct {
		name    string
		layer   []byte
		wantErr string
	}{
		{"dotdot", rawTar(t, file("../sentinel/x", "evil")), `".." in name`},
		{"dotdot inside", rawTar(t, dir("a/"), file("a/../../sentinel/x", "evil")), `".." in name`},
		{"absolute", rawTar(t, file("/etc/evil", "evil")), "absolute"},
		{"through symlink", rawTar(t, symlink("l", "../sentinel"), file("l/x", "evil")), "symlink or a non-directory"},
		{"through symlink to dir inside", rawTar(t, dir("d/"), symlink("l", "d"), file("l/x", "evil")), "symlink or a non-directory"},
		{"through absolute symlink", rawTar(t, symlink("l", "/tmp"), file("l/x", "evil")), "symlink or a non-directory"},
		{"whiteout through symlink", rawTar(t, symlink("l", "../sentinel"), file("l/.wh.x", "")), "symlink or a non-directory"},
		{"opaque through symlink", rawTar(t, symlink("l", "../sentinel"), file("l/.wh..wh..opq", "")), "symlink or a non-directory"},
		{"below a file", rawTar(t, file("f", "x"), file("f/x", "evil")), "symlink or a non-directory"},
		{"hard link out", rawTar(t, hardlink("h", "../sentinel/x")), `".." in name`},
		{"hard link absolute", rawTar(t, hardlink("h", "/etc/passwd")), "absolute"},
		{"hard link to dir", rawTar(t, dir("d/"), hardlink("h", "d")), "hard-link directories"},
		{"hard link through symlink", rawTar(t, symlink("l", "../sentinel"), hardlink("h", "l/x")), "symlink or a non-directory"},
		{"foreign hard link", rawTar(t, hardlink("h", "usr/bin/x")), "not in this layer"},
		{"symlink replaced then written", rawTar(t, dir("a/"), symlink("a", "../sentinel"), file("a/x", "evil")), "symlink or a non-directory"},
		{"dir replaced by symlink", rawTar(t, dir("a/"), file("a/x", "ok"), symlink("a", "../sentinel")), ""},
		{"whiteout of dotdot", rawTar(t, file(".wh..", ""), file("a/.wh...", "")), ""},
	}
	parent := t.TempDir()
	removable(t, parent)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, check := sentinelDir(t, parent)
			err := ExtractOverlay(context.Background(), bytes.NewReader(tt.layer), root)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if err := check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestExtractOverlayForeignHardLink(t *testing.T) {
	root := t.TempDir()
	err := ExtractOverlay(context.Background(), bytes.NewReader(rawTar(t, dir("usr/"), hardlink("usr/x", "bin/sh"))), root)
	var fe *ForeignHardLinkError
	if !errors.As(err, &fe) || fe.Entry != "usr/x" || fe.Target != "bin/sh" {
		t.Fatalf("err = %v, want a ForeignHardLinkError for usr/x -> bin/sh", err)
	}
}

func TestExtractOverlayReplaces(t *testing.T) {
	root := t.TempDir()
	layer := rawTar(t, dir("a/"), file("a/x", "1"), file("a", "now a file"), file("b", "1"), dir("b/"), file("b/y", "2"), file("c", "old"), file("c", "new"))
	if err := ExtractOverlay(context.Background(), bytes.NewReader(layer), root); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"a": "now a file", "b/y": "2", "c": "new"} {
		if b, err := os.ReadFile(filepath.Join(root, p)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", p, b, err, want)
		}
	}
	if fi, err := os.Stat(root); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("root mode = %v, want 0755 (the layer has no ./ entry)", fi.Mode())
	}
}

func TestExtractOverlayCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ExtractOverlay(ctx, bytes.NewReader(rawTar(t, file("x", "1"))), t.TempDir())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// FuzzExtractOverlay feeds hostile layer bytes to ExtractOverlay: it must
// not panic nor write anything outside its directory.
func FuzzExtractOverlay(f *testing.F) {
	f.Add(rawTar(f, dir("a/"), file("a/x", "1"), symlink("l", "../sentinel"), file("l/passwd", "evil"), hardlink("h", "a/x")))
	f.Add(rawTar(f, file("../../x", "x"), file("/abs", "y"), file("a/.wh..wh..opq", ""), file(".wh.a", ""), file(".wh..", "")))
	f.Add(rawTar(f, hardlink("h", "../sentinel/x"), file("p", "x"), hardlink("q", "p"), symlink("s", "p"), hardlink("t", "s")))
	f.Add(rawTar(f, dir("a/"), symlink("a", "../sentinel"), file("a/x", "x"), file(".wh.a", ""), dir("a/")))
	f.Add(gzipped(f, rawTar(f, file("f", strings.Repeat("z", 5000)))))
	f.Add(rawTar(f, file(strings.Repeat("d/", 80)+"f", "deep"), symlink("s", strings.Repeat("../", 60))))
	f.Add(hdrTar(f, &tar.Header{Name: "x", Typeflag: tar.TypeReg, PAXRecords: map[string]string{"SCHILY.xattr.user.a": "b", "path": "../../pax"}}))
	f.Add([]byte{})
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0})
	parent := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if fuzzTooBig(data) {
			t.Skip("writes too much to disk for a fuzz run")
		}
		root, check := sentinelDir(t, parent)
		_ = ExtractOverlay(context.Background(), bytes.NewReader(data), root)
		if err := check(); err != nil {
			t.Fatal(err)
		}
		base := filepath.Dir(root)
		filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
		os.RemoveAll(base)
	})
}

// fuzzTooBig says whether a layer holds files (sparse ones can claim
// gigabytes in a few bytes) or a decompressed stream too big to write in
// every fuzz run.
func fuzzTooBig(data []byte) bool {
	dr, err := decompress(bytes.NewReader(data))
	if err != nil {
		return false
	}
	defer dr.Close()
	lr := &io.LimitedReader{R: dr, N: 8 << 20}
	tr := tar.NewReader(lr)
	var total int64
	for {
		hdr, err := tr.Next()
		if err != nil {
			return lr.N <= 0
		}
		if total += hdr.Size; hdr.Size > 1<<20 || total > 4<<20 {
			return true
		}
	}
}

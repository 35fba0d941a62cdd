package layer

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/hoistci/hoist/build/buildfs"
)

// diffBefore is the image of the DiffDir tests.
func diffBefore() *buildfs.Tree {
	t := buildfs.NewTree()
	put := func(e *buildfs.Entry) { t.Put(e) }
	put(dirEntry(".", 0o755))
	put(dirEntry("bin", 0o755))
	put(fileEntry("bin/tool", 0o755, "tool"))
	put(fileEntry("bin/other", 0o755, "other"))
	put(fileEntry("bin/su", 0o755, "su"))
	put(dirEntry("etc", 0o755))
	put(fileEntry("etc/conf", 0o644, "conf v1"))
	put(fileEntry("etc/same-size", 0o644, "aaaa"))
	put(fileEntry("etc/touched", 0o644, "t"))
	put(fileEntry("etc/removed", 0o644, "x"))
	put(fileEntry("etc/kept", 0o600, "kept"))
	put(dirEntry("home", 0o755))
	put(dirEntry("home/user", 0o700))
	put(fileEntry("home/user/file", 0o644, "mine"))
	v := dirEntry("var", 0o755)
	v.Xattrs = map[string]string{"trusted.overlay.opaque": "y"} // never written, never compared
	put(v)
	put(dirEntry("var/cache", 0o755))
	put(fileEntry("var/cache/a", 0o644, "a"))
	put(dirEntry("var/cache/sub", 0o755))
	put(fileEntry("var/cache/sub/b", 0o644, "b"))
	put(fileEntry("var/keep", 0o644, "keep"))
	put(dirEntry("opt", 0o755))
	put(dirEntry("opt/x", 0o755))
	put(fileEntry("opt/x/inside", 0o644, "inside"))
	put(dirEntry("srv", 0o755))
	put(fileEntry("srv/y", 0o644, "file y"))
	put(dirEntry("lib", 0o755))
	put(symlinkEntry("lib/link", "target1"))
	put(symlinkEntry("lib/stay", "../bin/tool"))
	put(dirEntry("usr", 0o755))
	put(fileEntry("usr/a", 0o755, "linked"))
	b := fileEntry("usr/b", 0o755, "linked")
	b.HardLink = "usr/a"
	put(b)
	put(dirEntry("dev", 0o755))
	put(&buildfs.Entry{Path: "dev/null", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666, Devmajor: 1, Devminor: 3, ModTime: t0})
	put(&buildfs.Entry{Path: "dev/fifo", Mode: fs.ModeNamedPipe | 0o600, ModTime: t0})
	put(dirEntry("data", 0o755))
	x := fileEntry("data/xattr", 0o644, "x")
	x.Xattrs = map[string]string{"user.k": "v1"}
	put(x)
	put(dirEntry("tmp", fs.ModeSticky|0o777))
	return t
}

// mutateRootfs makes the changes of a RUN in dir.
func mutateRootfs(t *testing.T, dir string) {
	t.Helper()
	p := func(rel string) string { return filepath.Join(dir, rel) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	wr := func(rel, content string, mode os.FileMode) {
		t.Helper()
		must(os.WriteFile(p(rel), []byte(content), mode))
		must(os.Chmod(p(rel), mode))
	}
	// New files, a new tree, a new hard-link pair.
	wr("new.txt", "new", 0o644)
	must(os.MkdirAll(p("newdir/sub"), 0o755))
	wr("newdir/sub/f", "f", 0o600)
	wr("new1", "pair", 0o644)
	must(os.Link(p("new1"), p("new2")))
	// Content: another size; the same size with the old mtime back.
	wr("etc/conf", "conf version 2", 0o644)
	wr("etc/same-size", "bbbb", 0o644)
	must(os.Chtimes(p("etc/same-size"), t0, t0))
	// Only mode, only mtime, only owner, setuid, an xattr.
	must(os.Chmod(p("bin/tool"), 0o700))
	must(os.Chtimes(p("etc/touched"), t0.Add(time.Hour), t0.Add(time.Hour)))
	must(os.Lchown(p("home/user/file"), 1000, 1000))
	must(os.Chmod(p("bin/su"), os.ModeSetuid|0o755))
	must(unix.Lsetxattr(p("data/xattr"), "user.k", []byte("v2"), 0))
	// Deletes: a file, a directory tree.
	must(os.Remove(p("etc/removed")))
	must(os.RemoveAll(p("var/cache")))
	// Type changes: directory -> file, file -> directory.
	must(os.RemoveAll(p("opt/x")))
	wr("opt/x", "now a file", 0o644)
	must(os.Remove(p("srv/y")))
	must(os.Mkdir(p("srv/y"), 0o750))
	wr("srv/y/child", "c", 0o644)
	// A symlink retargeted; a new hard link to an unchanged file.
	must(os.Remove(p("lib/link")))
	must(os.Symlink("target2", p("lib/link")))
	must(os.Link(p("bin/other"), p("bin/other2")))
	// A socket: no tar can hold it, so it is no change.
	must(unix.Mknod(p("tmp/sock"), unix.S_IFSOCK|0o644, 0))
}

func describeDiff(t *testing.T, entries []*buildfs.Entry) []string {
	t.Helper()
	var out []string
	for _, e := range entries {
		l := fmt.Sprintf("%s %v %d:%d", e.Path, e.Mode, e.UID, e.GID)
		switch {
		case e.IsSymlink():
			l += " -> " + e.Linkname
		case e.HardLink != "":
			l += " => " + e.HardLink
		case e.IsRegular():
			l += fmt.Sprintf(" %q", readAll(t, e))
		}
		for _, k := range sortedKeys(e.Xattrs) {
			l += " " + k + "=" + e.Xattrs[k]
		}
		out = append(out, l)
	}
	return out
}

func TestDiffDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (ownership, device nodes)")
	}
	ctx := context.Background()
	before := diffBefore()
	dir := filepath.Join(t.TempDir(), "rootfs")
	if err := ExtractTree(ctx, before, dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode() != fs.ModeDir|0o755 || !fi.ModTime().Equal(t0) {
		t.Errorf("the root: %v %v", fi.Mode(), err)
	}
	var a, b unix.Stat_t
	if unix.Lstat(filepath.Join(dir, "usr/a"), &a) != nil || unix.Lstat(filepath.Join(dir, "usr/b"), &b) != nil || a.Ino != b.Ino {
		t.Error("ExtractTree did not keep usr/b a hard link to usr/a")
	}
	if v, err := getXattr(filepath.Join(dir, "var"), "trusted.overlay.opaque"); err == nil {
		t.Errorf("ExtractTree wrote overlayfs's xattr: %q", v)
	}

	// Nothing changed yet: no entries.
	entries, err := DiffDir(ctx, before, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("DiffDir of an unchanged extraction:\n%s", strings.Join(describeDiff(t, entries), "\n"))
	}

	mutateRootfs(t, dir)
	entries, err = DiffDir(ctx, before, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`bin drwxr-xr-x 0:0`,
		`bin/other -rwxr-xr-x 0:0 "other"`,
		`bin/other2 -rwxr-xr-x 0:0 => bin/other`,
		`bin/su urwxr-xr-x 0:0 "su"`,
		`bin/tool -rwx------ 0:0 "tool"`,
		`data drwxr-xr-x 0:0`,
		`data/xattr -rw-r--r-- 0:0 "x" user.k=v2`,
		`etc drwxr-xr-x 0:0`,
		`etc/.wh.removed ---------- 0:0 ""`,
		`etc/conf -rw-r--r-- 0:0 "conf version 2"`,
		`etc/same-size -rw-r--r-- 0:0 "bbbb"`,
		`etc/touched -rw-r--r-- 0:0 "t"`,
		`home drwxr-xr-x 0:0`,
		`home/user drwx------ 0:0`,
		`home/user/file -rw-r--r-- 1000:1000 "mine"`,
		`lib drwxr-xr-x 0:0`,
		`lib/link Lrwxrwxrwx 0:0 -> target2`,
		`new.txt -rw-r--r-- 0:0 "new"`,
		`new1 -rw-r--r-- 0:0 "pair"`,
		`new2 -rw-r--r-- 0:0 => new1`,
		`newdir drwxr-xr-x 0:0`,
		`newdir/sub drwxr-xr-x 0:0`,
		`newdir/sub/f -rw------- 0:0 "f"`,
		`opt drwxr-xr-x 0:0`,
		`opt/x -rw-r--r-- 0:0 "now a file"`,
		`srv drwxr-xr-x 0:0`,
		`srv/y drwxr-x--- 0:0`,
		`srv/y/child -rw-r--r-- 0:0 "c"`,
		`var drwxr-xr-x 0:0`,
		`var/.wh.cache ---------- 0:0 ""`,
	}
	if d := cmp.Diff(want, describeDiff(t, entries)); d != "" {
		t.Errorf("DiffDir (-want +got):\n%s", d)
	}

	// End to end: the layer applied over the image is the directory.
	l := mustWrite(t, entries, WriteOptions{})
	r := NewReader(t.TempDir())
	defer r.Close()
	after := before.Clone()
	if err := r.Apply(after, fileOpener(l.Path)); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(describeDisk2(t, dir), describeTree2(t, after)); d != "" {
		t.Errorf("image + layer differs from the directory (-dir +tree):\n%s", d)
	}
}

// describeTree2 and describeDisk2 describe a tree and a directory alike:
// type and mode, owner, mtime (seconds) of non-directories, content,
// symlink target, device, kept xattrs, hard-link group (its first path).
func describeTree2(t *testing.T, tree *buildfs.Tree) []string {
	t.Helper()
	var out []string
	err := buildfs.Walk(tree, ".", func(e *buildfs.Entry) error {
		if e.Path == "." {
			return nil
		}
		group := e.HardLink
		if group == "" && e.IsRegular() {
			for _, p := range tree.Paths() {
				if o, _ := tree.Lstat(p); o != nil && o.HardLink == e.Path {
					group = e.Path
				}
			}
		}
		out = append(out, describe2(t, e, group))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func describeDisk2(t *testing.T, dir string) []string {
	t.Helper()
	d := &dirDiff{ctx: context.Background(), root: dir, inodes: map[inodeKey][]*buildfs.Entry{}}
	var all []*buildfs.Entry
	var walk func(p string)
	walk = func(p string) {
		names, err := d.readNames(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			e, err := d.stat(join(p, n))
			if err != nil {
				t.Fatal(err)
			}
			if e.Mode&fs.ModeSocket != 0 {
				continue
			}
			all = append(all, e)
			if e.IsDir() {
				walk(e.Path)
			}
		}
	}
	walk(".")
	first := map[string]string{}
	for _, g := range d.inodes {
		paths := []string{}
		for _, e := range g {
			paths = append(paths, e.Path)
		}
		slices.Sort(paths)
		for _, p := range paths {
			first[p] = paths[0]
		}
	}
	var out []string
	for _, e := range all {
		out = append(out, describe2(t, e, first[e.Path]))
	}
	return out
}

func describe2(t *testing.T, e *buildfs.Entry, group string) string {
	l := fmt.Sprintf("%s %v %d:%d", e.Path, e.Mode, e.UID, e.GID)
	if e.IsSymlink() {
		l = fmt.Sprintf("%s symlink %d:%d -> %s", e.Path, e.UID, e.GID, e.Linkname)
	}
	if !e.IsDir() {
		l += fmt.Sprintf(" mtime=%d", e.ModTime.Unix())
	}
	if e.IsRegular() {
		l += fmt.Sprintf(" %q", readAll(t, e))
	}
	if e.Mode&fs.ModeDevice != 0 {
		l += fmt.Sprintf(" dev=%d,%d", e.Devmajor, e.Devminor)
	}
	if group != "" {
		l += " group=" + group
	}
	x := keptXattrs(e.Xattrs)
	for _, k := range sortedKeys(x) {
		l += " " + k + "=" + x[k]
	}
	return l
}

func TestExtractTreeRefusesNonEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ExtractTree(context.Background(), diffBefore(), dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("ExtractTree into a non-empty directory = %v", err)
	}
}

// A symlink in place of a directory is compared as a symlink, never
// followed: what it points to is not read.
func TestDiffDirNoFollow(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ctx := context.Background()
	before := buildfs.NewTree()
	before.Put(dirEntry(".", 0o755))
	before.Put(dirEntry("d", 0o755))
	before.Put(fileEntry("d/f", 0o644, "f"))
	dir := filepath.Join(t.TempDir(), "rootfs")
	if err := ExtractTree(ctx, before, dir); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "f"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	entries, err := DiffDir(ctx, before, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := describeDiff(t, entries); !slices.Equal(got, []string{"d Lrwxrwxrwx 0:0 -> " + outside}) {
		t.Errorf("DiffDir = %q", got)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := DiffDir(ctx2, before, dir); err == nil {
		t.Error("DiffDir with a cancelled context succeeded")
	}
}

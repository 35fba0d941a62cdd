package layer

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hoistci/hoist/build/buildfs"
)

func extractTree(t *testing.T) *buildfs.Tree {
	t.Helper()
	tree := buildfs.NewTree()
	app := dirEntry("app", 0o750)
	app.UID, app.GID = 1000, 1000
	main := fileEntry("app/main", 0o755, "binary")
	main.UID, main.GID = 1000, 1000
	main.ModTime = t0.Add(-time.Hour)
	link := *main
	link.Path, link.HardLink = "app/main.link", "app/main"
	ro := dirEntry("ro", 0o555)
	su := fileEntry("ro/su", 0o4755|fs.ModeSetuid, "su")
	su.Mode = 0o755 | fs.ModeSetuid
	for _, e := range []*buildfs.Entry{
		app, main, &link,
		symlinkEntry("app/out", "/etc/passwd"),
		symlinkEntry("app/rel", "../../../../outside"),
		{Path: "app/pipe", Mode: fs.ModeNamedPipe | 0o640, ModTime: t0},
		{Path: "app/null", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666, Devmajor: 1, Devminor: 3, ModTime: t0},
		dirEntry("tmp", 0o777|fs.ModeSticky),
		ro, su,
		dirEntry("a", 0o755), fileEntry("a/passwd", 0o600, "in dest"),
		fileEntry("d", 0o644, "d is a file now"),
	} {
		tree.Put(e)
	}
	return tree
}

// removable makes dir's read-only directories writable again when the test
// ends, so that a non-root run can clean up.
func removable(t *testing.T, dir string) {
	t.Cleanup(func() {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
	})
}

func TestExtract(t *testing.T) {
	base := t.TempDir()
	removable(t, base)
	dest := filepath.Join(base, "dest", "nested") // created by Extract
	outside := filepath.Join(base, "outside")
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Extract(context.Background(), extractTree(t), dest); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, dest string) {
		t.Helper()
		p := func(s string) string { return filepath.Join(dest, s) }
		if b, err := os.ReadFile(p("app/main")); err != nil || string(b) != "binary" {
			t.Errorf("app/main: %q %v", b, err)
		}
		for name, want := range map[string]fs.FileMode{
			"app":           fs.ModeDir | 0o750,
			"app/main":      0o755,
			"app/pipe":      fs.ModeNamedPipe | 0o640,
			"tmp":           fs.ModeDir | fs.ModeSticky | 0o777,
			"ro":            fs.ModeDir | 0o555,
			"ro/su":         fs.ModeSetuid | 0o755,
			"app/out":       fs.ModeSymlink | 0o777,
			"a":             fs.ModeDir | 0o755,
			"a/passwd":      0o600,
			"d":             0o644,
			"app/main.link": 0o755,
		} {
			fi, err := os.Lstat(p(name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if fi.Mode() != want {
				t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
			}
		}
		for name, want := range map[string]string{"app/out": "/etc/passwd", "app/rel": "../../../../outside"} {
			if got, err := os.Readlink(p(name)); err != nil || got != want {
				t.Errorf("%s -> %q (%v), want %q", name, got, err, want)
			}
		}
		a, _ := os.Stat(p("app/main"))
		b, _ := os.Stat(p("app/main.link"))
		if !os.SameFile(a, b) {
			t.Errorf("app/main.link is not a hard link to app/main")
		}
		for name, want := range map[string]time.Time{"app/main": t0.Add(-time.Hour), "app": t0, "app/out": t0, "ro": t0, "app/pipe": t0} {
			fi, err := os.Lstat(p(name))
			if err == nil && !fi.ModTime().Equal(want) {
				t.Errorf("%s: mtime %v, want %v", name, fi.ModTime(), want)
			}
		}
		if os.Geteuid() == 0 {
			for _, name := range []string{"app", "app/main"} {
				fi, _ := os.Lstat(p(name))
				if st := fi.Sys().(*syscall.Stat_t); st.Uid != 1000 || st.Gid != 1000 {
					t.Errorf("%s: owner %d:%d, want 1000:1000", name, st.Uid, st.Gid)
				}
			}
			if fi, err := os.Lstat(p("app/null")); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
				t.Errorf("app/null: %v %v", fi, err)
			}
		}
	}
	check(t, dest)

	t.Run("overwrite", func(t *testing.T) {
		dest := filepath.Join(base, "existing")
		for _, mk := range []func() error{
			func() error { return os.MkdirAll(filepath.Join(dest, "d"), 0o755) },
			func() error { return os.WriteFile(filepath.Join(dest, "d", "x"), []byte("old"), 0o644) },
			func() error { return os.WriteFile(filepath.Join(dest, "keep"), []byte("kept"), 0o644) },
			func() error { return os.WriteFile(filepath.Join(dest, "app"), []byte("a file"), 0o644) },
			// A symlink out of dest where the tree has a directory: the
			// tree's a/passwd must not land in outside/.
			func() error { return os.Symlink(outside, filepath.Join(dest, "a")) },
			func() error { return os.Symlink(filepath.Join(outside, "tmp"), filepath.Join(dest, "tmp")) },
			func() error { return os.MkdirAll(filepath.Join(dest, "ro"), 0o500) },
		} {
			if err := mk(); err != nil {
				t.Fatal(err)
			}
		}
		if err := Extract(context.Background(), extractTree(t), dest); err != nil {
			t.Fatal(err)
		}
		check(t, dest)
		if b, _ := os.ReadFile(filepath.Join(dest, "keep")); string(b) != "kept" {
			t.Errorf("keep: %q", b)
		}
		if left, _ := os.ReadDir(outside); len(left) != 0 {
			t.Errorf("wrote outside dest: %v", left)
		}
	})
}

// listFS is a hostile FS: its root lists whatever entries it is given.
type listFS []*buildfs.Entry

func (l listFS) Lstat(p string) (*buildfs.Entry, error) {
	if p == "." {
		return &buildfs.Entry{Path: ".", Mode: fs.ModeDir | 0o755}, nil
	}
	for _, e := range l {
		if e.Path == p {
			return e, nil
		}
	}
	return nil, fs.ErrNotExist
}

func (l listFS) ReadDir(p string) ([]*buildfs.Entry, error) {
	if p == "." {
		return l, nil
	}
	return nil, nil
}

func TestExtractHostileFS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries func(outside string) listFS
		want    string
	}{
		{"file under a symlink", func(outside string) listFS {
			return listFS{symlinkEntry("a", outside), fileEntry("a/passwd", 0o644, "evil")}
		}, "parent is not a directory"},
		{"file under a relative symlink", func(outside string) listFS {
			return listFS{symlinkEntry("a", "../outside"), fileEntry("a/passwd", 0o644, "evil")}
		}, "parent is not a directory"},
		{"dot-dot path", func(string) listFS { return listFS{fileEntry("../outside/x", 0o644, "evil")} }, "not a clean"},
		{"absolute path", func(outside string) listFS { return listFS{fileEntry(outside+"/x", 0o644, "evil")} }, "not a clean"},
		{"hard link out", func(outside string) listFS {
			l := fileEntry("l", 0o644, "evil")
			l.HardLink = "../outside/x"
			return listFS{l}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			outside := filepath.Join(base, "outside")
			os.Mkdir(outside, 0o755)
			err := Extract(context.Background(), tc.entries(outside), filepath.Join(base, "dest"))
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if left, _ := os.ReadDir(outside); len(left) != 0 {
				t.Errorf("wrote outside dest: %v", left)
			}
		})
	}
}

func TestExtractStaleHardLink(t *testing.T) {
	tree := buildfs.NewTree()
	tgt := fileEntry("t", 0o644, "target")
	l := fileEntry("l", 0o600, "link's own")
	l.HardLink = "t" // but not the same file any more: other mode and content
	tree.Put(tgt)
	tree.Put(l)
	dest := t.TempDir()
	if err := Extract(context.Background(), tree, dest); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(filepath.Join(dest, "t"))
	b, _ := os.Stat(filepath.Join(dest, "l"))
	if os.SameFile(a, b) {
		t.Error("linked to a different file")
	}
	if got, _ := os.ReadFile(filepath.Join(dest, "l")); string(got) != "link's own" {
		t.Errorf("l: %q", got)
	}
}

// TestExtractLayers extracts an applied image tree: the Reader's lazy
// entries through Extract.
func TestExtractLayers(t *testing.T) {
	r := NewReader(t.TempDir())
	defer r.Close()
	tree, err := applyAll(t, r,
		rawTar(t, dir("bin/"), file("bin/sh", "sh"), hardlink("bin/ash", "bin/sh"), symlink("bin/bash", "sh")),
		rawTar(t, file("bin/.wh.bash", ""), file("etc/motd", "hi")))
	if err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	if err := Extract(context.Background(), tree, dest); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dest, p)
		got = append(got, rel)
		return nil
	})
	if strings.Join(got, " ") != ". bin bin/ash bin/sh etc etc/motd" {
		t.Errorf("extracted %v", got)
	}
	a, _ := os.Stat(filepath.Join(dest, "bin/sh"))
	b, _ := os.Stat(filepath.Join(dest, "bin/ash"))
	if !os.SameFile(a, b) {
		t.Error("bin/ash is not a hard link to bin/sh")
	}
}

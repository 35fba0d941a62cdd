package fileop

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hoistci/hoist/build/buildfs"
	"github.com/klauspost/compress/zstd"
)

func zst(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readFixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetectCompression(t *testing.T) {
	plain := mkTar(t, tarEnt{name: "foo", data: "x"})
	for _, tc := range []struct {
		b    []byte
		want Compression
	}{
		{plain, Uncompressed},
		{gz(t, plain), Gzip},
		{readFixture(t, "foo.tar.bz2"), Bzip2},
		{readFixture(t, "foo.tar.xz"), Xz},
		{zst(t, plain), Zstd},
		{[]byte{0x50, 0x2A, 0x4D, 0x18, 0, 0, 0, 0}, Zstd}, // skippable frame
		{nil, Uncompressed},
		{[]byte("BZ"), Uncompressed},
	} {
		if got := DetectCompression(tc.b); got != tc.want {
			t.Errorf("DetectCompression(% x...) = %v, want %v", tc.b[:min(len(tc.b), 6)], got, tc.want)
		}
	}
}

func TestAddArchive(t *testing.T) {
	foo := mkTar(t, tarEnt{name: "foo", data: "content0"})
	bar := mkTar(t, tarEnt{name: "bar", data: "content1"})
	implied := mkTar(t, tarEnt{name: "etc/dnf/", typ: tar.TypeDir}, tarEnt{name: "etc/dnf/dnf.conf", data: "content0"})
	bare := mkTar(t, tarEnt{name: "a/b/c", data: "deep", uid: 33, gid: 44})
	rows := []copyRow{
		{
			name: "plain tar",
			rule: "testDockerfileAddArchive: ADD t.tar /",
			src:  tree(B("t.tar", foo, 0o600)), c: Copy{Sources: []string{"t.tar"}, Dest: "/", IsAdd: true},
			want: []string{"f foo 0644 0:0 =content0"},
		},
		{
			name: "gzip tar",
			rule: "testDockerfileAddArchive: ADD t.tar.gz /",
			src:  tree(B("t.tar.gz", gz(t, foo), 0o600)), c: Copy{Sources: []string{"t.tar.gz"}, Dest: "/", IsAdd: true},
			want: []string{"f foo 0644 0:0 =content0"},
		},
		{
			name: "zstd tar",
			rule: "testDockerfileAddArchive: ADD t.tar.zst /",
			src:  tree(B("t.tar.zst", zst(t, foo), 0o600)), c: Copy{Sources: []string{"t.tar.zst"}, Dest: "/", IsAdd: true},
			want: []string{"f foo 0644 0:0 =content0"},
		},
		{
			name: "bzip2 tar, detected by content whatever its name",
			rule: "reference.md: detection is done solely based on the contents of the file",
			src:  tree(B("archive.bin", readFixture(t, "foo.tar.bz2"), 0o600)), c: Copy{Sources: []string{"archive.bin"}, Dest: "/d/", IsAdd: true},
			want: []string{"d d 0755 0:0", "f d/foo 0644 0:0 =content0"},
		},
		{
			name: "COPY does not extract",
			rule: "testDockerfileAddArchive: COPY t.tar.gz / copies the archive",
			src:  tree(B("t.tar", foo, 0o600)), c: Copy{Sources: []string{"t.tar"}, Dest: "/x"},
			want: []string{"f x 0600 0:0 =" + string(foo)},
		},
		{
			name: "an empty file named .tar.gz is copied",
			rule: "reference.md: an empty file that ends with .tar.gz is not recognized as compressed",
			src:  tree(F("e.tar.gz", "", 0o644), F("t.txt", "not a tar", 0o644)), c: Copy{Sources: []string{"e.tar.gz", "t.txt"}, Dest: "/d/", IsAdd: true},
			want: []string{"d d 0755 0:0", "f d/e.tar.gz 0644 0:0 =", "f d/t.txt 0644 0:0 =not a tar"},
		},
		{
			name: "an archive inside a directory is copied",
			rule: "backend.go docopy: unpack is attempted per match only; a directory is copied",
			src:  tree(B("dir/t.tar", foo, 0o600)), c: Copy{Sources: []string{"dir"}, Dest: "/d/", IsAdd: true},
			want: []string{"d d 0755 0:0", "f d/t.tar 0600 0:0 =" + string(foo)},
		},
		{
			name: "ADD --chown extracts as the user; dest created as the user",
			rule: "testDockerfileAddChownArchive: ADD --chown=100:200 t.tar /out/ gives out/ and out/foo 100:200",
			src:  tree(B("t.tar", foo, 0o600)), c: Copy{Sources: []string{"t.tar"}, Dest: "/out/", Chown: "100:200", IsAdd: true},
			want: []string{"d out 0755 100:200", "f out/foo 0644 100:200 =content0"},
		},
		{
			name: "--chmod does not touch extracted entries",
			rule: "backend.go unpack gets no mode; MkdirAll(dest, 0755)",
			src:  tree(B("t.tar", foo, 0o600)), c: Copy{Sources: []string{"t.tar"}, Dest: "/out/", Chmod: "0700", IsAdd: true},
			want: []string{"d out 0755 0:0", "f out/foo 0644 0:0 =content0"},
		},
		{
			name: "explicit parent directories",
			rule: "testDockerfileAddArchiveWithImpliedParentDir (moby/moby#53257)",
			src:  tree(B("t.tar.gz", gz(t, implied), 0o600)), c: Copy{Sources: []string{"t.tar.gz"}, Dest: "/", IsAdd: true},
			want: []string{"d etc 0755 0:0", "d etc/dnf 0755 0:0", "f etc/dnf/dnf.conf 0644 0:0 =content0"},
		},
		{
			name: "implied parent directories are root's even with --chown",
			rule: "go-archive createImpliedDirectories: MkdirAllAndChown(parent, 0755, IDMap.RootPair())",
			src:  tree(B("t.tar", bare, 0o600)), c: Copy{Sources: []string{"t.tar"}, Dest: "/dest", Chown: "7:7", IsAdd: true},
			want: []string{"d dest 0755 7:7", "d dest/a 0755 0:0", "d dest/a/b 0755 0:0", "f dest/a/b/c 0644 7:7 =deep"},
		},
		{
			name: "entries keep their owner without --chown",
			rule: "go-archive createTarFile: Lchown(hdr.Uid, hdr.Gid)",
			src:  tree(B("t.tar", bare, 0o600)), c: Copy{Sources: []string{"t.tar"}, Dest: "/", IsAdd: true},
			want: []string{"d a 0755 0:0", "d a/b 0755 0:0", "f a/b/c 0644 33:44 =deep"},
		},
		{
			name: "several archives into one directory",
			rule: "testDockerfileAddArchiveWildcard: ADD *.tar /dest",
			src:  tree(B("t.tar", foo, 0o600), B("b.tar", bar, 0o600)), c: Copy{Sources: []string{"*.tar"}, Dest: "/dest", IsAdd: true},
			want: []string{"d dest 0755 0:0", "f dest/bar 0644 0:0 =content1", "f dest/foo 0644 0:0 =content0"},
		},
		{
			name: "an archive then a file without slash",
			rule: "the extracted archive makes dest a directory, the file lands inside (fsutil prepareTargetDir)",
			src:  tree(B("t.tar", foo, 0o600), F("z.txt", "z", 0o644)), c: Copy{Sources: []string{"t.tar", "z.txt"}, Dest: "/x", IsAdd: true},
			want: []string{"d x 0755 0:0", "f x/foo 0644 0:0 =content0", "f x/z.txt 0644 0:0 =z"},
		},
		{
			name: "an archive onto an existing file",
			rule: "backend.go unpack: MkdirAll(dest) fails on a file",
			src:  tree(B("t.tar", foo, 0o600)), dst: tree(F("x", "f", 0o644)), c: Copy{Sources: []string{"t.tar"}, Dest: "/x", IsAdd: true},
			err: "mkdir /x: not a directory",
		},
		{
			name: "./ prefixes and the . entry",
			rule: "go-archive Unpack: names are cleaned; \".\" is skipped when the directory exists",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "./", typ: tar.TypeDir, mode: 0o700}, tarEnt{name: "./x", data: "x"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/d/", IsAdd: true},
			want: []string{"d d 0755 0:0", "f d/x 0644 0:0 =x"},
		},
		{
			name: "whiteout-looking names are plain files",
			rule: "BuildKit's Untar has no whiteout converter (AUFS format, nil converter): .wh. files are extracted as they are",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: ".wh.foo", data: ""}, tarEnt{name: "d/.wh..wh..opq", data: ""}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/x/", IsAdd: true},
			want: []string{"d x 0755 0:0", "f x/.wh.foo 0644 0:0 =", "d x/d 0755 0:0", "f x/d/.wh..wh..opq 0644 0:0 ="},
		},
		{
			name: "a file replaces a directory",
			rule: "go-archive Unpack: an existing path is removed unless both are directories",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "x/", typ: tar.TypeDir}, tarEnt{name: "x/y", data: "y"}, tarEnt{name: "x", data: "file"}), 0o600)),
			dst:  tree(F("d/x/old", "o", 0o644)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/d", IsAdd: true},
			want: []string{"f d/x 0644 0:0 =file"},
		},
		{
			name: "a directory entry merges with an existing one, taking its metadata",
			rule: "go-archive Unpack: directories are merged; Lchown/chmod/chtimes apply",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "x/", typ: tar.TypeDir, mode: 0o700, uid: 5, gid: 6}), 0o600)),
			dst:  tree(F("d/x/old", "o", 0o644)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/d", IsAdd: true},
			want: []string{"d d/x 0700 5:6"},
		},
		{
			name: "special files",
			rule: "go-archive createTarFile: devices and fifos are made with mknod",
			src: tree(B("t.tar", mkTar(t, tarEnt{name: "null", typ: tar.TypeChar, mode: 0o666}, tarEnt{name: "sda", typ: tar.TypeBlock, mode: 0o660},
				tarEnt{name: "fifo", typ: tar.TypeFifo, mode: 0o600}, tarEnt{name: "l", typ: tar.TypeSymlink, link: "/etc/passwd"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/", IsAdd: true},
			want: []string{"p fifo 0600 0:0", "l l 0777 0:0 -> /etc/passwd", "c null 0666 0:0", "b sda 0660 0:0"},
		},
		{
			name: "a name through a symlink of the archive stays in the destination",
			rule: "BuildKit extracts in a chroot at the destination: l -> /etc then l/passwd writes <dest>/etc/passwd",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "etc/", typ: tar.TypeDir, mode: 0o700}, tarEnt{name: "l", typ: tar.TypeSymlink, link: "/etc"}, tarEnt{name: "l/passwd", data: "pw"}), 0o600)),
			dst:  tree(F("etc/passwd", "real", 0o644)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			want: []string{"d app 0755 0:0", "d app/etc 0700 0:0", "f app/etc/passwd 0644 0:0 =pw", "l app/l 0777 0:0 -> /etc"},
		},
		{
			name: "a name through a dangling symlink of the archive",
			rule: "in the chroot /etc does not exist: creating l/passwd fails (the image's /etc/passwd is never reached)",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "l", typ: tar.TypeSymlink, link: "/etc"}, tarEnt{name: "l/passwd", data: "pw"}), 0o600)),
			dst:  tree(F("etc/passwd", "real", 0o644)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			err:  `entry "l/passwd": parent directory "/app/etc" does not exist`,
		},
		{
			name: "absolute names go below the destination",
			rule: "go-archive Unpack: filepath.Join(dest, hdr.Name)",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "/abs/f", data: "a"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			want: []string{"d app 0755 0:0", "d app/abs 0755 0:0", "f app/abs/f 0644 0:0 =a"},
		},
		{
			name: "an entry climbing out",
			rule: "go-archive Unpack breakout check: %q is outside of %q (issue 5: an ADD tar with ../ entries is refused)",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "../../etc/passwd", data: "x"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			err:  `archive "/t.tar": entry "../../etc/passwd": path is outside the destination "/app"`,
		},
		{
			name: "an entry climbing out after a subdirectory",
			rule: "names are cleaned before the check",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "a/../../x", data: "x"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			err:  `entry "a/../../x": path is outside the destination`,
		},
		{
			name: "a hard link climbing out",
			rule: "go-archive createTarFile: invalid hardlink",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "h", typ: tar.TypeLink, link: "../etc/passwd"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			err:  `entry "h": hard link to "../etc/passwd" points outside the destination`,
		},
		{
			name: "a symlink climbing out",
			rule: "go-archive createTarFile: invalid symlink",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "d/s", typ: tar.TypeSymlink, link: "../../etc"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			err:  `entry "d/s": symlink to "../../etc" points outside the destination "/app"`,
		},
		{
			name: "a relative symlink into the image root from /",
			rule: "go-archive: with the destination at / nothing is outside",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "usr/lib/x", typ: tar.TypeSymlink, link: "../../lib/x"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/", IsAdd: true},
			want: []string{"d usr 0755 0:0", "d usr/lib 0755 0:0", "l usr/lib/x 0777 0:0 -> ../../lib/x"},
		},
		{
			name: "a hard link to a missing target",
			rule: "os.Link fails: ENOENT",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "h", typ: tar.TypeLink, link: "nope"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			err:  `hard link target "nope" does not exist`,
		},
		{
			name: "a non-directory . entry",
			rule: "go-archive would RemoveAll the destination; refused",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: ".", data: "x"}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			err:  "would replace the destination directory",
		},
		{
			name: "an unknown entry type",
			rule: "go-archive createTarFile: unhandled tar header type",
			src:  tree(B("t.tar", mkTar(t, tarEnt{name: "c", typ: tar.TypeCont}), 0o600)),
			c:    Copy{Sources: []string{"t.tar"}, Dest: "/app/", IsAdd: true},
			err:  "unhandled tar header type 55",
		},
	}
	runRows(t, rows)
}

func TestAddArchiveXz(t *testing.T) {
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skip("xz not installed (BuildKit decompresses xz with the xz program too)")
	}
	got, err := run(t, tree(B("t.tar.xz", readFixture(t, "foo.tar.xz"), 0o600)), nil, Copy{Sources: []string{"t.tar.xz"}, Dest: "/", IsAdd: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"f foo 0644 0:0 =content0"}, describeAll(t, got)); diff != "" {
		t.Error(diff)
	}
	// A truncated xz stream is not an archive: it is copied.
	bad := readFixture(t, "foo.tar.xz")[:20]
	got, err = run(t, tree(B("t.tar.xz", bad, 0o600)), nil, Copy{Sources: []string{"t.tar.xz"}, Dest: "/", IsAdd: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Path != "t.tar.xz" {
		t.Errorf("truncated xz: %v", describeAll(t, got))
	}
}

// testDockerfileAddArchiveThroughAbsoluteSymlink (moby/moby#53258): a
// second archive writes through var/run -> /run made by the first, and its
// hard link shares the file.
func TestAddArchiveThroughAbsoluteSymlink(t *testing.T) {
	rootfs := mkTar(t, tarEnt{name: "run/", typ: tar.TypeDir}, tarEnt{name: "var/", typ: tar.TypeDir},
		tarEnt{name: "var/run", typ: tar.TypeSymlink, link: "/run", mode: 0o777})
	payload := mkTar(t,
		tarEnt{name: "var/run/act/", typ: tar.TypeDir},
		tarEnt{name: "var/run/act/actions/", typ: tar.TypeDir},
		tarEnt{name: "var/run/act/actions/broad/", typ: tar.TypeDir},
		tarEnt{name: "var/run/act/actions/broad/.git/", typ: tar.TypeDir},
		tarEnt{name: "var/run/act/actions/broad/.git/HEAD", data: "ref: refs/heads/main\n"},
		tarEnt{name: "var/run/act/actions/broad/.git/HEAD.link", typ: tar.TypeLink, link: "var/run/act/actions/broad/.git/HEAD"},
	)
	src := tree(B("rootfs.tar", rootfs, 0o600), B("payload.tar", payload, 0o600))
	first, err := run(t, src, nil, Copy{Sources: []string{"rootfs.tar"}, Dest: "/", IsAdd: true})
	if err != nil {
		t.Fatal(err)
	}
	dst := tree(first...)
	got, err := run(t, src, dst, Copy{Sources: []string{"payload.tar"}, Dest: "/", IsAdd: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"d run/act 0755 0:0",
		"d run/act/actions 0755 0:0",
		"d run/act/actions/broad 0755 0:0",
		"d run/act/actions/broad/.git 0755 0:0",
		"f run/act/actions/broad/.git/HEAD 0644 0:0 =ref: refs/heads/main\n",
		"f run/act/actions/broad/.git/HEAD.link 0644 0:0 =ref: refs/heads/main\n hl=run/act/actions/broad/.git/HEAD",
	}
	if diff := cmp.Diff(want, describeAll(t, got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAddArchiveMetadata(t *testing.T) {
	mt := time.Date(2020, 2, 2, 2, 2, 2, 0, time.UTC)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Name: "f", Typeflag: tar.TypeReg, Mode: 0o4755, Size: 1, ModTime: mt, Uid: 1, Gid: 2,
			PAXRecords: map[string]string{"SCHILY.xattr.security.capability": "cap", "comment": "x"}},
		{Name: "old", Typeflag: tar.TypeReg, Mode: 0o644, ModTime: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), Format: tar.FormatPAX},
		{Name: "g", Typeflag: tar.TypeLink, Linkname: "f", Mode: 0o700, ModTime: mt, Uid: 9, Gid: 9},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("x"))
		}
	}
	tw.Close()
	got, err := run(t, tree(B("t.tar", buf.Bytes(), 0o600)), nil, Copy{Sources: []string{"t.tar"}, Dest: "/d/", IsAdd: true, DirTime: mt.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]*buildfs.Entry{}
	for _, e := range got {
		byPath[e.Path] = e
	}
	if e := byPath["d"]; !e.ModTime.Equal(mt.Add(time.Hour)) {
		t.Errorf("created destination ModTime %v, want DirTime", e.ModTime)
	}
	f, g := byPath["d/f"], byPath["d/g"]
	// A hard link's header changes the shared inode (go-archive Lchown,
	// chmod and chtimes on the link): both names show it.
	for _, e := range []*buildfs.Entry{f, g} {
		if modeToBits(e.Mode) != 0o700 || e.UID != 9 || e.GID != 9 || !e.ModTime.Equal(mt) {
			t.Errorf("%s: %v %d:%d %v", e.Path, e.Mode, e.UID, e.GID, e.ModTime)
		}
		if e.Xattrs["security.capability"] != "cap" || len(e.Xattrs) != 1 {
			t.Errorf("%s xattrs %v", e.Path, e.Xattrs)
		}
	}
	if g.HardLink != "d/f" || f.HardLink != "" {
		t.Errorf("hard link: f %q g %q", f.HardLink, g.HardLink)
	}
	if e := byPath["d/old"]; !e.ModTime.Equal(time.Unix(0, 0)) {
		t.Errorf("pre-epoch time %v, want the epoch (go-archive boundTime)", e.ModTime)
	}
	h, err := f.Hash()
	if err != nil || h != "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" {
		t.Errorf("hash %q %v", h, err)
	}
}

func TestAddArchiveTempFiles(t *testing.T) {
	src := tree(B("t.tar", mkTar(t, tarEnt{name: "f", data: "data"}), 0o600))
	ms, err := Select(src, Copy{Sources: []string{"t.tar"}, Dest: "/", IsAdd: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(src, nil, Copy{Sources: []string{"t.tar"}, Dest: "/", IsAdd: true}, ms); err == nil || !strings.Contains(err.Error(), "TmpDir is required") {
		t.Errorf("without TmpDir: %v", err)
	}
	// A failed extraction removes its temporary files.
	dir := t.TempDir()
	bad := append(mkTar(t, tarEnt{name: "f", data: "data"})[:1024], mkTar(t, tarEnt{name: "../x", data: "y"})...)
	src = tree(B("t.tar", bad, 0o600))
	c := Copy{Sources: []string{"t.tar"}, Dest: "/", IsAdd: true, TmpDir: dir}
	if _, err := run(t, src, nil, c); err == nil {
		t.Fatal("escaping entry accepted")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A corrupt archive after a good first header is an error.
	corrupt := mkTar(t, tarEnt{name: "f", data: "data"}, tarEnt{name: "g", data: "more"})
	copy(corrupt[1024:1100], bytes.Repeat([]byte{0xff}, 76))
	if _, err := run(t, tree(B("t.tar", corrupt, 0o600)), nil, Copy{Sources: []string{"t.tar"}, Dest: "/", IsAdd: true}); err == nil {
		t.Error("corrupt archive accepted")
	}
}

// FuzzTarExtract feeds hostile archives to ADD: it must never panic, and a
// successful extraction into /dest must yield entries only at /dest or
// below, whatever the archive's names, symlinks and hard links, and
// whatever symlinks the destination already holds.
func FuzzTarExtract(f *testing.F) {
	seeds := [][]tarEnt{
		{{name: "../../etc/passwd", data: "x"}},
		{{name: "/etc/passwd", data: "x"}},
		{{name: "l", typ: tar.TypeSymlink, link: "/etc"}, {name: "l/passwd", data: "x"}},
		{{name: "l", typ: tar.TypeSymlink, link: "../../.."}, {name: "l/x", data: "x"}},
		{{name: "up/x", data: "x"}},
		{{name: "abs/passwd", data: "x"}},
		{{name: "h", typ: tar.TypeLink, link: "../../etc/passwd"}},
		{{name: "f", data: "x"}, {name: "h", typ: tar.TypeLink, link: "f"}, {name: "f", typ: tar.TypeDir}},
		{{name: "d/", typ: tar.TypeDir}, {name: "d/x", data: "x"}, {name: "d", data: "replaced"}},
		{{name: "./", typ: tar.TypeDir}, {name: ".", data: "x"}},
		{{name: "a/b/c/d/e", data: "x"}, {name: "a/b", typ: tar.TypeSymlink, link: "/"}, {name: "a/b/etc", data: "y"}},
		{{name: ".wh..wh..opq", data: ""}},
	}
	for _, s := range seeds {
		b := mkTar(f, s...)
		f.Add(b)
		f.Add(gz(f, b))
	}
	f.Add([]byte{})
	f.Add([]byte("not a tar at all"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		src := tree(B("t.tar", data, 0o644))
		dst := tree(
			F("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644),
			D("dest", 0o755),
			L("dest/up", "../.."),
			L("dest/abs", "/etc"),
			L("dest/self", "."),
		)
		tmp, err := os.MkdirTemp(dir, "x")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		c := Copy{Sources: []string{"t.tar"}, Dest: "/dest/", IsAdd: true, TmpDir: tmp}
		ms, err := Select(src, c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Apply(src, dst, c, ms)
		if err != nil {
			return
		}
		for _, e := range got {
			if e.Path != "dest" && !strings.HasPrefix(e.Path, "dest/") {
				t.Fatalf("entry %q outside /dest", e.Path)
			}
			if e.Path != path.Clean(e.Path) || strings.HasPrefix(e.Path, "/") {
				t.Fatalf("entry path %q not clean", e.Path)
			}
			if e.HardLink != "" && (e.HardLink >= e.Path || !strings.HasPrefix(e.HardLink, "dest/")) {
				t.Fatalf("hard link %q -> %q", e.Path, e.HardLink)
			}
		}
	})
}

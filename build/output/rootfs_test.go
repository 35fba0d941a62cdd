package output

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hoistci/hoist/build/buildfs"
)

func file(p string, mode fs.FileMode, content string) *buildfs.Entry {
	return &buildfs.Entry{
		Path: p, Mode: mode, Size: int64(len(content)),
		ModTime: time.Unix(1700000000, 0),
		Open:    func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil },
	}
}

func rootfs() *buildfs.Tree {
	mt := time.Unix(1700000000, 0)
	t := buildfs.NewTree()
	t.Put(&buildfs.Entry{Path: "app", Mode: fs.ModeDir | 0o755, UID: 1000, GID: 1000, ModTime: mt})
	t.Put(file("app/run.sh", 0o755, "#!/bin/sh\necho hi\n"))
	t.Put(&buildfs.Entry{Path: "app/link", Mode: fs.ModeSymlink | 0o777, Linkname: "run.sh", ModTime: mt})
	t.Put(&buildfs.Entry{Path: "app/run2.sh", Mode: 0o755, HardLink: "app/run.sh", ModTime: mt})
	t.Put(&buildfs.Entry{Path: "app-data", Mode: fs.ModeDir | fs.ModeSticky | 0o777, ModTime: mt})
	ping := file("bin/ping", fs.ModeSetuid|0o755, "ELF")
	ping.Xattrs = map[string]string{"security.capability": "\x01\x00\x00\x02"}
	t.Put(ping)
	t.Put(&buildfs.Entry{Path: "dev/null", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666, Devmajor: 1, Devminor: 3, ModTime: mt})
	t.Put(&buildfs.Entry{Path: "dev/sda", Mode: fs.ModeDevice | 0o660, Devmajor: 8, ModTime: mt})
	t.Put(&buildfs.Entry{Path: "run/fifo", Mode: fs.ModeNamedPipe | 0o600, ModTime: mt})
	t.Put(&buildfs.Entry{Path: "run/sock", Mode: fs.ModeSocket | 0o600, ModTime: mt})
	t.Put(file("empty", 0o644, ""))
	return t
}

type tarEntry struct {
	Name, Linkname, Content string
	Type                    byte
	Mode                    int64
	UID, GID                int
	Major, Minor            int64
	Xattrs                  map[string]string
}

func readTar(t *testing.T, data []byte) []tarEntry {
	t.Helper()
	var out []tarEntry
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		e := tarEntry{Name: hdr.Name, Linkname: hdr.Linkname, Content: string(content), Type: hdr.Typeflag,
			Mode: hdr.Mode, UID: hdr.Uid, GID: hdr.Gid, Major: hdr.Devmajor, Minor: hdr.Devminor}
		for k, v := range hdr.PAXRecords {
			if x, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
				if e.Xattrs == nil {
					e.Xattrs = map[string]string{}
				}
				e.Xattrs[x] = v
			}
		}
		if !hdr.ModTime.Equal(time.Unix(1700000000, 0)) && hdr.Typeflag != tar.TypeDir {
			t.Errorf("%s: mtime %v", hdr.Name, hdr.ModTime)
		}
		out = append(out, e)
	}
}

func TestWriteRootfsTar(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteRootfsTar(context.Background(), &buf, rootfs()); err != nil {
		t.Fatal(err)
	}
	want := []tarEntry{
		{Name: "app/", Type: tar.TypeDir, Mode: 0o755, UID: 1000, GID: 1000},
		{Name: "app/link", Type: tar.TypeSymlink, Mode: 0o777, Linkname: "run.sh"},
		{Name: "app/run.sh", Type: tar.TypeReg, Mode: 0o755, Content: "#!/bin/sh\necho hi\n"},
		{Name: "app/run2.sh", Type: tar.TypeLink, Mode: 0o755, Linkname: "app/run.sh"},
		{Name: "app-data/", Type: tar.TypeDir, Mode: 0o1777},
		{Name: "bin/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "bin/ping", Type: tar.TypeReg, Mode: 0o4755, Content: "ELF", Xattrs: map[string]string{"security.capability": "\x01\x00\x00\x02"}},
		{Name: "dev/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "dev/null", Type: tar.TypeChar, Mode: 0o666, Major: 1, Minor: 3},
		{Name: "dev/sda", Type: tar.TypeBlock, Mode: 0o660, Major: 8},
		{Name: "empty", Type: tar.TypeReg, Mode: 0o644},
		{Name: "run/", Type: tar.TypeDir, Mode: 0o755},
		{Name: "run/fifo", Type: tar.TypeFifo, Mode: 0o600},
		// run/sock: a tar cannot hold a socket
	}
	if diff := cmp.Diff(want, readTar(t, buf.Bytes())); diff != "" {
		t.Errorf("rootfs tar (-want +got):\n%s", diff)
	}
	var again bytes.Buffer
	if err := WriteRootfsTar(context.Background(), &again, rootfs()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two tars of the same tree differ")
	}
}

func TestWriteRootfsTarErrors(t *testing.T) {
	short := buildfs.NewTree()
	e := file("f", 0o644, "abc")
	e.Size = 10
	short.Put(e)
	long := buildfs.NewTree()
	e = file("f", 0o644, "abcdef")
	e.Size = 2
	long.Put(e)
	noContent := buildfs.NewTree()
	noContent.Put(&buildfs.Entry{Path: "f", Mode: 0o644, Size: 1})
	for _, c := range []struct {
		name string
		fsys buildfs.FS
		want string
	}{
		{"short", short, "content is 3 bytes, its entry says 10"},
		{"long", long, "longer than its entry's 2 bytes"},
		{"no content", noContent, "without content"},
	} {
		err := WriteRootfsTar(context.Background(), io.Discard, c.fsys)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteRootfsTar(ctx, io.Discard, rootfs()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

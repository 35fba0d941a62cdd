package fileop

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/moby/patternmatcher"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func content(s string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

// F is a regular file fixture.
func F(p, data string, mode fs.FileMode) *buildfs.Entry {
	return &buildfs.Entry{Path: p, Mode: mode, Size: int64(len(data)), ModTime: t0, Open: content(data)}
}

// B is a regular file fixture with binary content.
func B(p string, data []byte, mode fs.FileMode) *buildfs.Entry {
	return &buildfs.Entry{Path: p, Mode: mode, Size: int64(len(data)), ModTime: t0,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// D is a directory fixture.
func D(p string, mode fs.FileMode) *buildfs.Entry {
	return &buildfs.Entry{Path: p, Mode: fs.ModeDir | mode, ModTime: t0}
}

// L is a symlink fixture.
func L(p, target string) *buildfs.Entry {
	return &buildfs.Entry{Path: p, Mode: fs.ModeSymlink | 0o777, Linkname: target, ModTime: t0}
}

func own(e *buildfs.Entry, uid, gid int) *buildfs.Entry {
	e.UID, e.GID = uid, gid
	return e
}

func tree(es ...*buildfs.Entry) *buildfs.Tree {
	t := buildfs.NewTree()
	for _, e := range es {
		t.Put(e)
	}
	return t
}

// describe renders an entry for comparison:
// "f app/x 0644 0:0 =content", "d app 0755 0:0", "l app/l 0777 0:0 -> target",
// "f app/y 0644 0:0 =content hl=app/x".
func describe(t testing.TB, e *buildfs.Entry) string {
	var b strings.Builder
	switch {
	case e.IsDir():
		b.WriteString("d")
	case e.IsSymlink():
		b.WriteString("l")
	case e.IsRegular():
		b.WriteString("f")
	case e.Mode&fs.ModeCharDevice != 0:
		b.WriteString("c")
	case e.Mode&fs.ModeDevice != 0:
		b.WriteString("b")
	case e.Mode&fs.ModeNamedPipe != 0:
		b.WriteString("p")
	default:
		b.WriteString("?")
	}
	fmt.Fprintf(&b, " %s %04o %d:%d", e.Path, modeToBits(e.Mode), e.UID, e.GID)
	if e.IsSymlink() {
		fmt.Fprintf(&b, " -> %s", e.Linkname)
	}
	if e.IsRegular() {
		if e.Open == nil {
			b.WriteString(" =<nil>")
		} else {
			rc, err := e.Open()
			if err != nil {
				t.Fatalf("open %s: %v", e.Path, err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("read %s: %v", e.Path, err)
			}
			if int64(len(data)) != e.Size {
				t.Errorf("%s: Size %d, content %d bytes", e.Path, e.Size, len(data))
			}
			fmt.Fprintf(&b, " =%s", data)
		}
		if e.HardLink != "" {
			fmt.Fprintf(&b, " hl=%s", e.HardLink)
		}
	}
	return b.String()
}

func describeAll(t testing.TB, es []*buildfs.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = describe(t, e)
	}
	return out
}

// run does what the builder does: Select, then Apply.
func run(t testing.TB, src, dst buildfs.FS, c Copy) ([]*buildfs.Entry, error) {
	t.Helper()
	if c.TmpDir == "" {
		c.TmpDir = t.TempDir()
	}
	ms, err := Select(src, c)
	if err != nil {
		return nil, err
	}
	return Apply(src, dst, c, ms)
}

type tarEnt struct {
	name     string
	typ      byte
	data     string
	link     string
	mode     int64
	uid, gid int
	xattrs   map[string]string
}

func mkTar(t testing.TB, ents ...tarEnt) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Uid: e.uid, Gid: e.gid, ModTime: t0, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		for k, v := range e.xattrs {
			if h.PAXRecords == nil {
				h.PAXRecords = map[string]string{}
			}
			h.PAXRecords[paxSchilyXattr+k] = v
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.WriteString(tw, e.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// newTestSelector runs the selector over "." with include patterns as
// --parents would pass them and c.Excludes.
func newTestSelector(src buildfs.FS, c Copy, include []string) (*selector, error) {
	s := &selector{src: src, c: c}
	if len(c.Excludes) > 0 {
		pm, err := patternmatcher.New(c.Excludes)
		if err != nil {
			return nil, err
		}
		s.exc = pm
	}
	var inc *patternmatcher.PatternMatcher
	if len(include) > 0 {
		pm, err := patternmatcher.New(include)
		if err != nil {
			return nil, err
		}
		inc = pm
	}
	return s, s.addSource(".", ".", inc)
}

func slicesSort(s []string) { slices.Sort(s) }

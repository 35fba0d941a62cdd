package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/types"
	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/hoistci/hoist/build/buildfs"
)

func TestParseCompression(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Compression
		err  bool
	}{
		{"", Gzip, false},
		{"gzip", Gzip, false},
		{"ZSTD", Zstd, false},
		{" uncompressed ", Uncompressed, false},
		{"estargz", "", true},
		{"none", "", true},
	} {
		got, err := ParseCompression(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseCompression(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

var (
	// longName fits USTAR's prefix and name fields; longBase cannot.
	longName = "deep/" + strings.Repeat("n", 120) + "/file.txt"
	longBase = "deep/" + strings.Repeat("m", 150)
)

// roundTripEntries covers every type and every header field Write writes.
func roundTripEntries() []*buildfs.Entry {
	setuid := fileEntry("usr/bin/su", 0o755|fs.ModeSetuid, "#!/bin/su\n")
	setuid.UID, setuid.GID = 0, 0
	setuid.Xattrs = map[string]string{"security.capability": "\x01\x00\x00\x02\x00\x20\x00\x00", "user.note": "hello"}
	app := dirEntry("app", 0o750)
	app.UID, app.GID = 1000, 1001
	main := fileEntry("app/main.go", 0o644, "package main\n")
	main.UID, main.GID = 1000, 1001
	main.ModTime = t0.Add(1500 * time.Millisecond) // written truncated to the second
	link := fileEntry("app/main-link.go", 0o644, "")
	link.HardLink = "app/main.go"
	tmp := dirEntry("tmp", 0o777|fs.ModeSticky)
	big := fileEntry("big-ids", 0o600, strings.Repeat("x", 70_000))
	big.UID, big.GID = 3_000_000, 3_000_001 // beyond USTAR's 7 octal digits: PAX
	return []*buildfs.Entry{
		{Path: ".", Mode: fs.ModeDir | 0o755},
		app, main, link,
		fileEntry("app/empty", 0o600, ""),
		symlinkEntry("app/rel", "../usr/bin/su"),
		symlinkEntry("app/abs", "/etc/passwd"),
		symlinkEntry("app/longlink", "/"+strings.Repeat("l", 150)),
		big,
		dirEntry("deep", 0o755),
		dirEntry("deep/"+strings.Repeat("n", 120), 0o755),
		fileEntry(longName, 0o644, "long\n"),
		fileEntry(longBase, 0o644, "longer\n"),
		{Path: "dev", Mode: fs.ModeDir | 0o755, ModTime: t0},
		{Path: "dev/null", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666, Devmajor: 1, Devminor: 3, ModTime: t0},
		{Path: "dev/sda", Mode: fs.ModeDevice | 0o660, Devmajor: 8, Devminor: 0, ModTime: t0},
		{Path: "dev/fifo", Mode: fs.ModeNamedPipe | 0o644, ModTime: t0},
		tmp,
		dirEntry("usr", 0o755), dirEntry("usr/bin", 0o755), setuid,
	}
}

// comparable is an entry without its functions, and with its content.
type comparableEntry struct {
	Path, Linkname, HardLink string
	Mode                     fs.FileMode
	UID, GID                 int
	Size                     int64
	ModTime                  time.Time
	Devmajor, Devminor       int64
	Xattrs                   map[string]string
	Content                  string
}

func snapshot(t *testing.T, fsys buildfs.FS) []comparableEntry {
	t.Helper()
	var out []comparableEntry
	err := buildfs.Walk(fsys, ".", func(e *buildfs.Entry) error {
		if e.Path == "." {
			return nil
		}
		c := comparableEntry{Path: e.Path, Linkname: e.Linkname, HardLink: e.HardLink, Mode: e.Mode, UID: e.UID, GID: e.GID,
			ModTime: e.ModTime.UTC(), Devmajor: e.Devmajor, Devminor: e.Devminor, Xattrs: e.Xattrs}
		if e.IsRegular() {
			c.Size = e.Size
			c.Content = string(readAll(t, e))
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWriteApplyRoundTrip(t *testing.T) {
	for _, c := range []Compression{Gzip, Zstd, Uncompressed} {
		t.Run(string(c), func(t *testing.T) {
			entries := roundTripEntries()
			l := mustWrite(t, entries, WriteOptions{Compression: c})
			r := NewReader(t.TempDir())
			defer r.Close()
			tree := buildfs.NewTree()
			if err := r.Apply(tree, fileOpener(l.Path)); err != nil {
				t.Fatal(err)
			}
			want := buildfs.NewTree()
			for _, e := range entries {
				if e.Path == "." {
					continue
				}
				e2 := *e
				e2.ModTime = e.ModTime.Truncate(time.Second)
				want.Put(&e2)
			}
			// app/main-link.go sorts first: Write gives it the content, and
			// app/main.go becomes the link.
			mainGo, _ := want.Lstat("app/main.go")
			ml, mg := *mainGo, *mainGo
			ml.Path = "app/main-link.go"
			mg.HardLink = "app/main-link.go"
			want.Put(&ml)
			want.Put(&mg)
			if diff := cmp.Diff(snapshot(t, want), snapshot(t, tree)); diff != "" {
				t.Errorf("tree after Write -> Apply (-want +got):\n%s", diff)
			}
		})
	}
}

// rawHeaders reads the uncompressed tar of a layer written uncompressed.
func rawHeaders(t *testing.T, l *Layer) []*tar.Header {
	t.Helper()
	f, err := os.Open(l.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dr, err := decompress(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(dr)
	var hs []*tar.Header
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hs
		}
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
}

func TestWriteHeaders(t *testing.T) {
	entries := roundTripEntries()
	// Give the input in reverse: Write sorts.
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	hs := rawHeaders(t, mustWrite(t, entries, WriteOptions{Compression: Uncompressed}))
	var names []string
	for _, h := range hs {
		names = append(names, h.Name)
		if h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: uname/gname %q/%q, want empty", h.Name, h.Uname, h.Gname)
		}
		if !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s: atime/ctime set", h.Name)
		}
		if h.ModTime.Nanosecond() != 0 {
			t.Errorf("%s: sub-second mtime %v", h.Name, h.ModTime)
		}
		if (h.Typeflag == tar.TypeDir) != strings.HasSuffix(h.Name, "/") {
			t.Errorf("%s: type %c, name must end in / exactly for directories", h.Name, h.Typeflag)
		}
		// USTAR where it can hold every field (a long name split into
		// prefix and name), PAX otherwise, never GNU.
		_, hasPAXPath := h.PAXRecords["path"]
		needPAX := map[string]bool{
			"deep/" + strings.Repeat("n", 120) + "/": true, // no split leaves a name of <= 100
			longBase:                                 true,
			"app/longlink":                           true, // linkname > 100
			"big-ids":                                true, // uid > 07777777
			"usr/bin/su":                             true, // xattrs
		}[h.Name]
		if needPAX != (h.Format == tar.FormatPAX) || (h.Format != tar.FormatPAX && h.Format != tar.FormatUSTAR) {
			t.Errorf("%s: format %v, PAX needed: %v", h.Name, h.Format, needPAX)
		}
		if len(h.Name) > 100 && h.Format == tar.FormatPAX && !hasPAXPath {
			t.Errorf("%s: long name not in a PAX path record", h.Name)
		}
	}
	want := []string{"app/", "app/abs", "app/empty", "app/longlink", "app/main-link.go", "app/main.go", "app/rel", "big-ids",
		"deep/", longBase, "deep/" + strings.Repeat("n", 120) + "/", longName, "dev/", "dev/fifo", "dev/null", "dev/sda", "tmp/", "usr/", "usr/bin/", "usr/bin/su"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("tar order (-want +got):\n%s", diff)
	}
	// app/main-link.go sorts before app/main.go, so it carries the content
	// and app/main.go links to it.
	for _, h := range hs {
		switch h.Name {
		case "app/main-link.go":
			if h.Typeflag != tar.TypeReg || h.Size != int64(len("package main\n")) || h.Uid != 1000 {
				t.Errorf("first member of a hard-link group: %+v", h)
			}
		case "app/main.go":
			if h.Typeflag != tar.TypeLink || h.Linkname != "app/main-link.go" || h.Size != 0 {
				t.Errorf("second member of a hard-link group: type %c -> %q size %d", h.Typeflag, h.Linkname, h.Size)
			}
		}
	}
}

func TestWriteCompressions(t *testing.T) {
	entries := roundTripEntries()
	for _, tc := range []struct {
		c     Compression
		mt    types.MediaType
		readf []func(io.Reader) (io.Reader, error)
	}{
		{Gzip, types.OCILayer, []func(io.Reader) (io.Reader, error){
			func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
			func(r io.Reader) (io.Reader, error) { return kgzip.NewReader(r) },
		}},
		{Zstd, types.OCILayerZStd, []func(io.Reader) (io.Reader, error){
			func(r io.Reader) (io.Reader, error) { return zstd.NewReader(r) },
		}},
		{Uncompressed, types.OCIUncompressedLayer, []func(io.Reader) (io.Reader, error){
			func(r io.Reader) (io.Reader, error) { return r, nil },
		}},
	} {
		t.Run(string(tc.c), func(t *testing.T) {
			l := mustWrite(t, entries, WriteOptions{Compression: tc.c})
			blob, err := os.ReadFile(l.Path)
			if err != nil {
				t.Fatal(err)
			}
			if l.MediaType != tc.mt {
				t.Errorf("media type %s, want %s", l.MediaType, tc.mt)
			}
			if got := sha(blob); got != l.Digest.Hex || l.Digest.Algorithm != "sha256" {
				t.Errorf("digest %s, blob hashes to %s", l.Digest, got)
			}
			if int64(len(blob)) != l.Size {
				t.Errorf("size %d, blob has %d bytes", l.Size, len(blob))
			}
			for _, rf := range tc.readf {
				r, err := rf(bytes.NewReader(blob))
				if err != nil {
					t.Fatal(err)
				}
				tarb, err := io.ReadAll(r)
				if err != nil {
					t.Fatal(err)
				}
				if sha(tarb) != l.DiffID.Hex || int64(len(tarb)) != l.UncompressedSize {
					t.Errorf("decompressed: sha256 %s size %d; layer says %s %d", sha(tarb), len(tarb), l.DiffID, l.UncompressedSize)
				}
				if _, err := tar.NewReader(bytes.NewReader(tarb)).Next(); err != nil {
					t.Errorf("not a tar: %v", err)
				}
			}
			if tc.c == Uncompressed && l.Digest != l.DiffID {
				t.Errorf("uncompressed: digest %s != diffID %s", l.Digest, l.DiffID)
			}
		})
	}
}

// compressibleEntries is several pgzip blocks and zstd blocks of text.
func compressibleEntries(n int) []*buildfs.Entry {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"FROM ", "RUN ", "COPY ", "layer ", "digest ", "sha256 ", "image ", "\n", "hoist ", "build "}
	var out []*buildfs.Entry
	for i := range n {
		var sb strings.Builder
		for sb.Len() < 300_000 {
			sb.WriteString(words[rng.IntN(len(words))])
			sb.WriteString(string(rune('a' + rng.IntN(26))))
		}
		out = append(out, fileEntry(strings.Repeat("d/", i%3)+"f"+string(rune('a'+i)), 0o644, sb.String()))
	}
	return out
}

func TestWriteDeterministic(t *testing.T) {
	entries := append(roundTripEntries(), compressibleEntries(12)...)
	for _, c := range []Compression{Gzip, Zstd, Uncompressed} {
		t.Run(string(c), func(t *testing.T) {
			a := mustWrite(t, entries, WriteOptions{Compression: c})
			shuffled := append([]*buildfs.Entry(nil), entries...)
			rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			b := mustWrite(t, shuffled, WriteOptions{Compression: c})
			if a.Digest != b.Digest || a.DiffID != b.DiffID {
				t.Errorf("same entries in another order: %s/%s vs %s/%s", a.Digest, a.DiffID, b.Digest, b.DiffID)
			}
			// The blob must not depend on the machine's CPU count.
			for _, procs := range []int{1, 3, 8} {
				old := runtime.GOMAXPROCS(procs)
				p := mustWrite(t, entries, WriteOptions{Compression: c})
				runtime.GOMAXPROCS(old)
				if p.Digest != a.Digest {
					t.Errorf("GOMAXPROCS=%d: digest %s, want %s", procs, p.Digest, a.Digest)
				}
			}
		})
	}
}

func TestWriteZstdMatchesSequentialEncoder(t *testing.T) {
	entries := compressibleEntries(10)
	l := mustWrite(t, entries, WriteOptions{Compression: Zstd})
	u := mustWrite(t, entries, WriteOptions{Compression: Uncompressed})
	tarb, err := os.ReadFile(u.Path)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	zw, err := zstd.NewWriter(&want, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(tarb)
	zw.Close()
	if got := sha256.Sum256(want.Bytes()); hex.EncodeToString(got[:]) != l.Digest.Hex {
		t.Errorf("zstd blob %s differs from the sequential encoder's output (%x); the digest would depend on concurrency", l.Digest, got)
	}
}

func TestWriteEpoch(t *testing.T) {
	epoch := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(mt time.Time) []*buildfs.Entry {
		es := roundTripEntries()
		for _, e := range es {
			e.ModTime = mt
		}
		return es
	}
	for _, c := range []Compression{Gzip, Zstd} {
		a := mustWrite(t, at(t0), WriteOptions{Compression: c, Epoch: &epoch})
		b := mustWrite(t, at(t0.Add(48*time.Hour+time.Millisecond)), WriteOptions{Compression: c, Epoch: &epoch})
		if a.Digest != b.Digest {
			t.Errorf("%s: mtimes after the epoch must be clamped: %s vs %s", c, a.Digest, b.Digest)
		}
		noEpoch := mustWrite(t, at(t0), WriteOptions{Compression: c})
		if noEpoch.Digest == a.Digest {
			t.Errorf("%s: without an epoch the mtime must count", c)
		}
		// Older mtimes stay: clamp, not set.
		old := epoch.Add(-time.Hour)
		c1 := mustWrite(t, at(old), WriteOptions{Compression: c, Epoch: &epoch})
		if c1.Digest == a.Digest {
			t.Errorf("%s: an mtime before the epoch must be kept", c)
		}
	}
	hs := rawHeaders(t, mustWrite(t, at(t0), WriteOptions{Compression: Uncompressed, Epoch: &epoch}))
	for _, h := range hs {
		if !h.ModTime.Equal(epoch) {
			t.Errorf("%s: mtime %v, want the epoch %v", h.Name, h.ModTime, epoch)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	grown := fileEntry("grown", 0o644, "0123456789")
	grown.Size = 5
	shrunk := fileEntry("shrunk", 0o644, "01")
	shrunk.Size = 5
	failing := fileEntry("failing", 0o644, "x")
	failing.Open = func() (io.ReadCloser, error) { return nil, errors.New("permission denied") }
	noOpen := fileEntry("noopen", 0o644, "x")
	noOpen.Open = nil
	dangling := fileEntry("link", 0o644, "")
	dangling.HardLink = "missing"
	dirLink := fileEntry("dirlink", 0o644, "")
	dirLink.HardLink = "d"
	for _, tc := range []struct {
		name    string
		entries []*buildfs.Entry
		want    string
	}{
		{"unclean", []*buildfs.Entry{fileEntry("../x", 0o644, "")}, "not clean"},
		{"absolute", []*buildfs.Entry{fileEntry("/x", 0o644, "")}, "not clean"},
		{"duplicate", []*buildfs.Entry{fileEntry("x", 0o644, ""), fileEntry("x", 0o644, "")}, "given twice"},
		{"grown", []*buildfs.Entry{grown}, "grew"},
		{"shrunk", []*buildfs.Entry{shrunk}, "shrank"},
		{"open fails", []*buildfs.Entry{failing}, "permission denied"},
		{"no Open", []*buildfs.Entry{noOpen}, "without content"},
		{"dangling hard link", []*buildfs.Entry{dangling}, "not in the layer"},
		{"hard link to dir", []*buildfs.Entry{dirEntry("d", 0o755), dirLink}, "only files and symlinks"},
		{"bad level", []*buildfs.Entry{}, "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := WriteOptions{TempDir: dir}
			if tc.name == "bad level" {
				opts.Level = 42
			}
			_, err := Write(context.Background(), tc.entries, opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("temp files left behind: %v", left)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Write(ctx, roundTripEntries(), WriteOptions{TempDir: t.TempDir()}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestWriteEmpty(t *testing.T) {
	l := mustWrite(t, nil, WriteOptions{})
	if hs := rawHeaders(t, l); len(hs) != 0 {
		t.Errorf("empty layer has %d entries", len(hs))
	}
	// An empty tar is 1024 zero bytes.
	if l.UncompressedSize != 1024 {
		t.Errorf("uncompressed size %d", l.UncompressedSize)
	}
}

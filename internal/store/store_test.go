package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomImage(t *testing.T, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(512, layers)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func digestOf(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		wantErr string
	}{
		{name: "missing dir is created", setup: func(t *testing.T, dir string) {}},
		{name: "empty dir", setup: func(t *testing.T, dir string) { mustMkdir(t, dir) }},
		{name: "existing store", setup: func(t *testing.T, dir string) {
			if _, err := Open(dir); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "unrelated non-empty dir", setup: func(t *testing.T, dir string) {
			mustMkdir(t, dir)
			mustWrite(t, filepath.Join(dir, "notes.txt"), "hello")
		}, wantErr: "not a hoist store"},
		{name: "damaged oci-layout", setup: func(t *testing.T, dir string) {
			mustMkdir(t, dir)
			mustWrite(t, filepath.Join(dir, "oci-layout"), "{")
		}, wantErr: "not a valid OCI layout"},
		{name: "future layout version", setup: func(t *testing.T, dir string) {
			mustMkdir(t, dir)
			mustWrite(t, filepath.Join(dir, "oci-layout"), `{"imageLayoutVersion":"9.0.0"}`)
		}, wantErr: "unsupported OCI layout version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			tt.setup(t, dir)
			s, err := Open(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"oci-layout", "index.json", "blobs/sha256"} {
				if _, err := os.Stat(filepath.Join(s.Dir(), f)); err != nil {
					t.Errorf("layout is missing %s: %v", f, err)
				}
			}
			if _, err := layout.FromPath(dir); err != nil {
				t.Errorf("layout.FromPath: %v", err)
			}
		})
	}
}

func TestDefaultDir(t *testing.T) {
	tests := []struct {
		home, xdg, want string
	}{
		{home: "/h", xdg: "/x", want: "/h"},
		{xdg: "/x", want: "/x/hoist"},
	}
	for _, tt := range tests {
		t.Setenv("HOIST_HOME", tt.home)
		t.Setenv("XDG_DATA_HOME", tt.xdg)
		got, err := DefaultDir()
		if err != nil || got != tt.want {
			t.Errorf("DefaultDir() = %q, %v; want %q", got, err, tt.want)
		}
	}
	t.Setenv("HOIST_HOME", "")
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got, _ := DefaultDir(); got != "/home/u/.local/share/hoist" {
		t.Errorf("DefaultDir() = %q", got)
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "app", want: "app:latest"},
		{in: "app:dev", want: "app:dev"},
		{in: "localhost:5000/team/app", want: "localhost:5000/team/app:latest"},
		{in: "localhost:5000/team/app:1.2", want: "localhost:5000/team/app:1.2"},
		{in: "App:dev", wantErr: "App"},
		{in: "app:bad tag", wantErr: "bad tag"},
		{in: "app@sha256:" + strings.Repeat("a", 64), wantErr: "cannot contain a digest"},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NormalizeName(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	img := randomImage(t, 3)
	want := digestOf(t, img)
	got, err := s.WriteImage(ctx, img, "app:dev", "localhost:5000/team/app")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("WriteImage digest = %s, want %s", got, want)
	}
	for _, ref := range []string{"app:dev", "localhost:5000/team/app:latest", "localhost:5000/team/app", want.String(), want.Hex[:12]} {
		t.Run(ref, func(t *testing.T) {
			back, err := s.Image(ref)
			if err != nil {
				t.Fatal(err)
			}
			if d := digestOf(t, back); d != want {
				t.Fatalf("digest = %s, want %s", d, want)
			}
			layers, err := back.Layers()
			if err != nil {
				t.Fatal(err)
			}
			if len(layers) != 3 {
				t.Fatalf("got %d layers", len(layers))
			}
			for _, l := range layers {
				rc, err := l.Compressed()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rc); err != nil {
					t.Fatal(err)
				}
				rc.Close()
			}
			if err := validate(back); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := s.Image("nope:1"); err == nil || !strings.Contains(err.Error(), "no local image") {
		t.Errorf("Image(unknown) error = %v", err)
	}

	entries, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("List() = %+v, want 2 entries", entries)
	}
	names := map[string]Entry{}
	for _, e := range entries {
		names[e.Name()] = e
	}
	e, ok := names["localhost:5000/team/app:latest"]
	if !ok || e.Repository != "localhost:5000/team/app" || e.Tag != "latest" || e.Digest != want {
		t.Errorf("entry = %+v", e)
	}
	cf, _ := img.ConfigFile()
	size := manifestSize(t, img)
	if e.Size != size || !e.Created.Equal(cf.Created.Time) {
		t.Errorf("entry size/created = %d/%v, want %d/%v", e.Size, e.Created, size, cf.Created.Time)
	}
	if probs, err := s.Verify(ctx); err != nil || len(probs) != 0 {
		t.Errorf("Verify() = %v, %v", probs, err)
	}
}

// validate reads everything like a consumer would (crane validate-lite).
func validate(img v1.Image) error {
	if _, err := img.ConfigFile(); err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	if m.Config.Digest.Hex == "" {
		return errors.New("no config")
	}
	return nil
}

func manifestSize(t *testing.T, img v1.Image) int64 {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := img.RawManifest()
	n := int64(len(raw)) + m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n
}

func TestGoContainerregistryReadsStore(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	img := randomImage(t, 2)
	h, err := s.WriteImage(ctx, img, "app:dev")
	if err != nil {
		t.Fatal(err)
	}
	p, err := layout.FromPath(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	ii, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Annotations[RefNameAnnotation] != "app:dev" || im.Manifests[0].Digest != h {
		t.Fatalf("index.json = %+v", im.Manifests)
	}
	back, err := p.Image(h)
	if err != nil {
		t.Fatal(err)
	}
	if d := digestOf(t, back); d != h {
		t.Fatalf("layout image digest %s, want %s", d, h)
	}
	layers, _ := back.Layers()
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, rc)
		rc.Close()
	}
}

func TestWriteIndex(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ii, err := random.Index(256, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.WriteIndex(ctx, ii, "multi:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Image("multi:1"); err == nil || !strings.Contains(err.Error(), "index") {
		t.Errorf("Image(index) error = %v", err)
	}
	back, err := s.ImageIndex("multi:1")
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := back.Digest(); d != h {
		t.Fatalf("digest %s, want %s", d, h)
	}
	p, _ := layout.FromPath(s.Dir())
	lii, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	child, err := lii.ImageIndex(h)
	if err != nil {
		t.Fatal(err)
	}
	cm, _ := child.IndexManifest()
	for _, d := range cm.Manifests {
		img, err := child.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(img); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := s.GC(ctx, GCOptions{GracePeriod: -1}); err != nil || len(res.Blobs) != 0 {
		t.Errorf("GC removed %v, %v; the index reaches everything", res.Blobs, err)
	}
}

func TestRetagAndUntag(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, b := randomImage(t, 1), randomImage(t, 1)
	if _, err := s.WriteImage(ctx, a, "app:dev", "app:keep"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteImage(ctx, b, "app:dev"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref  string
		want v1.Hash
	}{
		{"app:dev", digestOf(t, b)},
		{"app:keep", digestOf(t, a)},
	}
	for _, tt := range tests {
		img, err := s.Image(tt.ref)
		if err != nil {
			t.Fatal(err)
		}
		if d := digestOf(t, img); d != tt.want {
			t.Errorf("%s -> %s, want %s", tt.ref, d, tt.want)
		}
	}
	if err := s.Untag(ctx, "app:keep"); err != nil {
		t.Fatal(err)
	}
	if err := s.Untag(ctx, "app:keep"); err == nil {
		t.Error("second Untag succeeded")
	}
	entries, _ := s.List()
	if len(entries) != 1 || entries[0].Name() != "app:dev" {
		t.Errorf("List() = %+v", entries)
	}
	// An image written without a name stays listed as dangling.
	c := randomImage(t, 1)
	if _, err := s.WriteImage(ctx, c); err != nil {
		t.Fatal(err)
	}
	entries, _ = s.List()
	if len(entries) != 2 {
		t.Fatalf("List() = %+v", entries)
	}
	if _, err := s.Image(digestOf(t, c).String()); err != nil {
		t.Error(err)
	}
}

func TestWriteBlob(t *testing.T) {
	ctx := context.Background()
	content := []byte("hello hoist")
	good, _, _ := v1.SHA256(bytes.NewReader(content))
	other, _, _ := v1.SHA256(strings.NewReader("other"))
	tests := []struct {
		name    string
		r       io.Reader
		want    v1.Hash
		wantErr string
	}{
		{name: "no expected digest", r: bytes.NewReader(content)},
		{name: "matching digest", r: bytes.NewReader(content), want: good},
		{name: "mismatch", r: bytes.NewReader(content), want: other, wantErr: "expected " + other.String()},
		{name: "reader fails midway", r: io.MultiReader(bytes.NewReader(content), errReader{}), wantErr: "disk on fire"},
		{name: "unsupported algorithm", r: bytes.NewReader(content), want: v1.Hash{Algorithm: "md5", Hex: "00"}, wantErr: "unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			h, n, err := s.WriteBlob(ctx, tt.r, tt.want)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				assertEmpty(t, filepath.Join(s.Dir(), "blobs", "sha256"))
				assertEmpty(t, filepath.Join(s.Dir(), tmpDir))
				return
			}
			if err != nil || h != good || n != int64(len(content)) {
				t.Fatalf("WriteBlob = %s, %d, %v", h, n, err)
			}
			if !s.HasBlob(good) {
				t.Fatal("HasBlob false after write")
			}
			rc, err := s.Blob(good)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(b, content) {
				t.Fatalf("Blob read %q, %v", b, err)
			}
			// Writing it again is a no-op that does not even read r.
			if _, _, err := s.WriteBlob(ctx, errReader{}, good); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestCorruptBlob(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	img := randomImage(t, 2)
	h, err := s.WriteImage(ctx, img, "app:dev")
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	ld, _ := layers[0].Digest()
	corrupt(t, s, ld)

	back, err := s.Image("app:dev")
	if err != nil {
		t.Fatal(err)
	}
	bl, _ := back.Layers()
	rc, err := bl[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	rc.Close()
	var ce *CorruptBlobError
	if !errors.As(err, &ce) || ce.Digest != ld {
		t.Fatalf("read corrupt layer: error = %v", err)
	}
	for _, want := range []string{ld.String(), "hoist prune --local", "pull or build"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	probs, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Kind != ProblemCorrupt || probs[0].Digest != ld {
		t.Fatalf("Verify() = %v", probs)
	}
	// prune --local: drops the broken entry and the corrupt blob.
	res, err := s.GC(ctx, GCOptions{RemoveCorrupt: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.RemovedEntries) != 1 || res.RemovedEntries[0] != "app:dev" {
		t.Errorf("RemovedEntries = %v", res.RemovedEntries)
	}
	if s.HasBlob(ld) {
		t.Error("corrupt blob kept")
	}
	if probs, _ := s.Verify(ctx); len(probs) != 0 {
		t.Errorf("Verify after prune = %v", probs)
	}
	// Re-pulling (writing again) repairs it.
	if got, err := s.WriteImage(ctx, img, "app:dev"); err != nil || got != h {
		t.Fatalf("rewrite = %s, %v", got, err)
	}
	if probs, _ := s.Verify(ctx); len(probs) != 0 {
		t.Errorf("Verify after rewrite = %v", probs)
	}
}

func corrupt(t *testing.T, s *Store, h v1.Hash) {
	t.Helper()
	p := s.blobPath(h)
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, p, "garbage")
}

func TestCrashBeforeIndexUpdate(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	s.beforeIndexUpdate = func() error { return errors.New("simulated crash") }
	img := randomImage(t, 2)
	if _, err := s.WriteImage(ctx, img, "app:dev"); err == nil {
		t.Fatal("WriteImage succeeded despite the injected failure")
	}
	if _, err := s.Image("app:dev"); err == nil {
		t.Fatal("name was committed although the write failed")
	}
	if probs, _ := s.Verify(ctx); len(probs) != 0 {
		t.Fatalf("Verify() = %v; an interrupted write must leave a consistent store", probs)
	}
	// The orphaned blobs are garbage once past the grace period.
	res, err := s.GC(ctx, GCOptions{})
	if err != nil || len(res.Blobs) != 0 {
		t.Fatalf("GC within grace removed %v, %v", res.Blobs, err)
	}
	res, err = s.GC(ctx, GCOptions{now: func() time.Time { return time.Now().Add(2 * DefaultGracePeriod) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Blobs) != 4 { // 2 layers, config, manifest
		t.Errorf("GC removed %d blobs, want 4", len(res.Blobs))
	}
	assertEmpty(t, filepath.Join(s.Dir(), "blobs", "sha256"))
}

func TestCommitRefusesMissingBlobs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	img := randomImage(t, 1)
	layers, _ := img.Layers()
	ld, _ := layers[0].Digest()
	// A concurrent GC deleting a blob between write and commit.
	s.beforeIndexUpdate = func() error { return os.Remove(s.blobPath(ld)) }
	_, err := s.WriteImage(ctx, img, "app:dev")
	if err == nil || !strings.Contains(err.Error(), ld.String()) {
		t.Fatalf("WriteImage error = %v, want it to name the vanished blob", err)
	}
	if entries, _ := s.List(); len(entries) != 0 {
		t.Fatalf("entries = %+v", entries)
	}
}

func TestTempFilesFromCrashes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	old := filepath.Join(s.Dir(), tmpDir, tmpPrefix+"blob-123")
	fresh := filepath.Join(s.Dir(), tmpDir, tmpPrefix+"blob-456")
	mustWrite(t, old, "partial")
	mustWrite(t, fresh, "in progress")
	past := time.Now().Add(-2 * DefaultGracePeriod)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	probs, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 2 || probs[0].Kind != ProblemTempFile {
		t.Fatalf("Verify() = %v", probs)
	}
	res, err := s.GC(ctx, GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.TempFiles) != 1 || res.BytesFreed != int64(len("partial")) {
		t.Errorf("GC = %+v", res)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Error("old temp file kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("temp file of a write in progress removed")
	}
}

func TestGC(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	kept := randomImage(t, 2)
	if _, err := s.WriteImage(ctx, kept, "app:kept"); err != nil {
		t.Fatal(err)
	}
	// dropped shares a base layer with kept; it is untagged and old.
	extra, _ := random.Layer(300, "application/vnd.oci.image.layer.v1.tar+gzip")
	keptLayers, _ := kept.Layers()
	dropped, err := mutate.AppendLayers(mustBase(t, keptLayers[:1]), extra)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteImage(ctx, dropped, "app:dropped"); err != nil {
		t.Fatal(err)
	}
	if err := s.Untag(ctx, "app:dropped"); err != nil {
		t.Fatal(err)
	}
	// recent is unreferenced but young: a build in another process.
	recent := randomImage(t, 1)
	s.beforeIndexUpdate = func() error { return errors.New("not committed yet") }
	s.WriteImage(ctx, recent, "app:recent")
	s.beforeIndexUpdate = nil

	past := time.Now().Add(-2 * DefaultGracePeriod)
	var droppedOnly []v1.Hash
	dm, _ := dropped.Manifest()
	dd := digestOf(t, dropped)
	for _, h := range []v1.Hash{dd, dm.Config.Digest, dm.Layers[1].Digest} {
		droppedOnly = append(droppedOnly, h)
	}
	for _, h := range append(droppedOnly, dm.Layers[0].Digest) {
		if err := os.Chtimes(s.blobPath(h), past, past); err != nil {
			t.Fatal(err)
		}
	}
	var wantFreed int64
	for _, h := range droppedOnly {
		fi, _ := os.Stat(s.blobPath(h))
		wantFreed += fi.Size()
	}

	dry, err := s.GC(ctx, GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Blobs) != 3 || !s.HasBlob(dd) {
		t.Fatalf("dry run = %+v (must report 3 and remove nothing)", dry)
	}
	res, err := s.GC(ctx, GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Blobs) != 3 || res.BytesFreed != wantFreed {
		t.Fatalf("GC = %+v, want the 3 blobs only dropped reaches, %d bytes", res, wantFreed)
	}
	for _, h := range droppedOnly {
		if s.HasBlob(h) {
			t.Errorf("unreferenced blob %s kept", h)
		}
	}
	if !s.HasBlob(dm.Layers[0].Digest) {
		t.Error("shared base layer removed")
	}
	if !s.HasBlob(digestOf(t, recent)) {
		t.Error("recent blob removed within the grace period")
	}
	if probs, _ := s.Verify(ctx); len(probs) != 0 {
		t.Errorf("Verify() = %v", probs)
	}
	img, err := s.Image("app:kept")
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(img); err != nil {
		t.Fatal(err)
	}
}

func mustBase(t *testing.T, layers []v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(emptyImage(), layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestDeleteRefusesSharedBase(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	base := randomImage(t, 2)
	extra, _ := random.Layer(300, "application/vnd.oci.image.layer.v1.tar+gzip")
	child, err := mutate.AppendLayers(base, extra)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := base.ConfigFile()
	cf = cf.DeepCopy()
	cf.Config.Cmd = []string{"serve"}
	cf.History = append(cf.History, v1.History{CreatedBy: "CMD serve", EmptyLayer: true})
	metaChild, err := mutate.ConfigFile(base, cf)
	if err != nil {
		t.Fatal(err)
	}
	unrelated := randomImage(t, 1)
	for name, img := range map[string]v1.Image{"base:1": base, "child:1": child, "meta:1": metaChild, "other:1": unrelated} {
		if _, err := s.WriteImage(ctx, img, name); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		ref     string
		force   bool
		wantErr string
	}{
		{ref: "base:1", wantErr: "is the base of child:1, meta:1"},
		{ref: "other:1"},
		{ref: "meta:1"},
		{ref: "base:1", wantErr: "is the base of child:1"},
		{ref: "base:1", force: true},
		{ref: "child:1"},
		{ref: "missing:1", wantErr: "no local image"},
	}
	for _, tt := range tests {
		removed, err := s.Delete(ctx, tt.ref, DeleteOptions{Force: tt.force})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Delete(%s) error = %v, want %q", tt.ref, err, tt.wantErr)
			}
			if tt.ref == "base:1" && !strings.Contains(err.Error(), "--force") {
				t.Errorf("refusal does not say how to override: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Delete(%s): %v", tt.ref, err)
		}
		if len(removed) != 1 || removed[0] != tt.ref {
			t.Errorf("Delete(%s) removed %v", tt.ref, removed)
		}
	}
	if entries, _ := s.List(); len(entries) != 0 {
		t.Errorf("entries left: %+v", entries)
	}
}

func TestConcurrentIndexUpdates(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	s1, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	img := randomImage(t, 1)
	const n = 25
	var wg sync.WaitGroup
	errs := make(chan error, 2*n+1)
	for i, s := range []*Store{s1, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range n {
				if _, err := s.WriteImage(ctx, img, fmt.Sprintf("g%d:t%d", i, j)); err != nil {
					errs <- err
				}
			}
		}()
	}
	// A child process writing at the same time.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
	cmd.Env = append(os.Environ(), "HOIST_STORE_HELPER_DIR="+dir, fmt.Sprintf("HOIST_STORE_HELPER_N=%d", n))
	wg.Add(1)
	go func() {
		defer wg.Done()
		if out, err := cmd.CombinedOutput(); err != nil {
			errs <- fmt.Errorf("child: %v\n%s", err, out)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	entries, err := s1.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3*n {
		t.Fatalf("got %d entries, want %d: updates were lost", len(entries), 3*n)
	}
}

// TestHelperWriter is the child process of TestConcurrentIndexUpdates.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv("HOIST_STORE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process for TestConcurrentIndexUpdates")
	}
	var n int
	fmt.Sscan(os.Getenv("HOIST_STORE_HELPER_N"), &n)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	img := randomImage(t, 1)
	for j := range n {
		if _, err := s.WriteImage(context.Background(), img, fmt.Sprintf("child:t%d", j)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLockTimeout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s, err := Open(dir, WithLockTimeout(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, WithLockTimeout(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := lockFileExclusive(context.Background(), filepath.Join(dir, lockFile), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, err = s.WriteImage(context.Background(), randomImage(t, 1), "app:dev")
	if err == nil || !strings.Contains(err.Error(), "locked by another hoist process") {
		t.Fatalf("error = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s2.Untag(ctx, "app:dev"); err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Untag with cancelled ctx error = %v", err)
	}
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("%s is not empty: %v", dir, ents)
	}
}

func emptyImage() v1.Image { return empty.Image }

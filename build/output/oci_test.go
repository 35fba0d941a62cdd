package output

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// readLayout opens an OCI layout directory and returns its index.json
// entries, checking that every entry's image or index is complete.
func readLayout(t *testing.T, dir string) []v1.Descriptor {
	t.Helper()
	ii, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range im.Manifests {
		if d.MediaType.IsIndex() {
			child, err := ii.ImageIndex(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Index(child); err != nil {
				t.Errorf("index %s: %v", d.Digest, err)
			}
			continue
		}
		img, err := ii.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img); err != nil {
			t.Errorf("image %s: %v", d.Digest, err)
		}
	}
	return im.Manifests
}

type entry struct{ Digest, Name, Ref string }

func entries(ds []v1.Descriptor) []entry {
	var out []entry
	for _, d := range ds {
		out = append(out, entry{d.Digest.String(), d.Annotations[AnnotationImageName], d.Annotations[AnnotationRefName]})
	}
	return out
}

func TestWriteOCIDir(t *testing.T) {
	ctx := context.Background()
	img := testImage(t, "amd64", 1)
	parent := t.TempDir()
	dir := filepath.Join(parent, "sub", "layout")
	if err := WriteOCI(ctx, dir, img, []string{"app:1", "127.0.0.1:5000/team/app:2", "app:1"}); err != nil {
		t.Fatal(err)
	}
	d := digestOf(t, img).String()
	want := []entry{
		{d, "docker.io/library/app:1", "1"},
		{d, "127.0.0.1:5000/team/app:2", "2"},
	}
	if diff := cmp.Diff(want, entries(readLayout(t, dir))); diff != "" {
		t.Errorf("index.json entries (-want +got):\n%s", diff)
	}
	for _, f := range []string{"oci-layout", "index.json", "blobs/sha256/" + digestOf(t, img).Hex} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v", f, fi.Mode())
		}
	}
	noLeftovers(t, parent)

	gotDigest, gotOS, gotArch := skopeoInspect(t, "oci:"+dir+":1")
	if gotDigest != d || gotOS != "linux" || gotArch != "amd64" {
		t.Errorf("skopeo inspect oci:%s:1 = %s %s/%s, want %s linux/amd64", dir, gotDigest, gotOS, gotArch, d)
	}
}

func TestWriteOCIDirUpdates(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "layout")
	img1, img2, img3 := testImage(t, "amd64", 1), testImage(t, "amd64", 2), testImage(t, "amd64", 3)
	for _, w := range []struct {
		img   v1.Image
		names []string
	}{{img1, []string{"app:1"}}, {img2, []string{"app:2"}}, {img3, []string{"app:1"}}, {img1, nil}, {img1, nil}} {
		if err := WriteOCI(ctx, dir, w.img, w.names); err != nil {
			t.Fatal(err)
		}
	}
	want := []entry{
		{digestOf(t, img2).String(), "docker.io/library/app:2", "2"},
		{digestOf(t, img3).String(), "docker.io/library/app:1", "1"},
		{digestOf(t, img1).String(), "", ""},
	}
	if diff := cmp.Diff(want, entries(readLayout(t, dir))); diff != "" {
		t.Errorf("index.json entries after updates (-want +got):\n%s", diff)
	}
	noLeftovers(t, dir)
}

func TestWriteOCIDirRefuses(t *testing.T) {
	ctx := context.Background()
	img := testImage(t, "amd64", 1)
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteOCI(ctx, other, img, nil); err == nil || !strings.Contains(err.Error(), "not an OCI layout") {
		t.Errorf("writing into a foreign directory: %v", err)
	}
	file := filepath.Join(other, "notes.txt")
	if err := WriteOCI(ctx, file, img, nil); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("writing onto a file: %v", err)
	}
	if got, _ := os.ReadFile(file); string(got) != "mine" {
		t.Errorf("the file was changed to %q", got)
	}
	emptyDir := t.TempDir()
	if err := WriteOCI(ctx, emptyDir, img, []string{"app"}); err != nil {
		t.Fatalf("an empty directory must be usable: %v", err)
	}
	if got := entries(readLayout(t, emptyDir)); len(got) != 1 || got[0].Ref != "latest" {
		t.Errorf("entries %v", got)
	}
	if err := WriteOCI(ctx, t.TempDir(), img, []string{"app@sha256:bad"}); err == nil {
		t.Error("an invalid name was accepted")
	}
}

func TestWriteOCIArchive(t *testing.T) {
	ctx := context.Background()
	img := testImage(t, runtime.GOARCH, 7)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.tar")
	if err := WriteOCI(ctx, path, img, []string{"app:dev"}); err != nil {
		t.Fatal(err)
	}
	noLeftovers(t, dir)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := WriteOCIArchive(ctx, &again, img, []string{"app:dev"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again.Bytes()) {
		t.Error("two archives of the same image differ")
	}
	extracted, names := untar(t, bytes.NewReader(data))
	if !slices.IsSorted(names) || names[0] != "blobs/" || names[1] != "blobs/sha256/" ||
		names[len(names)-2] != "index.json" || names[len(names)-1] != "oci-layout" {
		t.Errorf("archive entries %v", names)
	}
	if len(names) != 2+1+1+2+2 { // 2 dirs, manifest, config, 2 layers, index.json, oci-layout
		t.Errorf("archive has %d entries: %v", len(names), names)
	}
	got := entries(readLayout(t, extracted))
	if want := []entry{{digestOf(t, img).String(), "docker.io/library/app:dev", "dev"}}; !cmp.Equal(got, want) {
		t.Errorf("entries %v, want %v", got, want)
	}
	gotDigest, _, gotArch := skopeoInspect(t, "oci-archive:"+path)
	if gotDigest != digestOf(t, img).String() || gotArch != runtime.GOARCH {
		t.Errorf("skopeo inspect oci-archive: %s %s", gotDigest, gotArch)
	}
}

func TestWriteOCIIndex(t *testing.T) {
	ctx := context.Background()
	idx := testIndex(t)
	for _, dest := range []string{"layout", "multi.tar"} {
		path := filepath.Join(t.TempDir(), dest)
		if err := WriteOCIIndex(ctx, path, idx, []string{"app:multi"}); err != nil {
			t.Fatal(err)
		}
		dir := path
		if strings.HasSuffix(dest, ".tar") {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			dir, _ = untar(t, f)
			f.Close()
		}
		got := readLayout(t, dir)
		if len(got) != 1 || !got[0].MediaType.IsIndex() || got[0].Digest != digestOf(t, idx) {
			t.Fatalf("%s: index.json entries %+v", dest, got)
		}
		ref := "oci:" + path + ":multi"
		if strings.HasSuffix(dest, ".tar") {
			ref = "oci-archive:" + path
		}
		if runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" {
			_, _, arch := skopeoInspect(t, ref)
			if arch != runtime.GOARCH {
				t.Errorf("skopeo inspect %s chose %s", ref, arch)
			}
		}
	}
}

func TestWriteOCICancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	img := testImage(t, "amd64", 1)
	dir := t.TempDir()
	for _, dest := range []string{"out.tar", "layout"} {
		if err := WriteOCI(ctx, filepath.Join(dir, dest), img, nil); err == nil {
			t.Errorf("%s: a cancelled write succeeded", dest)
		}
		if _, err := os.Stat(filepath.Join(dir, dest)); !os.IsNotExist(err) {
			t.Errorf("%s: a cancelled write left the destination: %v", dest, err)
		}
	}
	noLeftovers(t, dir)
}

func TestBlobVerification(t *testing.T) {
	good := []byte("content")
	b := bytesBlob(v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}, good)
	if err := b.copyTo(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "content has digest") {
		t.Errorf("a blob with the wrong digest: %v", err)
	}
	h, _, _ := v1.SHA256(bytes.NewReader(good))
	b = bytesBlob(h, good)
	b.size = 3
	if err := b.copyTo(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "the manifest says 3") {
		t.Errorf("a blob of the wrong size: %v", err)
	}
}

func TestNormalizeName(t *testing.T) {
	cases := []struct{ in, full, ref string }{
		{"app", "docker.io/library/app:latest", "latest"},
		{"app:1", "docker.io/library/app:1", "1"},
		{"user/app:1", "docker.io/user/app:1", "1"},
		{"docker.io/library/app:1", "docker.io/library/app:1", "1"},
		{"127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1", "1"},
		{"ghcr.io/o/r@sha256:" + strings.Repeat("a", 64), "ghcr.io/o/r@sha256:" + strings.Repeat("a", 64), "ghcr.io/o/r@sha256:" + strings.Repeat("a", 64)},
	}
	for _, c := range cases {
		full, ref, err := normalizeName(c.in)
		if err != nil || full != c.full || ref != c.ref {
			t.Errorf("normalizeName(%q) = %q, %q, %v; want %q, %q", c.in, full, ref, err, c.full, c.ref)
		}
	}
}

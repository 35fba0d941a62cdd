package cache

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

func TestLocalRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	f := newFixture(t, 3)
	if err := ExportLocal(dir, f.recs, f.layerFn); err != nil {
		t.Fatal(err)
	}
	c, warnings, err := ImportLocal(dir)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("ImportLocal: %v %q", err, warnings)
	}
	checkRecords(t, c, f.recs)
	for _, r := range f.recs {
		checkLayer(t, c, r, f.layers[r.Layer.Digest])
	}

	// Again: the blobs are there, no layer is asked for.
	f.calls.Store(0)
	if err := ExportLocal(dir, f.recs, f.layerFn); err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("second export asked for %d layers, want 0", n)
	}

	// One more record: only its layer is asked for; other index entries
	// survive.
	idxPath := filepath.Join(dir, "index.json")
	var idx map[string]any
	b, _ := os.ReadFile(idxPath)
	json.Unmarshal(b, &idx)
	other := map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 2, "digest": "sha256:" + strings.Repeat("c", 64),
		"annotations": map[string]string{refNameAnnotation: "something-else"}}
	idx["manifests"] = append(idx["manifests"].([]any), other)
	b, _ = json.Marshal(idx)
	os.WriteFile(idxPath, b, 0o644)
	f.addLayer(t, randomKey(t))
	f.calls.Store(0)
	if err := ExportLocal(dir, f.recs, f.layerFn); err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("export with one new record asked for %d layers, want 1", n)
	}
	b, _ = os.ReadFile(idxPath)
	if !bytes.Contains(b, []byte("something-else")) || bytes.Count(b, []byte(LocalRefName)) != 1 {
		t.Errorf("index.json after re-export: %s", b)
	}
	c, warnings, err = ImportLocal(dir)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("ImportLocal: %v %q", err, warnings)
	}
	checkRecords(t, c, f.recs)

	// No temp files left behind.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temp file left: %s", p)
		}
		return nil
	})
}

// The directory is an OCI layout other tools read.
func TestLocalLayoutReadable(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, 2)
	if err := ExportLocal(dir, f.recs, f.layerFn); err != nil {
		t.Fatal(err)
	}
	p, err := layout.FromPath(dir)
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
	if len(im.Manifests) != 1 || im.Manifests[0].Annotations[refNameAnnotation] != LocalRefName {
		t.Fatalf("index = %+v", im)
	}
	img, err := ii.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.MediaType != ConfigMediaType || len(m.Layers) != 2 {
		t.Errorf("manifest via layout = %+v", m)
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var cf configFile
	if err := json.Unmarshal(raw, &cf); err != nil || cf.Version != 1 || len(cf.Records) != 3 {
		t.Errorf("config via layout: %v %+v", err, cf)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		d, _ := l.Digest()
		readAll(t, l.Compressed) // layout verifies nothing; content must still match
		if !bytes.Equal(readAll(t, l.Compressed), readAll(t, f.layers[d].Compressed)) {
			t.Errorf("layer %s differs via layout", d)
		}
	}

	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Log("skopeo not installed: layout checked with go-containerregistry only")
		return
	}
	out, err := exec.Command(skopeo, "inspect", "--raw", "oci:"+dir+":"+LocalRefName).Output()
	if err != nil {
		t.Fatalf("skopeo inspect --raw: %v", err)
	}
	if h := sha256Hash(out); h != im.Manifests[0].Digest {
		t.Errorf("skopeo read manifest %s, want %s", h, im.Manifests[0].Digest)
	}
	// skopeo can copy the cache elsewhere (e.g. to a registry) and back.
	dst := t.TempDir()
	if out, err := exec.Command(skopeo, "copy", "--quiet", "oci:"+dir+":"+LocalRefName, "oci:"+dst+":"+LocalRefName).CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	c, warnings, err := ImportLocal(dst)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("ImportLocal of skopeo's copy: %v %q", err, warnings)
	}
	checkRecords(t, c, f.recs)
}

func TestLocalMisses(t *testing.T) {
	f := newFixture(t, 2)
	export := func(t *testing.T) string {
		t.Helper()
		dir := t.TempDir()
		if err := ExportLocal(dir, f.recs, f.layerFn); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	manifestOf := func(t *testing.T, dir string) (cfg, layer0 string) {
		t.Helper()
		c, _, _ := ImportLocal(dir)
		e, _ := encode(c.Records())
		return blobPath(dir, e.configDesc.Digest), blobPath(dir, f.recs[0].Layer.Digest)
	}

	for _, tc := range []struct {
		name    string
		break_  func(t *testing.T, dir string) string // returns the dir to import
		warning string
		records int
	}{
		{"missing directory", func(t *testing.T, dir string) string { return filepath.Join(dir, "nope") }, "does not exist", 0},
		{"not a directory", func(t *testing.T, dir string) string { return filepath.Join(dir, "index.json") }, "not a directory", 0},
		{"no index.json", func(t *testing.T, dir string) string {
			os.Remove(filepath.Join(dir, "index.json"))
			return dir
		}, "index.json", 0},
		{"corrupt index.json", func(t *testing.T, dir string) string {
			os.WriteFile(filepath.Join(dir, "index.json"), []byte("{"), 0o644)
			return dir
		}, "index.json is not valid JSON", 0},
		{"no hoist-cache entry", func(t *testing.T, dir string) string {
			os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"schemaVersion":2,"manifests":[]}`), 0o644)
			return dir
		}, `no manifest named "hoist-cache"`, 0},
		{"corrupt config", func(t *testing.T, dir string) string {
			cfg, _ := manifestOf(t, dir)
			b, _ := os.ReadFile(cfg)
			b[0] ^= 0xff
			os.WriteFile(cfg, b, 0o644)
			return dir
		}, "corrupt", 0},
		{"missing config", func(t *testing.T, dir string) string {
			cfg, _ := manifestOf(t, dir)
			os.Remove(cfg)
			return dir
		}, "config", 0},
		{"truncated layer", func(t *testing.T, dir string) string {
			_, l := manifestOf(t, dir)
			b, _ := os.ReadFile(l)
			os.WriteFile(l, b[:len(b)/2], 0o644)
			return dir
		}, "1 layer blob(s) missing or truncated", 1}, // the shared layer's two records are misses
		{"missing layer", func(t *testing.T, dir string) string {
			_, l := manifestOf(t, dir)
			os.Remove(l)
			return dir
		}, "1 layer blob(s) missing or truncated", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.break_(t, export(t))
			c, warnings, err := ImportLocal(dir)
			if err != nil {
				t.Fatalf("error %v: a cache problem must not fail the build", err)
			}
			if c.Len() != tc.records {
				t.Errorf("%d records, want %d", c.Len(), tc.records)
			}
			joined := strings.Join(warnings, "\n")
			if len(warnings) == 0 || !strings.Contains(joined, tc.warning) {
				t.Errorf("warnings %q, want one containing %q", warnings, tc.warning)
			}
		})
	}

	// A blob corrupted in place (same size) is caught when read.
	dir := export(t)
	_, l := manifestOf(t, dir)
	b, _ := os.ReadFile(l)
	b[len(b)/2] ^= 0xff
	os.WriteFile(l, b, 0o644)
	c, warnings, err := ImportLocal(dir)
	if err != nil || len(warnings) != 0 || c.Len() != 3 {
		t.Fatalf("import: %v %q %d", err, warnings, c.Len())
	}
	layer, err := c.Layer(f.recs[0])
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layer.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := bytes.NewBuffer(nil).ReadFrom(rc); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("reading a corrupt blob: %v, want a corruption error", err)
	}
}

func TestLocalExportVerifiesLayers(t *testing.T) {
	f := newFixture(t, 1)
	bad := f.recs[0]
	bad.Layer.Size++ // the layer given is not what the record says
	dir := t.TempDir()
	err := ExportLocal(dir, []Record{bad}, f.layerFn)
	if err == nil || !strings.Contains(err.Error(), "the record says") {
		t.Fatalf("export of a mismatched layer: %v", err)
	}
	if _, err := os.Stat(blobPath(dir, bad.Layer.Digest)); err == nil {
		t.Error("a mismatched blob was written")
	}
}

package cache

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestRegistryRoundTrip(t *testing.T) {
	host, rec := newRegistry(t)
	ctx := context.Background()
	f := newFixture(t, 3)
	ref := host + "/app/cache:main"
	if err := ExportRegistry(ctx, ref, f.recs, f.layerFn, opts()); err != nil {
		t.Fatal(err)
	}

	rec.Reset()
	c, warnings, err := ImportRegistry(ctx, ref, opts())
	if err != nil || len(warnings) != 0 {
		t.Fatalf("ImportRegistry: %v, warnings %q", err, warnings)
	}
	// Exactly one manifest GET and one blob GET (the config), whatever the
	// number of records.
	if m, b, all := rec.Count("GET", "manifest"), rec.Count("GET", "blob"), rec.Count("", ""); m != 1 || b != 1 || all != 2 {
		t.Errorf("import: %d manifest GETs, %d blob GETs, %d requests in all (pings aside); want 1, 1, 2: %v", m, b, all, rec.Requests())
	}
	checkRecords(t, c, f.recs)

	// Lookups and layer handles cost nothing.
	rec.Reset()
	var layers []v1.Layer
	for _, r := range f.recs {
		got, ok := c.Lookup(r.Key)
		if !ok {
			t.Fatalf("Lookup(%s) missed", r.Key.Short())
		}
		l, err := c.Layer(got)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := l.(*remote.MountableLayer); !ok {
			t.Errorf("registry cache layer is a %T, want a *remote.MountableLayer (for cross-repository mounts)", l)
		}
		for _, fn := range []func() (v1.Hash, error){l.Digest, l.DiffID} {
			if _, err := fn(); err != nil {
				t.Fatal(err)
			}
		}
		if size, _ := l.Size(); size != got.Layer.Size {
			t.Errorf("Size %d, want %d", size, got.Layer.Size)
		}
		layers = append(layers, l)
	}
	if _, ok := c.Lookup(randomKey(t)); ok {
		t.Error("Lookup of an unknown key hit")
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("Lookup/Layer made %d requests, want 0: %v", n, rec.Requests())
	}

	// Reading a layer fetches exactly its blob.
	rec.Reset()
	readAll(t, layers[1].Compressed)
	if b, all := rec.Count("GET", "blob"), len(rec.Requests()); b != 1 || all != 1 {
		t.Errorf("reading one layer: %d blob GETs, %d requests; want 1 and 1: %v", b, all, rec.Requests())
	}
	for _, r := range f.recs {
		checkLayer(t, c, r, f.layers[r.Layer.Digest])
	}
}

func TestRegistryExportUploadsOnlyNewBlobs(t *testing.T) {
	host, rec := newRegistry(t)
	ctx := context.Background()
	f := newFixture(t, 3)
	ref := host + "/cache:x"
	if err := ExportRegistry(ctx, ref, f.recs, f.layerFn, opts()); err != nil {
		t.Fatal(err)
	}
	if n := f.reads.Load(); n != 3 {
		t.Errorf("first export read %d blobs, want 3", n)
	}

	// The same records again: nothing is uploaded, no layer is read.
	rec.Reset()
	f.reads.Store(0)
	if err := ExportRegistry(ctx, ref, f.recs, f.layerFn, opts()); err != nil {
		t.Fatal(err)
	}
	if n := rec.Count("POST", "upload") + rec.Count("PUT", "upload") + rec.Count("PATCH", "upload"); n != 0 {
		t.Errorf("second export made %d upload requests: %v", n, rec.Requests())
	}
	if n := rec.Count("PUT", "manifest"); n != 0 {
		t.Errorf("second export wrote the unchanged manifest %d times", n)
	}
	if n := f.reads.Load(); n != 0 {
		t.Errorf("second export read %d layer blobs", n)
	}

	// The same records in another order, plus one: only the new blob and the
	// new config are uploaded.
	added := f.addLayer(t, randomKey(t))
	recs := append([]Record{added}, f.recs[:len(f.recs)-1]...)
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	rec.Reset()
	f.reads.Store(0)
	if err := ExportRegistry(ctx, ref, recs, f.layerFn, opts()); err != nil {
		t.Fatal(err)
	}
	if n := rec.Count("POST", "upload"); n != 2 {
		t.Errorf("export with one new record started %d uploads, want 2 (layer + config): %v", n, rec.Requests())
	}
	if n := f.reads.Load(); n != 1 {
		t.Errorf("export with one new record read %d layer blobs, want 1", n)
	}
	c, warnings, err := ImportRegistry(ctx, ref, opts())
	if err != nil || len(warnings) != 0 {
		t.Fatalf("import: %v %q", err, warnings)
	}
	checkRecords(t, c, f.recs)
}

func TestExportDeterministic(t *testing.T) {
	f := newFixture(t, 4)
	a, err := encode(f.recs)
	if err != nil {
		t.Fatal(err)
	}
	rev := append([]Record(nil), f.recs...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	b, err := encode(append(rev, rev...)) // duplicates are dropped
	if err != nil {
		t.Fatal(err)
	}
	if a.manifestDesc.Digest != b.manifestDesc.Digest {
		t.Errorf("the same records in another order give another manifest")
	}
	if len(a.blobs) != 4 {
		t.Errorf("%d distinct blobs, want 4", len(a.blobs))
	}
	var m v1.Manifest
	if err := json.Unmarshal(a.manifest, &m); err != nil {
		t.Fatal(err)
	}
	if m.Config.MediaType != ConfigMediaType || len(m.Layers) != 4 || m.MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("manifest = %+v", m)
	}
}

func TestExportRejectsBadRecords(t *testing.T) {
	f := newFixture(t, 1)
	good := f.recs[0]
	for name, mut := range map[string]func(r *Record){
		"bad key":     func(r *Record) { r.Key = "nope" },
		"no digest":   func(r *Record) { r.Layer.Digest = v1.Hash{} },
		"zero size":   func(r *Record) { r.Layer.Size = 0 },
		"no type":     func(r *Record) { r.Layer.MediaType = "" },
		"bad diff id": func(r *Record) { r.DiffID = v1.Hash{Algorithm: "md5", Hex: "00"} },
	} {
		r := good
		mut(&r)
		if err := ExportLocal(t.TempDir(), []Record{r}, f.layerFn); err == nil {
			t.Errorf("%s: exported", name)
		}
	}
	// A layer that is not the one the record names.
	other, _ := random.Layer(10, "application/vnd.oci.image.layer.v1.tar+gzip")
	err := ExportRegistry(context.Background(), "127.0.0.1:1/x:y", f.recs, func(Record) (v1.Layer, error) { return other, nil }, opts())
	if err == nil || !strings.Contains(err.Error(), "the layer given for it is") {
		t.Errorf("mismatched layer: %v", err)
	}
}

func TestRegistryImportMisses(t *testing.T) {
	host, _ := newRegistry(t)
	ctx := context.Background()
	f := newFixture(t, 2)

	push := func(t *testing.T, ref string, e *encoded) {
		t.Helper()
		img, err := newCacheImage(e, f.layerFn)
		if err != nil {
			t.Fatal(err)
		}
		if err := opts().WriteImage(ctx, ref, img); err != nil {
			t.Fatal(err)
		}
	}
	enc := func(t *testing.T, recs []Record) *encoded {
		t.Helper()
		e, err := encode(recs)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	notCache, _ := random.Image(100, 1)
	if err := opts().WriteImage(ctx, host+"/img:1", notCache); err != nil {
		t.Fatal(err)
	}
	corrupt := enc(t, f.recs)
	retamper(t, corrupt, []byte(`{"version":1,"records":[{"key":`))
	push(t, host+"/c:corrupt", corrupt)
	future := enc(t, f.recs)
	retamper(t, future, []byte(`{"version":2,"records":[]}`))
	push(t, host+"/c:future", future)
	// One good record, one with a bad key, one naming a blob the manifest
	// does not list.
	partial := enc(t, f.recs)
	var cf configFile
	json.Unmarshal(partial.config, &cf)
	good := cf.Records[0]
	badKey := cf.Records[1]
	badKey.Key = "zz"
	stray := cf.Records[1]
	stray.Key = randomKey(t)
	stray.Layer.Digest = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("e", 64)}
	cf.Records = []Record{good, badKey, stray}
	raw, _ := json.Marshal(cf)
	retamper(t, partial, raw)
	push(t, host+"/c:partial", partial)

	denier := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(denier.Close)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()

	for _, tc := range []struct {
		name, ref, warning string
		records            int
	}{
		{"missing manifest", host + "/c:missing", "not found", 0},
		{"missing repository", host + "/nothing:here", "not found", 0},
		{"not a cache", host + "/img:1", "not a hoist cache", 0},
		{"corrupt config", host + "/c:corrupt", "config is not valid JSON", 0},
		{"future format", host + "/c:future", "format version 2", 0},
		{"invalid records", host + "/c:partial", "ignored 2 invalid record(s)", 1},
		{"auth failure", strings.TrimPrefix(denier.URL, "http://") + "/c:1", "authentication to", 0},
		{"unreachable", closed + "/c:1", "cannot reach registry", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, warnings, err := ImportRegistry(ctx, tc.ref, opts())
			if err != nil {
				t.Fatalf("error %v: a cache problem must not fail the build", err)
			}
			if c == nil || c.Len() != tc.records {
				t.Fatalf("cache with %d records, want %d", c.Len(), tc.records)
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], tc.warning) {
				t.Errorf("warnings %q, want one containing %q", warnings, tc.warning)
			}
			if _, ok := c.Lookup(good.Key); ok != (tc.records > 0) {
				t.Errorf("Lookup(good) = %v", ok)
			}
		})
	}

	if _, _, err := ImportRegistry(ctx, "Bad/Ref", opts()); err == nil || !strings.Contains(err.Error(), "lower case") {
		t.Errorf("a malformed reference is bad input, want an error: %v", err)
	}
}

func TestNilCache(t *testing.T) {
	var c *Cache
	if _, ok := c.Lookup(randomKey(t)); ok || c.Len() != 0 || c.Records() != nil {
		t.Error("nil cache is not empty")
	}
	if _, err := c.Layer(Record{}); err == nil {
		t.Error("Layer of a nil cache succeeded")
	}
}

func FuzzDecodeConfig(f *testing.F) {
	layer := v1.Descriptor{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 3, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}}
	good, _ := json.Marshal(configFile{Version: 1, Records: []Record{{Key: Key(strings.Repeat("1", 64)), Layer: layer, DiffID: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("b", 64)}}}})
	for _, s := range []string{string(good), `{"version":1,"records":null}`, `{"version":1}`, `[]`, `{"version":1,"records":[{}]}`, `{"version":1,"records":[{"layer":{"digest":"sha256:zz"}}]}`, ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		recs, _, err := decodeConfig(raw, []v1.Descriptor{layer}, "fuzz")
		if err != nil {
			return
		}
		for k, r := range recs {
			if k != r.Key || r.validate() != nil || r.Layer.Digest != layer.Digest || r.Layer.Size != layer.Size {
				t.Fatalf("accepted invalid record %+v", r)
			}
		}
	})
}

package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// fuzzCacheKey is the key of the fuzzed cache record file.
const fuzzCacheKey = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

// FuzzStoreFiles feeds a store hostile files: index.json, a manifest blob,
// a config blob and a cache record, all arbitrary bytes. In the index and
// the record, @MAN@/@MANSIZE@ become the manifest blob's digest and size,
// and @CFG@/@CFGSIZE@ the config blob's, in the manifest too, so the fuzzer
// can reach the readers behind a valid reference. Every reader must return
// an error or a result, never panic; GC must not delete anything when it
// fails, and must never break an image that could be read before it.
func FuzzStoreFiles(f *testing.F) {
	img, err := random.Image(64, 0) // no layers: the image is whole with two blobs
	if err != nil {
		f.Fatal(err)
	}
	man, _ := img.RawManifest()
	cfg, _ := img.RawConfigFile()
	cd, _ := img.ConfigName()
	cs, _ := img.Manifest()
	tmplMan := bytes.Replace(man, []byte(cd.String()), []byte("@CFG@"), 1)
	tmplMan = bytes.Replace(tmplMan, []byte(`"size":`+strconv.FormatInt(cs.Config.Size, 10)), []byte(`"size":@CFGSIZE@`), 1)
	index := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"@MAN@","size":@MANSIZE@,` +
		`"annotations":{"org.opencontainers.image.ref.name":"app:latest"}}]}`)
	asIndex := bytes.ReplaceAll(index, []byte("manifest.v1"), []byte("index.v1"))
	record := []byte(`{"key":"` + fuzzCacheKey + `","layer":{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"@CFG@","size":@CFGSIZE@},` +
		`"diffID":"@CFG@","created":"2026-01-01T00:00:00Z"}`)

	f.Add(index, tmplMan, cfg, record, "app")
	f.Add(index, tmplMan, []byte("{}"), []byte("{}"), "app:latest")
	f.Add(asIndex, tmplMan, cfg, record, "app")
	f.Add(index, []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"@CFG@","size":-1,"mediaType":"application/vnd.oci.image.index.v1+json"}]}`), cfg, record, "@MAN@")
	f.Add([]byte(`{"manifests":[{"digest":"sha256:zz"}]}`), []byte("not json"), []byte(""), []byte("null"), "sha256:")
	f.Add([]byte(`{"manifests":null}`), man, cfg, []byte(`{"key":"x"}`), "abcd")
	f.Add([]byte(`[`), man, cfg, []byte(`{"key":"`+fuzzCacheKey+`","layer":{"digest":"sha256:../../x"}}`), "")
	f.Add([]byte(`{"manifests":[{"digest":"@MAN@","size":@MANSIZE@},{"digest":"@MAN@","size":@MANSIZE@,"annotations":{"org.opencontainers.image.ref.name":"a/b:c"}}]}`), tmplMan, cfg, record, "a/b:c")

	f.Fuzz(func(t *testing.T, index, manifest, config, record []byte, ref string) {
		dir := filepath.Join(t.TempDir(), "store")
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		cfgDigest, cfgSize := writeRawBlob(t, dir, config)
		subst := func(b []byte, man string, manSize int) []byte {
			b = bytes.ReplaceAll(b, []byte("@CFG@"), []byte(cfgDigest))
			b = bytes.ReplaceAll(b, []byte("@CFGSIZE@"), []byte(strconv.Itoa(cfgSize)))
			if man != "" {
				b = bytes.ReplaceAll(b, []byte("@MAN@"), []byte(man))
				b = bytes.ReplaceAll(b, []byte("@MANSIZE@"), []byte(strconv.Itoa(manSize)))
			}
			return b
		}
		manDigest, manSize := writeRawBlob(t, dir, subst(manifest, "", 0))
		writeRaw(t, filepath.Join(dir, indexFile), subst(index, manDigest, manSize))
		writeRaw(t, filepath.Join(dir, cacheRel(fuzzCacheKey)), subst(record, manDigest, manSize))
		ref = string(subst([]byte(ref), manDigest, manSize))

		// Every reader: an error or a result.
		_, _ = s.List()
		_, _ = s.Summaries()
		_, _ = s.Stats()
		_, _ = s.BlobsOf(ref)
		_, _ = s.CacheRecords()
		_, _ = s.GetCache(fuzzCacheKey)
		if ii, err := s.ImageIndex(ref); err == nil {
			_, _ = ii.IndexManifest()
		}
		readable := false
		if im, err := s.Image(ref); err == nil {
			_, cerr := im.ConfigFile()
			ls, lerr := im.Layers()
			readable = cerr == nil && lerr == nil
			for _, l := range ls {
				if rc, err := l.Compressed(); err == nil {
					rc.Close()
				} else {
					readable = false
				}
			}
		}
		if _, err := s.Verify(context.Background()); err != nil {
			t.Logf("verify: %v", err)
		}
		if _, err := Open(dir); err != nil {
			t.Logf("reopen: %v", err)
		}

		before := blobFiles(t, dir)
		_, gcErr := s.GC(context.Background(), GCOptions{GracePeriod: -1, RemoveCorrupt: true, CacheMaxSize: 1, now: func() time.Time { return time.Now().Add(time.Hour) }})
		if gcErr != nil {
			if after := blobFiles(t, dir); !equalStrings(before, after) {
				t.Fatalf("GC failed (%v) but removed blobs: before %v, after %v", gcErr, before, after)
			}
			return
		}
		if readable {
			im, err := s.Image(ref)
			if err != nil {
				t.Fatalf("GC broke image %q: %v", ref, err)
			}
			if _, err := im.ConfigFile(); err != nil {
				t.Fatalf("GC broke the config of image %q: %v", ref, err)
			}
			ls, err := im.Layers()
			if err != nil {
				t.Fatalf("GC broke the layers of image %q: %v", ref, err)
			}
			for _, l := range ls {
				rc, err := l.Compressed()
				if err != nil {
					t.Fatalf("GC broke a layer of image %q: %v", ref, err)
				}
				rc.Close()
			}
		}
	})
}

// FuzzParseCacheRecord feeds cache record files to their parser: a record
// it accepts is one the build may use, so it must be well formed.
func FuzzParseCacheRecord(f *testing.F) {
	good := CacheRecord{Key: fuzzCacheKey, DiffID: mustHash(f, "sha256:"+fuzzCacheKey), Created: time.Unix(1, 0)}
	good.Layer.MediaType = "application/vnd.oci.image.layer.v1.tar+gzip"
	good.Layer.Digest = good.DiffID
	good.Layer.Size = 10
	b, _ := json.Marshal(good)
	f.Add(fuzzCacheKey, b)
	f.Add(fuzzCacheKey, []byte(`{"key":"`+fuzzCacheKey+`","layer":{"size":-1}}`))
	f.Add("x", []byte(`null`))
	f.Fuzz(func(t *testing.T, key string, data []byte) {
		r, err := parseCacheRecord(key, data, time.Unix(5, 0))
		if err != nil {
			return
		}
		if r.Key != key || checkRecord(r) != nil || !r.LastUsed.Equal(time.Unix(5, 0)) {
			t.Fatalf("accepted a bad record %+v", r)
		}
		if filepath.Base(cacheRel(r.Key)) != r.Key+".json" {
			t.Fatalf("key %q leaves the cache directory", r.Key)
		}
	})
}

func writeRawBlob(t *testing.T, dir string, b []byte) (digest string, size int) {
	t.Helper()
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	writeRaw(t, filepath.Join(dir, "blobs", "sha256", h), b)
	return "sha256:" + h, len(b)
}

func writeRaw(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func mustHash(tb testing.TB, s string) v1.Hash {
	tb.Helper()
	h, err := v1.NewHash(s)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// TestGCKeepsEntryWithoutMediaType is the case FuzzStoreFiles found: an
// index.json entry without a media type (hand-edited, or written by another
// tool) names an image that Image reads, so GC must not delete its config.
func TestGCKeepsEntryWithoutMediaType(t *testing.T) {
	s := newStore(t)
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteImage(context.Background(), img, "app:1"); err != nil {
		t.Fatal(err)
	}
	d := digestOf(t, img)
	m, _ := img.RawManifest()
	for _, mt := range []string{"", "application/x-unknown"} {
		index := `{"schemaVersion":2,"manifests":[{"mediaType":"` + mt + `","digest":"` + d.String() + `","size":` + strconv.Itoa(len(m)) +
			`,"annotations":{"org.opencontainers.image.ref.name":"app:1"}}]}`
		writeRaw(t, filepath.Join(s.Dir(), indexFile), []byte(index))
		res, err := s.GC(context.Background(), GCOptions{GracePeriod: -1})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Blobs) != 0 {
			t.Errorf("media type %q: GC removed %v", mt, res.Blobs)
		}
		got, err := s.Image("app:1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := got.ConfigFile(); err != nil {
			t.Errorf("media type %q: config after GC: %v", mt, err)
		}
		ls, _ := got.Layers()
		for _, l := range ls {
			rc, err := l.Compressed()
			if err != nil {
				t.Fatalf("media type %q: layer after GC: %v", mt, err)
			}
			rc.Close()
		}
	}
}

package cache

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"github.com/hoistci/hoist/internal/imagetest"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/internal/registry"
)

// opts are registry options that ignore the machine's credentials.
func opts() registry.Options {
	return registry.Options{Keychain: authn.NewMultiKeychain()}
}

// The tests count registry requests with imagetest's recorder.
type recorder = imagetest.Recorder

func newRegistry(t *testing.T) (string, *recorder) {
	t.Helper()
	rec := &recorder{Next: ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), rec
}

// countedLayer counts reads of a layer's blob.
type countedLayer struct {
	v1.Layer
	reads *atomic.Int32
}

func (l countedLayer) Compressed() (io.ReadCloser, error) {
	l.reads.Add(1)
	return l.Layer.Compressed()
}

// fixture is a set of layers and records over them.
type fixture struct {
	layers map[v1.Hash]v1.Layer
	recs   []Record
	reads  atomic.Int32 // blob reads through layerFn
	calls  atomic.Int32 // layerFn calls
}

var created = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func randomKey(t *testing.T) Key {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return Key(hex.EncodeToString(b))
}

// newFixture makes n layers and one record per layer, plus one more record
// sharing the first layer (two steps may produce the same blob).
func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	f := &fixture{layers: map[v1.Hash]v1.Layer{}}
	for i := 0; i < n; i++ {
		f.addLayer(t, randomKey(t))
	}
	if n > 0 {
		r := f.recs[0]
		r.Key = randomKey(t)
		r.History = &v1.History{CreatedBy: "COPY shared /", Created: v1.Time{Time: created}}
		f.recs = append(f.recs, r)
	}
	return f
}

func (f *fixture) addLayer(t *testing.T, k Key) Record {
	t.Helper()
	l, err := random.Layer(2048, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	r := recordFor(t, k, l)
	f.layers[r.Layer.Digest] = l
	f.recs = append(f.recs, r)
	return r
}

func recordFor(t *testing.T, k Key, l v1.Layer) Record {
	t.Helper()
	d, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	size, _ := l.Size()
	mt, _ := l.MediaType()
	diff, err := l.DiffID()
	if err != nil {
		t.Fatal(err)
	}
	return Record{Key: k, Layer: v1.Descriptor{MediaType: mt, Size: size, Digest: d}, DiffID: diff, Created: created}
}

func (f *fixture) layerFn(r Record) (v1.Layer, error) {
	f.calls.Add(1)
	return countedLayer{Layer: f.layers[r.Layer.Digest], reads: &f.reads}, nil
}

func readAll(t *testing.T, open func() (io.ReadCloser, error)) []byte {
	t.Helper()
	rc, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameRecord(a, b Record) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// checkRecords checks that c holds exactly recs.
func checkRecords(t *testing.T, c *Cache, recs []Record) {
	t.Helper()
	want := map[Key]Record{}
	for _, r := range recs {
		want[r.Key] = r
	}
	if c.Len() != len(want) {
		t.Errorf("cache has %d records, want %d", c.Len(), len(want))
	}
	for k, r := range want {
		got, ok := c.Lookup(k)
		if !ok {
			t.Errorf("record %s missing", k.Short())
			continue
		}
		if !sameRecord(got, r) {
			t.Errorf("record %s = %+v, want %+v", k.Short(), got, r)
		}
	}
}

// checkLayer reads the layer of r from c and compares it with the original.
func checkLayer(t *testing.T, c *Cache, r Record, orig v1.Layer) {
	t.Helper()
	l, err := c.Layer(r)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := l.Digest(); d != r.Layer.Digest {
		t.Errorf("Digest %s, want %s", d, r.Layer.Digest)
	}
	if d, _ := l.DiffID(); d != r.DiffID {
		t.Errorf("DiffID %s, want %s", d, r.DiffID)
	}
	if got, want := readAll(t, l.Compressed), readAll(t, orig.Compressed); !bytes.Equal(got, want) {
		t.Errorf("compressed blob differs (%d bytes, want %d)", len(got), len(want))
	}
	if got, want := readAll(t, l.Uncompressed), readAll(t, orig.Uncompressed); !bytes.Equal(got, want) {
		t.Errorf("uncompressed layer differs (%d bytes, want %d)", len(got), len(want))
	}
}

// retamper replaces the config of an encoded cache and fixes the manifest,
// as a broken or hostile writer would.
func retamper(t *testing.T, e *encoded, config []byte) {
	t.Helper()
	e.config = config
	e.configDesc = v1.Descriptor{MediaType: ConfigMediaType, Size: int64(len(config)), Digest: sha256Hash(config)}
	m, err := v1.ParseManifest(bytes.NewReader(e.manifest))
	if err != nil {
		t.Fatal(err)
	}
	m.Config = e.configDesc
	e.manifest, _ = json.Marshal(m)
	e.manifestDesc = v1.Descriptor{MediaType: types.OCIManifestSchema1, Size: int64(len(e.manifest)), Digest: sha256Hash(e.manifest)}
}

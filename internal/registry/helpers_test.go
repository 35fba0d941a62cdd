package registry

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// fastBackoff keeps retry tests fast.
var fastBackoff = remote.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 4}

// testOptions are Options for tests: no credentials from the machine, fast
// retries.
func testOptions() Options {
	b := fastBackoff
	return Options{Keychain: authn.NewMultiKeychain(), backoff: &b}
}

// request is one request seen by a test server.
type request struct {
	Method, Path, Query string
}

// kind classifies a registry API path: ping, manifest, blob, upload.
func (r request) kind() string {
	switch {
	case r.Path == "/v2/" || r.Path == "/v2":
		return "ping"
	case strings.Contains(r.Path, "/manifests/"):
		return "manifest"
	case strings.Contains(r.Path, "/blobs/uploads"):
		return "upload"
	case strings.Contains(r.Path, "/blobs/"):
		return "blob"
	}
	return "other"
}

// recorder records the requests a handler serves.
type recorder struct {
	mu   sync.Mutex
	reqs []request
	next http.Handler
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, request{r.Method, r.URL.Path, r.URL.RawQuery})
	rec.mu.Unlock()
	rec.next.ServeHTTP(w, r)
}

func (rec *recorder) reset() {
	rec.mu.Lock()
	rec.reqs = nil
	rec.mu.Unlock()
}

// count returns how many requests had the method and kind ("" = any).
func (rec *recorder) count(method, kind string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, r := range rec.reqs {
		if (method == "" || r.Method == method) && (kind == "" || r.kind() == kind) {
			n++
		}
	}
	return n
}

func (rec *recorder) requests() []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]request(nil), rec.reqs...)
}

func quietRegistry() http.Handler {
	return ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
}

// newRegistry starts an in-process registry and returns its host:port and
// the request recorder in front of it.
func newRegistry(t *testing.T) (string, *recorder) {
	t.Helper()
	rec := &recorder{next: quietRegistry()}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), rec
}

// platformImage is a random image whose config says platform p.
func platformImage(t *testing.T, p v1.Platform) v1.Image {
	t.Helper()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// platformIndex is an index with one random image per platform, in order.
func platformIndex(t *testing.T, ps ...v1.Platform) (v1.ImageIndex, []v1.Image) {
	t.Helper()
	var idx v1.ImageIndex = empty.Index
	var imgs []v1.Image
	for _, p := range ps {
		img := platformImage(t, p)
		imgs = append(imgs, img)
		p := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &p},
		})
	}
	return idx, imgs
}

func digest(t *testing.T, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	h, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// countingTransport counts requests on the client side.
type countingTransport struct {
	inner http.RoundTripper
	mu    sync.Mutex
	reqs  []request
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.reqs = append(c.reqs, request{r.Method, r.URL.Path, r.URL.RawQuery})
	c.mu.Unlock()
	return c.inner.RoundTrip(r)
}

func (c *countingTransport) requests() []request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]request(nil), c.reqs...)
}

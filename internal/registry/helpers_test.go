package registry

import (
	"github.com/hoistci/hoist/internal/imagetest"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// fastRetry keeps retry tests fast.
var fastRetry = RetryOptions{Attempts: 4, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}

// testOptions are Options for tests: no credentials from the machine, fast
// retries.
func testOptions() Options {
	return Options{Keychain: authn.NewMultiKeychain(), Retry: fastRetry}
}

// The tests count registry requests with imagetest's recorder.
type recorder = imagetest.Recorder

func quietRegistry() http.Handler {
	return ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
}

// newRegistry starts an in-process registry and returns its host:port and
// the request recorder in front of it.
func newRegistry(t *testing.T) (string, *recorder) {
	t.Helper()
	rec := &recorder{Next: quietRegistry()}
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

package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// realRegistry returns the host of the registry named by
// HOIST_TEST_REGISTRY (e.g. 127.0.0.1:5000, started by .ci/run), or skips.
func realRegistry(t *testing.T) string {
	t.Helper()
	host := os.Getenv("HOIST_TEST_REGISTRY")
	if host == "" {
		t.Skip("HOIST_TEST_REGISTRY is not set (e.g. 127.0.0.1:5000 with docker-registry running)")
	}
	c, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		t.Skipf("HOIST_TEST_REGISTRY=%s: nothing listens: %v", host, err)
	}
	c.Close()
	return host
}

func uniqueRepo(t *testing.T, host, what string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	return host + "/hoist-test/" + what + "-" + hex.EncodeToString(b)
}

func TestRealRegistry(t *testing.T) {
	host := realRegistry(t)
	ctx := context.Background()
	o := testOptions()
	repo := uniqueRepo(t, host, "registry")

	idx, imgs := platformIndex(t,
		v1.Platform{OS: "linux", Architecture: "amd64"},
		v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"},
		v1.Platform{OS: "unknown", Architecture: "unknown"})
	if err := o.WriteIndex(ctx, repo+":multi", idx); err != nil {
		t.Fatal(err)
	}
	idxDigest := digest(t, idx)

	t.Run("resolve", func(t *testing.T) {
		for i, p := range []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}} {
			for _, ref := range []string{repo + ":multi", repo + "@" + idxDigest.String()} {
				img, h, err := o.Image(ctx, ref, p)
				if err != nil {
					t.Fatalf("Image(%s, %v): %v", ref, p, err)
				}
				if want := digest(t, imgs[i]); h != want || digest(t, img) != want {
					t.Errorf("Image(%s, %v) = %s, want %s", ref, p, h, want)
				}
			}
		}
		_, _, err := o.Image(ctx, repo+":multi", v1.Platform{OS: "linux", Architecture: "ppc64le"})
		if err == nil || !strings.Contains(err.Error(), "linux/amd64, linux/arm64/v8") {
			t.Errorf("missing platform: %v", err)
		}
		d, err := o.Head(ctx, repo+":multi")
		if err != nil || d.Digest != idxDigest {
			t.Errorf("Head = %v, %v; want %s", d, err, idxDigest)
		}
	})

	t.Run("not found", func(t *testing.T) {
		_, _, err := o.Image(ctx, repo+":nope", v1.Platform{})
		if KindOf(err) != KindNotFound {
			t.Errorf("missing tag: %v (kind %v)", err, KindOf(err))
		}
		_, _, err = o.Image(ctx, uniqueRepo(t, host, "absent")+":x", v1.Platform{})
		if KindOf(err) != KindNotFound {
			t.Errorf("missing repository: %v (kind %v)", err, KindOf(err))
		}
	})

	t.Run("tag", func(t *testing.T) {
		ct := &recorder{Inner: http.DefaultTransport}
		co := testOptions()
		co.Transport = ct
		if err := co.Tag(ctx, repo+":multi", repo+":latest"); err != nil {
			t.Fatal(err)
		}
		other := uniqueRepo(t, host, "tagged")
		if err := co.Tag(ctx, repo+":multi", other+":v1"); err != nil {
			t.Fatal(err)
		}
		for _, r := range ct.Requests() {
			if r.Method == http.MethodPatch || (r.Method == http.MethodGet && r.Kind() == "blob") {
				t.Errorf("Tag moved blob data: %v", r)
			}
		}
		for _, ref := range []string{repo + ":latest", other + ":v1"} {
			if d, err := o.Head(ctx, ref); err != nil || d.Digest != idxDigest {
				t.Errorf("Head(%s) = %v, %v; want %s", ref, d, err, idxDigest)
			}
		}
		if _, _, err := o.Image(ctx, other+":v1", v1.Platform{OS: "linux", Architecture: "arm64"}); err != nil {
			t.Errorf("arm64 child in the tagged repository: %v", err)
		}
	})

	t.Run("mount and skip", func(t *testing.T) {
		src, err := random.Image(4096, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.WriteImage(ctx, repo+":src", src); err != nil {
			t.Fatal(err)
		}
		remoteSrc, _, err := o.Image(ctx, repo+":src", v1.Platform{})
		if err != nil {
			t.Fatal(err)
		}
		ct := &recorder{Inner: http.DefaultTransport}
		co := testOptions()
		co.Transport = ct
		dst := uniqueRepo(t, host, "mounted")
		if err := co.WriteImage(ctx, dst+":1", remoteSrc); err != nil {
			t.Fatal(err)
		}
		mounts, data := 0, 0
		for _, r := range ct.Requests() {
			if r.Method == http.MethodPost && strings.Contains(r.Query, "mount=") {
				mounts++
			}
			if r.Method == http.MethodPatch || (r.Method == http.MethodPut && r.Kind() == "upload") {
				data++
			}
			if r.Method == http.MethodGet && r.Kind() == "blob" && !strings.Contains(r.Path, "/hoist-test/registry-") {
				t.Errorf("blob read from the destination: %v", r)
			}
		}
		// 3 layers + the config, all mounted; nothing streamed.
		if mounts != 4 || data != 0 {
			t.Errorf("cross-repository push: %d mounts, %d data uploads; want 4 and 0: %v", mounts, data, ct.Requests())
		}
		got, err := co.Head(ctx, dst+":1")
		if err != nil || got.Digest != digest(t, src) {
			t.Errorf("Head of the mounted copy = %v, %v", got, err)
		}

		ct.Reset()
		if err := co.WriteImage(ctx, dst+":2", remoteSrc); err != nil {
			t.Fatal(err)
		}
		for _, r := range ct.Requests() {
			if r.Kind() == "upload" {
				t.Errorf("second push to the same repository uploaded: %v", r)
			}
		}
	})
}

package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// realRegistry returns HOIST_TEST_REGISTRY (127.0.0.1:5000 in CI) or skips.
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

func TestRealRegistryCache(t *testing.T) {
	host := realRegistry(t)
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	repoA := host + "/hoist-test/cache-" + hex.EncodeToString(b)
	repoB := repoA + "-copy"

	rec := &recorder{Inner: http.DefaultTransport}
	o := opts()
	o.Transport = rec

	f := newFixture(t, 3)
	if err := ExportRegistry(ctx, repoA+":main", f.recs, f.layerFn, o); err != nil {
		t.Fatal(err)
	}

	rec.Reset()
	c, warnings, err := ImportRegistry(ctx, repoA+":main", o)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("import: %v %q", err, warnings)
	}
	if m, bl, all := rec.Count("GET", "manifest"), rec.Count("GET", "blob"), rec.Count("", ""); m != 1 || bl != 1 || all != 2 {
		t.Errorf("import: %d manifest GETs, %d blob GETs, %d requests; want 1, 1, 2: %v", m, bl, all, rec.Requests())
	}
	checkRecords(t, c, f.recs)
	for _, r := range f.recs {
		checkLayer(t, c, r, f.layers[r.Layer.Digest])
	}

	// Re-exporting the imported records to another repository of the same
	// registry mounts every layer: no layer is downloaded or streamed. Only
	// the config (written anew, a few hundred bytes) is uploaded.
	rec.Reset()
	if err := ExportRegistry(ctx, repoB+":main", c.Records(), c.Layer, o); err != nil {
		t.Fatal(err)
	}
	enc, _ := encode(f.recs)
	mounts := 0
	for _, r := range rec.Requests() {
		switch {
		case r.Method == http.MethodPost && strings.Contains(r.Query, "mount="):
			mounts++
		case r.Method == http.MethodPut && r.Kind() == "upload":
			if !strings.Contains(r.Query, enc.configDesc.Digest.Hex) {
				t.Errorf("layer data uploaded: %v", r)
			}
		case r.Method == http.MethodGet && r.Kind() == "blob":
			t.Errorf("blob downloaded: %v", r)
		}
	}
	if mounts != 3 {
		t.Errorf("%d layers mounted, want 3: %v", mounts, rec.Requests())
	}
	cb, warnings, err := ImportRegistry(ctx, repoB+":main", o)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("import of the copy: %v %q", err, warnings)
	}
	checkRecords(t, cb, f.recs)

	// And once more: nothing to do but check.
	rec.Reset()
	if err := ExportRegistry(ctx, repoB+":main", c.Records(), c.Layer, o); err != nil {
		t.Fatal(err)
	}
	if n := rec.Count("", "upload"); n != 0 {
		t.Errorf("unchanged re-export made %d upload requests", n)
	}

	// skopeo reads the cache manifest.
	if skopeo, err := exec.LookPath("skopeo"); err == nil {
		out, err := exec.Command(skopeo, "inspect", "--raw", "--tls-verify=false", "docker://"+repoA+":main").Output()
		if err != nil {
			t.Fatalf("skopeo inspect: %v", err)
		}
		if sha256Hash(out) != enc.manifestDesc.Digest {
			t.Errorf("skopeo read another manifest: %s", out)
		}
	}

	// A missing tag in a real registry is a miss with a warning.
	c, warnings, err = ImportRegistry(ctx, repoA+":absent", o)
	if err != nil || c.Len() != 0 || len(warnings) != 1 || !strings.Contains(warnings[0], "not found") {
		t.Errorf("missing cache: %v %d %q", err, c.Len(), warnings)
	}
}

package registry

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestReference(t *testing.T) {
	o := Options{Insecure: []string{"reg.internal:5000", "plain.example", "10.1.0.0/16", "http://schemed.example/"}}
	for _, tc := range []struct {
		in, want string
		http     bool
	}{
		{"busybox", "index.docker.io/library/busybox:latest", false},
		{"ghcr.io/o/r:v1", "ghcr.io/o/r:v1", false},
		{"localhost/app", "localhost/app:latest", true},
		{"localhost:5000/app:dev", "localhost:5000/app:dev", true},
		{"127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", true},
		{"[::1]:5000/app", "[::1]:5000/app:latest", true},
		{"reg.internal:5000/a/b:c", "reg.internal:5000/a/b:c", true},
		{"reg.internal:5001/a", "reg.internal:5001/a:latest", false},
		{"plain.example:8080/a", "plain.example:8080/a:latest", true},
		{"PLAIN.example/a", "PLAIN.example/a:latest", true},
		{"10.1.2.3:5000/a", "10.1.2.3:5000/a:latest", true},
		{"schemed.example/a", "schemed.example/a:latest", true},
		{"example.com/a@sha256:" + strings.Repeat("a", 64), "example.com/a@sha256:" + strings.Repeat("a", 64), false},
	} {
		ref, err := o.Reference(tc.in)
		if err != nil {
			t.Errorf("Reference(%q): %v", tc.in, err)
			continue
		}
		if got := ref.Name(); got != tc.want {
			t.Errorf("Reference(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// name.Insecure makes the scheme http whatever the heuristics say;
		// check the host's own status through our predicate.
		if got := o.insecure(ref.Context().RegistryStr()); got != tc.http {
			t.Errorf("insecure(%q) = %v, want %v", ref.Context().RegistryStr(), got, tc.http)
		}
		if tc.http && ref.Context().Scheme() != "http" {
			t.Errorf("Reference(%q): scheme %q, want http allowed", tc.in, ref.Context().Scheme())
		}
	}
}

func TestReferenceErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// go-containerregistry accepts these; registries do not.
		{"reg.io/app:-x", `tag "-x" is invalid`},
		{"reg.io/a..b", `repository "a..b" is invalid`},
		{"reg.io/a-/b", `repository "a-/b" is invalid`},
	} {
		_, err := Options{}.Reference(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Reference(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "empty image reference"},
		{"a b", "white space"},
		{"http://reg/app", "must not contain a URL scheme"},
		{"reg.io/app:bad/tag", "invalid"},
		{"reg.io/app:" + strings.Repeat("x", 129), "is invalid: a tag is 1 to 128"},
		{"reg.io/App:v1", `repository "App" must be lower case`},
		{"Busybox", `repository "Busybox" must be lower case`},
		{"reg.io/app@sha256:abc", `digest "sha256:abc" is invalid`},
		{"reg.io/app@md5:" + strings.Repeat("a", 32), "is invalid: want sha256:"},
		{"reg.io/", "has no repository"},
	} {
		_, err := Options{}.Reference(tc.in)
		if err == nil {
			t.Errorf("Reference(%q): no error, want %q", tc.in, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Reference(%q) = %v, want it to contain %q", tc.in, err, tc.want)
		}
		var bad *name.ErrBadName
		if !errors.As(err, &bad) {
			t.Errorf("Reference(%q): %v does not wrap *name.ErrBadName", tc.in, err)
		}
	}
}

func FuzzReference(f *testing.F) {
	for _, s := range []string{"busybox", "localhost:5000/a/b:c", "reg.io/a@sha256:" + strings.Repeat("0", 64), "[::1]/x", "A:B", "http://x/y", "", "a/b:c@d:e"} {
		f.Add(s)
	}
	o := Options{Insecure: []string{"x", "10.0.0.0/8"}}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := o.Reference(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		// What parses once must parse again to the same reference.
		again, err := o.Reference(ref.Name())
		if err != nil {
			t.Fatalf("Reference(%q) ok as %q, which fails: %v", s, ref.Name(), err)
		}
		if again.Name() != ref.Name() {
			t.Fatalf("Reference(%q) = %q, then %q", s, ref.Name(), again.Name())
		}
	})
}

func TestImageByTagAndDigest(t *testing.T) {
	host, rec := newRegistry(t)
	o := testOptions()
	ctx := context.Background()
	img, err := random.Image(1024, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := digest(t, img)
	if err := o.WriteImage(ctx, host+"/app:v1", img); err != nil {
		t.Fatal(err)
	}

	for _, ref := range []string{host + "/app:v1", host + "/app@" + want.String()} {
		rec.Reset()
		got, h, err := o.Image(ctx, ref, v1.Platform{OS: "linux", Architecture: "amd64"})
		if err != nil {
			t.Fatalf("Image(%s): %v", ref, err)
		}
		if h != want || digest(t, got) != want {
			t.Errorf("Image(%s) digest %s / %s, want %s", ref, h, digest(t, got), want)
		}
		if n := rec.Count("GET", "manifest"); n != 1 {
			t.Errorf("Image(%s): %d manifest GETs, want 1 (%v)", ref, n, rec.Requests())
		}
		if n := rec.Count("", "blob"); n != 0 {
			t.Errorf("Image(%s): %d blob requests, want 0 (%v)", ref, n, rec.Requests())
		}
	}

	d, err := o.Head(ctx, host+"/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Digest != want {
		t.Errorf("Head digest %s, want %s", d.Digest, want)
	}
}

func TestImageIndexPlatform(t *testing.T) {
	host, rec := newRegistry(t)
	o := testOptions()
	ctx := context.Background()
	ps := []v1.Platform{
		{OS: "linux", Architecture: "amd64"},
		{OS: "linux", Architecture: "arm64", Variant: "v8"},
		{OS: "linux", Architecture: "arm", Variant: "v7"},
		{OS: "unknown", Architecture: "unknown"}, // a BuildKit attestation
	}
	idx, imgs := platformIndex(t, ps...)
	ref := host + "/multi:1"
	if err := o.WriteIndex(ctx, ref, idx); err != nil {
		t.Fatal(err)
	}
	idxDigest := digest(t, idx)

	for _, tc := range []struct {
		want v1.Platform
		img  int
	}{
		{v1.Platform{OS: "linux", Architecture: "amd64"}, 0},
		{v1.Platform{OS: "linux", Architecture: "arm64"}, 1},
		{v1.Platform{OS: "linux", Architecture: "aarch64"}, 1},
		{v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, 1},
		{v1.Platform{OS: "linux", Architecture: "arm"}, 2},
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v8"}, 2},
		{v1.Platform{Architecture: "amd64"}, 0}, // empty OS is linux
	} {
		for _, r := range []string{ref, host + "/multi@" + idxDigest.String()} {
			rec.Reset()
			got, h, err := o.Image(ctx, r, tc.want)
			if err != nil {
				t.Fatalf("Image(%s, %v): %v", r, tc.want, err)
			}
			want := digest(t, imgs[tc.img])
			if h != want || digest(t, got) != want {
				t.Errorf("Image(%s, %v) = %s, want %s (%v)", r, tc.want, h, want, ps[tc.img])
			}
			if n := rec.Count("GET", "manifest"); n != 2 {
				t.Errorf("Image(%s, %v): %d manifest GETs, want 2 (index + child)", r, tc.want, n)
			}
		}
	}

	_, _, err := o.Image(ctx, ref, v1.Platform{OS: "linux", Architecture: "s390x"})
	var perr *PlatformError
	if !errors.As(err, &perr) {
		t.Fatalf("Image for s390x: %v, want a *PlatformError", err)
	}
	msg := err.Error()
	for _, want := range []string{"linux/s390x", "linux/amd64, linux/arm64/v8, linux/arm/v7", "--platform"} {
		if !strings.Contains(msg, want) {
			t.Errorf("platform error %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "unknown") {
		t.Errorf("platform error %q lists the attestation manifest", msg)
	}
	if len(perr.Available) != 3 {
		t.Errorf("Available = %v, want 3 platforms", perr.Available)
	}
}

// Image must not download a layer: the build decides later whether it needs
// one (a RUN to execute), and a cached build never does.
func TestImageDownloadsNoLayer(t *testing.T) {
	host, _ := newRegistry(t)
	ctx := context.Background()
	idx, imgs := platformIndex(t, v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Platform{OS: "linux", Architecture: "arm64"})
	if err := testOptions().WriteIndex(ctx, host+"/lazy:1", idx); err != nil {
		t.Fatal(err)
	}
	layerDigests := map[string]bool{}
	for _, img := range imgs {
		ls, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			layerDigests[digest(t, l).String()] = true
		}
	}

	ct := &recorder{Inner: http.DefaultTransport}
	o := testOptions()
	o.Transport = ct
	img, _, err := o.Image(ctx, host+"/lazy:1", v1.Platform{OS: "linux", Architecture: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	// What a cached build reads: the config and the layer descriptors.
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Architecture != "arm64" {
		t.Errorf("config architecture %q, want arm64", cf.Architecture)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if _, err := l.Digest(); err != nil {
			t.Fatal(err)
		}
		if _, err := l.DiffID(); err != nil {
			t.Fatal(err)
		}
		if _, err := l.MediaType(); err != nil {
			t.Fatal(err)
		}
	}
	blobGETs := 0
	for _, r := range ct.Requests() {
		if r.Kind() != "blob" {
			continue
		}
		blobGETs++
		d := r.Path[strings.LastIndex(r.Path, "/")+1:]
		if layerDigests[d] {
			t.Errorf("a layer was fetched: %s %s", r.Method, r.Path)
		}
	}
	if blobGETs != 1 {
		t.Errorf("%d blob requests, want 1 (the config): %v", blobGETs, ct.Requests())
	}
}

func TestNotFound(t *testing.T) {
	host, _ := newRegistry(t)
	o := testOptions()
	ctx := context.Background()
	ref := host + "/nothing:here"
	_, _, err := o.Image(ctx, ref, v1.Platform{OS: "linux", Architecture: "amd64"})
	if KindOf(err) != KindNotFound || !strings.Contains(err.Error(), "image "+ref+" not found") {
		t.Errorf("Image of a missing tag: %v (kind %v), want KindNotFound saying the image is not found", err, KindOf(err))
	}
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
		t.Errorf("the original *transport.Error (404) is not wrapped: %#v", err)
	}
	_, err = o.Head(ctx, ref)
	if KindOf(err) != KindNotFound {
		t.Errorf("Head of a missing tag: %v (kind %v), want KindNotFound", err, KindOf(err))
	}
}

// bearerDenier answers like a registry whose token server refuses
// anonymous access.
func bearerDenier(t *testing.T) string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+srv.URL+`/token",service="test"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestAuthFailure(t *testing.T) {
	host := bearerDenier(t)
	o := testOptions()
	ctx := context.Background()
	ref := host + "/private/app:1"
	check := func(op string, err error) {
		t.Helper()
		if KindOf(err) != KindAuth {
			t.Fatalf("%s: %v (kind %v), want KindAuth", op, err, KindOf(err))
		}
		for _, want := range []string{"authentication to " + host + " failed", "docker login " + host, "podman login"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not contain %q", op, err, want)
			}
		}
		var terr *transport.Error
		if !errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: original 401 not wrapped: %#v", op, err)
		}
	}
	_, _, err := o.Image(ctx, ref, v1.Platform{OS: "linux", Architecture: "amd64"})
	check("Image", err)
	img, _ := random.Image(10, 1)
	check("WriteImage", o.WriteImage(ctx, ref, img))
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestUnreachable(t *testing.T) {
	host := closedPort(t)
	o := testOptions()
	ref := host + "/app:1"
	_, _, err := o.Image(context.Background(), ref, v1.Platform{OS: "linux", Architecture: "amd64"})
	if KindOf(err) != KindUnreachable {
		t.Fatalf("Image from a closed port: %v (kind %v), want KindUnreachable", err, KindOf(err))
	}
	if !strings.Contains(err.Error(), "cannot reach registry "+host) || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "is it running?") {
		t.Errorf("unreachable error %q does not say what and what to do", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("the *net.OpError is not wrapped: %#v", err)
	}
}

func TestRetries(t *testing.T) {
	var failures atomic.Int32
	rec := &recorder{Next: quietRegistry()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/manifests/") && r.Method == http.MethodGet && failures.Add(-1) >= 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		rec.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	o := testOptions()
	ctx := context.Background()
	img, _ := random.Image(100, 1)
	if err := o.WriteImage(ctx, host+"/app:1", img); err != nil {
		t.Fatal(err)
	}

	failures.Store(2)
	rec.Reset()
	_, h, err := o.Image(ctx, host+"/app:1", v1.Platform{OS: "linux", Architecture: "amd64"})
	if err != nil {
		t.Fatalf("Image after two 503s: %v", err)
	}
	if h != digest(t, img) {
		t.Errorf("digest %s, want %s", h, digest(t, img))
	}
	if got := failures.Load(); got >= 0 {
		t.Errorf("the 503s were not all served (left %d)", got)
	}

	// 429 is retried too.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/manifests/") && r.Method == http.MethodGet && failures.Add(-1) >= 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`))
			return
		}
		rec.ServeHTTP(w, r)
	}))
	t.Cleanup(srv2.Close)
	failures.Store(1)
	if _, _, err := o.Image(ctx, strings.TrimPrefix(srv2.URL, "http://")+"/app:1", v1.Platform{}); err != nil {
		t.Fatalf("Image after one 429: %v", err)
	}

	// A registry that keeps failing: a server error after the retries.
	failures.Store(1000)
	_, _, err = o.Image(ctx, host+"/app:1", v1.Platform{})
	if KindOf(err) != KindServer || !strings.Contains(err.Error(), "after retries") {
		t.Errorf("Image from a failing registry: %v (kind %v), want KindServer", err, KindOf(err))
	}
	if used := 1000 - failures.Load(); used != int32(fastRetry.Attempts) {
		t.Errorf("%d attempts, want %d", used, fastRetry.Attempts)
	}
	failures.Store(1000)
	_, _, err = o.Image(ctx, strings.TrimPrefix(srv2.URL, "http://")+"/app:1", v1.Platform{})
	if KindOf(err) != KindRateLimited || !strings.Contains(err.Error(), "rate-limited") {
		t.Errorf("Image from a rate-limiting registry: %v (kind %v), want KindRateLimited", err, KindOf(err))
	}
}

// listenOn127_0_0_2 listens on a loopback address that is not one of the
// names treated as insecure by default, so the registry looks remote.
func listen127_0_0_2(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	return l
}

func TestPlainHTTPRegistryNeedsInsecure(t *testing.T) {
	srv := httptest.NewUnstartedServer(quietRegistry())
	srv.Listener = listen127_0_0_2(t)
	srv.Start()
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()
	img, _ := random.Image(100, 1)

	err := testOptions().WriteImage(ctx, host+"/app:1", img)
	if KindOf(err) != KindTLS || !strings.Contains(err.Error(), "plain HTTP") || !strings.Contains(err.Error(), "--insecure-registry "+host) {
		t.Fatalf("push to a plain-HTTP registry without --insecure-registry: %v (kind %v), want a TLS explanation naming the flag", err, KindOf(err))
	}

	o := testOptions()
	o.Insecure = []string{"127.0.0.2"}
	if err := o.WriteImage(ctx, host+"/app:1", img); err != nil {
		t.Fatalf("push with --insecure-registry: %v", err)
	}
	if _, _, err := o.Image(ctx, host+"/app:1", v1.Platform{}); err != nil {
		t.Fatalf("pull with --insecure-registry: %v", err)
	}
}

func TestSelfSignedRegistry(t *testing.T) {
	srv := httptest.NewUnstartedServer(quietRegistry())
	srv.Listener = listen127_0_0_2(t)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	ctx := context.Background()
	img, _ := random.Image(100, 1)

	err := testOptions().WriteImage(ctx, host+"/app:1", img)
	if KindOf(err) != KindTLS || !strings.Contains(err.Error(), "not trusted") {
		t.Fatalf("push to a self-signed registry: %v (kind %v), want an untrusted-certificate explanation", err, KindOf(err))
	}

	o := testOptions()
	o.Insecure = []string{host}
	if err := o.WriteImage(ctx, host+"/app:1", img); err != nil {
		t.Fatalf("push with --insecure-registry %s: %v", host, err)
	}
	d, err := o.Head(ctx, host+"/app:1")
	if err != nil || d.Digest != digest(t, img) {
		t.Fatalf("Head = %v, %v", d, err)
	}

	// A caller wrapping the default transport keeps the insecure handling.
	ct := &recorder{Inner: o.HTTPTransport()}
	o.Transport = ct
	if _, err := o.Head(ctx, host+"/app:1"); err != nil {
		t.Fatalf("Head through a wrapped HTTPTransport: %v", err)
	}
	if len(ct.Requests()) == 0 {
		t.Error("the wrapping transport saw no request")
	}
}

func TestWriteSkipsExistingBlobs(t *testing.T) {
	host, rec := newRegistry(t)
	o := testOptions()
	ctx := context.Background()
	img, _ := random.Image(1024, 3)
	if err := o.WriteImage(ctx, host+"/app:1", img); err != nil {
		t.Fatal(err)
	}
	if n := rec.Count("", "upload"); n == 0 {
		t.Fatal("first push uploaded nothing")
	}
	rec.Reset()
	if err := o.WriteImage(ctx, host+"/app:2", img); err != nil {
		t.Fatal(err)
	}
	if n := rec.Count("", "upload"); n != 0 {
		t.Errorf("second push of the same image uploaded %d times: %v", n, rec.Requests())
	}
	if n := rec.Count("PUT", "manifest"); n != 1 {
		t.Errorf("second push wrote %d manifests, want 1", n)
	}
}

func TestTag(t *testing.T) {
	host, rec := newRegistry(t)
	o := testOptions()
	ctx := context.Background()
	idx, _ := platformIndex(t, v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Platform{OS: "linux", Architecture: "arm64"})
	img, _ := random.Image(1024, 2)
	if err := o.WriteImage(ctx, host+"/app:1", img); err != nil {
		t.Fatal(err)
	}
	if err := o.WriteIndex(ctx, host+"/app:multi", idx); err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]v1.Hash{"app:1": digest(t, img), "app:multi": digest(t, idx)} {
		rec.Reset()
		if err := o.Tag(ctx, host+"/"+src, host+"/app:latest"); err != nil {
			t.Fatal(err)
		}
		if n, m := len(rec.Requests())-rec.Count("", "ping"), rec.Count("PUT", "manifest"); n != 2 || m != 1 {
			t.Errorf("Tag %s in its repository: %d requests (1 PUT manifest: %d); want a GET and a PUT: %v", src, n, m, rec.Requests())
		}
		if d, err := o.Head(ctx, host+"/app:latest"); err != nil || d.Digest != want {
			t.Errorf("after Tag %s: %v, %v; want %s", src, d, err, want)
		}
	}
	// Into another repository: the blobs come along.
	if err := o.Tag(ctx, host+"/app:multi", host+"/other:v1"); err != nil {
		t.Fatal(err)
	}
	if _, h, err := o.Image(ctx, host+"/other:v1", v1.Platform{OS: "linux", Architecture: "arm64"}); err != nil {
		t.Errorf("image tagged into another repository: %v", err)
	} else if _, err := o.Head(ctx, host+"/other@"+h.String()); err != nil {
		t.Errorf("child manifest missing in the other repository: %v", err)
	}
	if err := o.Tag(ctx, host+"/app:none", host+"/app:x"); KindOf(err) != KindNotFound {
		t.Errorf("Tag of a missing source: %v", err)
	}
}

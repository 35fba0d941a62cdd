package buildkit

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/build/layer"
	"github.com/hoistci/hoist/build/output"
	"github.com/hoistci/hoist/internal/progress"
	"github.com/hoistci/hoist/internal/registry"
)

func TestAddress(t *testing.T) {
	for _, c := range []struct {
		builder, host, want, err string
	}{
		{builder: "native"},
		{builder: ""},
		{builder: "buildkit", want: DefaultAddress},
		{builder: "buildkit://", want: DefaultAddress},
		{builder: "buildkit", host: "tcp://10.0.0.1:1234", want: "tcp://10.0.0.1:1234"},
		{builder: "buildkit", host: "ssh://x", err: "BUILDKIT_HOST=ssh://x"},
		{builder: "buildkit://unix:///run/bk.sock", host: "tcp://ignored:1", want: "unix:///run/bk.sock"},
		{builder: "buildkit://tcp://bk.example.com:1234", want: "tcp://bk.example.com:1234"},
		{builder: "buildkit://tcp://bk.example.com", err: "want tcp://host:port"},
		{builder: "buildkit://unix://run/bk.sock", err: "three slashes"},
		{builder: "buildkit://docker-container://x", err: "unsupported address scheme"},
		{builder: "kaniko", err: "unknown builder"},
	} {
		got, err := Address(c.builder, c.host)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Address(%q, %q) = %q, %v; want error with %q", c.builder, c.host, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Address(%q, %q) = %q, %v; want %q", c.builder, c.host, got, err, c.want)
		}
	}
}

// testContext writes a context with a Dockerfile.
func testContext(t *testing.T, dockerfile string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRequestMapsOptions(t *testing.T) {
	dir := testContext(t, "FROM scratch\n")
	epoch := time.Unix(1700000000, 0)
	secretFile := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(secretFile, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := Options{Options: build.Options{
		ContextDir: dir, Target: "final", Pull: true, NoCache: false,
		BuildArgs:   map[string]string{"A": "1"},
		Labels:      map[string]string{"l": "v"},
		Platforms:   []string{"linux/amd64", "linux/arm64"},
		Annotations: map[string]string{"org.opencontainers.image.title": "t"},
		Tags:        []string{"127.0.0.1:5000/app:1", "registry.example.com/app:1"},
		Outputs: []output.Spec{
			{Type: "image", Push: true},
			{Type: "oci", Dest: "out.tar", Attrs: map[string]string{"compression": "gzip"}},
			{Type: "local", Dest: "rootfs"},
		},
		CacheFrom:   []output.CacheSpec{{Type: "registry", Ref: "127.0.0.1:5000/app:cache"}, {Type: "local", Src: "/c"}},
		CacheTo:     []output.CacheSpec{{Type: "registry", Ref: "registry.example.com/app:cache", Mode: "max"}, {Type: "inline"}},
		Compression: layer.Zstd,
		Epoch:       &epoch,
		Secrets:     []build.Secret{{ID: "tok", File: secretFile}, {ID: "env", Env: "HOME"}},
		Registry:    registry.Options{},
	}, Contexts: map[string]string{"busybox": "docker-image://127.0.0.1:5000/busybox:1"}}
	r, err := newRequest(context.Background(), o, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	wantAttrs := map[string]string{
		"filename":                    "Dockerfile",
		"target":                      "final",
		"build-arg:A":                 "1",
		"label:l":                     "v",
		"platform":                    "linux/amd64,linux/arm64",
		"image-resolve-mode":          "pull",
		"build-arg:SOURCE_DATE_EPOCH": "1700000000",
		"context:busybox":             "docker-image://127.0.0.1:5000/busybox:1",
	}
	if d := cmp.Diff(wantAttrs, r.opt.FrontendAttrs); d != "" {
		t.Errorf("frontend attrs (-want +got):\n%s", d)
	}
	if r.opt.Frontend != "dockerfile.v0" || r.opt.LocalMounts["context"] == nil || r.opt.LocalMounts["dockerfile"] == nil {
		t.Errorf("frontend %q, mounts %v", r.opt.Frontend, r.opt.LocalMounts)
	}
	if len(r.opt.Exports) != 3 {
		t.Fatalf("exports: %+v", r.opt.Exports)
	}
	push := r.opt.Exports[0]
	wantPush := map[string]string{
		"name": "127.0.0.1:5000/app:1,registry.example.com/app:1", "push": "true", "registry.insecure": "true",
		"oci-mediatypes": "true", "compression": "zstd", "rewrite-timestamp": "true",
		"annotation.org.opencontainers.image.title": "t", "annotation-index.org.opencontainers.image.title": "t",
	}
	if d := cmp.Diff(wantPush, push.Attrs); push.Type != "image" || d != "" {
		t.Errorf("push export %s (-want +got):\n%s", push.Type, d)
	}
	oci := r.opt.Exports[1]
	if oci.Type != "oci" || oci.Output == nil || oci.Attrs["compression"] != "gzip" || oci.Attrs["oci-mediatypes"] != "" {
		t.Errorf("oci export: %+v", oci)
	}
	if local := r.opt.Exports[2]; local.Type != "local" || local.OutputDir != "rootfs" || local.Attrs["name"] != "" {
		t.Errorf("local export: %+v", local)
	}
	wantImports := []client.CacheOptionsEntry{
		{Type: "registry", Attrs: map[string]string{"ref": "127.0.0.1:5000/app:cache", "registry.insecure": "true"}},
		{Type: "local", Attrs: map[string]string{"src": "/c"}},
	}
	if d := cmp.Diff(wantImports, r.opt.CacheImports); d != "" {
		t.Errorf("cache imports (-want +got):\n%s", d)
	}
	wantExports := []client.CacheOptionsEntry{
		{Type: "registry", Attrs: map[string]string{"ref": "registry.example.com/app:cache", "mode": "max", "image-manifest": "true", "oci-mediatypes": "true"}},
		{Type: "inline", Attrs: map[string]string{}},
	}
	if d := cmp.Diff(wantExports, r.opt.CacheExports); d != "" {
		t.Errorf("cache exports (-want +got):\n%s", d)
	}
	// secrets, auth
	if len(r.opt.Session) != 2 {
		t.Errorf("session attachables: %d, want secrets and auth", len(r.opt.Session))
	}
	if d := cmp.Diff([]string{"127.0.0.1:5000/app:1", "registry.example.com/app:1"}, r.names); d != "" {
		t.Errorf("names: %s", d)
	}
}

func TestRequestStoreAndNoCache(t *testing.T) {
	dir := testContext(t, "FROM scratch\n")
	df := filepath.Join(t.TempDir(), "build.Dockerfile")
	if err := os.WriteFile(df, []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := Options{Options: build.Options{
		ContextDir: dir, Dockerfile: df, NoCache: true, Tags: []string{"app:dev"},
		CacheFrom: []output.CacheSpec{{Type: "registry", Ref: "r.example.com/c:1"}},
	}}
	r, err := newRequest(context.Background(), o, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	if _, ok := r.opt.FrontendAttrs["no-cache"]; !ok || r.opt.FrontendAttrs["filename"] != "build.Dockerfile" {
		t.Errorf("attrs: %v", r.opt.FrontendAttrs)
	}
	if len(r.opt.CacheImports) != 0 {
		t.Errorf("--no-cache still imports %v", r.opt.CacheImports)
	}
	// The local store: one OCI export, streamed back.
	if len(r.opt.Exports) != 1 || r.opt.Exports[0].Type != "oci" || r.opt.Exports[0].Output == nil || len(r.layouts) != 1 {
		t.Fatalf("store export: %+v", r.opt.Exports)
	}
	if d := cmp.Diff([]string{"app:dev"}, r.storeNames); d != "" {
		t.Errorf("store names: %s", d)
	}
}

func TestRequestDockerfileFromStdin(t *testing.T) {
	dir := t.TempDir()
	tmp := t.TempDir()
	o := Options{Options: build.Options{ContextDir: dir, DockerfileContent: []byte("FROM scratch\nCOPY x /\n"), Dockerfile: "Dockerfile"}}
	r, err := newRequest(context.Background(), o, tmp)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	b, err := os.ReadFile(filepath.Join(tmp, "dockerfile", "Dockerfile"))
	if err != nil || string(b) != "FROM scratch\nCOPY x /\n" {
		t.Errorf("stdin Dockerfile: %q %v", b, err)
	}
}

func TestRequestErrors(t *testing.T) {
	dir := testContext(t, "FROM scratch\n")
	for _, c := range []struct {
		name string
		o    build.Options
		want string
	}{
		{"no Dockerfile", build.Options{ContextDir: t.TempDir()}, "not found: give its path with -f"},
		{"no context", build.Options{ContextDir: filepath.Join(dir, "nope")}, "is not a directory"},
		{"push without a name", build.Options{ContextDir: dir, Outputs: []output.Spec{{Type: "image", Push: true}}}, "nothing to push to"},
		{"load without docker", build.Options{ContextDir: dir, Outputs: []output.Spec{{Type: "docker"}}}, "no Docker daemon"},
		{"missing secret file", build.Options{ContextDir: dir, Secrets: []build.Secret{{ID: "s", File: "/nonexistent/s"}}}, "--secret"},
	} {
		r, err := newRequest(context.Background(), Options{Options: c.o}, t.TempDir())
		if err == nil {
			r.close()
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !build.IsInputError(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v (input error: %v), want %q", c.name, err, build.IsInputError(err), c.want)
		}
	}
}

func TestConnectError(t *testing.T) {
	dir := testContext(t, "FROM scratch\n")
	addr := "unix://" + filepath.Join(t.TempDir(), "no.sock")
	_, err := Build(context.Background(), addr, Options{Options: build.Options{ContextDir: dir, Outputs: []output.Spec{{Type: "local", Dest: t.TempDir()}}}})
	var ce *ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a ConnectError", err)
	}
	for _, want := range []string{"cannot reach buildkitd at " + addr, "start it with `buildkitd`", "BUILDKIT_HOST", "--builder buildkit://"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if errors.Unwrap(ce) == nil || errors.Unwrap(ce) != ce.Err {
		t.Errorf("a ConnectError unwraps to its cause: %v", errors.Unwrap(ce))
	}
	if _, err := Build(context.Background(), "http://x", Options{Options: build.Options{ContextDir: dir}}); !build.IsInputError(err) {
		t.Errorf("bad address: %v", err)
	}
}

func TestStats(t *testing.T) {
	now := time.Now()
	s := newStats()
	v := func(d, name string, cached bool) *client.Vertex {
		return &client.Vertex{Digest: digest.FromString(d), Name: name, Started: &now, Completed: &now, Cached: cached}
	}
	s.add(&client.SolveStatus{
		Vertexes: []*client.Vertex{
			v("a", "[internal] load build definition from Dockerfile", false),
			v("b", "[1/4] FROM 127.0.0.1:5000/busybox@sha256:00", false),
			v("c", "[2/4] WORKDIR /app", true),
			v("d", "[build 3/4] COPY src/ ./src/", false),
			v("e", "[linux/arm64 build 4/4] RUN make", false),
			v("g", "[build 4/4] RUN make", false),
			v("f", "exporting to image", false),
		},
		Statuses: []*client.VertexStatus{
			{ID: "sha256:1111", Vertex: digest.FromString("b"), Current: 100, Total: 500},
			{ID: "extracting sha256:1111", Vertex: digest.FromString("b"), Current: 0},
		},
	})
	s.add(&client.SolveStatus{Statuses: []*client.VertexStatus{{ID: "sha256:1111", Vertex: digest.FromString("b"), Current: 500, Total: 500}}})
	// A step reported cached, then again (not cached) while its layer is
	// loaded, is a hit; so is a step whose own layer is downloaded (an
	// imported cache's hit).
	s.add(&client.SolveStatus{
		Vertexes: []*client.Vertex{v("c", "[2/4] WORKDIR /app", false)},
		Statuses: []*client.VertexStatus{{ID: "sha256:2222", Vertex: digest.FromString("g"), Current: 20, Total: 20}},
	})
	if h, m := s.cache(); h != 2 || m != 2 {
		t.Errorf("cache() = %d hits, %d misses; want 2, 2", h, m)
	}
	if n := s.downloaded(); n != 520 {
		t.Errorf("downloaded %d bytes, want 520", n)
	}
}

func TestJSONProgress(t *testing.T) {
	var buf bytes.Buffer
	d, err := newDisplay("json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1700000000, 0)
	t1 := t0.Add(2 * time.Second)
	a, b := digest.FromString("a"), digest.FromString("b")
	ch := make(chan *client.SolveStatus, 4)
	ch <- &client.SolveStatus{Vertexes: []*client.Vertex{{Digest: a, Name: "[1/2] FROM x", Started: &t0}}}
	ch <- &client.SolveStatus{Vertexes: []*client.Vertex{{Digest: a, Name: "[1/2] FROM x", Started: &t0, Completed: &t1}, {Digest: b, Name: "[2/2] RUN true", Started: &t1, Completed: &t1, Cached: true}},
		Logs: []*client.VertexLog{{Vertex: a, Data: []byte("one\ntwo\n"), Timestamp: t1}}}
	// BuildKit resends a finished vertex when it runs part of it again.
	ch <- &client.SolveStatus{Vertexes: []*client.Vertex{{Digest: a, Name: "[1/2] FROM x", Started: &t1}}}
	close(ch)
	if _, err := d.run(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var e progress.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, fmt.Sprintf("%s %d %s %s %s", e.Kind, e.ID, e.Name, e.Message, e.Duration))
	}
	want := []string{
		"start 1 [1/2] FROM x  0s",
		"done 1 [1/2] FROM x  2s",
		"start 2 [2/2] RUN true  0s",
		"cached 2 [2/2] RUN true  0s",
		"log 1 [1/2] FROM x one 0s",
		"log 1 [1/2] FROM x two 0s",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

func TestExtractLayoutRefusesEscapes(t *testing.T) {
	for _, name := range []string{"../x", "/etc/x", "blobs/../../x"} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: 1, Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte("x"))
		tw.Close()
		if err := extractLayout(&buf, t.TempDir()); err == nil || !strings.Contains(err.Error(), "outside the layout") {
			t.Errorf("%s: %v", name, err)
		}
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
	tw.Close()
	if err := extractLayout(&buf, t.TempDir()); err == nil {
		t.Error("a symlink in the layout was accepted")
	}
}

// TestConnectErrorTLS: what a failed connection says, by what gRPC
// reported. A plain-text client at a TLS listener sees the preface read
// fail in any of three ways, depending on timing.
func TestConnectErrorTLS(t *testing.T) {
	const addr = "tcp://127.0.0.1:1234"
	for _, c := range []struct {
		tls  bool
		err  string
		want string
	}{
		{false, `connection error: desc = "error reading server preface: EOF"`, "if it speaks TLS, give its CA"},
		{false, `connection error: desc = "error reading server preface: read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"`, "if it speaks TLS, give its CA"},
		{false, `connection error: desc = "error reading server preface: http2: frame too large"`, "if it speaks TLS, give its CA"},
		{false, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1234: connect: connection refused"`, "start it with `buildkitd`"},
		{true, `connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"`, "over TLS: "},
		{true, `write tcp 127.0.0.1:1->127.0.0.1:2: write: broken pipe`, "over TLS: "},
		{true, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1234: connect: connection refused"`, "start it with `buildkitd`"},
	} {
		msg := (&ConnectError{Addr: addr, TLS: c.tls, Err: errors.New(c.err)}).Error()
		if !strings.Contains(msg, c.want) {
			t.Errorf("TLS %v, %s:\n%s\nwant %q", c.tls, c.err, msg, c.want)
		}
	}
}

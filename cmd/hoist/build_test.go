package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/store"
)

// buildEnv is a fresh local store holding busybox, and the environment
// that points hoist at it.
func buildEnv(t *testing.T) (home string, env map[string]string) {
	t.Helper()
	home = t.TempDir()
	st, err := store.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.WriteImage(context.Background(), imagetest.Busybox(t), "busybox"); err != nil {
		t.Fatal(err)
	}
	return home, map[string]string{"HOIST_HOME": home}
}

func metadata(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBuildLocalStoreAndCache(t *testing.T) {
	_, env := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nWORKDIR /app\nCOPY src/ ./src/\nCOPY hello.txt /\nCMD [\"cat\", \"/hello.txt\"]\n")
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	writeFile(t, filepath.Join(dir, "src", "a.go"), "package a\n")
	meta := filepath.Join(t.TempDir(), "meta.json")

	r := hoist(t, dir, "", env, "build", "-t", "app:dev", "--progress", "plain", "--metadata-file", meta, ".")
	if r.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	m := metadata(t, meta)
	if m["hoist.cache.misses"] != 3.0 || m["hoist.cache.hits"] != 0.0 {
		t.Fatalf("first build: %v", m)
	}
	if !strings.Contains(r.stderr, "COPY hello.txt /") || !strings.Contains(r.stderr, "DONE") {
		t.Errorf("plain progress lacks the steps:\n%s", r.stderr)
	}
	// Unchanged: everything cached, same digest.
	r2 := hoist(t, dir, "", env, "build", "-t", "app:dev", "--progress", "plain", "--metadata-file", meta, ".")
	m2 := metadata(t, meta)
	if r2.code != 0 || m2["hoist.cache.hits"] != 3.0 || m2["hoist.cache.misses"] != 0.0 {
		t.Fatalf("rebuild: exit %d %v\n%s", r2.code, m2, r2.stderr)
	}
	if !strings.Contains(r2.stderr, "CACHED") {
		t.Errorf("rebuild progress has no CACHED:\n%s", r2.stderr)
	}
	// One file changed: only its COPY and what follows is rebuilt.
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello again\n")
	hoist(t, dir, "", env, "build", "-t", "app:dev", "--progress", "quiet", "--metadata-file", meta, ".")
	m3 := metadata(t, meta)
	if m3["hoist.cache.hits"] != 2.0 || m3["hoist.cache.misses"] != 1.0 {
		t.Fatalf("one-file change: %v", m3)
	}
	if m3["containerimage.digest"] == m["containerimage.digest"] {
		t.Fatal("the digest did not change with the content")
	}
}

func TestBuildReproducible(t *testing.T) {
	_, env := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nCOPY . /app/\n")
	writeFile(t, filepath.Join(dir, "a.txt"), "a\n")
	env["SOURCE_DATE_EPOCH"] = "1700000000"
	digest := func() string {
		r := hoist(t, dir, "", env, "build", "-q", "--no-cache", ".")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		return strings.TrimSpace(r.stdout)
	}
	d1 := digest()
	// Touch the file: a new mtime, the same content.
	if err := os.Chtimes(filepath.Join(dir, "a.txt"), nowPlus(3600), nowPlus(3600)); err != nil {
		t.Fatal(err)
	}
	if d2 := digest(); d1 != d2 {
		t.Fatalf("with SOURCE_DATE_EPOCH the digest changed: %s then %s", d1, d2)
	}
}

func TestBuildErrors(t *testing.T) {
	_, env := buildEnv(t)
	cases := []struct {
		name, dockerfile string
		args             []string
		code             int
		want             string
	}{
		{"syntax", "FROM busybox\nCOPY\n", nil, 2, "Dockerfile:2"},
		{"missing source", "FROM busybox\nCOPY nope.txt /\n", nil, 2, "Dockerfile:2"},
		{"unknown from", "FROM busybox\nCOPY --from=nowhere /x /\n", nil, 3, "nowhere"},
		{"unknown target", "FROM busybox AS a\n", []string{"--target", "b"}, 2, `target stage "b" could not be found`},
		{"bad platform", "FROM busybox\n", []string{"--platform", "linux"}, 2, "--platform"},
		{"escape", "FROM busybox\nCOPY ../x /\n", nil, 2, "Dockerfile:2"},
		{"run fails", "FROM busybox\nRUN echo failing && exit 3\n", nil, 3, "Dockerfile:2:1: RUN: the command failed (exit code 3):\n  failing"},
		{"unreachable", "FROM 127.0.0.1:1/nothing:1\n", nil, 3, "127.0.0.1:1"},
		{"load without daemon", "FROM busybox\n", []string{"--load"}, 2, "no Docker daemon is reachable"},
		{"bad output", "FROM busybox\n", []string{"-o", "type=zip"}, 2, "--output"},
		{"bad cache", "FROM busybox\n", []string{"--cache-to", "type=gha"}, 2, "--cache-to"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "Dockerfile"), c.dockerfile)
			args := append([]string{"build", "--progress", "quiet"}, c.args...)
			r := hoist(t, dir, "", env, append(args, ".")...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, want %d; stderr should contain %q:\n%s", r.code, c.code, c.want, r.stderr)
			}
		})
	}
}

// randomTree writes n files of size bytes of random content under dir.
func randomTree(t testing.TB, dir string, n, size int) {
	t.Helper()
	buf := make([]byte, size)
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%50), fmt.Sprintf("f%04d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		rand.Read(buf)
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBuildRegistryPodmanSkopeo pushes to the real registry, runs the
// image with podman, loads the docker archive with podman and inspects
// the OCI layout with skopeo; then a fresh store rebuilds from the
// registry cache without downloading a layer.
func TestBuildRegistryPodmanSkopeo(t *testing.T) {
	reg := imagetest.RealRegistry(t, true)
	base := imagetest.Push(t, imagetest.Busybox(t), reg+"/hoist-test/busybox:1")
	_, env := buildEnv(t)
	env["SOURCE_DATE_EPOCH"] = "1700000000"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM "+base+"\nCOPY data/ /app/data/\nCOPY hello.txt /\nCMD [\"cat\", \"/hello.txt\"]\n")
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello from hoist\n")
	randomTree(t, filepath.Join(dir, "data"), 40, 4096)
	ref := reg + "/hoist-test/app:1"
	cacheRef := reg + "/hoist-test/app:cache"
	meta := filepath.Join(t.TempDir(), "meta.json")
	r := hoist(t, dir, "", env, "build", "-t", ref, "--push", "--cache-to", "type=registry,ref="+cacheRef+",mode=max", "--metadata-file", meta, "--progress", "plain", ".")
	if r.code != 0 {
		t.Fatalf("build --push: exit %d\n%s", r.code, r.stderr)
	}
	digest := metadata(t, meta)["containerimage.digest"].(string)

	if _, err := exec.LookPath("skopeo"); err == nil {
		out, err := exec.Command("skopeo", "inspect", "--tls-verify=false", "docker://"+ref).CombinedOutput()
		if err != nil || !strings.Contains(string(out), digest) {
			t.Errorf("skopeo inspect: %v\n%s", err, out)
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("skopeo is not installed")
	}
	if podman(t) {
		out, err := exec.Command("podman", "run", "--rm", "--tls-verify=false", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", ref).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "hello from hoist") {
			t.Errorf("podman run %s: %v\n%s", ref, err, out)
		}
	}

	// Docker archive -> podman load; OCI layout -> skopeo.
	out := t.TempDir()
	tarPath := filepath.Join(out, "app.tar")
	ociDir := filepath.Join(out, "oci")
	r = hoist(t, dir, "", env, "build", "-t", "hoist-test/loaded:1", "-o", "type=docker,dest="+tarPath, "-o", "type=oci,dest="+ociDir, "--progress", "quiet", ".")
	if r.code != 0 {
		t.Fatalf("build -o docker,oci: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := exec.LookPath("skopeo"); err == nil {
		if b, err := exec.Command("skopeo", "inspect", "oci:"+ociDir).CombinedOutput(); err != nil {
			t.Errorf("skopeo inspect oci: %v\n%s", err, b)
		}
	}
	if podman(t) {
		if b, err := exec.Command("podman", "load", "-i", tarPath).CombinedOutput(); err != nil {
			t.Errorf("podman load: %v\n%s", err, b)
		} else {
			b, err := exec.Command("podman", "run", "--rm", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "localhost/hoist-test/loaded:1").CombinedOutput()
			if err != nil || !strings.Contains(string(b), "hello from hoist") {
				t.Errorf("podman run of the loaded image: %v\n%s", err, b)
			}
		}
	}

	// A fresh machine: empty store, the registry cache answers every step.
	_, env2 := buildEnv(t)
	env2["SOURCE_DATE_EPOCH"] = env["SOURCE_DATE_EPOCH"]
	r = hoist(t, dir, "", env2, "build", "-t", ref, "--push", "--cache-from", "type=registry,ref="+cacheRef, "--metadata-file", meta, "--progress", "plain", ".")
	if r.code != 0 {
		t.Fatalf("cached build: exit %d\n%s", r.code, r.stderr)
	}
	m := metadata(t, meta)
	if m["hoist.cache.misses"] != 0.0 || m["hoist.cache.hits"] != 2.0 {
		t.Errorf("fresh store with --cache-from: %v\n%s", m, r.stderr)
	}
	if m["hoist.bytes.pushed"] != 0.0 {
		t.Errorf("a fully cached push uploaded %v bytes", m["hoist.bytes.pushed"])
	}
	if d := m["hoist.bytes.downloaded"].(float64); d > 16<<10 {
		t.Errorf("a fully cached build downloaded %v bytes (only manifests and configs expected)", d)
	}
	if m["containerimage.digest"] != digest {
		t.Errorf("rebuild from cache gave %v, first build %s", m["containerimage.digest"], digest)
	}
}

// podman reports whether podman can be used (as root); under CI it must.
func podman(t *testing.T) bool {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil || os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Error("podman is not installed or not root")
		}
		return false
	}
	return true
}

func nowPlus(sec int) time.Time { return time.Now().Add(time.Duration(sec) * time.Second) }

func TestBuildPlatformsLocalCacheAndURL(t *testing.T) {
	_, env := buildEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("downloaded\n"))
	}))
	defer srv.Close()
	sum := sha256.Sum256([]byte("downloaded\n"))
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\nARG TARGETARCH\nCOPY a.txt /a-${TARGETARCH}.txt\n"+
		"ADD --checksum=sha256:"+hex.EncodeToString(sum[:])+" "+srv.URL+"/file.txt /dl/\n")
	writeFile(t, filepath.Join(dir, "a.txt"), "a\n")
	out := t.TempDir()
	cacheDir := filepath.Join(out, "cache")
	r := hoist(t, dir, "", env, "build", "--progress", "quiet", "--platform", "linux/amd64,linux/arm64",
		"-o", "type=oci,dest="+filepath.Join(out, "oci"), "--cache-to", "type=local,dest="+cacheDir, ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	idx, err := layout.ImageIndexFromPath(filepath.Join(out, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	inner, err := idx.ImageIndex(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := inner.IndexManifest()
	var plats []string
	for _, d := range m.Manifests {
		plats = append(plats, d.Platform.String())
	}
	if strings.Join(plats, " ") != "linux/amd64 linux/arm64" {
		t.Fatalf("index platforms %v", plats)
	}
	// The rootfs of one platform, written to a directory.
	rootfs := filepath.Join(out, "rootfs")
	r = hoist(t, dir, "", env, "build", "--progress", "quiet", "--platform", "linux/arm64", "-o", "type=local,dest="+rootfs, ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for p, want := range map[string]string{"a-arm64.txt": "a\n", "dl/file.txt": "downloaded\n"} {
		if b, err := os.ReadFile(filepath.Join(rootfs, p)); err != nil || string(b) != want {
			t.Errorf("%s: %q %v", p, b, err)
		}
	}
	// A fresh store finds every layer in the local cache directory.
	_, env2 := buildEnv(t)
	meta := filepath.Join(out, "meta.json")
	r = hoist(t, dir, "", env2, "build", "--progress", "quiet", "--platform", "linux/amd64", "--cache-from", "type=local,src="+cacheDir, "--metadata-file", meta, ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if m := metadata(t, meta); m["hoist.cache.hits"] != 2.0 || m["hoist.cache.misses"] != 0.0 {
		t.Errorf("local cache: %v", m)
	}
	// A wrong checksum is refused.
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\nADD --checksum=sha256:"+strings.Repeat("0", 64)+" "+srv.URL+"/file.txt /dl/\n")
	r = hoist(t, dir, "", env, "build", "--progress", "quiet", ".")
	if r.code == 0 || !strings.Contains(r.stderr, "Dockerfile:2") {
		t.Errorf("wrong checksum: exit %d\n%s", r.code, r.stderr)
	}
}

// TestBuildAuthFailure: a registry that refuses the credentials gives an
// explained error (exit 3) naming the registry and how to log in.
func TestBuildAuthFailure(t *testing.T) {
	_, env := buildEnv(t)
	env["DOCKER_CONFIG"] = t.TempDir()
	env["REGISTRY_AUTH_FILE"] = filepath.Join(t.TempDir(), "auth.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM "+host+"/private/base:1\n")
	r := hoist(t, dir, "", env, "build", "--progress", "quiet", ".")
	if r.code != 3 || !strings.Contains(r.stderr, "authentication to "+host+" failed") || !strings.Contains(r.stderr, "Dockerfile:1") {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
}

// TestBuildLoad: --load pipes a docker archive to `docker load` when a
// daemon is configured. No Docker daemon runs here, so a stand-in docker
// command keeps what it is given, and podman loads and runs that archive.
func TestBuildLoad(t *testing.T) {
	_, env := buildEnv(t)
	bin := t.TempDir()
	got := filepath.Join(t.TempDir(), "loaded.tar")
	writeFile(t, filepath.Join(bin, "docker"), "#!/bin/sh\n[ \"$1\" = load ] || exit 9\ncat > "+got+"\necho 'Loaded image: load-test:1'\n")
	if err := os.Chmod(filepath.Join(bin, "docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	env["DOCKER_HOST"] = "unix:///run/docker-stand-in.sock"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nCOPY hello.txt /\nCMD [\"cat\", \"/hello.txt\"]\n")
	writeFile(t, filepath.Join(dir, "hello.txt"), "loaded by docker load\n")
	r := hoist(t, dir, "", env, "build", "-t", "load-test:1", "--load", "--progress", "quiet", ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if st, err := os.Stat(got); err != nil || st.Size() == 0 {
		t.Fatalf("docker load received nothing: %v", err)
	}
	if podman(t) {
		if b, err := exec.Command("podman", "load", "-i", got).CombinedOutput(); err != nil {
			t.Fatalf("the archive given to docker load does not load: %v\n%s", err, b)
		}
		b, err := exec.Command("podman", "run", "--rm", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "localhost/load-test:1").CombinedOutput()
		if err != nil || !strings.Contains(string(b), "loaded by docker load") {
			t.Errorf("podman run: %v\n%s", err, b)
		}
	}
}

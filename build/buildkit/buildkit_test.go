package buildkit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/moby/buildkit/client"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/build/output"
	"github.com/hoistci/hoist/internal/buildkittest"
	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/store"
)

// TestMain stops the buildkitd the tests started (if they started one).
func TestMain(m *testing.M) { os.Exit(buildkittest.Main(m)) }

// env is a buildkitd, the test registry with busybox pushed to it, and a
// fresh local store.
type env struct {
	addr, reg, base string
	st              *store.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	addr := buildkittest.Addr(t)
	reg := imagetest.RealRegistry(t, true)
	base := imagetest.Push(t, imagetest.Busybox(t), reg+"/hoist-buildkit-test/busybox:1")
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &env{addr: addr, reg: reg, base: base, st: st}
}

// repo is a repository of the test registry no other run uses.
func (e *env) repo(name string) string {
	return fmt.Sprintf("%s/hoist-buildkit-test/%s-%d", e.reg, name, rand.Uint32())
}

// context writes files (path -> content) into a new directory.
func writeContext(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func (e *env) build(t *testing.T, o build.Options) *build.Result {
	t.Helper()
	res, err := e.try(o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (e *env) try(o build.Options) (*build.Result, error) {
	if o.Store == nil {
		o.Store = e.st
	}
	// HOIST_TEST_PROGRESS=plain shows BuildKit's progress.
	mode := os.Getenv("HOIST_TEST_PROGRESS")
	if mode == "" {
		mode = "quiet"
	}
	return Build(context.Background(), e.addr, Options{Options: o, ProgressMode: mode, ProgressOut: os.Stderr})
}

func mustDigest(t *testing.T, f func() (v1.Hash, error)) v1.Hash {
	t.Helper()
	h, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPushAndLocalStore pushes to the registry and builds into the local
// store: the result's digests are those of the pushed and stored image.
func TestPushAndLocalStore(t *testing.T) {
	e := newEnv(t)
	dir := writeContext(t, map[string]string{
		"Dockerfile": "FROM " + e.base + "\nWORKDIR /app\nCOPY hello.txt .\nRUN echo built > /app/run.txt\nCMD [\"cat\", \"/app/hello.txt\"]\n",
		"hello.txt":  "hello\n",
	})
	ref := e.repo("push") + ":1"
	res := e.build(t, build.Options{ContextDir: dir, Tags: []string{ref}, Outputs: []output.Spec{{Type: "image", Push: true}}})
	img := imagetest.Pull(t, ref)
	if got := mustDigest(t, img.Digest); res.Digest != got {
		t.Errorf("result digest %s, registry has %s", res.Digest, got)
	}
	if got := mustDigest(t, img.ConfigName); res.ConfigDigest != got {
		t.Errorf("result config digest %s, registry has %s", res.ConfigDigest, got)
	}
	mt, _ := img.MediaType()
	if res.MediaType != string(mt) || mt != "application/vnd.oci.image.manifest.v1+json" || res.Size == 0 || res.ImageSize == 0 {
		t.Errorf("result %+v, registry media type %s", res, mt)
	}
	if !slices.Equal(res.Names, []string{ref}) || !slices.Equal(res.Platforms, []string{"linux/amd64"}) {
		t.Errorf("names %v, platforms %v", res.Names, res.Platforms)
	}
	if res.CacheHits+res.CacheMisses != 3 {
		t.Errorf("%d hits + %d misses, want the 3 layer steps (WORKDIR, COPY, RUN)", res.CacheHits, res.CacheMisses)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.WorkingDir != "/app" || !slices.Equal(cf.Config.Cmd, []string{"cat", "/app/hello.txt"}) {
		t.Errorf("config: %+v", cf.Config)
	}

	// The default output is the local store; a rebuild is all cached and
	// the same image.
	res2 := e.build(t, build.Options{ContextDir: dir, Tags: []string{"app:dev"}})
	if res2.Digest != res.Digest || res2.CacheHits != 3 || res2.CacheMisses != 0 {
		t.Errorf("store build: %+v, want digest %s all cached", res2, res.Digest)
	}
	stored, err := e.st.Image("app:dev")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustDigest(t, stored.Digest); got != res.Digest {
		t.Errorf("store has %s, want %s", got, res.Digest)
	}
	if res2.ImageSize != res.ImageSize {
		t.Errorf("image size %d in the store, %d pushed", res2.ImageSize, res.ImageSize)
	}
}

// TestOutputs writes an OCI tarball, an OCI layout directory, a docker
// archive, the root file system as a directory and as a tarball, in one
// build.
func TestOutputs(t *testing.T) {
	e := newEnv(t)
	dir := writeContext(t, map[string]string{
		"Dockerfile": "FROM " + e.base + "\nCOPY a.txt /srv/a.txt\nRUN ln -s a.txt /srv/link\n",
		"a.txt":      "a\n",
	})
	out := t.TempDir()
	res := e.build(t, build.Options{ContextDir: dir, Tags: []string{"out:1"}, Outputs: []output.Spec{
		{Type: "oci", Dest: filepath.Join(out, "img.tar")},
		{Type: "oci", Dest: filepath.Join(out, "layout"), Attrs: map[string]string{"tar": "false"}},
		{Type: "docker", Dest: filepath.Join(out, "docker", "img.tar")},
		{Type: "local", Dest: filepath.Join(out, "rootfs")},
		{Type: "tar", Dest: filepath.Join(out, "rootfs.tar")},
	}})
	// The OCI tarball holds the image of the result.
	f, err := os.Open(filepath.Join(out, "img.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x := t.TempDir()
	if err := extractLayout(f, x); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{x, filepath.Join(out, "layout")} {
		ii, err := layout.ImageIndexFromPath(d)
		if err != nil {
			t.Fatal(err)
		}
		im, err := ii.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		if len(im.Manifests) != 1 || im.Manifests[0].Digest != res.Digest {
			t.Errorf("%s: index %+v, want %s", d, im.Manifests, res.Digest)
		}
	}
	for _, p := range []string{"docker/img.tar", "rootfs.tar"} {
		if st, err := os.Stat(filepath.Join(out, p)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(out, "rootfs", "srv", "a.txt")); err != nil || string(b) != "a\n" {
		t.Errorf("rootfs/srv/a.txt: %q %v", b, err)
	}
	if l, err := os.Readlink(filepath.Join(out, "rootfs", "srv", "link")); err != nil || l != "a.txt" {
		t.Errorf("rootfs/srv/link: %q %v", l, err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(out, "*.hoist-tmp")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestArgsTargetLabels maps --build-arg, --target, --label, --platform and
// a Dockerfile given by path with its own .dockerignore.
func TestArgsTargetLabels(t *testing.T) {
	e := newEnv(t)
	dir := writeContext(t, map[string]string{
		"docker/app.Dockerfile": "ARG BASE\nFROM ${BASE} AS build\nARG GREETING=hi\nRUN echo \"$GREETING\" > /greeting\n" +
			"FROM build AS app\nARG TARGETPLATFORM\nENV PLATFORM=$TARGETPLATFORM\nCOPY . /ctx/\n" +
			"FROM app AS never\nRUN false\n",
		"docker/app.Dockerfile.dockerignore": "secret.txt\n",
		"keep.txt":                           "keep\n",
		"secret.txt":                         "no\n",
	})
	root := t.TempDir()
	res := e.build(t, build.Options{
		ContextDir: dir, Dockerfile: filepath.Join(dir, "docker", "app.Dockerfile"), Target: "app",
		BuildArgs: map[string]string{"BASE": e.base, "GREETING": "hello"},
		Labels:    map[string]string{"org.example.team": "core"}, Platforms: []string{"linux/amd64"},
		Tags: []string{"args:1"}, Outputs: []output.Spec{{Type: "image"}, {Type: "local", Dest: root}},
	})
	img, err := e.st.Image("args:1")
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.Labels["org.example.team"] != "core" || !slices.Contains(cf.Config.Env, "PLATFORM=linux/amd64") {
		t.Errorf("config: %+v", cf.Config)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "greeting")); string(b) != "hello\n" {
		t.Errorf("/greeting = %q, want the build arg", b)
	}
	if _, err := os.Stat(filepath.Join(root, "ctx", "keep.txt")); err != nil {
		t.Errorf("keep.txt not copied: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "ctx", "secret.txt")); err == nil {
		t.Error("secret.txt copied despite app.Dockerfile.dockerignore")
	}
	if res.CacheMisses+res.CacheHits == 0 {
		t.Errorf("no steps counted: %+v", res)
	}
}

// TestSecretsAndStdinDockerfile: RUN --mount=type=secret reads --secret
// values (file and environment); the secret is in no layer. The
// Dockerfile comes from standard input.
func TestSecretsAndStdinDockerfile(t *testing.T) {
	e := newEnv(t)
	dir := writeContext(t, map[string]string{"a": "a\n"})
	secret := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(secret, []byte("s3cret-file"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOIST_TEST_SECRET_ENV", "s3cret-env")
	df := "FROM " + e.base + "\n" +
		"RUN --mount=type=secret,id=tok --mount=type=secret,id=envtok \\\n" +
		"    test \"$(cat /run/secrets/tok)\" = s3cret-file && test \"$(cat /run/secrets/envtok)\" = s3cret-env && echo ok > /ok\n"
	root := t.TempDir()
	e.build(t, build.Options{ContextDir: dir, DockerfileContent: []byte(df), Dockerfile: "Dockerfile",
		Secrets: []build.Secret{{ID: "tok", File: secret}, {ID: "envtok", Env: "HOIST_TEST_SECRET_ENV"}},
		Outputs: []output.Spec{{Type: "local", Dest: root}}})
	if b, _ := os.ReadFile(filepath.Join(root, "ok")); string(b) != "ok\n" {
		t.Fatalf("/ok = %q: the RUN did not see the secrets", b)
	}
	if _, err := os.Stat(filepath.Join(root, "run", "secrets", "tok")); err == nil {
		t.Error("the secret's mount point is in the image")
	}
	// Without the secret the RUN fails: an operation error.
	_, err := e.try(build.Options{ContextDir: dir, DockerfileContent: []byte(df), Dockerfile: "Dockerfile", NoCache: true,
		Outputs: []output.Spec{{Type: "local", Dest: t.TempDir()}}})
	if err == nil || build.IsInputError(err) || !strings.Contains(err.Error(), "tok") {
		t.Errorf("missing secret: %v", err)
	}
}

// TestRegistryCache exports a registry cache (mode=max), empties
// buildkitd's cache, and rebuilds from the imported cache: every step is
// cached.
func TestRegistryCache(t *testing.T) {
	e := newEnv(t)
	// Steps of their own: a shared buildkitd has not cached them before.
	id := rand.Uint64()
	dir := writeContext(t, map[string]string{
		"Dockerfile": fmt.Sprintf("FROM %s AS build\nRUN echo %d > /one\nFROM %s\nCOPY --from=build /one /one\nRUN echo two > /two\n", e.base, id, e.base),
	})
	cacheRef := e.repo("cache") + ":cache"
	first := e.build(t, build.Options{ContextDir: dir, Outputs: []output.Spec{{Type: "local", Dest: t.TempDir()}},
		CacheTo: []output.CacheSpec{{Type: "registry", Ref: cacheRef, Mode: "max"}}})
	if first.CacheMisses != 3 {
		t.Fatalf("first build: %+v, want 3 steps run", first)
	}
	// The cache is an OCI image manifest in the registry.
	img := imagetest.Pull(t, cacheRef)
	if mt, _ := img.MediaType(); mt != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("cache media type %s", mt)
	}
	prune(t, e.addr)
	second := e.build(t, build.Options{ContextDir: dir, Outputs: []output.Spec{{Type: "local", Dest: t.TempDir()}},
		CacheFrom: []output.CacheSpec{{Type: "registry", Ref: cacheRef}}})
	if second.CacheHits != 3 || second.CacheMisses != 0 {
		t.Errorf("rebuild from the registry cache: %d hits, %d misses; want 3, 0", second.CacheHits, second.CacheMisses)
	}
}

// prune empties buildkitd's build cache.
func prune(t *testing.T, addr string) {
	t.Helper()
	c, err := client.New(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Prune(context.Background(), nil, client.PruneAll); err != nil {
		t.Fatal(err)
	}
}

// TestErrors: a Dockerfile BuildKit cannot parse is the user's input; a
// failing RUN is an operation error with BuildKit's words.
func TestErrors(t *testing.T) {
	e := newEnv(t)
	out := []output.Spec{{Type: "local", Dest: t.TempDir()}}
	_, err := e.try(build.Options{ContextDir: writeContext(t, map[string]string{"Dockerfile": "FROM " + e.base + "\nCOPPY a /\n"}), Outputs: out})
	if !build.IsInputError(err) || !strings.Contains(err.Error(), "unknown instruction") {
		t.Errorf("parse error: %v (input: %v)", err, build.IsInputError(err))
	}
	_, err = e.try(build.Options{ContextDir: writeContext(t, map[string]string{"Dockerfile": "FROM " + e.base + "\nRUN exit 3\n"}), Outputs: out})
	if err == nil || build.IsInputError(err) || !strings.Contains(err.Error(), "exit code: 3") {
		t.Errorf("failing RUN: %v", err)
	}
	_, err = e.try(build.Options{ContextDir: writeContext(t, map[string]string{"Dockerfile": "FROM " + e.base + "\nCOPY missing.txt /\n"}), Outputs: out})
	if !build.IsInputError(err) || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing source: %v (input: %v)", err, build.IsInputError(err))
	}
}

// TestReproducible: with an epoch (--reproducible, SOURCE_DATE_EPOCH) two
// uncached builds make the same image, created at the epoch.
func TestReproducible(t *testing.T) {
	e := newEnv(t)
	dir := writeContext(t, map[string]string{
		"Dockerfile": "FROM " + e.base + "\nCOPY a.txt /a.txt\nRUN echo built > /built\n",
		"a.txt":      "a\n",
	})
	epoch := time.Unix(1700000000, 0).UTC()
	var digests []v1.Hash
	for i := range 2 {
		if i == 1 {
			// New file times in the context: clamped all the same.
			now := time.Now()
			if err := os.Chtimes(filepath.Join(dir, "a.txt"), now, now); err != nil {
				t.Fatal(err)
			}
		}
		res := e.build(t, build.Options{ContextDir: dir, Epoch: &epoch, NoCache: true, Tags: []string{"repro:1"}})
		digests = append(digests, res.Digest)
	}
	if digests[0] != digests[1] {
		t.Errorf("two reproducible builds: %s and %s", digests[0], digests[1])
	}
	img, err := e.st.Image("repro:1")
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !cf.Created.Time.Equal(epoch) {
		t.Errorf("created %s, want the epoch %s", cf.Created.Time, epoch)
	}
}

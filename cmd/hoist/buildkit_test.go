package main

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hoistci/hoist/internal/buildkittest"
	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/registry"
)

// TestBuildKitBuilderFlag: --builder values and what a missing daemon
// says; none of this needs a daemon.
func TestBuildKitBuilderFlag(t *testing.T) {
	_, env := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\n")
	sock := "unix://" + filepath.Join(t.TempDir(), "none.sock")

	r := hoist(t, dir, "", env, "build", "--builder", "kaniko", ".")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown builder") {
		t.Errorf("unknown builder: %+v", r)
	}
	r = hoist(t, dir, "", env, "build", "--builder", "buildkit://tcp://host-without-port", ".")
	if r.code != 2 || !strings.Contains(r.stderr, "tcp://host:port") {
		t.Errorf("bad address: %+v", r)
	}
	r = hoist(t, dir, "", env, "build", "--builder", "buildkit://"+sock, "--runtime", "runc", ".")
	if r.code != 2 || !strings.Contains(r.stderr, "--runtime runc applies to the native builder") {
		t.Errorf("--runtime with buildkit: %+v", r)
	}
	r = hoist(t, dir, "", env, "build", "--builder", "buildkit://"+sock, ".")
	if r.code != 3 || !strings.Contains(r.stderr, "cannot reach buildkitd at "+sock) || !strings.Contains(r.stderr, "start it with `buildkitd`") {
		t.Errorf("no daemon: %+v", r)
	}
	// --builder buildkit takes the address from BUILDKIT_HOST; without
	// --builder, BUILDKIT_HOST changes nothing (native stays the default).
	env2 := maps.Clone(env)
	env2["BUILDKIT_HOST"] = sock
	r = hoist(t, dir, "", env2, "build", "--builder", "buildkit", ".")
	if r.code != 3 || !strings.Contains(r.stderr, "cannot reach buildkitd at "+sock) {
		t.Errorf("BUILDKIT_HOST: %+v", r)
	}
	r = hoist(t, dir, "", env2, "build", "--progress", "quiet", ".")
	if r.code != 0 {
		t.Errorf("native build with BUILDKIT_HOST set: %+v", r)
	}
}

// TestBuildKitSameFlagsSameKeys builds one Dockerfile with the same
// command line on both builders: both succeed, and --metadata-file holds
// the same keys (--iidfile the image ID).
func TestBuildKitSameFlagsSameKeys(t *testing.T) {
	addr := buildkittest.Addr(t)
	reg := imagetest.RealRegistry(t, true)
	home, env := buildEnv(t)
	// The same base for both: busybox in the store (native) and in the
	// registry (BuildKit) are one image.
	base := imagetest.Push(t, imagetest.Busybox(t), reg+"/hoist-cli-buildkit/busybox:1")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "ARG BASE=busybox\nFROM ${BASE}\nARG MSG\nCOPY hello.txt /\nRUN echo \"$MSG\" > /msg\nLABEL stage=final\nCMD [\"cat\", \"/msg\"]\n")
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	repo := fmt.Sprintf("%s/hoist-cli-buildkit/app-%d", reg, rand.Uint32())

	type run struct {
		meta map[string]any
		iid  string
	}
	buildWith := func(builder, baseRef, tag string) run {
		out := t.TempDir()
		meta, iid := filepath.Join(out, "meta.json"), filepath.Join(out, "iid")
		args := []string{"build", "--builder", builder, "--progress", "plain", "-t", repo + ":" + tag, "--push",
			"--build-arg", "MSG=hi", "--build-arg", "BASE=" + baseRef, "--label", "org.example.k=v",
			"--metadata-file", meta, "--iidfile", iid, "."}
		r := hoist(t, dir, "", env, args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", builder, r.code, r.stdout, r.stderr)
		}
		b, err := os.ReadFile(iid)
		if err != nil {
			t.Fatal(err)
		}
		return run{metadata(t, meta), string(b)}
	}
	native := buildWith("native", "busybox", "native")
	bk := buildWith("buildkit://"+addr, base, "buildkit")

	keys := func(m map[string]any) []string {
		ks := slices.Sorted(maps.Keys(m))
		return slices.DeleteFunc(ks, func(k string) bool { return k == "hoist.warnings" })
	}
	if n, b := keys(native.meta), keys(bk.meta); !slices.Equal(n, b) {
		t.Errorf("metadata keys differ:\nnative   %v\nbuildkit %v", n, b)
	}
	for name, r := range map[string]run{"native": native, "buildkit": bk} {
		if r.iid != r.meta["containerimage.config.digest"] || !strings.HasPrefix(r.iid, "sha256:") {
			t.Errorf("%s: --iidfile %q, metadata config digest %v", name, r.iid, r.meta["containerimage.config.digest"])
		}
		desc, _ := r.meta["containerimage.descriptor"].(map[string]any)
		if desc["digest"] != r.meta["containerimage.digest"] || desc["mediaType"] != "application/vnd.oci.image.manifest.v1+json" {
			t.Errorf("%s: descriptor %v, digest %v", name, desc, r.meta["containerimage.digest"])
		}
		if r.meta["hoist.cache.misses"].(float64)+r.meta["hoist.cache.hits"].(float64) != 2 {
			t.Errorf("%s: %v hits + %v misses, want the 2 layer steps", name, r.meta["hoist.cache.hits"], r.meta["hoist.cache.misses"])
		}
	}
	if bk.meta["image.name"] != repo+":buildkit" {
		t.Errorf("buildkit image.name %v", bk.meta["image.name"])
	}

	// With no output the image goes to the local store under its tag, on
	// both builders.
	r := hoist(t, dir, "", env, "build", "--builder", "buildkit://"+addr, "-q", "-t", "bk-local:1", "--build-arg", "BASE="+base, ".")
	if r.code != 0 {
		t.Fatalf("buildkit into the store: %+v", r)
	}
	r = hoist(t, dir, "", map[string]string{"HOIST_HOME": home}, "images")
	if !strings.Contains(r.stdout, "bk-local") {
		t.Errorf("hoist images after a BuildKit build:\n%s", r.stdout)
	}
}

// TestBuildKitLoad: --load with BuildKit pipes the docker exporter's
// archive to `docker load` (a stand-in that keeps what it is given).
func TestBuildKitLoad(t *testing.T) {
	addr := buildkittest.Addr(t)
	reg := imagetest.RealRegistry(t, true)
	_, env := buildEnv(t)
	base := imagetest.Push(t, imagetest.Busybox(t), reg+"/hoist-cli-buildkit/busybox:1")
	bin := t.TempDir()
	got := filepath.Join(t.TempDir(), "loaded.tar")
	writeFile(t, filepath.Join(bin, "docker"), "#!/bin/sh\n[ \"$1\" = load ] || exit 9\ncat > "+got+"\n")
	if err := os.Chmod(filepath.Join(bin, "docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	env["DOCKER_HOST"] = "unix:///run/docker-stand-in.sock"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM "+base+"\nCOPY hello.txt /\n")
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	r := hoist(t, dir, "", env, "build", "--builder", "buildkit://"+addr, "-t", "load-test-bk:1", "--load", "--progress", "quiet", ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	out, err := exec.Command("tar", "-xOf", got, "manifest.json").Output()
	if err != nil || !strings.Contains(string(out), "load-test-bk:1") {
		t.Errorf("docker load received no docker archive of load-test-bk:1: %v %s", err, out)
	}
	// A failing docker load fails the build with its words.
	writeFile(t, filepath.Join(bin, "docker"), "#!/bin/sh\nhead -c 10 >/dev/null\necho 'no space left on device' >&2\nexit 1\n")
	r = hoist(t, dir, "", env, "build", "--builder", "buildkit://"+addr, "-t", "load-test-bk:1", "--load", "--progress", "quiet", ".")
	if r.code != 3 || !strings.Contains(r.stderr, "--load: docker load") || !strings.Contains(r.stderr, "no space left on device") {
		t.Errorf("failing docker load: %+v", r)
	}
}

// TestReleaseOnBuildKit: hoist release with --builder gives what it gives
// natively: the same tags pushed, the same checks; only the builder
// differs.
func TestReleaseOnBuildKit(t *testing.T) {
	addr := buildkittest.Addr(t)
	reg := imagetest.Registry(t)
	_, env := buildEnv(t)
	prefix := fmt.Sprintf("releasebk%d", os.Getpid())
	dir := releaseRepo(t, reg, prefix, "")
	r := hoist(t, dir, "", env, "release", "web", "--builder", "buildkit://"+addr, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := releaseResults(t, r)
	repo := reg + "/" + prefix + "/web"
	if len(out) != 1 || out[0].Status != "released" || !slices.Equal(out[0].Tags, []string{repo + ":1.2.0", repo + ":1.2", repo + ":1", repo + ":latest"}) {
		t.Fatalf("%+v", out)
	}
	d, err := registry.Options{}.Head(context.Background(), repo+":1.2.0")
	if err != nil || d.Digest.String() != out[0].Digest {
		t.Errorf("1.2.0 is %v (%v), released %s", d, err, out[0].Digest)
	}
}

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/internal/imagetest"
)

// selfImageVersion is the version the test stamps into hoist's image.
const selfImageVersion = "v0.0.0-selfimage"

// podmanRun is `podman run` with the rlimits this machine allows (see
// DESIGN.md) and plain HTTP for the local registry.
var podmanRun = []string{"run", "--rm", "--tls-verify=false", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"}

// selfImageResult is hoist's own image, built once per test binary by
// whichever test needs it first (hoist compiles inside the build sandbox:
// minutes on a cold cache, so never twice).
var selfImageResult struct {
	once sync.Once
	ref  string // REGISTRY/hoist-test/hoist@sha256:...
	err  error
}

// selfImage builds the repository's Dockerfile with hoist's own build
// command (native builder, in process) on a Go base image made from this
// machine's GOROOT, pushes it to the local registry and returns its
// digest reference. It skips without root, podman, busybox or the
// registry (failing under CI=true, where .ci/run provides them).
func selfImage(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("compiles hoist inside hoist's build sandbox; skipped with -short")
	}
	needRoot(t)
	reg := imagetest.RealRegistry(t, true)
	if !podman(t) {
		t.Skip("podman is not installed (apt-get install podman)")
	}
	if _, err := os.Stat(imagetest.BusyboxPath); err != nil {
		skipOrFail(t, "busybox-static is not installed (apt-get install busybox-static)")
	}
	r := &selfImageResult
	r.once.Do(func() {
		// A t.Fatal inside leaves this error for the tests that come later.
		r.err = fmt.Errorf("building hoist's image failed in %s", t.Name())
		r.ref, r.err = buildSelfImage(t, reg)
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.ref
}

func buildSelfImage(t *testing.T, reg string) (string, error) {
	start := time.Now()
	goRef := imagetest.Push(t, goImage(t), reg+"/hoist-test/golang:selfimage")
	t.Logf("Go base image %s made from %s in %s", goRef, runtime.GOROOT(), time.Since(start).Round(time.Millisecond))

	root, err := filepath.Abs(repoRoot(t))
	if err != nil {
		return "", err
	}
	home := t.TempDir()
	meta := filepath.Join(t.TempDir(), "meta.json")
	ref := reg + "/hoist-test/hoist:selfimage"
	args := []string{"build", "-t", ref, "--push", "--metadata-file", meta, "--progress", "plain",
		"--build-arg", "GO_IMAGE=" + goRef,
		"--build-arg", "VERSION=" + selfImageVersion,
		"--build-arg", "COMMIT=selfimage-test"}
	// Module downloads inside RUN go where this machine's go command goes.
	for _, k := range []string{"GOPROXY", "GOSUMDB", "GOFLAGS"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			return "", fmt.Errorf("go env %s: %w", k, err)
		}
		args = append(args, "--build-arg", k+"="+strings.TrimSpace(string(out)))
	}
	start = time.Now()
	// No chdir: the test that builds first goes on with its own directory.
	res := hoist(t, "", "", map[string]string{"HOIST_HOME": home}, append(args, root)...)
	if res.code != 0 {
		return "", fmt.Errorf("hoist build of the repository's Dockerfile: exit %d\n%s", res.code, res.stderr)
	}
	t.Logf("hoist built and pushed its own image in %s", time.Since(start).Round(time.Millisecond))
	digest, _ := metadata(t, meta)["containerimage.digest"].(string)
	if digest == "" {
		return "", errors.New("the build's metadata has no containerimage.digest")
	}
	return reg + "/hoist-test/hoist@" + digest, nil
}

// goImage is a Go toolchain image in the shape of the official golang
// images (GOROOT /usr/local/go, GOPATH /go), made from the toolchain that
// runs this test, with busybox for the shell and the host's CA bundle:
// CI has no Docker Hub. One layer, for the host's platform.
func goImage(t *testing.T) v1.Image {
	t.Helper()
	bb, err := os.ReadFile(imagetest.BusyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	list, err := exec.Command(imagetest.BusyboxPath, "--list").Output()
	if err != nil {
		t.Fatalf("busybox --list: %v", err)
	}
	certs, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatalf("the host's CA bundle (apt-get install ca-certificates): %v", err)
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(out))

	path := filepath.Join(t.TempDir(), "layer.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	mt := time.Unix(1700000000, 0).UTC()
	add := func(h *tar.Header, data []byte) {
		h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname = mt, 0, 0, "", ""
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(data))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	dir := func(name string, mode int64) {
		add(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode}, nil)
	}
	file := func(name string, mode int64, data []byte) {
		add(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode}, data)
	}
	dir("bin", 0o755)
	file("bin/busybox", 0o755, bb)
	for _, a := range strings.Fields(string(list)) {
		if a != "busybox" {
			add(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777}, nil)
		}
	}
	dir("etc", 0o755)
	file("etc/passwd", 0o644, []byte(imagetest.Passwd))
	file("etc/group", 0o644, []byte(imagetest.Group))
	dir("etc/ssl", 0o755)
	dir("etc/ssl/certs", 0o755)
	file("etc/ssl/certs/ca-certificates.crt", 0o644, certs)
	dir("go", 0o777)
	dir("root", 0o700)
	dir("tmp", 0o1777)
	dir("usr", 0o755)
	dir("usr/local", 0o755)
	// The toolchain: what `go build` reads (bin, pkg/tool, pkg/include, the
	// standard library's sources, go.env, VERSION, lib/time); the standard
	// library's tests and the toolchain's own test suite stay out.
	keep := map[string]bool{"VERSION": true, "go.env": true, "LICENSE": true, "bin": true, "pkg": true, "src": true, "lib": true}
	err = filepath.WalkDir(goroot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(goroot, p)
		if rel == "." {
			dir("usr/local/go", 0o755)
			return nil
		}
		top, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		if !keep[top] || d.Name() == "testdata" || strings.HasSuffix(d.Name(), "_test.go") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		h, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		h.Name = "usr/local/go/" + filepath.ToSlash(rel)
		var data []byte
		switch {
		case d.IsDir():
			h.Name += "/"
		case d.Type()&fs.ModeSymlink != 0:
			if h.Linkname, err = os.Readlink(p); err != nil {
				return err
			}
		case d.Type().IsRegular():
			if data, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			return nil
		}
		add(h, data)
		return nil
	})
	if err != nil {
		t.Fatalf("packing %s: %v", goroot, err)
	}
	for _, c := range []io.Closer{tw, zw, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	l, err := tarball.LayerFromFile(path, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1),
		mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "hoist test: Go toolchain from " + goroot, Created: v1.Time{Time: mt}}})
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: mt}
	cf.Config.Env = []string{
		"PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"GOPATH=/go", "GOTOOLCHAIN=local",
	}
	cf.Config.WorkingDir = "/go"
	cf.Config.Cmd = []string{"sh"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// TestSelfImage builds hoist's own Dockerfile with hoist (see selfImage)
// and runs the result with podman: `version` prints the stamped version,
// `lint` on a mounted Dockerfile reports and exits 1 on a bad one and 0 on
// a clean one; the image runs as a non-root user and has one layer.
func TestSelfImage(t *testing.T) {
	ref := selfImage(t)

	img := imagetest.Pull(t, ref)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if u := cf.Config.User; u == "" || u == "0" || u == "root" || strings.HasPrefix(u, "0:") || strings.HasPrefix(u, "root:") {
		t.Errorf("the image runs as %q: want a non-root user", u)
	}
	if got := strings.Join(cf.Config.Entrypoint, " "); got != "/hoist" {
		t.Errorf("entrypoint %q, want /hoist", got)
	}
	if v := cf.Config.Labels["org.opencontainers.image.version"]; v != selfImageVersion {
		t.Errorf("label org.opencontainers.image.version = %q, want %q", v, selfImageVersion)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(layers); n < 1 || n > 2 {
		t.Errorf("the image has %d layers, want one or two", n)
	}
	// Minimal: the binary (static), CA certificates and the account files;
	// no shell, no package manager.
	files := map[string][]byte{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Typeflag != tar.TypeDir {
				b, _ := io.ReadAll(tr)
				files[strings.TrimPrefix(h.Name, "./")] = b
			}
		}
		rc.Close()
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	if got, want := strings.Join(names, " "), "etc/group etc/passwd etc/ssl/certs/ca-certificates.crt hoist"; got != want {
		t.Errorf("the image's files: %s\nwant: %s", got, want)
	}
	if !strings.Contains(string(files["etc/passwd"]), ":65532:65532:") || !strings.HasPrefix(cf.Config.User, "65532") {
		t.Errorf("user %q, /etc/passwd %q: want the nonroot account 65532", cf.Config.User, files["etc/passwd"])
	}
	if e, err := elf.NewFile(bytes.NewReader(files["hoist"])); err != nil {
		t.Errorf("/hoist is not an ELF binary: %v", err)
	} else {
		for _, p := range e.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Errorf("/hoist is dynamically linked (program header %v): want CGO_ENABLED=0", p.Type)
			}
		}
	}

	podmanOut := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command("podman", append(append([]string(nil), podmanRun...), args...)...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &ee):
			return string(out), ee.ExitCode()
		}
		t.Fatalf("podman %v: %v\n%s", args, err, out)
		return "", 0
	}
	out, code := podmanOut(ref, "version")
	if code != 0 || !strings.Contains(out, "hoist "+selfImageVersion+"\n") || !strings.Contains(out, "commit: selfimage-test") {
		t.Errorf("podman run %s version: exit %d\n%s", ref, code, out)
	}
	if !strings.Contains(out, "platform: linux/"+runtime.GOARCH) {
		t.Errorf("version does not name the platform:\n%s", out)
	}

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad", "Dockerfile"), "FROM ubuntu:latest\nMAINTAINER someone\nCMD echo hi\n")
	writeFile(t, filepath.Join(dir, "good", "Dockerfile"), cleanDockerfile)
	// Both files must be readable by the image's non-root user.
	for _, p := range []string{dir, filepath.Join(dir, "bad"), filepath.Join(dir, "good")} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out, code = podmanOut("-v", dir+":/work:ro", ref, "lint", "/work/bad/Dockerfile")
	if code != 1 || !strings.Contains(out, "/work/bad/Dockerfile:1:6: warning DL3007") || !strings.Contains(out, "DL4000") {
		t.Errorf("lint of a bad Dockerfile in the image: exit %d (want 1)\n%s", code, out)
	}
	out, code = podmanOut("-v", dir+":/work:ro", ref, "lint", "good/Dockerfile")
	if code != 0 || !strings.Contains(out, "no problems") {
		t.Errorf("lint of a clean Dockerfile (relative to the image's WORKDIR /work): exit %d (want 0)\n%s", code, out)
	}
}

// TestSelfDockerfileLintsClean: hoist's own Dockerfile passes hoist lint
// at the default threshold with no finding at all, and has no pragmas
// that could hide one.
func TestSelfDockerfileLintsClean(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		l := strings.ToLower(strings.TrimSpace(line))
		if strings.HasPrefix(l, "#") && (strings.Contains(l, "ignore") || strings.Contains(l, "check=")) {
			t.Errorf("Dockerfile:%d: %q: the Dockerfile must pass without pragmas", i+1, line)
		}
	}
	r := hoist(t, root, "", nil, "lint", "--failure-threshold", "style", "Dockerfile")
	if r.code != 0 || !strings.Contains(r.stdout, "no problems") {
		t.Errorf("hoist lint Dockerfile: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Package imagetest makes the base images and registries hoist's tests
// build on, without Docker Hub: a busybox image from Debian's
// busybox-static, and a registry (the real one .ci/run starts, or an
// in-process one).
package imagetest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BusyboxPath is where Debian's busybox-static installs the binary.
const BusyboxPath = "/bin/busybox"

// Passwd and Group are the base image's account files: root, nobody, and
// app (1000) in group staff (50) with a secondary group.
const (
	Passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
	Group  = "root:x:0:\nstaff:x:50:app\napp:x:1000:\nnogroup:x:65534:\n"
)

var applets = []string{"sh", "cat", "echo", "ls", "id", "stat", "env", "pwd", "true", "false", "sleep", "wc", "head", "find", "readlink", "test"}

// Busybox returns a one-layer busybox image for linux/amd64 (the
// binary's own platform): /bin/busybox, its applets as symlinks, /etc
// account files, /tmp (1777), /root and /home/app. It skips the test when
// busybox-static is not installed.
func Busybox(t testing.TB) v1.Image {
	t.Helper()
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		t.Skipf("busybox-static is not installed (%v): apt-get install busybox-static", err)
	}
	return busybox(t, bin, "amd64")
}

// BusyboxArm64Env names the arm64 busybox-static binary for the QEMU
// tests (.ci/run extracts Debian's busybox-static:arm64 there).
const BusyboxArm64Env = "HOIST_TEST_BUSYBOX_ARM64"

// BusyboxArm64 is Busybox for linux/arm64, from the binary named by
// $HOIST_TEST_BUSYBOX_ARM64. It skips (fails under CI=true) without it.
func BusyboxArm64(t testing.TB) v1.Image {
	t.Helper()
	bin, err := os.ReadFile(os.Getenv(BusyboxArm64Env))
	if err != nil {
		msg := fmt.Sprintf("no arm64 busybox (%v): set %s to Debian's busybox-static:arm64 binary (apt-get download busybox-static:arm64; dpkg-deb -x)", err, BusyboxArm64Env)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return busybox(t, bin, "arm64")
}

func busybox(t testing.TB, bin []byte, arch string) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mt := time.Unix(1700000000, 0).UTC()
	dir := func(name string, mode int64) {
		must(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: mt}))
	}
	file := func(name string, mode int64, data []byte) {
		must(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: mt}))
		_, err := tw.Write(data)
		must(t, err)
	}
	dir("bin", 0o755)
	file("bin/busybox", 0o755, bin)
	for _, a := range applets {
		must(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: mt}))
	}
	dir("etc", 0o755)
	file("etc/passwd", 0o644, []byte(Passwd))
	file("etc/group", 0o644, []byte(Group))
	dir("home", 0o755)
	must(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "home/app/", Mode: 0o750, Uid: 1000, Gid: 1000, ModTime: mt}))
	dir("root", 0o700)
	dir("tmp", 0o1777)
	dir("usr", 0o755)
	dir("usr/local", 0o755)
	must(t, tw.Close())
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }, tarball.WithMediaType(types.OCILayer))
	must(t, err)
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "imagetest busybox", Created: v1.Time{Time: mt}}})
	must(t, err)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	must(t, err)
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: mt}
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cf.Config.Cmd = []string{"sh"}
	img, err = mutate.ConfigFile(img, cf)
	must(t, err)
	return img
}

// Registry returns the host:port of a registry for the test: the real
// one named by HOIST_TEST_REGISTRY (.ci/run sets 127.0.0.1:5000), else an
// in-process one that lives as long as the test.
func Registry(t testing.TB) string {
	t.Helper()
	if r := RealRegistry(t, false); r != "" {
		return r
	}
	s := httptest.NewServer(registry.New(registry.Logger(nopLogger())))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

// RealRegistry returns HOIST_TEST_REGISTRY when it answers. When it is not
// set or does not answer, it returns "" or, with require, skips the test
// (failing it under CI=true, where .ci/run must have started it).
func RealRegistry(t testing.TB, require bool) string {
	t.Helper()
	addr := os.Getenv("HOIST_TEST_REGISTRY")
	if addr != "" {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr
		}
	}
	if require {
		msg := "no registry: set HOIST_TEST_REGISTRY=127.0.0.1:5000 and start one (.ci/run does: docker-registry serve .ci/registry.yml)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return ""
}

// RealRegistries are the real registries the tests may use: the one of
// RealRegistry and, when HOIST_TEST_REGISTRY_LEGACY names a reachable one,
// a second of another kind (.ci/run runs distribution v3 as the first and
// Debian's distribution 2.8, which cannot delete a single tag, as the
// second), so behaviour that differs between registries is tested on both.
func RealRegistries(t testing.TB, require bool) []string {
	t.Helper()
	out := []string{RealRegistry(t, require)}
	if out[0] == "" {
		return nil
	}
	if addr := os.Getenv("HOIST_TEST_REGISTRY_LEGACY"); addr != "" {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("HOIST_TEST_REGISTRY_LEGACY=%s is not reachable: %v", addr, err)
			}
			return out
		}
		c.Close()
		out = append(out, addr)
	}
	return out
}

// Push writes img to ref (plain HTTP) and returns its digest reference.
func Push(t testing.TB, img v1.Image, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	must(t, err)
	must(t, remote.Write(r, img))
	d, err := img.Digest()
	must(t, err)
	return r.Context().Digest(d.String()).String()
}

// Pull reads the image at ref (plain HTTP) from its registry.
func Pull(t testing.TB, ref string) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	must(t, err)
	img, err := remote.Image(r)
	must(t, err)
	return img
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func nopLogger() *log.Logger { return log.New(io.Discard, "", 0) }

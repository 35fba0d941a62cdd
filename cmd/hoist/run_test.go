package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/store"
)

// needRoot skips RUN tests where namespaces and overlayfs are not
// available to us; CI runs as root, so they run there.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("RUN tests need root")
		}
		t.Skip("RUN execution needs root")
	}
}

// TestBuildRunSecretsNeverLeak builds with a secret used as a file and as
// an environment variable, then searches every blob of the store, the
// progress output and the metadata for the secret's bytes.
func TestBuildRunSecretsNeverLeak(t *testing.T) {
	needRoot(t)
	home, env := buildEnv(t)
	dir := t.TempDir()
	const secret = "hoist-secret-3f9a1c77"
	writeFile(t, filepath.Join(dir, "token"), secret)
	writeFile(t, filepath.Join(dir, ".dockerignore"), "token\n")
	// The Dockerfile never spells the secret: only the mounts carry it.
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\n"+
		"RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /file-len\n"+
		"RUN --mount=type=secret,id=tok,env=TOKEN echo ${#TOKEN} > /env-len && echo \"token is $TOKEN\"\n")
	meta := filepath.Join(t.TempDir(), "meta.json")
	r := hoist(t, dir, "", env, "build", "-t", "secret:test", "--secret", "id=tok,src="+filepath.Join(dir, "token"),
		"--progress", "plain", "--metadata-file", meta, ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, secret) || strings.Contains(r.stdout, secret) {
		t.Errorf("the secret is in the output:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "token is ****") {
		t.Errorf("the echoed secret is not redacted in the log:\n%s", r.stderr)
	}
	if b, _ := os.ReadFile(meta); bytes.Contains(b, []byte(secret)) {
		t.Error("the secret is in the metadata file")
	}
	// Every blob, decompressed when it is a layer.
	blobs, _ := filepath.Glob(filepath.Join(home, "blobs", "sha256", "*"))
	for _, p := range blobs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(gunzip(b), []byte(secret)) {
			t.Errorf("blob %s holds the secret", filepath.Base(p))
		}
	}
	out := t.TempDir()
	r = hoist(t, dir, "", env, "build", "--secret", "id=tok,src="+filepath.Join(dir, "token"), "-o", "type=local,dest="+out, "--progress", "quiet", ".")
	for _, f := range []string{"file-len", "env-len"} {
		if b, _ := os.ReadFile(filepath.Join(out, f)); strings.TrimSpace(string(b)) != "21" {
			t.Errorf("/%s = %q: the RUN did not see the secret", f, b)
		}
	}
	// A missing required secret is bad input.
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nRUN --mount=type=secret,id=tok,required=true true\n")
	r = hoist(t, dir, "", env, "build", "--progress", "quiet", ".")
	if r.code != 2 || !strings.Contains(r.stderr, `secret "tok" not found`) {
		t.Errorf("missing secret: exit %d\n%s", r.code, r.stderr)
	}
}

// gunzip decompresses a gzip blob; anything else gives nil.
func gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	d, _ := io.ReadAll(zr)
	return d
}

// TestBuildRunFailureLeavesNoTag: a failing RUN exits 3 with the line and
// the output, the tag is not written, and the store verifies.
func TestBuildRunFailureLeavesNoTag(t *testing.T) {
	needRoot(t)
	home, env := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nRUN echo step one > /one\nRUN echo about to fail && exit 7\n")
	r := hoist(t, dir, "", env, "build", "-t", "broken:1", "--progress", "quiet", ".")
	if r.code != 3 || !strings.Contains(r.stderr, "Dockerfile:3:1: RUN: the command failed (exit code 7):\n  about to fail") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	st, _ := store.Open(home)
	if _, err := st.Image("broken:1"); err == nil {
		t.Error("a failed build wrote its tag")
	}
	if problems, err := st.Verify(context.Background()); err != nil || len(problems) > 0 {
		t.Errorf("store after a failed RUN: %v %v", problems, err)
	}
}

// TestBuildRunCacheMountSharedAndPodman: a cache mount persists between
// builds (and stays out of the image); the image runs under podman.
func TestBuildRunCacheMountSharedAndPodman(t *testing.T) {
	needRoot(t)
	_, env := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\n"+
		"ARG N\n"+
		"RUN --mount=type=cache,target=/cache echo $N >> /cache/runs && busybox cp /cache/runs /runs\n"+
		"CMD [\"cat\", \"/runs\"]\n")
	for _, n := range []string{"1", "2"} {
		r := hoist(t, dir, "", env, "build", "-t", "cachemount:"+n, "--build-arg", "N="+n, "-o", "type=docker,dest="+filepath.Join(dir, "img"+n+".tar"), "--progress", "quiet", ".")
		if r.code != 0 {
			t.Fatalf("build %s: exit %d\n%s", n, r.code, r.stderr)
		}
	}
	out := t.TempDir()
	r := hoist(t, dir, "", env, "build", "--build-arg", "N=2", "-o", "type=local,dest="+out, "--progress", "quiet", ".")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "runs")); string(b) != "1\n2\n" {
		t.Errorf("/runs = %q: the cache mount did not persist between builds", b)
	}
	if _, err := os.Stat(filepath.Join(out, "cache", "runs")); err == nil {
		t.Error("the cache mount's content is in the image")
	}
	if podman(t) {
		if b, err := exec.Command("podman", "load", "-i", filepath.Join(dir, "img2.tar")).CombinedOutput(); err != nil {
			t.Fatalf("podman load: %v\n%s", err, b)
		}
		b, err := exec.Command("podman", "run", "--rm", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "localhost/cachemount:2").CombinedOutput()
		if err != nil || string(b) != "1\n2\n" {
			t.Errorf("podman run: %v\n%s", err, b)
		}
	}
}

// TestBuildRunArm64UnderQEMU runs an arm64 RUN through binfmt_misc's QEMU.
func TestBuildRunArm64UnderQEMU(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat("/proc/sys/fs/binfmt_misc/qemu-aarch64"); err != nil {
		msg := "QEMU user emulation for aarch64 is not registered (apt-get install qemu-user-static binfmt-support)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	home, env := buildEnv(t)
	st, _ := store.Open(home)
	if _, err := st.WriteImage(context.Background(), imagetest.BusyboxArm64(t), "busybox-arm64"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox-arm64\nARG TARGETARCH\nRUN busybox uname -m > /arch && echo $TARGETARCH >> /arch\n")
	out := t.TempDir()
	r := hoist(t, dir, "", env, "build", "--platform", "linux/arm64", "-o", "type=local,dest="+out, "--progress", "quiet", ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "arch")); string(b) != "aarch64\narm64\n" {
		t.Errorf("/arch = %q", b)
	}
}

// TestBuildRunSSH forwards an agent socket: the RUN sees it at
// SSH_AUTH_SOCK; without --ssh a required ssh mount is bad input.
func TestBuildRunSSH(t *testing.T) {
	needRoot(t)
	_, env := buildEnv(t)
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	env["SSH_AUTH_SOCK"] = sock
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nRUN --mount=type=ssh,required=true test -S \"$SSH_AUTH_SOCK\" && echo $SSH_AUTH_SOCK > /sock\n")
	out := t.TempDir()
	r := hoist(t, dir, "", env, "build", "--ssh", "default", "-o", "type=local,dest="+out, "--progress", "quiet", ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "sock")); strings.TrimSpace(string(b)) != "/run/buildkit/ssh_agent.0" {
		t.Errorf("/sock = %q", b)
	}
	r = hoist(t, dir, "", env, "build", "--no-cache", "--progress", "quiet", ".")
	if r.code != 2 || !strings.Contains(r.stderr, "--ssh") {
		t.Errorf("without --ssh: exit %d\n%s", r.code, r.stderr)
	}
}

// TestBuildRunBindMountHonoursDockerignore: a bind mount of the context
// shows what .dockerignore lets through, as BuildKit sends the context.
func TestBuildRunBindMountHonoursDockerignore(t *testing.T) {
	needRoot(t)
	_, env := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "src", "keep.txt"), "keep\n")
	writeFile(t, filepath.Join(dir, "src", "secret.env"), "TOKEN=x\n")
	writeFile(t, filepath.Join(dir, ".dockerignore"), "**/*.env\n")
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nRUN --mount=type=bind,source=src,target=/src ls /src > /listing\n")
	out := t.TempDir()
	r := hoist(t, dir, "", env, "build", "-o", "type=local,dest="+out, "--progress", "quiet", ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "listing")); string(b) != "keep.txt\n" {
		t.Errorf("the RUN saw %q", b)
	}
}

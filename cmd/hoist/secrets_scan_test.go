package main

import (
	"bytes"
	"compress/gzip"
	crypto_md5 "crypto/md5"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestSecretsScan builds with a secret from a file and one from the
// environment, used by RUN as a mounted file and as a variable, with every
// output on: the local store (layers, configs, history, cache records), an
// OCI layout, a local cache export, --metadata-file, the json progress
// stream and the logs. Neither secret value may appear anywhere, in any
// blob as stored or decompressed.
func TestSecretsScan(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("RUN needs root")
	}
	const fileSecret = "file-s3cr3t-5d41402abc4b2a76"
	const envSecret = "env-s3cr3t-7d793037a0760186"
	home, env := buildEnv(t)
	// The builder reads env= secrets from the process environment, as the
	// CLI runs it (the test's getenv map is for hoist's own settings).
	t.Setenv("HOIST_TEST_SECRET", envSecret)
	env["HOIST_TEST_SECRET"] = envSecret
	dir := t.TempDir()
	secretFile := filepath.Join(t.TempDir(), "secret.txt")
	writeFile(t, secretFile, fileSecret)
	// The RUNs use both secrets (a wrong value fails the build; the
	// Dockerfile holds only their MD5s) without writing them; the second
	// writes a build argument, to show the scan sees what RUN writes.
	md5 := func(s string) string { return fmt.Sprintf("%x", crypto_md5.Sum([]byte(s))) }
	writeFile(t, filepath.Join(dir, "Dockerfile"), `FROM busybox
ARG NOT_SECRET=visible-build-arg
RUN --mount=type=secret,id=a,required=true --mount=type=secret,id=b,env=B_SECRET \
    test "$(md5sum < /run/secrets/a | cut -d' ' -f1)" = "`+md5(fileSecret)+`" && \
    test "$(printf %s "$B_SECRET" | md5sum | cut -d' ' -f1)" = "`+md5(envSecret)+`" && echo used
RUN --mount=type=secret,id=a sha256sum /run/secrets/a > /digest && echo "$NOT_SECRET" > /arg
`)
	out := t.TempDir()
	meta := filepath.Join(out, "metadata.json")
	ociDir := filepath.Join(out, "oci")
	cacheDir := filepath.Join(out, "cache")
	r := hoist(t, dir, "", env, "build", "--secret", "id=a,src="+secretFile, "--secret", "id=b,env=HOIST_TEST_SECRET",
		"--tag", "scan:1", "--metadata-file", meta, "--progress", "json",
		"--output", "type=image", "--output", "type=oci,dest="+ociDir+",tar=false",
		"--cache-to", "type=local,dest="+cacheDir, ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout+r.stderr, "used") {
		t.Fatalf("the RUN did not run:\n%s%s", r.stdout, r.stderr)
	}
	secrets := []string{fileSecret, envSecret}
	check := func(where string, b []byte) {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("secret %q found in %s", s, where)
			}
		}
	}
	check("stdout", []byte(r.stdout))
	check("stderr (progress json and logs)", []byte(r.stderr))
	scanned, sawArg := 0, false
	for _, root := range []string{home, out} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			scanned++
			check(p, b)
			if d, ok := decompressed(b); ok {
				check(p+" (decompressed)", d)
				sawArg = sawArg || bytes.Contains(d, []byte("visible-build-arg"))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if scanned < 10 || !sawArg {
		t.Fatalf("scanned %d files, saw the RUN's output file: %v: the scan does not see the layers", scanned, sawArg)
	}
}

// decompressed returns b gunzipped or zstd-decoded when it is either.
func decompressed(b []byte) ([]byte, bool) {
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false
		}
		d, err := io.ReadAll(zr)
		return d, err == nil
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false
		}
		defer zr.Close()
		d, err := io.ReadAll(zr)
		return d, err == nil
	}
	return nil, false
}

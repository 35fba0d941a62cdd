package output

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestWrite(t *testing.T) {
	ctx := context.Background()
	img := testImage(t, "amd64", 21)
	dir := t.TempDir()
	parse := func(s string) Spec {
		t.Helper()
		spec, err := ParseOutput(s)
		if err != nil {
			t.Fatal(err)
		}
		return spec
	}

	// oci to stdout, and to a file named without .tar but tar=true: the
	// same archive.
	var stdout bytes.Buffer
	if err := Write(ctx, parse("type=oci,name=app:1"), img, &stdout); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "image")
	if err := Write(ctx, parse("type=oci,tar=true,name=app:1,dest="+archive), img, nil); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(archive); err != nil || !bytes.Equal(data, stdout.Bytes()) {
		t.Errorf("type=oci to stdout and to %s differ (%v)", archive, err)
	}

	// oci to a directory.
	layoutDir := filepath.Join(dir, "layout")
	if err := Write(ctx, parse("type=oci,dest="+layoutDir), img, nil); err != nil {
		t.Fatal(err)
	}
	if got := readLayout(t, layoutDir); len(got) != 1 || got[0].Digest != digestOf(t, img) {
		t.Errorf("layout entries %v", got)
	}

	// docker to a file and to stdout.
	dockerTar := filepath.Join(dir, "docker.tar")
	if err := Write(ctx, parse("type=docker,name=app:1,dest="+dockerTar), img, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tarball.ImageFromPath(dockerTar, nil); err != nil {
		t.Error(err)
	}
	stdout.Reset()
	if err := Write(ctx, parse("type=docker,name=app:1,dest=-"), img, &stdout); err != nil {
		t.Fatal(err)
	}
	if stdout.Len() == 0 {
		t.Error("type=docker,dest=- wrote nothing")
	}

	for _, c := range []struct {
		spec string
		a    Artifact
		want string
	}{
		{"type=docker,dest=x.tar", testIndex(t), "multi-platform"},
		{"type=docker", img, "--load"},
		{"type=local,dest=out", img, "not type=local"},
		{"type=registry", img, "not type=image"},
	} {
		err := Write(ctx, parse(c.spec), c.a, &stdout)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Write(%s): %v, want %q", c.spec, err, c.want)
		}
	}
}

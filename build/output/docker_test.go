package output

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func configName(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	h, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// repoTags reads manifest.json's RepoTags of a docker archive.
func repoTags(t *testing.T, path string) [][]string {
	t.Helper()
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(path) })
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, d := range m {
		out = append(out, d.RepoTags)
	}
	return out
}

func TestWriteDocker(t *testing.T) {
	ctx := context.Background()
	img := testImage(t, "amd64", 11)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.tar")
	if err := WriteDocker(ctx, path, img, []string{"hoist-output-test/app:1", "hoist-output-test/app:2"}); err != nil {
		t.Fatal(err)
	}
	noLeftovers(t, dir)
	for _, n := range []string{"hoist-output-test/app:1", "hoist-output-test/app:2"} {
		tag, err := name.NewTag(n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tarball.ImageFromPath(path, &tag)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if err := validate.Image(got); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		if configName(t, got) != configName(t, img) {
			t.Errorf("%s: image ID %s, want %s", n, configName(t, got), configName(t, img))
		}
	}
	tags := repoTags(t, path)
	if len(tags) != 1 || len(tags[0]) != 2 {
		t.Errorf("RepoTags %v", tags)
	}

	// The stream variant writes the same archive.
	var buf bytes.Buffer
	if err := WriteDockerTo(ctx, &buf, img, []string{"hoist-output-test/app:1"}); err != nil {
		t.Fatal(err)
	}
	opener := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil }
	if _, err := tarball.Image(opener, nil); err != nil {
		t.Errorf("streamed archive: %v", err)
	}

	_, gotOS, gotArch := skopeoInspect(t, "docker-archive:"+path+":hoist-output-test/app:2")
	if gotOS != "linux" || gotArch != "amd64" {
		t.Errorf("skopeo inspect docker-archive: %s/%s", gotOS, gotArch)
	}
}

func TestWriteDockerUntagged(t *testing.T) {
	img := testImage(t, "amd64", 12)
	path := filepath.Join(t.TempDir(), "untagged.tar")
	if err := WriteDocker(context.Background(), path, img, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{nil}, repoTags(t, path)); diff != "" {
		t.Errorf("RepoTags (-want +got):\n%s", diff)
	}
	got, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if configName(t, got) != configName(t, img) {
		t.Error("the untagged image is not the one written")
	}
	_, _, arch := skopeoInspect(t, "docker-archive:"+path)
	if arch != "amd64" {
		t.Errorf("skopeo inspect: %s", arch)
	}
}

func TestWriteDockerRefusesDigestNames(t *testing.T) {
	img := testImage(t, "amd64", 13)
	path := filepath.Join(t.TempDir(), "x.tar")
	err := WriteDocker(context.Background(), path, img, []string{"app@sha256:" + strings.Repeat("a", 64)})
	if err == nil || !strings.Contains(err.Error(), "names images by tag") {
		t.Errorf("a digest name: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a failed write left the destination")
	}
}

// podman load reads the archive into a private store (never the
// machine's) and reports the image under its tag and ID.
func TestWriteDockerPodmanLoad(t *testing.T) {
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed (.ci/run installs it)")
	}
	img := testImage(t, "amd64", 14)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.tar")
	if err := WriteDocker(context.Background(), path, img, []string{"hoist-output-test/app:1"}); err != nil {
		t.Fatal(err)
	}
	// podman wants a run root under 50 characters: t.TempDir's are longer.
	store, err := os.MkdirTemp("", "hoist-podman-")
	if err != nil {
		t.Fatal(err)
	}
	podman := func(args ...string) []byte {
		t.Helper()
		base := []string{"--root", filepath.Join(store, "root"), "--runroot", filepath.Join(store, "run"), "--storage-driver", "vfs"}
		var stderr bytes.Buffer
		cmd := exec.Command("podman", append(base, args...)...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("podman %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return out
	}
	t.Cleanup(func() {
		// vfs layers are plain directories, but podman may leave read-only
		// ones; make the temporary directory removable.
		_ = exec.Command("chmod", "-R", "u+w", store).Run()
		if err := os.RemoveAll(store); err != nil {
			t.Error(err)
		}
	})
	// podman names an archive's short names localhost/NAME (docker load
	// says docker.io/NAME); either way the tag is the one written.
	out := strings.TrimSpace(string(podman("load", "-i", path)))
	loaded, ok := strings.CutPrefix(out, "Loaded image: ")
	if !ok || !strings.HasSuffix(loaded, "/hoist-output-test/app:1") {
		t.Fatalf("podman load said %q", out)
	}
	var inspected []struct {
		ID           string `json:"Id"`
		RepoTags     []string
		Os           string
		Architecture string
	}
	if err := json.Unmarshal(podman("image", "inspect", loaded), &inspected); err != nil {
		t.Fatal(err)
	}
	if len(inspected) != 1 || inspected[0].ID != configName(t, img).Hex || inspected[0].Architecture != "amd64" {
		t.Errorf("podman image inspect: %+v, want ID %s", inspected, configName(t, img).Hex)
	}
}

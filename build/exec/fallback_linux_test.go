//go:build linux

package exec

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/hoistci/hoist/build/layer"
)

// The snapshot-and-compare fallback (Spec.Rootfs, layer.ExtractTree,
// layer.DiffDir) makes the layer the overlay makes (layer.DiffEntries of
// the upper directory), for both executors.
func TestFallbackMakesTheOverlayLayer(t *testing.T) {
	script := `set -e
echo new > /new
mkdir -p /made/deep && echo x > /made/deep/f
echo changed > /data/a
chmod 600 /data/b
rm /data/c
mkdir -p /gone/sub && rm -r /gone /data/d
echo p > /etc/passwd
ln /bin/busybox /bin/linked
ln -s /data/a /data/link
mkdir -p /tmp/t && ln -sf /new /tmp/t/l
echo kept > /run/other
`
	for name, ex := range rootfsExecutors(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			lower := busyboxRoot(t)
			os.MkdirAll(filepath.Join(lower, "data/d/sub"), 0o755)
			write(t, filepath.Join(lower, "data/d/sub/f"), "deep\n", 0o644)
			hosts := filepath.Join(t.TempDir(), "hosts")
			write(t, hosts, "127.0.0.1 localhost\n", 0o644)
			secret := filepath.Join(t.TempDir(), "s")
			write(t, secret, "s3cret\n", 0o600)
			base := Spec{
				Args: []string{"/bin/sh", "-c", script}, Env: []string{"PATH=/bin"}, Cwd: "/",
				Hosts: hosts, ResolvConf: hosts,
				Mounts: []Mount{{Type: "bind", Source: secret, Target: "/run/secrets/s", Readonly: true}},
			}

			// Overlay.
			s := base
			s.Lower = []string{lower}
			s.Upper, s.Work = filepath.Join(t.TempDir(), "upper"), filepath.Join(t.TempDir(), "work")
			os.Mkdir(s.Upper, 0o755)
			os.Mkdir(s.Work, 0o755)
			var errOut bytes.Buffer
			s.Stderr = &errOut
			if err := ex.Run(ctx, s); err != nil {
				t.Fatalf("overlay run: %v\n%s", err, errOut.String())
			}
			overlay, err := layer.DiffEntries(s.Upper)
			if err != nil {
				t.Fatal(err)
			}

			// Snapshot and compare.
			before := dirTree(t, lower)
			rootfs := filepath.Join(t.TempDir(), "rootfs")
			if err := layer.ExtractTree(ctx, before, rootfs); err != nil {
				t.Fatal(err)
			}
			s = base
			s.Rootfs = rootfs
			s.Stderr = &errOut
			if err := ex.Run(ctx, s); err != nil {
				t.Fatalf("rootfs run: %v\n%s", err, errOut.String())
			}
			fallback, err := layer.DiffDir(ctx, before, rootfs)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(describeLayer(t, overlay), describeLayer(t, fallback)); d != "" {
				t.Errorf("layers (-overlay +fallback):\n%s", d)
			}
		})
	}
}

// dirTree reads a plain directory as a tree (DiffEntries of a directory
// without whiteouts is its listing).
func dirTree(t *testing.T, dir string) *buildfs.Tree {
	t.Helper()
	entries, err := layer.DiffEntries(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree := buildfs.NewTree()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree.Put(&buildfs.Entry{Path: ".", Mode: fi.Mode(), ModTime: fi.ModTime()})
	for _, e := range entries {
		tree.Put(e)
	}
	return tree
}

// describeLayer describes entries without times.
func describeLayer(t *testing.T, entries []*buildfs.Entry) []string {
	t.Helper()
	var out []string
	for _, e := range entries {
		l := fmt.Sprintf("%s %v %d:%d", e.Path, e.Mode, e.UID, e.GID)
		switch {
		case e.IsSymlink():
			l += " -> " + e.Linkname
		case e.HardLink != "":
			l += " => " + e.HardLink
		case e.IsRegular():
			rc, err := e.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(rc)
			rc.Close()
			l += fmt.Sprintf(" %d bytes", b.Len())
			if b.Len() < 64 {
				l += fmt.Sprintf(" %q", b.String())
			}
		}
		var xs []string
		for k, v := range e.Xattrs {
			xs = append(xs, k+"="+v)
		}
		slices.Sort(xs)
		out = append(out, strings.TrimSpace(l+" "+strings.Join(xs, " ")))
	}
	return out
}

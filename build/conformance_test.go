package build_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/build/buildfs"
	"github.com/hoistci/hoist/build/layer"
	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/store"
)

// caseOptions is a conformance case's case.json.
type caseOptions struct {
	Args       map[string]string `json:"args"`
	Target     string            `json:"target"`
	Platform   string            `json:"platform"`
	Labels     map[string]string `json:"labels"`
	Dockerfile string            `json:"dockerfile"`
	// Secrets are --secret values: id -> content.
	Secrets map[string]string `json:"secrets"`
}

// TestConformance builds every case of testdata/conformance and compares
// the image configuration and the files the build added or changed with
// want.txt, written by hand from Docker's documented semantics and
// BuildKit's code (see the cases' comments).
func TestConformance(t *testing.T) {
	dirs, err := filepath.Glob("testdata/conformance/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no conformance cases")
	}
	base := imagetest.Busybox(t)
	ctx := context.Background()
	r := layer.NewReader(t.TempDir())
	t.Cleanup(func() { r.Close() })
	baseTree, err := r.Tree(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	// Cases with RUN also run with the no-overlay fallback ("rootfs") and
	// through runc, as root; not in -short runs (CI's race run).
	runtimes := []string{""}
	if !testing.Short() && os.Geteuid() == 0 {
		runtimes = append(runtimes, "rootfs")
		if _, err := osexec.LookPath("runc"); err == nil {
			runtimes = append(runtimes, "runc")
		} else if os.Getenv("CI") == "true" {
			t.Error("runc is not installed: the RUN cases cannot run through it")
		}
	}
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		df, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		for _, rt := range runtimes {
			if rt != "" && !strings.Contains(string(df), "RUN ") {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, "skip-"+rt+".txt")); rt != "" && err == nil {
				continue // the file says why this case cannot run there
			}
			name := filepath.Base(dir)
			if rt != "" {
				name += "/" + rt
			}
			conformanceCase(t, name, dir, rt, base, baseTree, r)
		}
	}
}

func conformanceCase(t *testing.T, name, dir, runtime string, base v1.Image, baseTree *buildfs.Tree, r *layer.Reader) {
	ctx := context.Background()
	{
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if why, err := os.ReadFile(filepath.Join(dir, "known-gap.txt")); err == nil {
				t.Skipf("known gap: %s", strings.TrimSpace(string(why)))
			}
			want, err := os.ReadFile(filepath.Join(dir, "want.txt"))
			if err != nil {
				t.Fatal(err)
			}
			var co caseOptions
			if b, err := os.ReadFile(filepath.Join(dir, "case.json")); err == nil {
				if err := json.Unmarshal(b, &co); err != nil {
					t.Fatalf("case.json: %v", err)
				}
			}
			st, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.WriteImage(ctx, base, "busybox"); err != nil {
				t.Fatal(err)
			}
			df := filepath.Join(dir, "Dockerfile")
			if co.Dockerfile != "" {
				df = filepath.Join(dir, co.Dockerfile)
			}
			// The context is copied with modes 0644/0755, so results do not
			// depend on the checkout's umask.
			ctxDir := t.TempDir()
			if _, err := os.Stat(filepath.Join(dir, "context")); err == nil {
				copyContext(t, filepath.Join(dir, "context"), ctxDir)
			}
			opts := build.Options{
				ContextDir: ctxDir, Dockerfile: df, Store: st, Target: co.Target,
				BuildArgs: co.Args, Labels: co.Labels, Tags: []string{"conformance/case:test"},
				Runtime: runtime,
			}
			if runtime == "rootfs" {
				opts.Runtime, opts.NoOverlay = "", true
			}
			for id, content := range co.Secrets {
				f := filepath.Join(t.TempDir(), id)
				if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				opts.Secrets = append(opts.Secrets, build.Secret{ID: id, File: f})
			}
			if co.Platform != "" {
				opts.Platforms = []string{co.Platform}
			}
			_, berr := build.Build(ctx, opts)
			got := ""
			if berr != nil {
				kind := "op"
				if build.IsInputError(berr) {
					kind = "input"
				}
				got = fmt.Sprintf("[error]\nkind: %s\nmessage: %s\n", kind, berr)
			} else {
				img, err := st.Image("conformance/case:test")
				if err != nil {
					t.Fatal(err)
				}
				got = describe(t, r, img, base, baseTree)
			}
			compareWant(t, string(want), got)
		})
	}
}

// compareWant checks got against want.txt: [config] and [files] line by
// line; for [error] the kind and that the message contains the text.
func compareWant(t *testing.T, want, got string) {
	t.Helper()
	wl := cleanLines(want)
	if len(wl) > 0 && wl[0] == "[error]" {
		if !strings.HasPrefix(got, "[error]") {
			t.Fatalf("the build succeeded, want an error:\n%s\ngot:\n%s", want, got)
		}
		gl := cleanLines(got)
		for _, l := range wl[1:] {
			k, v, _ := strings.Cut(l, ":")
			v = strings.TrimSpace(v)
			switch k {
			case "kind":
				if gl[1] != "kind: "+v {
					t.Errorf("error %s, want kind %s", gl[1], v)
				}
			case "contains":
				if !strings.Contains(got, v) {
					t.Errorf("error message does not contain %q:\n%s", v, got)
				}
			}
		}
		return
	}
	gl := cleanLines(got)
	if !slices.Equal(wl, gl) {
		t.Errorf("result differs from want.txt\n--- want\n%s\n--- got\n%s", strings.Join(wl, "\n"), strings.Join(gl, "\n"))
	}
}

func cleanLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// describe renders an image as want.txt does.
func describe(t *testing.T, r *layer.Reader, img, base v1.Image, baseTree *buildfs.Tree) string {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	c := cf.Config
	b.WriteString("[config]\n")
	for _, e := range c.Env {
		fmt.Fprintf(&b, "Env: %s\n", e)
	}
	js := func(name string, v any) {
		raw, _ := json.Marshal(v)
		fmt.Fprintf(&b, "%s: %s\n", name, raw)
	}
	if c.Cmd != nil {
		js("Cmd", c.Cmd)
	}
	if c.Entrypoint != nil {
		js("Entrypoint", c.Entrypoint)
	}
	if c.WorkingDir != "" && c.WorkingDir != "/" {
		fmt.Fprintf(&b, "WorkingDir: %s\n", c.WorkingDir)
	}
	if c.User != "" {
		fmt.Fprintf(&b, "User: %s\n", c.User)
	}
	if len(c.ExposedPorts) > 0 {
		fmt.Fprintf(&b, "ExposedPorts: %s\n", strings.Join(slices.Sorted(mapKeys(c.ExposedPorts)), " "))
	}
	if len(c.Volumes) > 0 {
		fmt.Fprintf(&b, "Volumes: %s\n", strings.Join(slices.Sorted(mapKeys(c.Volumes)), " "))
	}
	for _, k := range slices.Sorted(mapKeys(c.Labels)) {
		fmt.Fprintf(&b, "Label: %s=%s\n", k, c.Labels[k])
	}
	if c.StopSignal != "" {
		fmt.Fprintf(&b, "StopSignal: %s\n", c.StopSignal)
	}
	if c.Healthcheck != nil {
		js("Healthcheck", c.Healthcheck)
	}
	if c.Shell != nil {
		js("Shell", c.Shell)
	}
	for _, o := range c.OnBuild {
		fmt.Fprintf(&b, "OnBuild: %s\n", o)
	}
	b.WriteString("[files]\n")
	tree, err := r.Tree(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	// Images not built on busybox (FROM scratch) list every path.
	bcf, _ := base.ConfigFile()
	if len(cf.RootFS.DiffIDs) == 0 || cf.RootFS.DiffIDs[0] != bcf.RootFS.DiffIDs[0] {
		baseTree = buildfs.NewTree()
	}
	// Every path of the result that differs from the base, and "- path"
	// for a base path the build deleted, in path order.
	type line struct{ path, text string }
	var lines []line
	for _, p := range tree.Paths() {
		e, _ := tree.Lstat(p)
		l := fileLine(t, e)
		if be, err := baseTree.Lstat(p); err == nil && fileLine(t, be) == l {
			continue
		}
		lines = append(lines, line{p, l})
	}
	for _, p := range baseTree.Paths() {
		if _, err := tree.Lstat(p); err != nil {
			lines = append(lines, line{p, "- " + p})
		}
	}
	slices.SortStableFunc(lines, func(a, b line) int { return strings.Compare(a.path, b.path) })
	for _, l := range lines {
		b.WriteString(l.text + "\n")
	}
	return b.String()
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func fileLine(t *testing.T, e *buildfs.Entry) string {
	perm := e.Mode.Perm()
	mode := uint32(perm)
	if e.Mode&os.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if e.Mode&os.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if e.Mode&os.ModeSticky != 0 {
		mode |= 0o1000
	}
	head := fmt.Sprintf("%04o %d:%d %s", mode, e.UID, e.GID, e.Path)
	switch {
	case e.IsDir():
		return "d " + head
	case e.IsSymlink():
		return "l " + head + " -> " + e.Linkname
	case e.IsRegular():
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		data := make([]byte, 0, e.Size)
		buf := make([]byte, 32<<10)
		for {
			n, err := rc.Read(buf)
			data = append(data, buf[:n]...)
			if err != nil {
				break
			}
		}
		if len(data) > 200 {
			return fmt.Sprintf("f %s (%d bytes)", head, len(data))
		}
		return fmt.Sprintf("f %s %q", head, data)
	}
	return fmt.Sprintf("? %s type %v", head, e.Mode.Type())
}

// copyContext copies a case's context: files 0644, directories 0755,
// symlinks as they are.
func copyContext(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case d.Type()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, out)
		case d.IsDir():
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			return os.Chmod(out, 0o755)
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return err
			}
			return os.Chmod(out, 0o644)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

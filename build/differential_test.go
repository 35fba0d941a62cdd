package build_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/build/buildfs"
	"github.com/hoistci/hoist/build/buildkit"
	"github.com/hoistci/hoist/build/layer"
	"github.com/hoistci/hoist/internal/buildkittest"
	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/store"
)

// allowFile lists the differences between the two builders that are
// artefacts of BuildKit's environment, each with its reason.
const allowFile = "testdata/differential-allow.txt"

// TestDifferential builds every case of testdata/conformance with the
// native builder and with BuildKit (buildkitd, its Dockerfile frontend)
// and compares the results: the image configuration (Env, Cmd, Entrypoint,
// WorkingDir, User, ExposedPorts, Volumes, Labels, StopSignal,
// Healthcheck, Shell, OnBuild) and the root file system (paths, types,
// modes, uid/gid, contents, link targets), as describe renders them; for
// cases that must fail, that both fail. Every difference fails the test
// unless differential-allow.txt lists it.
func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("the differential suite builds every conformance case twice; not in -short runs")
	}
	e := newDiffEnv(t)
	addr, baseRef, base, baseTree, r, allow, dirs := e.addr, e.baseRef, e.base, e.baseTree, e.r, e.allow, e.dirs
	// Entries that match nothing are stale: reported when every case ran.
	var mu sync.Mutex
	used := make([]bool, len(allow))
	ran, cases := 0, 0
	t.Cleanup(func() {
		if t.Failed() || ran != cases {
			return
		}
		for i, a := range allow {
			// times: entries are for TestDifferentialReproducible.
			if !used[i] && !strings.HasPrefix(a.key, "times:") {
				t.Errorf("%s:%d: allow-list entry matches no difference (remove it): %s | %s", allowFile, a.line, a.casePattern, a.key)
			}
		}
	})
	t.Run("cases", func(t *testing.T) {
		for _, dir := range dirs {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				continue
			}
			name := filepath.Base(dir)
			cases++
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c := loadCase(t, dir)
				native := c.buildNative(t, base, baseTree, r)
				bk := c.buildBuildKit(t, addr, baseRef, base, baseTree, r)
				mu.Lock()
				ran++
				mu.Unlock()
				if native.err != nil && bk.err != nil {
					t.Logf("both fail:\n  native: %v\n  buildkit: %v", native.err, bk.err)
				}
				var report []string
				for _, d := range compareResults(native, bk) {
					if i := slices.IndexFunc(allow, func(a allowEntry) bool { return a.matches(name, d) }); i >= 0 {
						mu.Lock()
						used[i] = true
						mu.Unlock()
						t.Logf("allowed (%s): %s", allow[i].reason, d)
						continue
					}
					report = append(report, d.String())
				}
				if len(report) == 0 {
					return
				}
				msg := fmt.Sprintf("native and BuildKit differ:\n  %s", strings.Join(report, "\n  "))
				if c.knownGap != "" {
					t.Skipf("known gap of the native builder (%s); %s", c.knownGap, msg)
				}
				t.Error(msg)
			})
		}
	})
}

// TestDifferentialReproducible builds every fourth conformance case (each
// family of cases is represented) reproducibly on both builders, with
// one SOURCE_DATE_EPOCH, and compares the file times and the created time
// too: a file the build writes is clamped to the epoch on both.
func TestDifferentialReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds conformance cases twice; not in -short runs")
	}
	e := newDiffEnv(t)
	addr, baseRef, base, baseTree, r, allow, dirs := e.addr, e.baseRef, e.base, e.baseTree, e.r, e.allow, e.dirs
	epoch := time.Unix(1700000000, 0).UTC()
	n := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		n++
		if n%4 != 1 {
			continue
		}
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := loadCase(t, dir)
			c.epoch = &epoch
			native := c.buildNative(t, base, baseTree, r)
			bk := c.buildBuildKit(t, addr, baseRef, base, baseTree, r)
			var report []string
			for _, d := range compareResults(native, bk) {
				if slices.ContainsFunc(allow, func(a allowEntry) bool { return a.matches(name, d) }) {
					continue
				}
				report = append(report, d.String())
			}
			if len(report) > 0 {
				t.Errorf("native and BuildKit differ (reproducible, epoch %d):\n  %s", epoch.Unix(), strings.Join(report, "\n  "))
			}
		})
	}
}

// diffEnv is what both differential tests build with: the daemon, the
// base image (in the store of each build, and for BuildKit in the test
// registry: it resolves "busybox" in FROM, COPY --from and RUN --mount
// from= as a named context to that same image), the allow-list, the
// cases.
type diffEnv struct {
	addr, baseRef string
	base          v1.Image
	baseTree      *buildfs.Tree
	r             *layer.Reader
	allow         []allowEntry
	dirs          []string
}

func newDiffEnv(t *testing.T) *diffEnv {
	t.Helper()
	e := &diffEnv{addr: buildkittest.Addr(t), base: imagetest.Busybox(t)}
	reg := imagetest.RealRegistry(t, true)
	e.baseRef = imagetest.Push(t, e.base, reg+"/hoist-differential/busybox:1")
	e.allow = readAllowList(t, allowFile)
	e.r = layer.NewReader(t.TempDir())
	t.Cleanup(func() { e.r.Close() })
	var err error
	if e.baseTree, err = e.r.Tree(context.Background(), e.base); err != nil {
		t.Fatal(err)
	}
	if e.dirs, err = filepath.Glob("testdata/conformance/*"); err != nil {
		t.Fatal(err)
	}
	return e
}

// diffCase is a conformance case to build twice.
type diffCase struct {
	dir, dockerfile, ctxDir string
	opts                    caseOptions
	knownGap                string
	// epoch, when set, builds reproducibly (--reproducible) and compares
	// the file times too.
	epoch *time.Time
}

func loadCase(t *testing.T, dir string) *diffCase {
	t.Helper()
	c := &diffCase{dir: dir, dockerfile: filepath.Join(dir, "Dockerfile")}
	if b, err := os.ReadFile(filepath.Join(dir, "case.json")); err == nil {
		if err := json.Unmarshal(b, &c.opts); err != nil {
			t.Fatalf("case.json: %v", err)
		}
	}
	if c.opts.Dockerfile != "" {
		c.dockerfile = filepath.Join(dir, c.opts.Dockerfile)
	}
	if why, err := os.ReadFile(filepath.Join(dir, "known-gap.txt")); err == nil {
		c.knownGap = strings.TrimSpace(string(why))
	}
	// One copy of the context (modes independent of the umask) for both.
	c.ctxDir = t.TempDir()
	if _, err := os.Stat(filepath.Join(dir, "context")); err == nil {
		copyContext(t, filepath.Join(dir, "context"), c.ctxDir)
	}
	return c
}

func (c *diffCase) options(t *testing.T, st *store.Store) build.Options {
	t.Helper()
	o := build.Options{
		ContextDir: c.ctxDir, Dockerfile: c.dockerfile, Store: st, Target: c.opts.Target,
		BuildArgs: c.opts.Args, Labels: c.opts.Labels, Tags: []string{"differential/case:test"}, Epoch: c.epoch,
	}
	for id, content := range c.opts.Secrets {
		f := filepath.Join(t.TempDir(), id)
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		o.Secrets = append(o.Secrets, build.Secret{ID: id, File: f})
	}
	if c.opts.Platform != "" {
		o.Platforms = []string{c.opts.Platform}
	}
	return o
}

// caseResult is one builder's result: describe's rendering, or the error.
type caseResult struct {
	desc string
	err  error
}

func (c *diffCase) buildNative(t *testing.T, base v1.Image, baseTree *buildfs.Tree, r *layer.Reader) caseResult {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.WriteImage(ctx, base, "busybox"); err != nil {
		t.Fatal(err)
	}
	if _, err := build.Build(ctx, c.options(t, st)); err != nil {
		return caseResult{err: err}
	}
	return caseResult{desc: c.describeStored(t, st, r, base, baseTree)}
}

func (c *diffCase) buildBuildKit(t *testing.T, addr, baseRef string, base v1.Image, baseTree *buildfs.Tree, r *layer.Reader) caseResult {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o := buildkit.Options{Options: c.options(t, st), Contexts: map[string]string{"busybox": "docker-image://" + baseRef}, ProgressMode: "quiet"}
	if _, err := buildkit.Build(context.Background(), addr, o); err != nil {
		var ce *buildkit.ConnectError
		if errors.As(err, &ce) {
			t.Fatal(err)
		}
		return caseResult{err: err}
	}
	return caseResult{desc: c.describeStored(t, st, r, base, baseTree)}
}

func (c *diffCase) describeStored(t *testing.T, st *store.Store, r *layer.Reader, base v1.Image, baseTree *buildfs.Tree) string {
	t.Helper()
	img, err := st.Image("differential/case:test")
	if err != nil {
		t.Fatal(err)
	}
	desc := describe(t, r, img, base, baseTree)
	if c.epoch == nil {
		return desc
	}
	// The times of every path describe lists (those the build made or
	// changed), and the config's created.
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	tree, err := r.Tree(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(desc)
	fmt.Fprintf(&b, "[times]\ncreated %d\n", cf.Created.Unix())
	for _, l := range cleanLines(desc) {
		p := filePath(l)
		if strings.HasPrefix(l, "[") || strings.HasPrefix(l, "- ") || !strings.ContainsAny(l[:1], "dlf") {
			continue
		}
		if e, err := tree.Lstat(p); err == nil {
			fmt.Fprintf(&b, "%s %d\n", p, e.ModTime.Unix())
		}
	}
	return b.String()
}

// difference is one item that differs: a config field, a path, or the
// outcome; "" is "absent".
type difference struct {
	key, native, buildkit string
}

func (d difference) String() string {
	show := func(s string) string {
		if s == "" {
			return "(absent)"
		}
		return s
	}
	return fmt.Sprintf("%s: native %s | buildkit %s", d.key, show(d.native), show(d.buildkit))
}

// compareResults lists the differences of two results, by key: outcome,
// config:FIELD (config:Env:NAME, config:Label:KEY), files:PATH.
func compareResults(native, bk caseResult) []difference {
	switch {
	case native.err != nil && bk.err != nil:
		return nil // both refuse the case (their words differ; the log shows both)
	case native.err != nil:
		return []difference{{key: "outcome", native: "error: " + native.err.Error(), buildkit: "built"}}
	case bk.err != nil:
		return []difference{{key: "outcome", native: "built", buildkit: "error: " + bk.err.Error()}}
	}
	n, b := keyedLines(native.desc), keyedLines(bk.desc)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range n {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if _, ok := n[k]; !ok && !yield(k) {
				return
			}
		}
	})
	var out []difference
	for _, k := range keys {
		if n[k] != b[k] {
			out = append(out, difference{key: k, native: n[k], buildkit: b[k]})
		}
	}
	return out
}

// keyedLines maps describe's lines to keys. Repeated config fields (Env,
// Label, OnBuild) are keyed by their name or position.
func keyedLines(desc string) map[string]string {
	m := map[string]string{}
	section := ""
	onbuild := 0
	for _, l := range cleanLines(desc) {
		if strings.HasPrefix(l, "[") {
			section = strings.Trim(l, "[]")
			continue
		}
		var key string
		switch section {
		case "config":
			field, val, _ := strings.Cut(l, ": ")
			key = "config:" + field
			switch field {
			case "Env":
				k, _, _ := strings.Cut(val, "=")
				key += ":" + k
			case "Label":
				k, _, _ := strings.Cut(val, "=")
				key += ":" + k
			case "OnBuild":
				onbuild++
				key += fmt.Sprintf(":%d", onbuild)
			}
		case "files":
			key = "files:" + filePath(l)
		case "times":
			p, _, _ := strings.Cut(l, " ")
			key = "times:" + p
		default:
			key = section + ":" + l
		}
		m[key] = l
	}
	return m
}

// filePath is the path of a [files] line: "d 0755 0:0 PATH",
// "l 0777 0:0 PATH -> TARGET", "f 0644 0:0 PATH ..." or "- PATH".
func filePath(l string) string {
	if p, ok := strings.CutPrefix(l, "- "); ok {
		return p
	}
	f := strings.SplitN(l, " ", 5)
	if len(f) < 4 {
		return l
	}
	return f[3]
}

// allowEntry is a line of differential-allow.txt:
//
//	CASE | KEY | NATIVE | BUILDKIT | REASON
//
// CASE is a path.Match pattern of case names; KEY a difference's key
// (config:FIELD..., files:PATH, outcome); NATIVE and BUILDKIT the two
// sides' lines, "-" for absent, a final "*" matching any rest. All must
// match.
type allowEntry struct {
	line                         int
	casePattern, key, native, bk string
	reason                       string
}

func (a allowEntry) matches(name string, d difference) bool {
	ok, _ := path.Match(a.casePattern, name)
	side := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return ok && a.key == d.key && sideMatches(a.native, side(d.native)) && sideMatches(a.bk, side(d.buildkit))
}

// sideMatches compares an allow-list side with a difference's: exactly,
// or, when the entry ends with "*", by prefix (error messages carry
// paths and details that vary).
func sideMatches(entry, got string) bool {
	if p, ok := strings.CutSuffix(entry, "*"); ok {
		return strings.HasPrefix(got, p)
	}
	return entry == got
}

func readAllowList(t *testing.T, file string) []allowEntry {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []allowEntry
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		parts := strings.Split(l, " | ")
		if len(parts) != 5 || strings.TrimSpace(parts[4]) == "" {
			t.Fatalf("%s:%d: want CASE | KEY | NATIVE | BUILDKIT | REASON, got %q", file, n, l)
		}
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		out = append(out, allowEntry{line: n, casePattern: parts[0], key: parts[1], native: parts[2], bk: parts[3], reason: parts[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

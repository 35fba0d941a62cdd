package main

import (
	"context"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/internal/store"
)

// fixedNow is the clock of the golden outputs.
var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func fixClock(t *testing.T) {
	t.Helper()
	timeNow = func() time.Time { return fixedNow }
	t.Cleanup(func() { timeNow = time.Now })
}

// seededImage is a reproducible random image whose config says its
// platform and creation time.
func seededImage(t *testing.T, seed, layers int64, platform string, created time.Time) v1.Image {
	t.Helper()
	img, err := random.Image(256, layers, random.WithSource(rand.NewSource(seed)))
	if err != nil {
		t.Fatal(err)
	}
	return withConfig(t, img, platform, created)
}

func withConfig(t *testing.T, img v1.Image, platform string, created time.Time) v1.Image {
	t.Helper()
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: created}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func seededLayer(t *testing.T, seed int64) v1.Layer {
	t.Helper()
	l, err := random.Layer(256, types.DockerLayer, random.WithSource(rand.NewSource(seed)))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testStore is a HOIST_HOME with known images:
//
//	app:1.0, app:latest          linux/amd64, 3 minutes old, 2 layers
//	app-child:1                  built on app (one more layer), 1 minute old
//	app:multi                    index: linux/amd64 + linux/arm64/v8
//	localhost:5000/team/tool:v2  linux/arm64, 10 days old
//	<none>                       linux/amd64, 100 days old
type testStore struct {
	home string
	env  map[string]string
	s    *store.Store
	imgs map[string]v1.Image
	idx  v1.ImageIndex
}

func newTestStore(t *testing.T) *testStore {
	t.Helper()
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), "hoist")
	s, err := store.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testStore{home: home, env: map[string]string{"HOIST_HOME": home}, s: s, imgs: map[string]v1.Image{}}
	app := seededImage(t, 1, 2, "linux/amd64", fixedNow.Add(-3*time.Minute))
	child, err := mutate.Append(app, mutate.Addendum{Layer: seededLayer(t, 5), History: v1.History{CreatedBy: "COPY . /srv"}})
	if err != nil {
		t.Fatal(err)
	}
	child = withConfig(t, child, "linux/amd64", fixedNow.Add(-time.Minute))
	amd := seededImage(t, 2, 1, "linux/amd64", fixedNow.Add(-2*time.Hour))
	arm := seededImage(t, 3, 1, "linux/arm64/v8", fixedNow.Add(-90*time.Minute))
	ts.idx = mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	tool := seededImage(t, 4, 1, "linux/arm64", fixedNow.Add(-10*24*time.Hour))
	dangling := seededImage(t, 6, 1, "linux/amd64", fixedNow.Add(-100*24*time.Hour))
	ts.imgs = map[string]v1.Image{"app": app, "child": child, "tool": tool, "dangling": dangling, "amd": amd, "arm": arm}
	for _, w := range []struct {
		img   v1.Image
		names []string
	}{
		{app, []string{"app:1.0", "app:latest"}},
		{child, []string{"app-child:1"}},
		{tool, []string{"localhost:5000/team/tool:v2"}},
		{dangling, nil},
	} {
		if _, err := s.WriteImage(ctx, w.img, w.names...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.WriteIndex(ctx, ts.idx, "app:multi"); err != nil {
		t.Fatal(err)
	}
	return ts
}

// ageAll makes every blob and cache record look used d ago, out of GC's
// grace period.
func (ts *testStore) ageAll(t *testing.T, d time.Duration) {
	t.Helper()
	past := time.Now().Add(-d)
	for _, dir := range []string{"blobs", "cache"} {
		filepath.WalkDir(filepath.Join(ts.home, dir), func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				if err := os.Chtimes(p, past, past); err != nil {
					t.Fatal(err)
				}
			}
			return nil
		})
	}
}

func cfgID(t *testing.T, img v1.Image) string {
	t.Helper()
	h, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	return h.Hex[:12]
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "store", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/hoist -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update if deliberate):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestImagesGolden(t *testing.T) {
	fixClock(t)
	ts := newTestStore(t)
	tests := []struct {
		golden string
		args   []string
	}{
		{"images.golden", []string{"images"}},
		{"images-digests-notrunc.golden", []string{"images", "--digests", "--no-trunc"}},
		{"images-filter-repo.golden", []string{"images", "app"}},
		{"images-filter-pattern.golden", []string{"images", "*/team/*:v*"}},
		{"images-quiet.golden", []string{"images", "-q"}},
		{"images.json.golden", []string{"images", "--format", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			r := hoist(t, "", "", ts.env, tt.args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("%v: %+v", tt.args, r)
			}
			checkGolden(t, tt.golden, r.stdout)
		})
	}
}

func TestImagesContent(t *testing.T) {
	fixClock(t)
	ts := newTestStore(t)
	r := hoist(t, "", "", ts.env, "images")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 7 || !strings.HasPrefix(lines[0], "REPOSITORY ") {
		t.Fatalf("table:\n%s", r.stdout)
	}
	// Newest first; IDs are config digests (the index digest for an index).
	idxDigest, _ := ts.idx.Digest()
	want := [][]string{
		{"app-child", "1", cfgID(t, ts.imgs["child"]), "About a minute ago"},
		{"app", "1.0", cfgID(t, ts.imgs["app"]), "3 minutes ago"},
		{"app", "latest", cfgID(t, ts.imgs["app"]), "3 minutes ago"},
		{"app", "multi", idxDigest.Hex[:12], "2 hours ago"}, // its newest platform: 90 minutes
		{"localhost:5000/team/tool", "v2", cfgID(t, ts.imgs["tool"]), "10 days ago"},
	}
	for i, w := range want {
		line := lines[i+1]
		for _, field := range w {
			if !strings.Contains(line, field) {
				t.Errorf("line %d %q lacks %q", i+1, line, field)
			}
		}
	}
	if !strings.HasPrefix(lines[6], "<none>") || !strings.Contains(lines[6], "3 months ago") {
		t.Errorf("dangling line: %q", lines[6])
	}

	r = hoist(t, "", "", ts.env, "images", "--format", "json")
	var imgs []imageJSON
	if err := json.Unmarshal([]byte(r.stdout), &imgs); err != nil {
		t.Fatal(err)
	}
	byName := map[string]imageJSON{}
	for _, im := range imgs {
		byName[im.Repository+":"+im.Tag] = im
	}
	multi := byName["app:multi"]
	amdSize := sizeOf(t, ts.imgs["amd"])
	armSize := sizeOf(t, ts.imgs["arm"])
	if multi.ID != idxDigest.String() || multi.Digest != idxDigest.String() || multi.Size != amdSize+armSize ||
		strings.Join(multi.Platforms, ",") != "linux/amd64,linux/arm64/v8" || *multi.Created != "2025-06-01T10:30:00Z" {
		t.Errorf("index: %+v (want size %d)", multi, amdSize+armSize)
	}
	app := byName["app:1.0"]
	appCfg, _ := ts.imgs["app"].ConfigName()
	appDigest, _ := ts.imgs["app"].Digest()
	if app.ID != appCfg.String() || app.Digest != appDigest.String() || app.Size != sizeOf(t, ts.imgs["app"]) ||
		strings.Join(app.Platforms, ",") != "linux/amd64" || *app.Created != "2025-06-01T11:57:00Z" {
		t.Errorf("image: %+v", app)
	}
	if d := byName[":"]; d.Repository != "" || d.Tag != "" || d.ID == "" {
		t.Errorf("dangling: %+v", d)
	}
	if !strings.Contains(r.stdout, `"created": "2025-06-01T11:57:00Z"`) {
		t.Errorf("created must be RFC 3339:\n%s", r.stdout)
	}
}

func sizeOf(t *testing.T, img v1.Image) int64 {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n
}

func TestImagesEmptyAndErrors(t *testing.T) {
	home := filepath.Join(t.TempDir(), "new")
	env := map[string]string{"HOIST_HOME": home}
	if r := hoist(t, "", "", env, "images"); r.code != 0 || r.stdout != "REPOSITORY   TAG   IMAGE ID   CREATED   SIZE\n" {
		t.Errorf("empty store: %+v", r)
	}
	if r := hoist(t, "", "", env, "images", "--format", "json"); r.code != 0 || r.stdout != "[]\n" {
		t.Errorf("empty json: %+v", r)
	}
	if r := hoist(t, "", "", env, "images", "nomatch"); r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("no match: %+v", r)
	}
	for _, args := range [][]string{
		{"images", "--format", "yaml"},
		{"images", "a", "b"},
		{"images", "--bogus"},
	} {
		if r := hoist(t, "", "", env, args...); r.code != 2 || r.stderr == "" {
			t.Errorf("%v: want exit 2 with a message, got %+v", args, r)
		}
	}
	notStore := t.TempDir()
	writeFile(t, filepath.Join(notStore, "notes.txt"), "mine")
	r := hoist(t, "", "", map[string]string{"HOIST_HOME": notStore}, "images")
	if r.code != 3 || !strings.Contains(r.stderr, "not a hoist store") {
		t.Errorf("HOIST_HOME not a store: %+v", r)
	}
}

package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// platformImage is a random image whose config says its platform and
// creation time, as real images do.
func platformImage(t *testing.T, layers int64, platform v1.Platform, created time.Time) v1.Image {
	t.Helper()
	img := randomImage(t, layers)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = platform.OS, platform.Architecture, platform.Variant
	cf.Created = v1.Time{Time: created}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// contentSize is config + layers, as ImageSummary.Size counts them.
func contentSize(t *testing.T, imgs ...v1.Image) int64 {
	t.Helper()
	seen := map[v1.Hash]bool{}
	var n int64
	for _, img := range imgs {
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
			if !seen[d.Digest] {
				seen[d.Digest] = true
				n += d.Size
			}
		}
	}
	return n
}

func TestSummaries(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	amd := platformImage(t, 2, v1.Platform{OS: "linux", Architecture: "amd64"}, t0)
	arm := platformImage(t, 1, v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, t0.Add(time.Hour))
	// The arm image shares amd's first layer, counted once in the index.
	amdLayers, _ := amd.Layers()
	arm, err := mutate.AppendLayers(arm, amdLayers[0])
	if err != nil {
		t.Fatal(err)
	}
	ii := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm}, // no platform in the descriptor: read from the config
	)
	if _, err := s.WriteImage(ctx, amd, "app:amd", "app:latest"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteIndex(ctx, ii, "app:multi"); err != nil {
		t.Fatal(err)
	}
	old := platformImage(t, 1, v1.Platform{OS: "linux", Architecture: "amd64"}, t0.Add(-24*time.Hour))
	if _, err := s.WriteImage(ctx, old); err != nil { // no name: dangling
		t.Fatal(err)
	}

	got, err := s.Summaries()
	if err != nil {
		t.Fatal(err)
	}
	amdCfg, _ := amd.ConfigName()
	oldCfg, _ := old.ConfigName()
	iiDigest, _ := ii.Digest()
	want := []struct {
		name      string
		id        v1.Hash
		created   time.Time
		size      int64
		platforms string
	}{
		{"app:multi", iiDigest, t0.Add(time.Hour), contentSize(t, amd, arm), "linux/amd64 linux/arm64/v8"},
		{"app:amd", amdCfg, t0, contentSize(t, amd), "linux/amd64"},
		{"app:latest", amdCfg, t0, contentSize(t, amd), "linux/amd64"},
		{"", oldCfg, t0.Add(-24 * time.Hour), contentSize(t, old), "linux/amd64"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d summaries: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Name() != w.name || g.ID != w.id || !g.Created.Equal(w.created) || g.Size != w.size || strings.Join(g.Platforms, " ") != w.platforms {
			t.Errorf("summary %d = %s id %s created %s size %d platforms %v;\nwant %s id %s created %s size %d platforms %s",
				i, g.Name(), g.ID, g.Created, g.Size, g.Platforms, w.name, w.id, w.created, w.size, w.platforms)
		}
	}
	if !got[0].IsIndex() || got[1].IsIndex() || got[0].Digest != iiDigest || got[1].Digest != digestOf(t, amd) {
		t.Errorf("digests/media types: %+v", got[:2])
	}
}

func TestMatchName(t *testing.T) {
	e := ImageSummary{Repository: "localhost:5000/team/app", Tag: "v1.2"}
	for filter, want := range map[string]bool{
		"":                             true,
		"localhost:5000/team/app":      true,
		"localhost:5000/team/app:v1.2": true,
		"localhost:5000/team/app:v1.*": true,
		"localhost:5000/team/*":        true,
		"localhost:5000/team/app:v2":   false,
		"app":                          false,
		"team/app":                     false,
	} {
		if got := e.MatchName(filter); got != want {
			t.Errorf("MatchName(%q) = %v, want %v", filter, got, want)
		}
	}
	if (ImageSummary{}).MatchName("*") {
		t.Error("a nameless image matched a name filter")
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	base := platformImage(t, 2, v1.Platform{OS: "linux", Architecture: "amd64"}, time.Now())
	extra, _ := random.Layer(300, types.DockerLayer)
	child, err := mutate.Append(base, mutate.Addendum{Layer: extra, History: v1.History{CreatedBy: "COPY . /app"}})
	if err != nil {
		t.Fatal(err)
	}
	multi := platformImage(t, 1, v1.Platform{OS: "linux", Architecture: "arm64"}, time.Now())
	for n, img := range map[string]v1.Image{"base:1": base, "child:1": child} {
		if _, err := s.WriteImage(ctx, img, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.WriteImage(ctx, multi, "m:1", "m:2", "m:3"); err != nil {
		t.Fatal(err)
	}
	multiCfg, _ := multi.ConfigName()
	baseCfg, _ := base.ConfigName()

	// A name of an image with other names: untagged only.
	res, err := s.Remove(ctx, "m:1", RemoveOptions{})
	if err != nil || len(res.Untagged) != 1 || res.Untagged[0] != "m:1" || res.Deleted != (v1.Hash{}) {
		t.Fatalf("Remove(m:1) = %+v, %v", res, err)
	}
	// By ID (the config digest prefix hoist images shows) with two names left: refused.
	_, err = s.Remove(ctx, multiCfg.Hex[:12], RemoveOptions{})
	var mn *MultipleNamesError
	if !errors.As(err, &mn) || strings.Join(mn.Names, ",") != "m:2,m:3" || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Remove(ID) = %v, want a MultipleNamesError naming m:2, m:3", err)
	}
	res, err = s.Remove(ctx, multiCfg.Hex[:12], RemoveOptions{Force: true})
	if err != nil || strings.Join(res.Untagged, ",") != "m:2,m:3" || res.Deleted != digestOf(t, multi) {
		t.Fatalf("Remove(ID, force) = %+v, %v", res, err)
	}

	// A base of another local image: refused, naming the dependent.
	_, err = s.Remove(ctx, "base:1", RemoveOptions{})
	var inUse *InUseError
	if !errors.As(err, &inUse) || strings.Join(inUse.Dependents, ",") != "child:1" || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Remove(base) = %v, want an InUseError naming child:1", err)
	}
	if _, err := s.Image("base:1"); err != nil {
		t.Fatalf("a refused removal changed the store: %v", err)
	}
	res, err = s.Remove(ctx, "sha256:"+baseCfg.Hex, RemoveOptions{Force: true})
	if err != nil || res.Deleted != digestOf(t, base) {
		t.Fatalf("Remove(base config digest, force) = %+v, %v", res, err)
	}
	// The last name deletes the image.
	res, err = s.Remove(ctx, "child:1", RemoveOptions{})
	if err != nil || res.Deleted != digestOf(t, child) {
		t.Fatalf("Remove(child) = %+v, %v", res, err)
	}

	for _, ref := range []string{"nope:1", "deadbeef0000", "sha256:" + strings.Repeat("0", 64), "Bad Name"} {
		_, err := s.Remove(ctx, ref, RemoveOptions{})
		var re *RefError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "hoist images") {
			t.Errorf("Remove(%q) = %v, want a RefError that points at hoist images", ref, err)
		}
	}
	if sums, _ := s.Summaries(); len(sums) != 0 {
		t.Errorf("left: %+v", sums)
	}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.WriteImage(ctx, randomImage(t, 2), "a:1", "a:2"); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, storeLayer(t, s, cacheKey("k"), 100))
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Images != 2 || st.Blobs != 5 || st.CacheRecords != 1 || st.BlobBytes == 0 {
		t.Errorf("Stats = %+v", st)
	}
}

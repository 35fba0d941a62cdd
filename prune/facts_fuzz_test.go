package prune

import (
	"bytes"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Fixed digests the fuzzed manifests are known by, so an index or a
// subject in the fuzzed bytes can name the other manifest (and itself).
const (
	fuzzDigestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	fuzzDigestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// FuzzManifestFacts feeds what a registry serves (a manifest or index with
// its Content-Type, an image config, a second manifest, a tag) through the
// decoding Facts uses and through assemble: hostile or corrupt registry
// JSON must give an error or facts, never a panic, and the facts must keep
// the invariants the planner relies on.
func FuzzManifestFacts(f *testing.F) {
	img := mkImage(f, 1, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "amd64")
	img = mutate.Annotations(img, map[string]string{"org.opencontainers.image.created": "2026-01-02T03:04:05Z"}).(v1.Image)
	raw, err := img.RawManifest()
	if err != nil {
		f.Fatal(err)
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		f.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img,
		Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}})
	rawIdx, err := idx.RawManifest()
	if err != nil {
		f.Fatal(err)
	}
	// An index whose child is fuzzDigestB, and one naming itself.
	linked := strings.Replace(string(rawIdx), mustDigest(f, img), fuzzDigestB, 1)
	self := strings.Replace(string(rawIdx), mustDigest(f, img), fuzzDigestA, 1)
	sig := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},` +
		`"layers":[],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + fuzzDigestB + `","size":1},` +
		`"annotations":{"org.opencontainers.image.created":"2026-02-03T04:05:06Z"}}`
	schema1 := `{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}`

	f.Add(raw, "", cfg, rawIdx, "v1")
	f.Add(raw, string(types.OCIManifestSchema1), cfg, raw, "sha256-"+strings.Repeat("b", 64)+".sig")
	f.Add(rawIdx, string(types.OCIImageIndex), cfg, raw, "latest")
	f.Add([]byte(linked), "", cfg, raw, "multi")
	f.Add([]byte(self), string(types.DockerManifestList), []byte("{}"), []byte(linked), "loop")
	f.Add([]byte(sig), "", []byte("{}"), raw, "sha256-"+strings.Repeat("b", 64))
	f.Add([]byte(schema1), string(types.DockerManifestSchema1Signed), []byte("null"), []byte("[]"), "")
	f.Add([]byte(`{"manifests":[{"digest":"sha256:x"}]}`), "", []byte(`{"created":"not a time"}`), []byte(`{"layers":[{"size":-9223372036854775808}]}`), "t")

	f.Fuzz(func(t *testing.T, rawA []byte, mediaType string, config, rawB []byte, tag string) {
		ms := map[string]*manifest{}
		for _, in := range []struct {
			digest, mt string
			raw        []byte
		}{{fuzzDigestA, mediaType, rawA}, {fuzzDigestB, "", rawB}} {
			m, needConfig, err := parseManifest(in.digest, in.mt, in.raw)
			if err != nil {
				if m != nil {
					t.Fatalf("error %v with a manifest", err)
				}
				continue
			}
			if m.digest != in.digest {
				t.Fatalf("digest %q, want %q", m.digest, in.digest)
			}
			if m.index && needConfig {
				t.Fatal("an index needs a config")
			}
			if needConfig {
				// What img.ConfigFile() does with the blob's bytes.
				cf, err := v1.ParseConfigFile(bytes.NewReader(config))
				if err != nil {
					continue // Facts fails closed on an unreadable config
				}
				m.setConfig(cf)
			}
			if !m.index {
				m.createdFromAnnotation()
			}
			ms[in.digest] = m
		}
		tagDigest := map[string]string{}
		if tag != "" {
			tagDigest[tag] = fuzzDigestA
			tagDigest[tag+"-b"] = fuzzDigestB
		}
		r := assemble("registry.example/acme/web", tagDigest, ms)

		if !sort.SliceIsSorted(r.Images, func(i, j int) bool {
			a, b := r.Images[i], r.Images[j]
			return a.Digest < b.Digest || a.Digest == b.Digest && a.Tag < b.Tag
		}) {
			t.Fatal("images not ordered by digest, then tag")
		}
		seen := map[string]bool{}
		for _, img := range r.Images {
			if ms[img.Digest] == nil {
				t.Fatalf("image %s was never fetched", img.Digest)
			}
			seen[img.Digest] = true
		}
		for d := range ms {
			if !seen[d] {
				t.Fatalf("manifest %s has no image entry", d)
			}
			if r.MediaTypes[d] != ms[d].mediaType {
				t.Fatalf("media type of %s: %q", d, r.MediaTypes[d])
			}
		}
		for d := range r.Children {
			if !r.Indexes[d] {
				t.Fatalf("%s has children but is not an index", d)
			}
		}
		for s, refs := range r.Referrers {
			if !sort.StringsAreSorted(refs) {
				t.Fatalf("referrers of %s not sorted: %v", s, refs)
			}
			for _, d := range refs {
				if d == s {
					t.Fatalf("%s refers to itself", s)
				}
			}
		}
	})
}

func mustDigest(tb testing.TB, img v1.Image) string {
	tb.Helper()
	d, err := img.Digest()
	if err != nil {
		tb.Fatal(err)
	}
	return d.String()
}

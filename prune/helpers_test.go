package prune

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	mrand "math/rand"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testNow is the fixed time of planning in the tests.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const testPolicy = `
protect "releases" {
  match = semver_valid(image.tag)
}
prune "pull-requests" {
  match      = can(regex("^pr-[0-9]+$", image.tag))
  older_than = "1h"
}
prune "ci-builds" {
  match       = startswith(image.tag, "sha-")
  keep_latest = 3
}
prune "untagged" {
  match      = image.untagged
  older_than = "1d"
}
prune "sboms" {
  match = startswith(image.tag, "sbom-")
}
policy {
  min_age       = "30m"
  max_deletions = 400
}
`

func loadPolicy(t testing.TB, src string) *policy.Policy {
	t.Helper()
	p, diags := policy.LoadSources([]policy.Source{{Name: "prune.hcl", Data: []byte(src)}},
		policy.LoadOptions{Functions: policy.Functions(), FactTypes: policy.FactTypes()})
	if diags.HasErrors() {
		t.Fatalf("policy: %v\n%s", diags, src)
	}
	return p
}

// uniqueRepo is a repository name no other test run uses.
func uniqueRepo(host, name string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/prune-test/%s-%s", host, strings.ToLower(name), hex.EncodeToString(b))
}

// mkImage is a small deterministic image: seed gives its layer, created
// and arch its config.
func mkImage(t testing.TB, seed int64, created time.Time, arch string) v1.Image {
	t.Helper()
	img, err := random.Image(64, 1, random.WithSource(mrand.NewSource(seed)))
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Config.Labels = map[string]string{"seed": fmt.Sprint(seed)}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.CreatedAt(img, v1.Time{Time: created})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func digestOf(t testing.TB, img interface{ Digest() (v1.Hash, error) }) string {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// repoSize is how many releases, CI builds and PR builds a generated
// repository has.
type repoSize struct{ releases, ci, prs int }

var (
	// smallRepo (about 60 tags) serves the apply, race and fault tests.
	smallRepo = repoSize{5, 20, 25}
	// bigRepo (about 300 tags, as issue 8 asks) serves the golden plan.
	bigRepo = repoSize{20, 130, 140}
)

// buildRepo pushes the small test repository and returns the digest of
// each tag it pushed.
func buildRepo(t testing.TB, o registry.Options, repo string) map[string]string {
	return buildRepoSized(t, o, repo, smallRepo)
}

// buildRepoSized pushes a generated repository of the given size.
func buildRepoSized(t testing.TB, o registry.Options, repo string, size repoSize) map[string]string {
	t.Helper()
	ctx := context.Background()
	tags := map[string]string{}
	put := func(tag string, img v1.Image) {
		t.Helper()
		if err := o.WriteImage(ctx, repo+":"+tag, img); err != nil {
			t.Fatal(err)
		}
		tags[tag] = digestOf(t, img)
	}
	ago := func(d time.Duration) time.Time { return testNow.Add(-d) }
	day := 24 * time.Hour
	seed := int64(1)
	next := func() int64 { seed++; return seed }

	// Releases: protected whatever their age.
	for i := 0; i < size.releases; i++ {
		put(fmt.Sprintf("v1.%d.0", i), mkImage(t, next(), ago(time.Duration(200-5*i)*day), "amd64"))
	}
	// CI builds, about one a day; the 3 newest are kept.
	for i := 0; i < size.ci; i++ {
		put(fmt.Sprintf("sha-%07x", 0xabc000+i), mkImage(t, next(), ago(time.Duration(i+1)*day+time.Duration(i)*time.Minute), "amd64"))
	}
	// PR builds, some younger than an hour (and than min_age).
	for i := 1; i <= size.prs; i++ {
		age := time.Duration(i) * 5 * time.Hour
		if i%6 == 0 {
			age = time.Duration(i) * time.Minute // 6, 12, 18, 24 minutes
		}
		put(fmt.Sprintf("pr-%d", i), mkImage(t, next(), ago(age), "amd64"))
	}
	// A release tag on the same manifest as a PR build: same_manifest.
	if err := o.Tag(ctx, repo+":pr-2", repo+":v0.9.0"); err != nil {
		t.Fatal(err)
	}
	tags["v0.9.0"] = tags["pr-2"]

	// Two multi-arch indexes: a release (kept: its untagged children are
	// kept by child_of_kept_index although "untagged" would delete them)
	// and an old PR build (deleted, children after it).
	mkIndex := func(tag string, age time.Duration) {
		amd := mkImage(t, next(), ago(age), "amd64")
		arm := mkImage(t, next(), ago(age+time.Minute), "arm64")
		idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
			mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
			mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
		)
		if err := o.WriteIndex(ctx, repo+":"+tag, idx); err != nil {
			t.Fatal(err)
		}
		tags[tag] = digestOf(t, idx)
	}
	mkIndex("v2.0.0", 10*day)
	mkIndex("pr-500", 9*day)

	// Signatures by tag convention: of a release (kept with it) and of an
	// old PR build (deleted with it).
	sig := func(of string) {
		h := strings.TrimPrefix(tags[of], "sha256:")
		put("sha256-"+h+".sig", mkImage(t, next(), ago(20*day), "amd64"))
	}
	sig("v1.0.0")
	sig("pr-3")

	// An OCI 1.1 referrer (subject) of the newest CI build, tagged sbom-1:
	// the sboms rule would delete it, referrer_of_kept keeps it. Without a
	// referrers API the client also writes the sha256-<hex> fallback tag.
	subj := tags["sha-0abc000"]
	sb := mkImage(t, next(), ago(3*day), "amd64")
	sb = mutate.MediaType(sb, types.OCIManifestSchema1)
	sb = mutate.ConfigMediaType(sb, types.OCIConfigJSON)
	h, _ := v1.NewHash(subj)
	sb = mutate.Subject(sb, v1.Descriptor{MediaType: types.DockerManifestSchema2, Digest: h, Size: 1}).(v1.Image)
	put("sbom-1", sb)
	return tags
}

// planLines renders a plan as golden lines: tag digest-short decision rule
// (safety).
func planLines(p *Plan) string {
	var b strings.Builder
	ds := append([]policy.PruneDecision(nil), p.Decisions...)
	sort.SliceStable(ds, func(i, j int) bool {
		a, c := ds[i], ds[j]
		if a.Image.Tag != c.Image.Tag {
			return a.Image.Tag < c.Image.Tag
		}
		return a.Image.Digest < c.Image.Digest
	})
	for _, d := range ds {
		tag := d.Image.Tag
		if tag == "" {
			tag = "<untagged>"
		}
		line := fmt.Sprintf("%s %s %s %s", tag, short(d.Image.Digest)[7:], d.Action, ruleString(d.Rule))
		if d.Safety != "" {
			line += " (" + d.Safety + ")"
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("-- deletes, in order --\n")
	for _, d := range p.Deletes {
		kind := "image"
		if d.Index {
			kind = fmt.Sprintf("index (%d children)", len(d.Children))
		}
		fmt.Fprintf(&b, "%s %s %v %s\n", short(d.Digest)[7:], kind, d.Tags, d.Rule)
	}
	return b.String()
}

// faultTransport answers 500 to GETs of the manifests named in fail.
type faultTransport struct {
	base http.RoundTripper
	fail func(*http.Request) bool
}

func (f faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.fail(r) {
		return &http.Response{StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error",
			Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}
	return f.base.RoundTrip(r)
}

func ioNopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// inProcessRegistry is an in-process go-containerregistry registry.
func inProcessRegistry(t testing.TB) string {
	s := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

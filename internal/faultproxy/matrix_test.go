package faultproxy_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/build/cache"
	"github.com/hoistci/hoist/build/output"
	"github.com/hoistci/hoist/internal/faultproxy"
	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/registry"
	"github.com/hoistci/hoist/internal/store"
	"github.com/hoistci/hoist/prune"
	"github.com/hoistci/hoist/tag"
)

// The fault matrix: every operation that talks to a registry (push, pull,
// tag, cache export, cache import, prune), each against the real registry
// (HOIST_TEST_REGISTRY) through a fault proxy, under each fault, once
// transient and once permanent. The registry is then read directly, not
// through the proxy:
//
//   - transient (every kind of request the operation makes fails its first
//     two times): the operation succeeds and the registry is as intended;
//   - permanent (the request that matters most fails every time): the
//     operation fails with a clear error (or, for the caches, warns and
//     builds), and the registry is as before or as intended, never a tag
//     pointing at a missing manifest or blob (faultproxy.Inspect), never a
//     deletion the prune plan did not contain.

// matrixRetry keeps the matrix fast: short waits, a 300ms cap on
// Retry-After, a stall noticed after 500ms.
var matrixRetry = registry.RetryOptions{
	Attempts:       5,
	Backoff:        20 * time.Millisecond,
	MaxBackoff:     80 * time.Millisecond,
	MaxRetryAfter:  300 * time.Millisecond,
	MaxTime:        10 * time.Second,
	AttemptTimeout: 500 * time.Millisecond,
}

type faultKind struct {
	name  string
	fault func() faultproxy.Fault
}

var faultKinds = []faultKind{
	{"500", func() faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.Status, Status: 500} }},
	{"502", func() faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.Status, Status: 502} }},
	{"503", func() faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.Status, Status: 503} }},
	{"429+secs", func() faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: "1"} }},
	{"429+date", func() faultproxy.Fault {
		return faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: faultproxy.RetryAfterDate(time.Now().Add(2 * time.Second))}
	}},
	{"reset", func() faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.Reset} }},
	{"reset-after", func() faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.Reset, AfterUpstream: true} }},
	{"stall", func() faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.Stall, Stall: 2 * time.Second} }},
	{"truncate", func() faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.Truncate} }},
	{"corrupt", func() faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.Corrupt} }},
}

// transientRules fault the first two requests of every kind (ping,
// manifests, uploads, blobs, tag lists), where the fault applies.
func transientRules(f faultproxy.Fault) []faultproxy.Rule {
	kinds := []struct{ name, method, path string }{
		{"ping", "", "^/v2/$"},
		{"manifests", "", "/manifests/"},
		{"uploads", "", "/blobs/uploads/"},
		{"blobs", "", "/blobs/sha256:"},
		{"tags", "", "/tags/list$"},
	}
	var rules []faultproxy.Rule
	for _, k := range kinds {
		method := k.method
		switch f.Kind {
		case faultproxy.Truncate:
			if k.name == "uploads" {
				continue
			}
			method = "GET"
		case faultproxy.Corrupt:
			switch k.name {
			case "manifests", "blobs":
				method = "GET"
			case "uploads":
				method = "PATCH"
			default:
				continue
			}
		}
		rules = append(rules, faultproxy.Rule{Name: k.name, Method: method, Path: k.path, Times: 2, Fault: f})
	}
	return rules
}

// env is what one cell works with.
type env struct {
	t      *testing.T
	ctx    context.Context
	reg    string // the real registry
	p      *faultproxy.Proxy
	repo   string // this cell's repository path (without host)
	ro     registry.Options
	shared *shared
}

// via is the cell's repository through the proxy; direct is the same one
// at the registry.
func (e *env) via(suffix string) string    { return e.p.Host() + "/" + e.repo + suffix }
func (e *env) direct(suffix string) string { return e.reg + "/" + e.repo + suffix }

// inspect reads the cell's repository directly; any dangling reference
// fails the cell.
func (e *env) inspect(repo string) map[string]string {
	e.t.Helper()
	st, probs, err := faultproxy.Inspect(e.ctx, e.reg, repo)
	if err != nil {
		e.t.Fatalf("inspecting %s: %v", repo, err)
	}
	for _, p := range probs {
		e.t.Errorf("registry inconsistent: %s/%s: %s", e.reg, repo, p)
	}
	return st.Tags
}

// shared is set up once for the whole matrix.
type shared struct {
	reg     string
	prefix  string
	ctxDir  string
	epoch   time.Time
	busybox v1.Image
	// pushDigest is the digest of the image the build context makes.
	pushDigest v1.Hash
	baseRepo   string // busybox, only in the registry (pull)
	cacheRepo  string // a registry cache of the build (cache import)
	policy     *policy.Policy
}

// The Dockerfile: base from a build arg, two COPY steps (two layers).
const matrixDockerfile = "ARG BASE=busybox\nFROM $BASE\nCOPY a.txt /a.txt\nCOPY b/ /b/\nCMD [\"cat\", \"/a.txt\"]\n"

const prunePolicy = `
protect "releases" {
  match = semver_valid(image.tag)
}
prune "pull-requests" {
  match = can(regex("^pr-", image.tag))
}
policy {
  min_age       = "1h"
  max_deletions = 100
}
`

func (s *shared) newStore(t *testing.T, withBusybox bool) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if withBusybox {
		if _, err := st.WriteImage(context.Background(), s.busybox, "busybox"); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func (s *shared) buildOpts(st *store.Store, ro registry.Options) build.Options {
	ep := s.epoch
	return build.Options{ContextDir: s.ctxDir, Store: st, Registry: ro, Epoch: &ep, Progress: nil}
}

func setupShared(t *testing.T, reg string) *shared {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	s := &shared{reg: reg, prefix: "fault-" + hex.EncodeToString(b), ctxDir: t.TempDir(), epoch: time.Unix(1700000000, 0).UTC(), busybox: imagetest.Busybox(t)}
	write := func(p string, data []byte) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(s.ctxDir, "Dockerfile"), []byte(matrixDockerfile))
	write(filepath.Join(s.ctxDir, "a.txt"), []byte("hello from the fault matrix\n"))
	for i := range 8 {
		data := make([]byte, 4096)
		rand.Read(data)
		write(filepath.Join(s.ctxDir, "b", fmt.Sprintf("f%d.bin", i)), data)
	}
	ro := registry.Options{Keychain: authn.NewMultiKeychain()}
	ctx := context.Background()

	// The image the context makes, pushed directly: its digest is what a
	// push through the proxy must produce.
	opts := s.buildOpts(s.newStore(t, true), ro)
	opts.Outputs = []output.Spec{{Type: "registry"}}
	opts.Tags = []string{reg + "/" + s.prefix + "/reference:1"}
	opts.CacheTo = []output.CacheSpec{{Type: "registry", Ref: reg + "/" + s.prefix + "/cache:1", Mode: "max"}}
	res, err := build.Build(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Fatalf("warnings: %v", res.Warnings)
	}
	s.pushDigest = res.Digest
	s.cacheRepo = s.prefix + "/cache"
	s.baseRepo = s.prefix + "/base"
	ls, err := s.busybox.Layers()
	if err != nil {
		t.Fatal(err)
	}
	ld, err := ls[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	busyboxLayer = ld.String()
	cr, _ := name.ParseReference(reg+"/"+s.cacheRepo+":1", name.Insecure)
	cimg, err := remote.Image(cr)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := cimg.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range cm.Layers {
		cacheLayers = append(cacheLayers, l.Digest.String())
	}
	imagetest.Push(t, s.busybox, reg+"/"+s.baseRepo+":1")

	pol, diags := policy.LoadSources([]policy.Source{{Name: "prune.hcl", Data: []byte(prunePolicy)}},
		policy.LoadOptions{Functions: policy.Functions(), FactTypes: policy.FactTypes()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	s.policy = pol
	return s
}

// operation runs one cell: its own setup directly at the registry, then
// e.p.SetRules(rules...), the operation through the proxy, and the checks
// of the registry afterwards. It returns a short note for the table.
type operation struct {
	name string
	// permanent is the rule of a permanent fault for this operation, or
	// nil when the fault cannot apply (a push downloads no body to cut).
	permanent func(f faultproxy.Fault) *faultproxy.Rule
	run       func(e *env, rules []faultproxy.Rule, transient bool) string
	// legacy runs the operation against HOIST_TEST_REGISTRY_LEGACY
	// (Debian's distribution 2.8, which deletes no single tag) instead.
	legacy bool
}

func on(method, path string, f faultproxy.Fault) *faultproxy.Rule {
	return &faultproxy.Rule{Name: "permanent " + method + " " + path, Method: method, Path: path, Fault: f}
}

// busyboxLayer is the digest of the busybox image's one layer (set up
// by setupShared).
var busyboxLayer string

// cacheLayers are the digests of the registry cache's layers.
var cacheLayers []string

// failManifestPut is the permanent fault of an upload (push, cache
// export): every blob goes up, the manifest never does; damaged data is
// injected into the blob uploads. Nothing is downloaded to truncate.
func failManifestPut(f faultproxy.Fault) *faultproxy.Rule {
	switch f.Kind {
	case faultproxy.Truncate:
		return nil
	case faultproxy.Corrupt:
		return on("PATCH", "/blobs/uploads/", f)
	}
	return on("PUT", "/manifests/", f)
}

var operations = []operation{
	{
		name:      "push",
		permanent: failManifestPut,
		run:       runPush,
	},
	{
		name: "pull",
		permanent: func(f faultproxy.Fault) *faultproxy.Rule {
			// The manifest and config are read, the layer never is.
			return on("GET", "/blobs/"+busyboxLayer, f)
		},
		run: runPull,
	},
	{
		name: "tag",
		permanent: func(f faultproxy.Fault) *faultproxy.Rule {
			switch f.Kind {
			case faultproxy.Truncate, faultproxy.Corrupt:
				return on("GET", "/manifests/", f)
			}
			// The manifest by digest is written, then every tag fails.
			r := on("PUT", "/manifests/", f)
			r.Skip = 1
			return r
		},
		run: runTag,
	},
	{
		name:      "cache export",
		permanent: failManifestPut,
		run:       runCacheExport,
	},
	{
		name: "cache import",
		permanent: func(f faultproxy.Fault) *faultproxy.Rule {
			// The cache manifest and config are read (every step hits),
			// its layers never are.
			return on("GET", "/blobs/("+strings.Join(cacheLayers, "|")+")", f)
		},
		run: runCacheImport,
	},
	{
		name: "prune",
		permanent: func(f faultproxy.Fault) *faultproxy.Rule {
			switch f.Kind {
			case faultproxy.Truncate, faultproxy.Corrupt:
				return on("GET", "/manifests/", f)
			}
			return on("DELETE", "", f)
		},
		run: runPrune,
	},
	{
		name: "prune (2.8)",
		permanent: func(f faultproxy.Fault) *faultproxy.Rule {
			switch f.Kind {
			case faultproxy.Truncate, faultproxy.Corrupt:
				return on("GET", "/manifests/", f)
			}
			return on("DELETE", "", f)
		},
		run:    runPrune,
		legacy: true,
	},
}

func setRules(e *env, rules ...faultproxy.Rule) {
	e.t.Helper()
	if err := e.p.SetRules(rules...); err != nil {
		e.t.Fatal(err)
	}
}

// explained checks that a failure is explained: a registry.Error of a known
// kind, or (for prune and caches) a message that names the registry.
func explained(e *env, err error) {
	e.t.Helper()
	e.t.Logf("error: %v", err)
	if registry.KindOf(err) == registry.KindOther {
		e.t.Errorf("the error is not explained (kind other): %v", err)
	}
}

// errNote is the error's kind, for the table; the error is logged.
func errNote(err error) string {
	return "error (" + registry.KindOf(err).String() + ")"
}

func runPush(e *env, rules []faultproxy.Rule, transient bool) string {
	t := e.t
	setRules(e, rules...)
	opts := e.shared.buildOpts(e.shared.newStore(t, true), e.ro)
	opts.Outputs = []output.Spec{{Type: "registry"}}
	opts.Tags = []string{e.via(":v1")}
	res, err := build.Build(e.ctx, opts)
	setRules(e)
	tags := e.inspect(e.repo)
	want := e.shared.pushDigest.String()
	if transient {
		if err != nil {
			t.Fatalf("push failed: %v", err)
		}
		if res.Digest.String() != want || tags["v1"] != want {
			t.Errorf("pushed %s, the registry has %v, want %s", res.Digest, tags, want)
		}
		return "ok"
	}
	if err == nil {
		t.Fatal("a permanent fault did not fail the push")
	}
	explained(e, err)
	if d, ok := tags["v1"]; ok && d != want {
		t.Errorf("tag v1 -> %s, want absent or %s", d, want)
	}
	if _, ok := tags["v1"]; ok {
		return errNote(err) + "; pushed (the registry did it)"
	}
	return errNote(err) + "; nothing tagged"
}

func runPull(e *env, rules []faultproxy.Rule, transient bool) string {
	t := e.t
	setRules(e, rules...)
	st := e.shared.newStore(t, false)
	opts := e.shared.buildOpts(st, e.ro)
	opts.BuildArgs = map[string]string{"BASE": e.p.Host() + "/" + e.shared.baseRepo + ":1"}
	opts.Tags = []string{"pulled:1"}
	_, err := build.Build(e.ctx, opts)
	setRules(e)
	probs, verr := st.Verify(e.ctx)
	if verr != nil {
		t.Fatal(verr)
	}
	for _, p := range probs {
		if p.Kind != store.ProblemTempFile {
			t.Errorf("store: %s", p)
		}
	}
	if tags := e.inspect(e.shared.baseRepo); tags["1"] == "" {
		t.Errorf("the base image is gone: %v", tags)
	}
	if transient {
		if err != nil {
			t.Fatalf("pull failed: %v", err)
		}
		if _, err := st.Image("pulled:1"); err != nil {
			t.Errorf("the image is not in the store: %v", err)
		}
		return "ok"
	}
	if err == nil {
		t.Fatal("a permanent fault did not fail the pull")
	}
	explained(e, err)
	return errNote(err) + "; store clean"
}

// newImage is a small random image created at created.
func newImage(t *testing.T, created time.Time, arch string) v1.Image {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: created}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func pushDirect(t *testing.T, ref string, img remote.Taggable) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	switch x := img.(type) {
	case v1.Image:
		err = remote.Write(r, x)
	case v1.ImageIndex:
		err = remote.WriteIndex(r, x)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func runTag(e *env, rules []faultproxy.Rule, transient bool) string {
	t := e.t
	old := newImage(t, time.Now().Add(-time.Hour), "amd64")
	img := newImage(t, time.Now(), "amd64")
	pushDirect(t, e.direct(":1.2.2"), old)
	pushDirect(t, e.direct(":latest"), old)
	dg, _ := img.Digest()
	pushDirect(t, e.direct("@"+dg.String()), img)
	before := e.inspect(e.repo)
	git := &policy.Git{Tag: "v1.2.3", SHA: "0123456789abcdef0123456789abcdef01234567", Event: "push"}
	direct := registry.Options{Keychain: authn.NewMultiKeychain()}
	want, err := tag.Compute(e.ctx, tag.Options{Repositories: []string{e.direct("")}, Git: git, Registry: direct}, dg.String())
	if err != nil {
		t.Fatal(err)
	}
	intended := want[0].Names()

	setRules(e, rules...)
	plans, err := tag.Compute(e.ctx, tag.Options{Repositories: []string{e.via("")}, Git: git, Registry: e.ro}, dg.String())
	if err == nil {
		if got := plans[0].Names(); !slices.Equal(got, intended) {
			t.Errorf("tags through the proxy %v, directly %v", got, intended)
		}
		_, err = tag.Apply(e.ctx, tag.Source{Ref: e.via("@" + dg.String())}, plans, e.ro)
	}
	setRules(e)
	after := e.inspect(e.repo)
	moved := 0
	for tg, d := range after {
		if slices.Contains(intended, tg) && d == dg.String() {
			if before[tg] != d {
				moved++
			}
			continue
		}
		if before[tg] != d {
			t.Errorf("tag %s -> %s: neither as before (%q) nor as intended", tg, d, before[tg])
		}
	}
	if transient {
		if err != nil {
			t.Fatalf("tag failed: %v", err)
		}
		for _, tg := range intended {
			if after[tg] != dg.String() {
				t.Errorf("tag %s -> %q, want %s", tg, after[tg], dg)
			}
		}
		return "ok"
	}
	if err == nil {
		t.Fatal("a permanent fault did not fail tagging")
	}
	explained(e, err)
	return fmt.Sprintf("%s; %d of %d tags moved", errNote(err), moved, len(intended))
}

func runCacheExport(e *env, rules []faultproxy.Rule, transient bool) string {
	t := e.t
	setRules(e, rules...)
	opts := e.shared.buildOpts(e.shared.newStore(t, true), e.ro)
	opts.CacheTo = []output.CacheSpec{{Type: "registry", Ref: e.via(":cache"), Mode: "max"}}
	res, err := build.Build(e.ctx, opts)
	setRules(e)
	if err != nil {
		t.Fatalf("the build failed (a cache export must not fail it): %v", err)
	}
	tags := e.inspect(e.repo)
	warned := strings.Contains(strings.Join(res.Warnings, "\n"), "was not written")
	if transient {
		if warned || tags["cache"] == "" {
			t.Fatalf("cache not written: %v (tags %v)", res.Warnings, tags)
		}
		c, warns, err := cache.ImportRegistry(e.ctx, e.direct(":cache"), registry.Options{Keychain: authn.NewMultiKeychain()})
		if err != nil || len(warns) > 0 || c.Len() != 2 {
			t.Errorf("the exported cache does not import: %v %v (%d records)", err, warns, c.Len())
		}
		return "ok"
	}
	if !warned {
		t.Errorf("no warning about the cache: %v", res.Warnings)
	}
	if tags["cache"] != "" {
		return "warning; cache written (the registry did it)"
	}
	return "warning; no cache written"
}

func runCacheImport(e *env, rules []faultproxy.Rule, transient bool) string {
	t := e.t
	setRules(e, rules...)
	st := e.shared.newStore(t, true)
	opts := e.shared.buildOpts(st, e.ro)
	opts.CacheFrom = []output.CacheSpec{{Type: "registry", Ref: e.p.Host() + "/" + e.shared.cacheRepo + ":1"}}
	opts.Tags = []string{"imported:1"}
	res, err := build.Build(e.ctx, opts)
	setRules(e)
	if tags := e.inspect(e.shared.cacheRepo); tags["1"] == "" {
		t.Errorf("the cache is gone: %v", tags)
	}
	probs, verr := st.Verify(e.ctx)
	if verr != nil {
		t.Fatal(verr)
	}
	for _, p := range probs {
		if p.Kind != store.ProblemTempFile {
			t.Errorf("store: %s", p)
		}
	}
	if err != nil {
		// A cache that cannot be read is a miss, never a failure.
		t.Fatalf("the build failed: %v", err)
	}
	if res.Digest != e.shared.pushDigest {
		t.Errorf("built %s, want %s", res.Digest, e.shared.pushDigest)
	}
	if transient {
		if res.CacheHits != 2 || res.CacheMisses != 0 || len(res.Warnings) > 0 {
			t.Errorf("%d hits, %d misses, warnings %v", res.CacheHits, res.CacheMisses, res.Warnings)
		}
		return "ok"
	}
	if res.CacheMisses > 0 && len(res.Warnings) == 0 {
		t.Errorf("cache misses without a warning")
	}
	return fmt.Sprintf("built; %d hits, %d misses, %d warnings", res.CacheHits, res.CacheMisses, len(res.Warnings))
}

// pruneRepo fills a repository: a release (protected), three old pr-
// builds and an old multi-arch pr- index (deleted, with its children), a
// young pr- build (kept by min_age) and an unmatched tag.
func pruneRepo(e *env) {
	t := e.t
	old := time.Now().Add(-48 * time.Hour)
	pushDirect(t, e.direct(":v1.0.0"), newImage(t, old, "amd64"))
	for i := 1; i <= 3; i++ {
		pushDirect(t, e.direct(fmt.Sprintf(":pr-%d", i)), newImage(t, old, "amd64"))
	}
	pushDirect(t, e.direct(":pr-young"), newImage(t, time.Now(), "amd64"))
	pushDirect(t, e.direct(":keep"), newImage(t, old, "amd64"))
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: newImage(t, old, "amd64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: newImage(t, old, "arm64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
	)
	pushDirect(t, e.direct(":pr-multi"), idx)
}

// manifestExists reads a manifest directly by digest.
func manifestExists(e *env, digest string) bool {
	e.t.Helper()
	r, _ := name.ParseReference(e.direct("@"+digest), name.Insecure)
	_, err := remote.Head(r)
	return err == nil
}

func runPrune(e *env, rules []faultproxy.Rule, transient bool) string {
	t := e.t
	pruneRepo(e)
	before := e.inspect(e.repo)
	directOpts := prune.Options{Registry: registry.Options{Keychain: authn.NewMultiKeychain()}, Policy: e.shared.policy, Jobs: 4}
	facts, err := prune.Facts(e.ctx, directOpts, e.direct(""))
	if err != nil {
		t.Fatal(err)
	}
	want, err := prune.PlanRepo(facts, directOpts)
	if err != nil {
		t.Fatal(err)
	}
	planned := map[string]bool{} // digests
	plannedTags := map[string]bool{}
	var all []string // every manifest digest, children included
	for _, img := range facts.Images {
		if !slices.Contains(all, img.Digest) {
			all = append(all, img.Digest)
		}
	}
	for _, d := range want.Deletes {
		planned[d.Digest] = true
		for _, tg := range d.Tags {
			plannedTags[tg] = true
		}
	}
	if len(want.Deletes) != 6 {
		t.Fatalf("the plan deletes %d manifests, want 6 (3 pr builds, an index and its 2 children)", len(want.Deletes))
	}

	setRules(e, rules...)
	opts := directOpts
	opts.Registry = e.ro
	var audit bytes.Buffer
	var rep *prune.Report
	got, err := prune.Facts(e.ctx, opts, e.via(""))
	if err == nil {
		var plan *prune.Plan
		plan, err = prune.PlanRepo(got, opts)
		if err == nil {
			var gotDel []string
			for _, d := range plan.Deletes {
				gotDel = append(gotDel, d.Digest)
			}
			var wantDel []string
			for _, d := range want.Deletes {
				wantDel = append(wantDel, d.Digest)
			}
			if !slices.Equal(gotDel, wantDel) {
				t.Errorf("plan through the proxy %v, directly %v", gotDel, wantDel)
			}
			rep, err = prune.Apply(e.ctx, plan, opts, &audit)
		}
	}
	setRules(e)
	after := e.inspect(e.repo)
	for tg, d := range before {
		switch {
		case after[tg] == d:
		case after[tg] == "" && plannedTags[tg]:
		default:
			t.Errorf("tag %s: was %s, now %q, and the plan did not delete it", tg, d, after[tg])
		}
	}
	for tg := range after {
		if before[tg] == "" {
			t.Errorf("tag %s appeared", tg)
		}
	}
	gone := 0
	for _, d := range all {
		if !manifestExists(e, d) {
			if !planned[d] {
				t.Errorf("manifest %s was deleted, and the plan did not contain it", d)
			}
			gone++
		}
	}
	if transient {
		if err != nil {
			t.Fatalf("prune failed: %v\n%s", err, audit.String())
		}
		if gone != len(planned) {
			t.Errorf("%d of %d planned deletions done: %+v", gone, len(planned), rep)
		}
		return "ok"
	}
	if err == nil && gone != len(planned) {
		t.Fatalf("a permanent fault did not fail prune, yet %d of %d deletions were done", gone, len(planned))
	}
	if err != nil {
		// prune reports the first failure of many in its own words; the
		// registry's explained error is inside.
		t.Logf("error: %v", err)
		if !strings.Contains(err.Error(), "gave up after") && registry.KindOf(err) == registry.KindOther {
			t.Errorf("the error does not say what the registry did: %v", err)
		}
	}
	if err != nil && gone == len(planned) {
		return errNote(err) + "; all deleted (the registry did it)"
	}
	if err == nil {
		return "ok (the registry did it)"
	}
	return fmt.Sprintf("%s; %d of %d deleted", errNote(err), gone, len(planned))
}

func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix runs every operation under every fault against the real registry")
	}
	regs := imagetest.RealRegistries(t, true)
	reg := regs[0]
	start := time.Now()
	s := setupShared(t, reg)

	type result struct{ op, fault, mode, note string }
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
		sem     = make(chan struct{}, 8)
	)
	for _, op := range operations {
		target := reg
		if op.legacy {
			if len(regs) < 2 {
				continue // HOIST_TEST_REGISTRY_LEGACY not set (CI sets it)
			}
			target = regs[1]
		}
		for _, fk := range faultKinds {
			for _, transient := range []bool{true, false} {
				mode := "permanent"
				if transient {
					mode = "transient"
				}
				var rules []faultproxy.Rule
				if transient {
					rules = transientRules(fk.fault())
				} else if r := op.permanent(fk.fault()); r != nil {
					rules = []faultproxy.Rule{*r}
				}
				if op.name == "push" && fk.name == "truncate" || rules == nil {
					mu.Lock()
					results = append(results, result{op.name, fk.name, mode, "n/a (no body downloaded)"})
					mu.Unlock()
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					t.Run(op.name+"/"+fk.name+"/"+mode, func(t *testing.T) {
						p, err := faultproxy.New(target, faultproxy.Options{MaxStall: 3 * time.Second})
						if err != nil {
							t.Fatal(err)
						}
						defer p.Close()
						b := make([]byte, 4)
						rand.Read(b)
						ro := registry.Options{Keychain: authn.NewMultiKeychain(), Retry: matrixRetry}
						ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
						defer cancel()
						e := &env{t: t, ctx: ctx, reg: target, p: p, ro: ro, shared: s,
							repo: s.prefix + "/" + strings.Trim(strings.NewReplacer(" ", "-", "(", "", ")", "", ".", "").Replace(op.name), "-") + "-" + hex.EncodeToString(b)}
						note := "FAILED"
						cellStart := time.Now()
						defer func() {
							faults := len(p.Faults())
							if faults == 0 && !t.Failed() {
								t.Errorf("no fault was injected: the cell tests nothing\n%v", p.Events())
							}
							if t.Failed() {
								note = "FAILED"
								t.Logf("proxy events:\n%v", strings.Join(eventLines(p.Events()), "\n"))
							}
							mu.Lock()
							results = append(results, result{op.name, fk.name, mode, fmt.Sprintf("%s [%d faults, %s]", note, faults, time.Since(cellStart).Round(10*time.Millisecond))})
							mu.Unlock()
						}()
						note = op.run(e, rules, transient)
					})
				}()
			}
		}
	}
	wg.Wait()
	sort.Slice(results, func(i, j int) bool {
		a, b := results[i], results[j]
		if a.op != b.op {
			return opIndex(a.op) < opIndex(b.op)
		}
		if a.fault != b.fault {
			return faultIndex(a.fault) < faultIndex(b.fault)
		}
		return a.mode > b.mode
	})
	var tbl strings.Builder
	fmt.Fprintf(&tbl, "%-13s %-12s %-10s %s\n", "operation", "fault", "mode", "result")
	for _, r := range results {
		fmt.Fprintf(&tbl, "%-13s %-12s %-10s %s\n", r.op, r.fault, r.mode, r.note)
	}
	t.Logf("fault matrix (%s):\n%s", time.Since(start).Round(100*time.Millisecond), tbl.String())
}

func opIndex(name string) int {
	for i, op := range operations {
		if op.name == name {
			return i
		}
	}
	return -1
}

func faultIndex(name string) int {
	for i, f := range faultKinds {
		if f.name == name {
			return i
		}
	}
	return -1
}

func eventLines(evs []faultproxy.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.String()
	}
	return out
}

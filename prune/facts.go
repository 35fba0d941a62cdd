// Package prune gathers the facts of the images in a registry repository,
// plans what to delete with the policy's protect and prune rules plus the
// built-in safety no policy can turn off, and applies the plan with a
// re-check of every tag right before each deletion (DESIGN.md §4.5).
package prune

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/registry"
)

// Options say how to reach the registry, which policy decides, and how
// much to do at once.
type Options struct {
	Registry registry.Options
	Policy   *policy.Policy
	// Jobs bounds concurrent manifest and config fetches, tag re-reads and
	// deletions (default 16).
	Jobs int
	// Now is the time of planning (default time.Now).
	Now func() time.Time
	// Deleter, when set, deletes manifests instead of the registry API's
	// DELETE (ghcr.io: the GitHub Packages API; see ForGHCR). Tag-only
	// removals are then skipped when it cannot remove a single tag.
	Deleter Deleter
}

// Deleter deletes manifests by digest where the registry API cannot.
type Deleter interface {
	// DeleteManifest deletes the manifest digest of repository repo.
	DeleteManifest(ctx context.Context, repo, digest string) error
	// CanUntag says whether a single tag can be removed (the placeholder
	// method needs the registry's DELETE).
	CanUntag() bool
}

func (o Options) jobs() int {
	if o.Jobs > 0 {
		return o.Jobs
	}
	return 16
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Repo is what Facts found in one repository.
type Repo struct {
	// Name is the repository as given ("registry.example/acme/web").
	Name string
	// Images has one entry per (digest, tag), as policy.PruneDecisions
	// wants; a manifest known only as a child of an index is one entry
	// with Tag "". Ordered by digest, then tag.
	Images []policy.Image
	// Children maps an index digest to its child digests, in the index's
	// order.
	Children map[string][]string
	// Referrers maps a subject digest to the digests of the manifests that
	// refer to it (an OCI 1.1 subject, or a sha256-<hex>[.sig|.att|.sbom]
	// tag), sorted.
	Referrers map[string][]string
	// Indexes is the set of digests that are indexes.
	Indexes map[string]bool
	// MediaTypes are the manifest media types by digest.
	MediaTypes map[string]string
}

// Tags returns every tag of the repository and the digest it pointed at.
func (r *Repo) Tags() map[string]string {
	out := map[string]string{}
	for _, img := range r.Images {
		if img.Tag != "" {
			out[img.Tag] = img.Digest
		}
	}
	return out
}

// manifest is what Facts learns about one distinct manifest.
type manifest struct {
	digest      string
	mediaType   string
	index       bool
	children    []string
	childPlat   map[string]string // child digest -> platform from the index
	subject     string
	config      string // an image's config digest
	created     time.Time
	size        int64
	platforms   []string
	labels      map[string]string
	annotations map[string]string
}

// referrerTagRE is the tag convention of cosign and the OCI referrers tag
// schema: sha256-<hex>, optionally .sig, .att or .sbom.
var referrerTagRE = regexp.MustCompile(`^(sha256)-([a-f0-9]{64})(?:\.(?:sig|att|sbom))?$`)

// Facts gathers one repository: every tag (paginated listing), each
// distinct manifest once (concurrently, at most Jobs at a time) with its
// config for an image, the children of each index (fetched too: untagged
// manifests are known only this way), and which manifests are referrers.
//
// It fails closed: if any listing or fetch fails (after the registry
// package's retries), it returns an error and no facts, and the caller
// must skip the repository.
func Facts(ctx context.Context, o Options, repo string) (*Repo, error) {
	repo = strings.TrimSuffix(strings.TrimSpace(repo), "/")
	ref, err := o.Registry.Reference(repo + ":latest")
	if err != nil {
		return nil, fmt.Errorf("repository %q: %w", repo, err)
	}
	if strings.ContainsAny(strings.TrimPrefix(repo, ref.Context().RegistryStr()), ":@") {
		return nil, fmt.Errorf("repository %q: give a repository without a tag or digest", repo)
	}
	rctx := ref.Context()
	tags, err := o.Registry.ListTags(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("listing the tags of %s: %w (nothing in this repository is pruned)", repo, err)
	}

	g := newGatherer(ctx, o, rctx)
	tagDigest := make(map[string]string, len(tags))
	var tagMu sync.Mutex
	for _, t := range tags {
		t := t
		g.spawn(func(ctx context.Context) error {
			r := rctx.Tag(t)
			desc, err := remote.Get(r, g.remote...)
			if err != nil {
				return fmt.Errorf("reading tag %s: %w", t, registry.Explain(err, r.String()))
			}
			d := desc.Digest.String()
			tagMu.Lock()
			tagDigest[t] = d
			tagMu.Unlock()
			g.process(d, desc)
			return nil
		})
	}
	if err := g.wait(); err != nil {
		return nil, fmt.Errorf("gathering the facts of %s: %w (nothing in this repository is pruned)", repo, err)
	}
	return assemble(repo, tagDigest, g.manifests), nil
}

// gatherer fetches manifests and configs with bounded concurrency. A
// manifest is processed once whatever the number of tags and indexes that
// name it.
type gatherer struct {
	ctx    context.Context
	cancel context.CancelFunc
	repo   name.Repository
	remote []remote.Option
	sem    chan struct{}
	wg     sync.WaitGroup

	mu        sync.Mutex
	manifests map[string]*manifest
	claimed   map[string]bool
	err       error
}

func newGatherer(ctx context.Context, o Options, repo name.Repository) *gatherer {
	ctx, cancel := context.WithCancel(ctx)
	return &gatherer{
		ctx: ctx, cancel: cancel, repo: repo,
		remote:    o.remoteOpts(ctx),
		sem:       make(chan struct{}, o.jobs()),
		manifests: map[string]*manifest{},
		claimed:   map[string]bool{},
	}
}

// spawn runs f in a goroutine once a slot is free; the first error cancels
// the rest.
func (g *gatherer) spawn(f func(context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		select {
		case g.sem <- struct{}{}:
		case <-g.ctx.Done():
			g.fail(g.ctx.Err())
			return
		}
		err := f(g.ctx)
		<-g.sem
		if err != nil {
			g.fail(err)
		}
	}()
}

func (g *gatherer) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = err
		g.cancel()
	}
}

func (g *gatherer) wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

// process records the manifest of desc (once per digest) and schedules the
// fetches it needs: the config of an image, the children of an index.
func (g *gatherer) process(digest string, desc *remote.Descriptor) {
	g.mu.Lock()
	if g.claimed[digest] {
		g.mu.Unlock()
		return
	}
	g.claimed[digest] = true
	g.mu.Unlock()
	g.spawnManifest(digest, desc)
}

// fetchDigest fetches a manifest known by digest only (an index's child).
func (g *gatherer) fetchDigest(digest string) {
	g.mu.Lock()
	if g.claimed[digest] {
		g.mu.Unlock()
		return
	}
	g.claimed[digest] = true
	g.mu.Unlock()
	g.spawn(func(ctx context.Context) error {
		r := g.repo.Digest(digest)
		desc, err := remote.Get(r, g.remote...)
		if err != nil {
			return fmt.Errorf("reading manifest %s: %w", digest, registry.Explain(err, r.String()))
		}
		g.spawnManifest(digest, desc)
		return nil
	})
}

func (g *gatherer) spawnManifest(digest string, desc *remote.Descriptor) {
	g.spawn(func(ctx context.Context) error {
		m, err := g.parse(digest, desc)
		if err != nil {
			return fmt.Errorf("manifest %s: %w", digest, err)
		}
		g.mu.Lock()
		g.manifests[digest] = m
		g.mu.Unlock()
		for _, c := range m.children {
			g.fetchDigest(c)
		}
		return nil
	})
}

// parse reads one manifest; for an image it fetches the config (one blob
// GET) when it is an image config.
func (g *gatherer) parse(digest string, desc *remote.Descriptor) (*manifest, error) {
	m, needConfig, err := parseManifest(digest, string(desc.MediaType), desc.Manifest)
	if err != nil || m.index {
		return m, err
	}
	if needConfig {
		img, err := desc.Image()
		if err != nil {
			return nil, err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("reading its config %s: %w", m.config, registry.Explain(err, g.repo.Digest(digest).String()))
		}
		m.setConfig(cf)
	}
	m.createdFromAnnotation()
	return m, nil
}

// parseManifest decodes the bytes of one manifest or index as the registry
// served them (mediaType is its Content-Type, possibly empty). An index is
// complete; for an image, needConfig says its config must be fetched and
// given to setConfig, and createdFromAnnotation must run last. It never
// fetches anything, so the registry's bytes can be fuzzed through it.
func parseManifest(digest, mediaType string, raw []byte) (m *manifest, needConfig bool, err error) {
	m = &manifest{digest: digest, mediaType: mediaType}
	// Some registries omit the Content-Type; read it from the manifest.
	var probe struct {
		MediaType string          `json:"mediaType"`
		Manifests json.RawMessage `json:"manifests"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, false, fmt.Errorf("not a JSON manifest: %v", err)
	}
	if m.mediaType == "" {
		m.mediaType = probe.MediaType
	}
	mt := types.MediaType(m.mediaType)
	if mt.IsIndex() || (m.mediaType == "" || !mt.IsImage()) && len(probe.Manifests) > 0 {
		im, err := v1.ParseIndexManifest(strings.NewReader(string(raw)))
		if err != nil {
			return nil, false, fmt.Errorf("cannot parse the index: %v", err)
		}
		m.index = true
		m.annotations = im.Annotations
		if im.Subject != nil {
			m.subject = im.Subject.Digest.String()
		}
		m.childPlat = map[string]string{}
		for _, c := range im.Manifests {
			cd := c.Digest.String()
			m.children = append(m.children, cd)
			if c.Platform != nil && c.Platform.OS != "" && c.Platform.OS != "unknown" {
				m.childPlat[cd] = platformString(c.Platform.OS, c.Platform.Architecture, c.Platform.Variant)
			}
		}
		return m, false, nil
	}
	mf, err := v1.ParseManifest(strings.NewReader(string(raw)))
	if err != nil {
		return nil, false, fmt.Errorf("cannot parse the manifest: %v", err)
	}
	m.annotations = mf.Annotations
	if mf.Subject != nil {
		m.subject = mf.Subject.Digest.String()
	}
	m.size = mf.Config.Size
	for _, l := range mf.Layers {
		m.size += l.Size
	}
	m.config = mf.Config.Digest.String()
	return m, mf.Config.MediaType.IsConfig(), nil
}

// setConfig records what an image's config says.
func (m *manifest) setConfig(cf *v1.ConfigFile) {
	m.created = cf.Created.Time
	if cf.OS != "" {
		m.platforms = []string{platformString(cf.OS, cf.Architecture, cf.Variant)}
	}
	m.labels = cf.Config.Labels
}

// createdFromAnnotation dates an image without a creation time from its
// annotation: artifacts (signatures, SBOMs) often say when there.
func (m *manifest) createdFromAnnotation() {
	if m.created.IsZero() {
		if s := m.annotations["org.opencontainers.image.created"]; s != "" {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				m.created = t
			}
		}
	}
}

func platformString(os, arch, variant string) string {
	s := os + "/" + arch
	if variant != "" {
		s += "/" + variant
	}
	return s
}

// assemble turns the fetched manifests into the Repo.
func assemble(repo string, tagDigest map[string]string, ms map[string]*manifest) *Repo {
	r := &Repo{
		Name:       repo,
		Children:   map[string][]string{},
		Referrers:  map[string][]string{},
		Indexes:    map[string]bool{},
		MediaTypes: map[string]string{},
	}
	tagsOf := map[string][]string{}
	for t, d := range tagDigest {
		tagsOf[d] = append(tagsOf[d], t)
	}
	for _, ts := range tagsOf {
		sort.Strings(ts)
	}
	// Resolve indexes bottom-up: created is the newest child's, platforms
	// are the children's, size their sum.
	var resolve func(d string, depth int) *manifest
	done := map[string]bool{}
	resolve = func(d string, depth int) *manifest {
		m := ms[d]
		if m == nil || !m.index || done[d] || depth > 8 {
			return m
		}
		done[d] = true
		seen := map[string]bool{}
		for _, c := range m.children {
			cm := resolve(c, depth+1)
			if cm == nil {
				continue
			}
			if cm.created.After(m.created) {
				m.created = cm.created
			}
			m.size += cm.size
			plats := cm.platforms
			if p, ok := m.childPlat[c]; ok && !cm.index {
				plats = []string{p}
			}
			for _, p := range plats {
				if !seen[p] {
					seen[p] = true
					m.platforms = append(m.platforms, p)
				}
			}
		}
		return m
	}
	refSet := map[string]map[string]bool{}
	addRef := func(subject, referrer string) {
		if subject == "" || subject == referrer {
			return
		}
		if refSet[subject] == nil {
			refSet[subject] = map[string]bool{}
		}
		refSet[subject][referrer] = true
	}
	for d, m := range ms {
		resolve(d, 0)
		r.MediaTypes[d] = m.mediaType
		if m.index {
			r.Indexes[d] = true
			r.Children[d] = append([]string(nil), m.children...)
		}
		addRef(m.subject, d)
	}
	for t, d := range tagDigest {
		if sm := referrerTagRE.FindStringSubmatch(t); sm != nil {
			addRef(sm[1]+":"+sm[2], d)
		}
	}
	for s, set := range refSet {
		for d := range set {
			r.Referrers[s] = append(r.Referrers[s], d)
		}
		sort.Strings(r.Referrers[s])
	}
	for d, m := range ms {
		tags := tagsOf[d]
		base := policy.Image{
			Repository:  repo,
			Tags:        tags,
			Digest:      d,
			Created:     m.created,
			Size:        m.size,
			Platforms:   m.platforms,
			Labels:      m.labels,
			Annotations: m.annotations,
		}
		if len(tags) == 0 {
			r.Images = append(r.Images, base)
			continue
		}
		for _, t := range tags {
			img := base
			img.Tag = t
			r.Images = append(r.Images, img)
		}
	}
	sort.Slice(r.Images, func(i, j int) bool {
		a, b := r.Images[i], r.Images[j]
		if a.Digest != b.Digest {
			return a.Digest < b.Digest
		}
		return a.Tag < b.Tag
	})
	return r
}

// remoteOpts are the registry options of one Facts or Apply run, with one
// puller and one pusher reused by every request: each request would
// otherwise ping the registry (and, for plain HTTP, try HTTPS) again, which
// was two thirds of the requests of a plan.
func (o Options) remoteOpts(ctx context.Context) []remote.Option {
	return o.Registry.Reusing().Remote(ctx)
}

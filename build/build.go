// Package build is hoist's native, daemonless image builder. It plans a
// Dockerfile (build/plan), resolves base images lazily, computes
// content-based cumulative cache keys for every step, reuses layers from the
// local store and registry caches, produces the missing layers from the
// build context (build/buildctx, build/fileop, build/layer), assembles the
// image and hands it to the outputs: the local store, a registry, OCI and
// docker archives, a directory.
package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hoistci/hoist/build/buildctx"
	"github.com/hoistci/hoist/build/cache"
	"github.com/hoistci/hoist/build/layer"
	"github.com/hoistci/hoist/build/output"
	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/progress"
	"github.com/hoistci/hoist/internal/registry"
	"github.com/hoistci/hoist/internal/store"
)

// Options are the inputs of a build, as `hoist build` flags give them.
type Options struct {
	// ContextDir is the build context directory.
	ContextDir string
	// Dockerfile is the Dockerfile's path; "" is ContextDir/Dockerfile.
	// With DockerfileContent set it only names the file in messages.
	Dockerfile string
	// DockerfileContent, when not nil, is the Dockerfile (read from stdin).
	DockerfileContent []byte
	// Target is the stage to build; "" is the last one.
	Target string
	// BuildArgs are --build-arg values.
	BuildArgs map[string]string
	// Platforms are the target platforms (os/arch[/variant]); none is the
	// build platform. Several build an image index.
	Platforms []string
	// Labels are added to the image configuration (--label).
	Labels map[string]string
	// Annotations are added to the manifest (and to the index).
	Annotations map[string]string
	// Tags name the image (-t) in the store and in registry outputs.
	Tags []string
	// Outputs are where the image goes; none is the local store.
	Outputs []output.Spec
	// CacheFrom are the caches read besides the local store.
	CacheFrom []output.CacheSpec
	// CacheTo are the caches written after the build.
	CacheTo []output.CacheSpec
	// NoCache ignores every cache (results are still recorded).
	NoCache bool
	// Pull resolves base images in their registry even when the local
	// store has them.
	Pull bool
	// Compression of new layers; "" is gzip.
	Compression layer.Compression
	// Epoch (--reproducible, SOURCE_DATE_EPOCH) clamps file times and sets
	// every creation time.
	Epoch *time.Time
	// Store is the local store (always used: cache, base images, output).
	Store *store.Store
	// Registry configures registry access.
	Registry registry.Options
	// Progress receives progress events; nil reports nothing.
	Progress progress.Reporter
	// HTTPClient fetches ADD URLs; nil is http.DefaultClient.
	HTTPClient *http.Client
	// DockerLoad loads a docker archive into a Docker daemon (--load);
	// nil means no daemon is reachable.
	DockerLoad func(ctx context.Context, archive io.Reader) error
	// Runtime executes RUN: "" (the built-in sandbox), or an OCI runtime
	// binary ("runc", "crun", or a path).
	Runtime string
	// NoOverlay makes RUN extract the root and compare it afterwards
	// instead of mounting an overlay (what happens anyway where overlayfs
	// cannot be mounted); for tests and for file systems where overlay
	// misbehaves.
	NoOverlay bool
	// Secrets and SSH are what RUN --mount=type=secret|ssh may use.
	Secrets []Secret
	SSH     []SSH
	// Stdout receives outputs whose destination is "-".
	Stdout io.Writer
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Result is what a build produced.
type Result struct {
	// Digest is the manifest's digest (the index's with several platforms).
	Digest v1.Hash
	// ConfigDigest is the image ID of a single-platform image.
	ConfigDigest v1.Hash
	// MediaType and Size describe the manifest (or index).
	MediaType string
	Size      int64
	// ImageSize is the sum of config and layer sizes over all platforms.
	ImageSize int64
	// Names are the references written (store names, pushed tags).
	Names []string
	// Platforms built.
	Platforms []string
	// CacheHits and CacheMisses count the steps that produce a layer.
	CacheHits, CacheMisses int
	// BytesPushed counts blob bytes uploaded to registries (image and
	// cache); BytesDownloaded the blob bytes read from them.
	BytesPushed, BytesDownloaded int64
	// Warnings are things the user should know (an unusable cache...).
	Warnings []string
	// Duration is the wall time of the build.
	Duration time.Duration
}

// InputError marks an error caused by the user's input (Dockerfile,
// context, flags) rather than an operation that failed; the CLI exits 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(err error) error {
	if err == nil {
		return nil
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Err: err}
}

// IsInputError reports whether err is the user's input's fault.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// builder is one build's shared state.
type builder struct {
	opts    Options
	ctx     context.Context
	df      *dockerfile.File
	dfPath  string
	context *buildctx.Context
	caches  []*cache.Cache
	reader  *layer.Reader
	tmp     string
	rep     progress.Reporter

	uploaded, downloaded atomic.Int64

	mu       sync.Mutex
	vertexN  int
	hits     int
	misses   int
	warnings []string
	bases    map[string]*baseImage
	// steps are the layers this build found in a cache or produced, by
	// cache key: what --cache-to exports.
	steps map[cache.Key]layerRef
}

// Build runs a build.
//
// A layer of a --cache-from cache that cannot be read once its record was
// a hit (the registry keeps failing, or sends damaged data) does not fail
// the build: a broken cache is a miss. The build is done again without
// that cache, and the result carries a warning saying so.
func Build(ctx context.Context, opts Options) (*Result, error) {
	var dropped []string
	for {
		res, err := build(ctx, opts)
		var le *cache.LayerError
		if err == nil || !errors.As(err, &le) || ctx.Err() != nil {
			if res != nil {
				res.Warnings = append(dropped, res.Warnings...)
			}
			return res, err
		}
		i := slices.IndexFunc(opts.CacheFrom, func(cs output.CacheSpec) bool { return cacheName(cs) == le.Cache })
		if i < 0 {
			return res, err
		}
		msg := fmt.Sprintf("cache %s is not used: its layer %s could not be read (%v); building again without it", le.Cache, le.Digest, le.Err)
		if opts.Progress != nil {
			opts.Progress.Report(progress.Event{Time: time.Now(), Kind: progress.KindWarning, Message: msg})
		}
		dropped = append(dropped, msg)
		opts.CacheFrom = slices.Delete(slices.Clone(opts.CacheFrom), i, i+1)
	}
}

func build(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Store == nil {
		return nil, errors.New("build: no local store")
	}
	if opts.Compression == "" {
		opts.Compression = layer.Gzip
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	b := &builder{opts: opts, ctx: ctx, rep: opts.Progress, bases: map[string]*baseImage{}, steps: map[cache.Key]layerRef{}}
	b.opts.Registry.Transport = &registry.CountingTransport{Base: opts.Registry.HTTPTransport(), Up: &b.uploaded, Down: &b.downloaded}
	if b.rep == nil {
		b.rep = progress.Nop{}
	}
	if err := b.validateOutputs(); err != nil {
		return nil, inputErr(err)
	}
	// The working directory lives in the store: on its file system (overlay
	// upper dirs, new layers renamed in) and reclaimed by GC if a build is
	// killed.
	tmp, releaseTmp, err := opts.Store.TempDir("build-")
	if err != nil {
		return nil, fmt.Errorf("build: a working directory in the local store: %w", err)
	}
	b.tmp = tmp
	defer releaseTmp()
	b.reader = layer.NewReader(tmp)
	defer b.reader.Close()

	if err := b.load(); err != nil {
		return nil, err
	}
	defer b.context.Close()
	b.importCaches()

	platforms := opts.Platforms
	if len(platforms) == 0 {
		platforms = []string{""}
	}
	images := make([]*builtImage, len(platforms))
	errs := make([]error, len(platforms))
	var wg sync.WaitGroup
	for i, pl := range platforms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			images[i], errs[i] = b.buildPlatform(pl, len(platforms) > 1)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res, err := b.export(images)
	if err != nil {
		return nil, err
	}
	b.exportCaches(images)
	res.CacheHits, res.CacheMisses = b.hits, b.misses
	res.BytesDownloaded = b.downloaded.Load()
	res.Warnings = append(res.Warnings, b.warnings...)
	res.Duration = time.Since(start)
	return res, nil
}

// load reads the Dockerfile and opens the context.
func (b *builder) load() error {
	o := b.opts
	b.dfPath = o.Dockerfile
	if b.dfPath == "" {
		b.dfPath = filepath.Join(o.ContextDir, "Dockerfile")
	}
	src := o.DockerfileContent
	if src == nil {
		var err error
		src, err = os.ReadFile(b.dfPath)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return inputErr(fmt.Errorf("Dockerfile %s not found: give its path with -f, or build from the directory that holds it", b.dfPath))
			}
			return inputErr(fmt.Errorf("reading the Dockerfile: %w", err))
		}
	}
	b.df = dockerfile.Parse(b.dfPath, src)
	if b.df.Err != nil {
		return inputErr(fmt.Errorf("%s:%d:%d: %s", b.dfPath, b.df.Err.Range.Start.Line, b.df.Err.Range.Start.Column, b.df.Err.Msg))
	}
	if v, ok := b.df.Directive("syntax"); ok && !acceptedSyntax(v) {
		b.warn(fmt.Sprintf("%s: the syntax directive %q names a frontend image; hoist's native builder is itself a Dockerfile frontend (docker/dockerfile:1 syntax) and ignores it", b.dfPath, v))
	}
	dfName := b.dfPath
	if o.DockerfileContent != nil {
		dfName = "-"
	}
	c, err := buildctx.Open(o.ContextDir, buildctx.Options{Dockerfile: dfName})
	if err != nil {
		return inputErr(err)
	}
	b.context = c
	return nil
}

// acceptedSyntax reports whether a # syntax= directive names the
// Dockerfile frontend hoist implements.
func acceptedSyntax(v string) bool {
	v = strings.TrimPrefix(strings.TrimPrefix(v, "docker.io/"), "library/")
	name, _, _ := strings.Cut(v, "@")
	repo, _, _ := strings.Cut(name, ":")
	return repo == "docker/dockerfile" || repo == "docker/dockerfile-upstream"
}

func (b *builder) warn(msg string) {
	b.mu.Lock()
	b.warnings = append(b.warnings, msg)
	b.mu.Unlock()
	b.rep.Report(progress.Event{Time: b.opts.Now(), Kind: progress.KindWarning, Message: msg})
}

// nextVertex numbers progress vertices as BuildKit's "#N".
func (b *builder) nextVertex() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.vertexN++
	return b.vertexN
}

// vertex reports the start of a unit of work and returns its finisher.
func (b *builder) vertex(name string) (id int, done func(cached bool, err error)) {
	id = b.nextVertex()
	start := time.Now()
	b.rep.Report(progress.Event{Time: b.opts.Now(), Kind: progress.KindStart, ID: id, Name: name})
	return id, func(cached bool, err error) {
		ev := progress.Event{Time: b.opts.Now(), ID: id, Name: name, Duration: time.Since(start)}
		switch {
		case err != nil:
			ev.Kind, ev.Error = progress.KindError, err.Error()
		case cached:
			ev.Kind = progress.KindCached
		default:
			ev.Kind = progress.KindDone
		}
		b.rep.Report(ev)
	}
}

func (b *builder) validateOutputs() error {
	for _, o := range b.opts.Outputs {
		switch o.Type {
		case "docker":
			if len(b.opts.Platforms) > 1 {
				return errors.New("--output type=docker holds one platform; for several use type=oci or push to a registry")
			}
		case "local", "tar":
			if len(b.opts.Platforms) > 1 {
				return fmt.Errorf("--output type=%s of several platforms is not supported yet; build one --platform at a time", o.Type)
			}
		}
	}
	return nil
}

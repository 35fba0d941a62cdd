// Package buildkit is hoist build's BuildKit backend: it maps hoist's
// build options onto BuildKit's Go client and its Dockerfile frontend
// (dockerfile.v0) and runs the build on a buildkitd daemon (local, remote
// or Kubernetes-hosted), with the same flags and the same result as the
// native builder: outputs (registry push, OCI and docker archives, local
// directories, the local store), caches, secrets, ssh, registry
// credentials, progress in the --progress modes.
package buildkit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/util/grpcerrors"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"golang.org/x/sync/errgroup"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/internal/store"
)

// Options are a build's inputs: the native builder's (fields it does not
// apply with BuildKit: Runtime, NoOverlay, HTTPClient, Now; Progress is
// replaced by ProgressMode and ProgressOut) plus BuildKit's own.
type Options struct {
	build.Options
	// Contexts are named build contexts (buildx's --build-context
	// NAME=VALUE): a FROM or COPY --from naming NAME uses VALUE, e.g.
	// "docker-image://registry/busybox@sha256:...".
	Contexts map[string]string
	// ProgressMode is a --progress mode: auto, tty, plain, json, quiet
	// ("" is auto), or rawjson (BuildKit's own JSON status stream).
	ProgressMode string
	// ProgressOut receives the progress display (stderr); nil shows none.
	ProgressOut io.Writer
	// TLS configures a tcp:// daemon's TLS; nil connects in plain text.
	TLS *TLS
}

// quietLogs silences logrus's standard logger, once: BuildKit's and
// containerd's client code log warnings through it (e.g. "failed check
// for fsverity support" when it opens a local cache directory), and
// hoist's libraries print nothing.
var quietLogs sync.Once

// connectTimeout bounds the first request to the daemon: a missing socket
// fails at once, an unreachable host after this.
const connectTimeout = 20 * time.Second

// Build runs a build on the buildkitd at addr (unix:///path.sock or
// tcp://host:port). Errors of the user's input are *build.InputError; a
// daemon that cannot be reached is a *ConnectError.
func Build(ctx context.Context, addr string, o Options) (*build.Result, error) {
	start := time.Now()
	if err := checkAddress(addr); err != nil {
		return nil, inputErr(fmt.Errorf("buildkitd address: %w", err))
	}
	if err := o.TLS.Check(addr); err != nil {
		return nil, inputErr(fmt.Errorf("buildkitd TLS: %w", err))
	}
	needStore := false
	for _, spec := range o.Outputs {
		needStore = needStore || (spec.Type == "image" && !spec.Push)
	}
	if (len(o.Outputs) == 0 || needStore) && o.Store == nil {
		return nil, errors.New("buildkit: no local store to import the image into")
	}
	quietLogs.Do(func() { logrus.SetOutput(io.Discard) })
	disp, err := newDisplay(o.ProgressMode, o.ProgressOut)
	if err != nil {
		return nil, inputErr(fmt.Errorf("--progress: %w", err))
	}

	tmp, releaseTmp, err := tempDir(o.Store)
	if err != nil {
		return nil, err
	}
	defer releaseTmp()
	req, err := newRequest(ctx, o, tmp)
	if err != nil {
		return nil, err
	}
	defer req.close()

	c, err := connect(ctx, addr, o.TLS)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	workers, err := c.ListWorkers(ctx)
	if err != nil {
		return nil, connectErr(addr, o.TLS, err)
	}

	st := newStats()
	ch := make(chan *client.SolveStatus)
	dch := make(chan *client.SolveStatus)
	var warnings []client.VertexWarning
	var eg errgroup.Group
	eg.Go(func() error {
		defer close(dch)
		for ss := range ch {
			st.add(ss)
			dch <- ss
		}
		return nil
	})
	eg.Go(func() error {
		// The display drains the stream to its end, also when the build
		// is cancelled: Solve closes the channel.
		var err error
		warnings, err = disp.run(context.WithoutCancel(ctx), dch)
		for range dch {
		}
		return err
	})
	resp, solveErr := c.Solve(ctx, nil, req.opt, ch)
	dispErr := eg.Wait()
	if req.loadErr != nil {
		// A failed docker load fails the export too: its words say why.
		if err := req.loadErr(solveErr); err != nil && !errors.Is(err, solveErr) {
			return nil, fmt.Errorf("--load: %w", err)
		}
	}
	if solveErr != nil {
		if isUnavailable(solveErr) {
			return nil, connectErr(addr, o.TLS, solveErr)
		}
		return nil, solveError(solveErr)
	}
	if dispErr != nil {
		return nil, fmt.Errorf("progress display: %w", dispErr)
	}
	for _, f := range req.finish {
		if err := f(); err != nil {
			return nil, err
		}
	}

	res := &build.Result{Names: req.names}
	if err := readResponse(resp.ExporterResponse, res); err != nil {
		return nil, err
	}
	res.Platforms = o.Platforms
	if len(res.Platforms) == 0 && len(workers) > 0 && len(workers[0].Platforms) > 0 {
		p := workers[0].Platforms[0]
		res.Platforms = []string{formatPlatform(p)}
	}
	var imgs []v1.Image
	for _, l := range req.layouts {
		if !l.used.Load() {
			continue
		}
		li, err := l.write(ctx, o.Store)
		if err != nil {
			return nil, err
		}
		imgs = li
	}
	if imgs == nil && len(req.pushNames) > 0 {
		imgs = pushedImages(ctx, o, req.pushNames[0])
	}
	res.ImageSize = imageSize(imgs)
	res.CacheHits, res.CacheMisses = st.cache()
	// BuildKit reports no byte counts for pushes: BytesPushed stays 0.
	res.BytesDownloaded = st.downloaded()
	for _, w := range warnings {
		res.Warnings = append(res.Warnings, warningText(w))
	}
	res.Duration = time.Since(start)
	return res, nil
}

func connect(ctx context.Context, addr string, t *TLS) (*client.Client, error) {
	c, err := client.New(ctx, addr, t.clientOpts()...)
	if err != nil {
		return nil, connectErr(addr, t, err)
	}
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if _, err := c.Info(cctx); err != nil {
		c.Close()
		return nil, connectErr(addr, t, err)
	}
	return c, nil
}

func connectErr(addr string, t *TLS, err error) error {
	return &ConnectError{Addr: addr, TLS: t != nil, Err: unwrapGRPC(err)}
}

// unwrapGRPC keeps a gRPC error's message without its code prefix and
// BuildKit's stack wrapping.
func unwrapGRPC(err error) error {
	if s, ok := grpcerrors.AsGRPCStatus(err); ok {
		return errors.New(s.Message())
	}
	return err
}

// solveError is a failed solve: a Dockerfile the frontend refused is the
// user's input; anything else (a RUN that failed, a registry) an
// operation.
func solveError(err error) error {
	msg := err.Error()
	for _, p := range []string{"failed to solve: ", "rpc error: code = Unknown desc = "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	e := fmt.Errorf("buildkit: %s", msg)
	for _, input := range []string{
		"dockerfile parse error", "failed to parse dockerfile", "unknown instruction", "failed to read dockerfile",
		"target stage", "not found in build context", "failed to compute cache key", "failed to calculate checksum",
	} {
		if strings.Contains(strings.ToLower(msg), input) {
			return inputErr(e)
		}
	}
	return e
}

// readResponse fills the image's digests and descriptor from the
// exporters' response.
func readResponse(r map[string]string, res *build.Result) error {
	if d := r[exptypes.ExporterImageDigestKey]; d != "" {
		h, err := v1.NewHash(d)
		if err != nil {
			return fmt.Errorf("buildkitd answered digest %q: %w", d, err)
		}
		res.Digest = h
	}
	if d := r[exptypes.ExporterImageConfigDigestKey]; d != "" {
		if h, err := v1.NewHash(d); err == nil {
			res.ConfigDigest = h
		}
	}
	if raw := r[exptypes.ExporterImageDescriptorKey]; raw != "" {
		b, err := base64.StdEncoding.DecodeString(raw)
		if err == nil {
			var desc ocispecs.Descriptor
			if json.Unmarshal(b, &desc) == nil {
				res.MediaType, res.Size = desc.MediaType, desc.Size
			}
		}
	}
	if res.MediaType != "" && strings.Contains(res.MediaType, "index") {
		res.ConfigDigest = v1.Hash{}
	}
	return nil
}

// pushedImages reads the pushed image's manifests back (small requests)
// for the image size; nil when they cannot be read.
func pushedImages(ctx context.Context, o Options, ref string) []v1.Image {
	r, err := o.Registry.Reference(ref)
	if err != nil {
		return nil
	}
	desc, err := remote.Get(r, o.Registry.Remote(ctx)...)
	if err != nil {
		return nil
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil
		}
		imgs, _ := indexImages(idx)
		return imgs
	}
	img, err := desc.Image()
	if err != nil {
		return nil
	}
	return []v1.Image{img}
}

func formatPlatform(p ocispecs.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func warningText(w client.VertexWarning) string {
	s := string(w.Short)
	for _, d := range w.Detail {
		s += " " + strings.TrimSpace(string(d))
	}
	if w.URL != "" {
		s += " (" + w.URL + ")"
	}
	return s
}

// tempDir is the build's private directory: in the local store (GC
// reclaims it after a crash) when there is one.
func tempDir(st *store.Store) (string, func(), error) {
	if st != nil {
		dir, release, err := st.TempDir("buildkit-")
		if err != nil {
			return "", nil, fmt.Errorf("buildkit: a working directory in the local store: %w", err)
		}
		return dir, release, nil
	}
	dir, err := os.MkdirTemp("", "hoist-buildkit-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

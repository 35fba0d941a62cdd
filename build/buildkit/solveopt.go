package buildkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/tonistiigi/fsutil"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/build/output"
)

// Local source names the Dockerfile frontend reads (dockerui).
const (
	localContext    = "context"
	localDockerfile = "dockerfile"
)

// request is one build mapped onto BuildKit: the solve options, and what
// happens around the solve (files renamed into place, the OCI layout the
// local store imports, a docker load fed by the docker exporter).
type request struct {
	opt client.SolveOpt
	// names are the references the image outputs write (store or push).
	names []string
	// layouts are the OCI layouts the OCI exporter streams back,
	// extracted, for the local store and for OCI layout directories.
	layouts []*layoutOutput
	// storeNames name the image in the store.
	storeNames []string
	// pushNames name the pushed image.
	pushNames []string
	// finish run after a successful solve (temp files renamed into place);
	// cleanup always.
	finish  []func() error
	cleanup []func()
	// loadErr, when the docker exporter feeds a docker load, returns its
	// result once the exporter has written the archive (or, given the
	// solve's error, ends the load).
	loadErr func(solveErr error) error
}

func (r *request) close() {
	for i := len(r.cleanup) - 1; i >= 0; i-- {
		r.cleanup[i]()
	}
}

// newRequest maps o onto BuildKit's client and its Dockerfile frontend.
// tmp is a private directory for the request's files.
func newRequest(ctx context.Context, o Options, tmp string) (_ *request, err error) {
	r := &request{}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	attrs := map[string]string{}
	r.opt = client.SolveOpt{Frontend: "dockerfile.v0", FrontendAttrs: attrs, LocalMounts: map[string]fsutil.FS{}}

	// The context and the Dockerfile are local sources; the frontend applies
	// .dockerignore (and <Dockerfile>.dockerignore) itself.
	dir := o.ContextDir
	if dir == "" {
		dir = "."
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, inputErr(fmt.Errorf("build context %s is not a directory: give the context directory as the argument", dir))
	}
	ctxFS, err := fsutil.NewFS(dir)
	if err != nil {
		return nil, inputErr(fmt.Errorf("build context %s: %v", dir, err))
	}
	r.opt.LocalMounts[localContext] = ctxFS
	dfPath := o.Dockerfile
	if o.DockerfileContent != nil {
		// Standard input: the frontend reads a file, so write one.
		dfDir := filepath.Join(tmp, "dockerfile")
		if err := os.MkdirAll(dfDir, 0o755); err != nil {
			return nil, err
		}
		dfPath = filepath.Join(dfDir, "Dockerfile")
		if err := os.WriteFile(dfPath, o.DockerfileContent, 0o644); err != nil {
			return nil, err
		}
	}
	if dfPath == "" {
		dfPath = filepath.Join(dir, "Dockerfile")
	}
	if st, err := os.Stat(dfPath); err != nil || st.IsDir() {
		return nil, inputErr(fmt.Errorf("Dockerfile %s not found: give its path with -f, or build from the directory that holds it", dfPath))
	}
	dfFS, err := fsutil.NewFS(filepath.Dir(dfPath))
	if err != nil {
		return nil, inputErr(fmt.Errorf("Dockerfile %s: %v", dfPath, err))
	}
	r.opt.LocalMounts[localDockerfile] = dfFS
	attrs["filename"] = filepath.Base(dfPath)

	if o.Target != "" {
		attrs["target"] = o.Target
	}
	for k, v := range o.BuildArgs {
		attrs["build-arg:"+k] = v
	}
	for k, v := range o.Labels {
		attrs["label:"+k] = v
	}
	if len(o.Platforms) > 0 {
		attrs["platform"] = strings.Join(o.Platforms, ",")
	}
	if o.NoCache {
		attrs["no-cache"] = ""
	}
	if o.Pull {
		attrs["image-resolve-mode"] = "pull"
	}
	if o.Epoch != nil {
		// The frontend passes it on: history and config times, and (with
		// rewrite-timestamp on the exporters) file times in new layers.
		attrs["build-arg:SOURCE_DATE_EPOCH"] = strconv.FormatInt(o.Epoch.Unix(), 10)
	}
	for name, v := range o.Contexts {
		attrs["context:"+name] = v
	}

	// Session: secrets, ssh agents, registry credentials.
	if len(o.Secrets) > 0 {
		var srcs []secretsprovider.Source
		for _, s := range o.Secrets {
			srcs = append(srcs, secretsprovider.Source{ID: s.ID, FilePath: s.File, Env: s.Env})
		}
		store, err := secretsprovider.NewStore(srcs)
		if err != nil {
			return nil, inputErr(fmt.Errorf("--secret: %v", err))
		}
		r.opt.Session = append(r.opt.Session, secretsprovider.NewSecretProvider(store))
	}
	if len(o.SSH) > 0 {
		var confs []sshprovider.AgentConfig
		for _, s := range o.SSH {
			confs = append(confs, sshprovider.AgentConfig{ID: s.ID, Paths: s.Paths})
		}
		p, err := sshprovider.NewSSHAgentProvider(confs)
		if err != nil {
			return nil, inputErr(fmt.Errorf("--ssh: %v", err))
		}
		r.opt.Session = append(r.opt.Session, p)
	}
	r.opt.Session = append(r.opt.Session, authProvider(o.Registry))

	if err := r.caches(o); err != nil {
		return nil, err
	}
	if err := r.outputs(ctx, o, tmp); err != nil {
		return nil, err
	}
	return r, nil
}

// caches maps --cache-from and --cache-to.
func (r *request) caches(o Options) error {
	if !o.NoCache {
		for _, cs := range o.CacheFrom {
			a := cacheAttrs(o, cs)
			switch cs.Type {
			case output.CacheRegistry:
			case output.CacheLocal:
				a["src"] = cs.Src
			default:
				return inputErr(fmt.Errorf("--cache-from type=%s cannot be read by BuildKit; use type=registry or type=local", cs.Type))
			}
			r.opt.CacheImports = append(r.opt.CacheImports, client.CacheOptionsEntry{Type: cs.Type, Attrs: a})
		}
	}
	for _, cs := range o.CacheTo {
		a := cacheAttrs(o, cs)
		switch cs.Type {
		case output.CacheRegistry:
			// hoist's registry cache is an OCI image manifest; so is this.
			if _, ok := a["image-manifest"]; !ok {
				a["image-manifest"] = "true"
			}
			if _, ok := a["oci-mediatypes"]; !ok {
				a["oci-mediatypes"] = "true"
			}
		case output.CacheLocal:
			a["dest"] = cs.Dest
		case output.CacheInline:
		default:
			return inputErr(fmt.Errorf("--cache-to type=%s cannot be written by BuildKit; use type=registry, type=local or type=inline", cs.Type))
		}
		if cs.Mode != "" {
			a["mode"] = cs.Mode
		}
		r.opt.CacheExports = append(r.opt.CacheExports, client.CacheOptionsEntry{Type: cs.Type, Attrs: a})
	}
	return nil
}

// cacheAttrs are a cache's attributes as given, with a registry cache's
// ref (and plain HTTP where allowed) set.
func cacheAttrs(o Options, cs output.CacheSpec) map[string]string {
	a := maps.Clone(cs.Attrs)
	if a == nil {
		a = map[string]string{}
	}
	if cs.Type == output.CacheRegistry {
		a["ref"] = cs.Ref
		if insecure(o, cs.Ref) {
			a["registry.insecure"] = "true"
		}
	}
	return a
}

// insecure reports whether ref's registry may be reached over plain HTTP
// (--insecure-registry, or a loopback registry).
func insecure(o Options, ref string) bool {
	r, err := o.Registry.Reference(ref)
	return err == nil && r.Context().Registry.Scheme() == "http"
}

// outputs maps --output, --push, --load and the local store onto
// BuildKit's exporters.
func (r *request) outputs(ctx context.Context, o Options, tmp string) error {
	outs := o.Outputs
	if len(outs) == 0 {
		outs = []output.Spec{{Type: output.TypeImage}}
	}
	for _, spec := range outs {
		names := append(slices.Clone(o.Tags), spec.Names...)
		attrs := maps.Clone(spec.Attrs)
		if attrs == nil {
			attrs = map[string]string{}
		}
		image := spec.Type == output.TypeImage || spec.Type == output.TypeOCI || spec.Type == output.TypeDocker
		if image {
			imageAttrs(o, attrs, spec.Type)
			if len(names) > 0 {
				attrs["name"] = strings.Join(names, ",")
			}
		}
		if o.Epoch != nil {
			if _, ok := attrs["rewrite-timestamp"]; !ok && image {
				attrs["rewrite-timestamp"] = "true"
			}
		}
		ex := client.ExportEntry{Type: spec.Type, Attrs: attrs}
		switch spec.Type {
		case output.TypeImage:
			if !spec.Push {
				if r.storeNames != nil {
					continue // one import serves every store output
				}
				// The local store: an OCI layout streamed back and imported.
				r.storeNames = append([]string{}, names...)
				delete(attrs, "registry.insecure")
				delete(attrs, "push-by-digest")
				ex.Type = client.ExporterOCI
				ex.Output = r.layout(tmp, layoutStore, "", names)
				break
			}
			if len(names) == 0 {
				return inputErr(errors.New("nothing to push to: name the image with -t or --output type=image,name=REF,push=true"))
			}
			attrs["push"] = "true"
			for _, n := range names {
				if insecure(o, n) {
					attrs["registry.insecure"] = "true"
				}
			}
			r.pushNames = append(r.pushNames, names...)
		case output.TypeOCI:
			if !spec.OCITar() {
				// A layout directory: streamed back and merged into dest
				// as the native builder writes one.
				delete(attrs, "tar")
				ex.Output = r.layout(tmp, layoutDir, spec.Dest, names)
				break
			}
			ex.Output = r.fileOutput(spec.Dest, o.Stdout)
		case output.TypeDocker:
			if spec.Dest != "" {
				ex.Output = r.fileOutput(spec.Dest, o.Stdout)
				break
			}
			if o.DockerLoad == nil {
				return inputErr(errors.New("--load: no Docker daemon to load into: give --output type=docker,dest=FILE for a docker archive"))
			}
			ex.Output = r.dockerLoad(ctx, o.DockerLoad)
		case output.TypeLocal:
			ex.OutputDir = spec.Dest
		case output.TypeTar:
			ex.Output = r.fileOutput(spec.Dest, o.Stdout)
		default:
			return inputErr(fmt.Errorf("--output type=%s is not supported with BuildKit", spec.Type))
		}
		r.opt.Exports = append(r.opt.Exports, ex)
	}
	r.names = append(slices.Clone(r.storeNames), r.pushNames...)
	return nil
}

// imageAttrs sets the image exporters' defaults from hoist's options:
// OCI media types (as the native builder writes), the layer compression,
// the manifest (and index) annotations. The user's attributes win.
func imageAttrs(o Options, attrs map[string]string, typ string) {
	set := func(k, v string) {
		if _, ok := attrs[k]; !ok {
			attrs[k] = v
		}
	}
	if typ != output.TypeOCI {
		set("oci-mediatypes", "true")
	}
	if o.Compression != "" {
		set("compression", string(o.Compression))
	}
	for k, v := range o.Annotations {
		set("annotation."+k, v)
		if len(o.Platforms) > 1 {
			set("annotation-index."+k, v)
		}
	}
}

// fileOutput writes an exporter's stream to dest ("-" or "" is stdout):
// to a temporary file renamed into place after the build succeeded.
func (r *request) fileOutput(dest string, stdout io.Writer) func(map[string]string) (io.WriteCloser, error) {
	if dest == "" || dest == "-" {
		return func(map[string]string) (io.WriteCloser, error) {
			if stdout == nil {
				stdout = io.Discard
			}
			return nopCloser{stdout}, nil
		}
	}
	tmp := dest + ".hoist-tmp"
	r.cleanup = append(r.cleanup, func() { os.Remove(tmp) })
	r.finish = append(r.finish, func() error {
		if _, err := os.Stat(tmp); err != nil {
			return nil // the exporter wrote nothing
		}
		return os.Rename(tmp, dest)
	})
	return func(map[string]string) (io.WriteCloser, error) {
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return nil, err
		}
		return os.Create(tmp)
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// dockerLoad pipes the docker exporter's archive into load.
func (r *request) dockerLoad(ctx context.Context, load func(context.Context, io.Reader) error) func(map[string]string) (io.WriteCloser, error) {
	errc := make(chan error, 1)
	var pipe atomic.Pointer[io.PipeWriter]
	r.loadErr = func(solveErr error) error {
		pw := pipe.Load()
		if pw == nil {
			return nil
		}
		if solveErr != nil {
			// The archive is incomplete: end the load.
			pw.CloseWithError(solveErr)
		}
		return <-errc
	}
	return func(map[string]string) (io.WriteCloser, error) {
		pr, pw := io.Pipe()
		pipe.Store(pw)
		go func() {
			err := load(ctx, pr)
			pr.CloseWithError(err)
			errc <- err
		}()
		return pw, nil
	}
}

func inputErr(err error) error { return &build.InputError{Err: err} }

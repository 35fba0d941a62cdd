package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/build/buildkit"
	"github.com/hoistci/hoist/build/layer"
	"github.com/hoistci/hoist/build/output"
	"github.com/hoistci/hoist/build/plan"
	"github.com/hoistci/hoist/internal/gitinfo"
	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/progress"
	"github.com/hoistci/hoist/internal/registry"
	"github.com/hoistci/hoist/internal/store"
	"github.com/hoistci/hoist/internal/ui"
	"github.com/hoistci/hoist/tag"
)

func init() { commands = append(commands, (*app).newBuildCmd) }

type buildOptions struct {
	file         string
	tags         []string
	buildArgs    []string
	target       string
	platforms    []string
	labels       []string
	annotations  []string
	push         bool
	load         bool
	outputs      []string
	cacheFrom    []string
	cacheTo      []string
	noCache      bool
	pull         bool
	progress     string
	quiet        bool
	iidfile      string
	metadataFile string
	reproducible bool
	compression  string
	insecure     []string
	builder      builderFlags
	color        string
	runtime      string
	ociLabels    bool
	secrets      []string
	ssh          []string
}

func (a *app) newBuildCmd() *cobra.Command {
	o := &buildOptions{}
	cmd := &cobra.Command{
		Use:   "build [CONTEXT]",
		Short: "Build a Dockerfile into an OCI image, without a daemon",
		Long: `Build the Dockerfile of CONTEXT (default ".") into an image, in-process:
no daemon, no root needed for COPY/ADD/metadata builds. Every step that makes
a layer has a content-based cache key; the local store ($HOIST_HOME, default
~/.local/share/hoist) always caches, registry caches (--cache-from/--cache-to)
answer every lookup with one manifest and one blob request.

The image goes to the local store unless outputs say otherwise (see
'hoist images'); flags follow 'docker buildx build':

  hoist build -t app:dev .
  hoist build -t registry.example.com/app:1.2 --push --cache-from type=registry,ref=registry.example.com/app:cache .
  hoist build --platform linux/amd64,linux/arm64 -o type=oci,dest=app.tar .

RUN executes in a built-in Linux sandbox (namespaces and overlayfs, as root),
or through runc/crun with --runtime.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return a.runBuild(cmd, dir, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", "", "the Dockerfile (default CONTEXT/Dockerfile; - reads stdin)")
	f.StringArrayVarP(&o.tags, "tag", "t", nil, "name the image, NAME[:TAG] (repeatable)")
	f.StringArrayVar(&o.buildArgs, "build-arg", nil, "set a build argument, K=V (K alone takes it from the environment)")
	f.StringVar(&o.target, "target", "", "build this stage (default: the last)")
	f.StringSliceVar(&o.platforms, "platform", nil, "target platforms, os/arch[/variant] (comma-separated; several make an index)")
	f.StringArrayVar(&o.labels, "label", nil, "add a label to the image, K=V (repeatable)")
	f.StringArrayVar(&o.annotations, "annotation", nil, "add an annotation to the manifest, K=V (repeatable)")
	f.BoolVar(&o.push, "push", false, "push the image to its registry (--output type=registry)")
	f.BoolVar(&o.load, "load", false, "load the image into a reachable Docker daemon (--output type=docker)")
	f.StringArrayVarP(&o.outputs, "output", "o", nil, "output: type=image|registry|oci|docker|local|tar[,dest=...][,name=...][,push=true] (repeatable)")
	f.StringArrayVar(&o.cacheFrom, "cache-from", nil, "read a cache: type=registry,ref=R | type=local,src=DIR (repeatable)")
	f.StringArrayVar(&o.cacheTo, "cache-to", nil, "write a cache: type=registry,ref=R[,mode=min|max] | type=local,dest=DIR")
	f.BoolVar(&o.noCache, "no-cache", false, "use no cache (results are still cached)")
	f.BoolVar(&o.pull, "pull", false, "resolve base images in their registry even when the local store has them")
	f.StringVar(&o.progress, "progress", "auto", "progress output: auto, tty, plain, json or quiet")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the image digest (progress quiet)")
	f.StringVar(&o.iidfile, "iidfile", "", "write the image ID to FILE (as docker buildx)")
	f.StringVar(&o.metadataFile, "metadata-file", "", "write the build result as JSON to FILE (buildx keys, plus hoist.*)")
	f.BoolVar(&o.reproducible, "reproducible", false, "clamp file times and set every created time to SOURCE_DATE_EPOCH or the last commit's time")
	f.StringVar(&o.compression, "compression", "gzip", "layer compression: gzip, zstd or uncompressed")
	f.StringArrayVar(&o.insecure, "insecure-registry", nil, "allow plain HTTP to HOST[:PORT] (localhost and 127.0.0.1 always are)")
	o.builder.register(f)
	f.BoolVar(&o.ociLabels, "oci-labels", false, "add the org.opencontainers.image.* labels and annotations (created, version, revision, source, url, title) from git and CI facts, as hoist tag computes them")
	f.StringVar(&o.runtime, "runtime", "", "execute RUN with an OCI runtime (runc, crun or a path) instead of the built-in sandbox")
	f.StringArrayVar(&o.secrets, "secret", nil, "a secret for RUN --mount=type=secret: id=ID,src=FILE | id=ID,env=VAR (repeatable)")
	f.StringArrayVar(&o.ssh, "ssh", nil, "an SSH agent for RUN --mount=type=ssh: default | ID=SOCKET (repeatable)")
	f.StringVar(&o.color, "color", "auto", "colour: auto, always or never")
	return cmd
}

func (a *app) runBuild(cmd *cobra.Command, dir string, o *buildOptions) error {
	bk, err := o.builder.resolve(a.getenv)
	if err != nil {
		return err
	}
	if bk.addr != "" && o.runtime != "" {
		return badInput("--runtime %s applies to the native builder: buildkitd runs RUN with its own worker", o.runtime)
	}
	bo, err := a.buildOptionsFor(cmd.Context(), dir, o)
	if err != nil {
		return err
	}

	if bo.Store, err = a.openStore(); err != nil {
		return err
	}
	mode := o.progress
	if o.quiet {
		mode = "quiet"
	}
	if mode == "auto" && a.gha != nil {
		mode = "github" // each step's lines in a log group
	}
	colorMode, err := ui.ParseColorMode(o.color)
	if err != nil {
		return badInput("%s", err)
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	bo.Stdout = a.stdout
	errFile, _ := a.stderr.(*os.File)
	res, err := runBuilder(ctx, bk, bo, mode, a.stderr, errFile != nil && ui.IsTerminal(errFile), ui.UseColor(colorMode, errFile, a.getenv))
	if err != nil {
		code := exitOpFailed
		if build.IsInputError(err) {
			code = exitBadInput
		}
		return &exitError{code: code, err: a.ghaInert(err)}
	}
	for _, w := range res.Warnings {
		if mode == "quiet" {
			fmt.Fprintf(a.stderr, "hoist: warning: %s\n", w)
		}
	}
	if o.iidfile != "" {
		id := res.Digest
		if res.ConfigDigest.Hex != "" {
			id = res.ConfigDigest
		}
		if err := writeFileAtomic(o.iidfile, []byte(id.String())); err != nil {
			return opFailed(fmt.Errorf("--iidfile: %w", err))
		}
	}
	if o.metadataFile != "" {
		b, _ := json.MarshalIndent(buildMetadata(res), "", "  ")
		if err := writeFileAtomic(o.metadataFile, append(b, '\n')); err != nil {
			return opFailed(fmt.Errorf("--metadata-file: %w", err))
		}
	}
	a.ghaBuild(res, &bo)
	if o.quiet {
		fmt.Fprintln(a.stdout, res.Digest)
		return nil
	}
	names := "(no name)"
	if len(res.Names) > 0 {
		names = strings.Join(res.Names, ", ")
	}
	fmt.Fprintf(a.stdout, "%s %s\n  %s, %d cached, %d built, %s pushed, %s\n", res.Digest, names,
		ui.HumanSize(res.ImageSize), res.CacheHits, res.CacheMisses, ui.HumanSize(res.BytesPushed), res.Duration.Round(time.Millisecond))
	return nil
}

// runBuilder builds with the native builder, or on the buildkitd bk when
// it has an address, showing progress on w in mode.
func runBuilder(ctx context.Context, bk daemon, bo build.Options, mode string, w io.Writer, tty, color bool) (*build.Result, error) {
	if bk.addr != "" {
		if mode == "github" {
			mode = "plain" // BuildKit's own display
		}
		return buildkit.Build(ctx, bk.addr, buildkit.Options{Options: bo, ProgressMode: mode, ProgressOut: w, TLS: bk.tls})
	}
	rep, err := progress.New(mode, w, tty, color)
	if err != nil {
		return nil, &build.InputError{Err: fmt.Errorf("--progress: %w", err)}
	}
	bo.Progress = rep
	res, err := build.Build(ctx, bo)
	rep.Close()
	return res, err
}

// buildOptionsFor turns the build flags into the builder's options (all
// but the store and the progress reporter).
func (a *app) buildOptionsFor(ctx context.Context, dir string, o *buildOptions) (build.Options, error) {
	bo := build.Options{ContextDir: dir, Target: o.target, NoCache: o.noCache, Pull: o.pull, Tags: o.tags}
	var err error
	if bo.Compression, err = layer.ParseCompression(o.compression); err != nil {
		return bo, badInput("--compression: %s", err)
	}
	if o.file == "-" {
		src, err := io.ReadAll(a.stdin)
		if err != nil {
			return bo, badInput("reading the Dockerfile from stdin: %s", err)
		}
		bo.DockerfileContent, bo.Dockerfile = src, "Dockerfile"
	} else if o.file != "" {
		bo.Dockerfile = o.file
	}
	if bo.BuildArgs, err = keyValues("--build-arg", o.buildArgs, a.getenv); err != nil {
		return bo, err
	}
	if bo.Labels, err = keyValues("--label", o.labels, nil); err != nil {
		return bo, err
	}
	if bo.Annotations, err = keyValues("--annotation", o.annotations, nil); err != nil {
		return bo, err
	}
	for _, p := range o.platforms {
		pl, err := plan.ParsePlatform(strings.TrimSpace(p))
		if err != nil {
			return bo, badInput("--platform %s: %s", p, err)
		}
		bo.Platforms = append(bo.Platforms, plan.FormatPlatform(pl))
	}
	for _, t := range o.tags {
		if _, err := store.NormalizeName(t); err != nil {
			return bo, badInput("-t %s: %s", t, err)
		}
	}
	for _, s := range o.outputs {
		spec, err := output.ParseOutput(s)
		if err != nil {
			return bo, badInput("--output %s: %s", s, err)
		}
		bo.Outputs = append(bo.Outputs, spec)
	}
	if o.push {
		bo.Outputs = append(bo.Outputs, output.Spec{Type: "image", Push: true})
	}
	if o.load {
		bo.Outputs = append(bo.Outputs, output.Spec{Type: "docker"})
		load, err := dockerLoader(a.getenv)
		if err != nil {
			return bo, badInput("--load: %s", err)
		}
		bo.DockerLoad = load
	}
	for _, s := range o.cacheFrom {
		spec, err := output.ParseCacheFrom(s)
		if err != nil {
			return bo, badInput("--cache-from %s: %s", s, err)
		}
		bo.CacheFrom = append(bo.CacheFrom, spec)
	}
	for _, s := range o.cacheTo {
		spec, err := output.ParseCacheTo(s)
		if err != nil {
			return bo, badInput("--cache-to %s: %s", s, err)
		}
		bo.CacheTo = append(bo.CacheTo, spec)
	}
	bo.Runtime = o.runtime
	for _, v := range o.secrets {
		sec, err := parseSecret(v, a.getenv)
		if err != nil {
			return bo, badInput("--secret %s: %s", v, err)
		}
		bo.Secrets = append(bo.Secrets, sec)
	}
	for _, v := range o.ssh {
		s, err := parseSSH(v, a.getenv)
		if err != nil {
			return bo, badInput("--ssh %s: %s", v, err)
		}
		bo.SSH = append(bo.SSH, s)
	}
	epoch, err := sourceDateEpoch(o.reproducible, dir, a.getenv)
	if err != nil {
		return bo, badInput("%s", err)
	}
	bo.Epoch = epoch
	if o.ociLabels {
		if err := a.addOCILabels(ctx, &bo, dir); err != nil {
			return bo, err
		}
	}
	bo.Registry = registry.Options{Insecure: o.insecure, UserAgent: "hoist/" + version}
	return bo, nil
}

// buildMetadata is --metadata-file's content: buildx's keys where they
// exist, hoist's own under hoist.*.
func buildMetadata(r *build.Result) map[string]any {
	m := map[string]any{
		"containerimage.digest": r.Digest.String(),
		"containerimage.descriptor": map[string]any{
			"mediaType": r.MediaType, "digest": r.Digest.String(), "size": r.Size,
		},
		"hoist.cache.hits":       r.CacheHits,
		"hoist.cache.misses":     r.CacheMisses,
		"hoist.bytes.pushed":     r.BytesPushed,
		"hoist.bytes.downloaded": r.BytesDownloaded,
		"hoist.image.size":       r.ImageSize,
		"hoist.platforms":        r.Platforms,
		"hoist.duration.ms":      r.Duration.Milliseconds(),
	}
	if r.ConfigDigest.Hex != "" {
		m["containerimage.config.digest"] = r.ConfigDigest.String()
	}
	if len(r.Names) > 0 {
		m["image.name"] = strings.Join(r.Names, ",")
	}
	if len(r.Warnings) > 0 {
		m["hoist.warnings"] = r.Warnings
	}
	return m
}

// keyValues parses K=V flags; with getenv, a bare K takes its value from
// the environment (and is dropped when unset), as docker's --build-arg.
func keyValues(flag string, vals []string, getenv func(string) string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range vals {
		k, v, ok := strings.Cut(kv, "=")
		if k == "" {
			return nil, badInput("%s %q: want KEY=VALUE", flag, kv)
		}
		if !ok {
			if getenv == nil {
				return nil, badInput("%s %q: want KEY=VALUE", flag, kv)
			}
			if v = getenv(k); v == "" {
				continue
			}
		}
		out[k] = v
	}
	return out, nil
}

// sourceDateEpoch is the reproducible time: SOURCE_DATE_EPOCH when set
// (with or without --reproducible), else with --reproducible the context's
// last commit time.
func sourceDateEpoch(reproducible bool, dir string, getenv func(string) string) (*time.Time, error) {
	if v := getenv("SOURCE_DATE_EPOCH"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970 (e.g. $(git log -1 --format=%%ct))", v)
		}
		t := time.Unix(n, 0).UTC()
		return &t, nil
	}
	if !reproducible {
		return nil, nil
	}
	out, err := exec.Command("git", "-C", dir, "log", "-1", "--format=%ct").Output()
	if err != nil {
		return nil, errors.New("--reproducible: SOURCE_DATE_EPOCH is not set and the context is not in a git checkout with a commit; set SOURCE_DATE_EPOCH")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("--reproducible: cannot read the commit time: %v", err)
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}

// dockerLoader returns how --load reaches a Docker daemon: `docker load`
// when DOCKER_HOST is set or the default socket exists.
func dockerLoader(getenv func(string) string) (func(ctx context.Context, r io.Reader) error, error) {
	if getenv("DOCKER_HOST") == "" {
		if _, err := os.Stat("/var/run/docker.sock"); err != nil {
			return nil, errors.New("no Docker daemon is reachable (DOCKER_HOST is unset and /var/run/docker.sock does not exist); " +
				"the image is in the local store without --load, or write it with --output type=docker,dest=image.tar and `podman load -i image.tar`")
		}
	}
	docker, err := exec.LookPath("docker")
	if err != nil {
		return nil, errors.New("the docker command is not installed; write the image with --output type=docker,dest=image.tar and load it with `docker load -i`")
	}
	return func(ctx context.Context, r io.Reader) error {
		c := exec.CommandContext(ctx, docker, "load")
		c.Stdin = r
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("docker load: %v: %s", err, strings.TrimSpace(string(out)))
		}
		return nil
	}, nil
}

// parseSecret parses buildx's --secret: id=ID[,src=FILE|,env=VAR]; with
// neither, a variable named ID, else a file named ID.
func parseSecret(v string, getenv func(string) string) (build.Secret, error) {
	var s build.Secret
	for _, part := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return s, fmt.Errorf("%q: want key=value (id=ID,src=FILE or id=ID,env=VAR)", part)
		}
		switch k {
		case "id":
			s.ID = val
		case "src", "source":
			s.File = val
		case "env":
			s.Env = val
		case "type":
			if val != "file" && val != "env" {
				return s, fmt.Errorf("type=%s: want file or env", val)
			}
		default:
			return s, fmt.Errorf("unknown key %q: use id, src or env", k)
		}
	}
	if s.ID == "" {
		return s, errors.New("id= is required")
	}
	if s.File == "" && s.Env == "" {
		if getenv(s.ID) != "" {
			s.Env = s.ID
		} else {
			s.File = s.ID
		}
	}
	return s, nil
}

// parseSSH parses --ssh: default (SSH_AUTH_SOCK) or ID=SOCKET[,SOCKET].
func parseSSH(v string, getenv func(string) string) (build.SSH, error) {
	id, paths, ok := strings.Cut(v, "=")
	if !ok {
		sock := getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return build.SSH{}, errors.New("SSH_AUTH_SOCK is not set: start an agent (eval $(ssh-agent)) or give ID=SOCKET")
		}
		return build.SSH{ID: id, Paths: []string{sock}}, nil
	}
	return build.SSH{ID: id, Paths: strings.Split(paths, ",")}, nil
}

// addOCILabels adds the OCI labels (and the same manifest annotations) of
// the git and CI facts; --label and --annotation values win.
func (a *app) addOCILabels(ctx context.Context, bo *build.Options, dir string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	git, _, _, err := gitinfo.Detect(ctx, gitinfo.Options{Getenv: a.getenv, Dir: dir})
	if err != nil {
		return badInput("--oci-labels: %s", err)
	}
	version := strings.TrimPrefix(git.Tag, "v")
	if !policy.SemverValid(git.Tag) {
		version = git.Tag
	}
	if version == "" {
		version = git.Branch
	}
	created := time.Now().UTC()
	if bo.Epoch != nil {
		created = *bo.Epoch
	}
	labels := tag.Labels(git, tag.LabelInfo{Version: version, Created: created, SourceURL: sourceURL(a.getenv)})
	for k, v := range labels {
		if _, ok := bo.Labels[k]; !ok {
			bo.Labels[k] = v
		}
		if _, ok := bo.Annotations[k]; !ok {
			bo.Annotations[k] = v
		}
	}
	return nil
}

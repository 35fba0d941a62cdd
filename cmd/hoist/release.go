package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/internal/gitinfo"
	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/registry"
	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/format"
	"github.com/hoistci/hoist/lint/rules"
	"github.com/hoistci/hoist/tag"
)

func init() { commands = append(commands, (*app).newReleaseCmd) }

type releaseOptions struct {
	policies     []string
	policy       policyFlags
	file         string
	repositories []string
	target       string
	platforms    []string
	buildArgs    []string
	labels       []string
	secrets      []string
	cacheFrom    []string
	cacheTo      []string
	push         bool
	dryRun       bool
	prune        bool
	apply        bool
	auditLog     string
	format       string
	jobs         int
	progress     string
	insecure     []string
	overrides    []string
	gitTag       string
	branch       string
	sha          string
	pr           int
	noCache      bool
	pull         bool
	reproducible bool
	builder      builderFlags
}

func (a *app) newReleaseCmd() *cobra.Command {
	o := &releaseOptions{}
	cmd := &cobra.Command{
		Use:   "release [NAME... | CONTEXT]",
		Short: "Lint, build, tag, push (and prune) in one step, with the policy deciding",
		Long: `Release images: lint the Dockerfile (failing at the policy's threshold),
build it, compute its tags from git, CI and what the registry publishes, run
the policy's checks on the push (the lint findings and the digest are facts),
push it under those tags, and with --prune delete what the policy's prune
rules say from the same repositories (a plan unless --apply).

With a policy that has image blocks, every image block is released
(independent images concurrently), or only the NAMEs given:

  hoist release                  # every image of hoist.hcl
  hoist release web              # just the image block "web"
  hoist release --dry-run        # lint, build and show the tags; push nothing

Without image blocks, CONTEXT (default ".") is built and pushed to every
--repository:

  hoist release -r ghcr.io/acme/app .

Each step is also a command of its own: hoist lint, build, tag, prune.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runRelease(cmd, o, args)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.policies, "policy", nil, "the policy file (default ./hoist.hcl when present)")
	o.policy.add(cmd, false)
	f.StringVarP(&o.file, "file", "f", "", "the Dockerfile (default CONTEXT/Dockerfile, or the image block's)")
	f.StringArrayVarP(&o.repositories, "repository", "r", nil, "a repository to push to, REGISTRY/NAME (repeatable; without image blocks)")
	f.StringVar(&o.target, "target", "", "build this stage (default: the image block's, else the last)")
	f.StringSliceVar(&o.platforms, "platform", nil, "target platforms, os/arch[/variant] (comma-separated)")
	f.StringArrayVar(&o.buildArgs, "build-arg", nil, "set a build argument, K=V (beats the image block's)")
	f.StringArrayVar(&o.labels, "label", nil, "add a label, K=V (beats the image block's)")
	f.StringArrayVar(&o.secrets, "secret", nil, "a secret for RUN --mount=type=secret: id=ID,src=FILE | id=ID,env=VAR (repeatable)")
	f.StringArrayVar(&o.cacheFrom, "cache-from", nil, "read a cache: type=registry,ref=R | type=local,src=DIR (repeatable)")
	f.StringArrayVar(&o.cacheTo, "cache-to", nil, "write a cache: type=registry,ref=R[,mode=min|max] | type=local,dest=DIR")
	f.BoolVar(&o.push, "push", true, "push the image under its tags (--push=false builds into the local store only)")
	f.BoolVar(&o.dryRun, "dry-run", false, "lint, build and compute the tags and checks; push and delete nothing")
	f.BoolVar(&o.prune, "prune", false, "after the push, plan a prune of the same repositories by the policy's prune rules")
	f.BoolVar(&o.apply, "apply", false, "with --prune: delete what the plan says")
	f.StringVar(&o.auditLog, "audit-log", "", "with --prune --apply: append each deletion as a JSON line here (default hoist-prune-audit.jsonl)")
	f.StringVar(&o.format, "format", "text", "output: text or json")
	f.IntVar(&o.jobs, "jobs", 2, "images released at the same time")
	f.StringVar(&o.progress, "progress", "auto", "build progress: auto, tty, plain, json or quiet")
	f.StringArrayVar(&o.insecure, "insecure-registry", nil, "allow plain HTTP to HOST[:PORT] (localhost and 127.0.0.1 always are)")
	f.StringArrayVar(&o.overrides, "override", nil, "let a soft-mandatory check through (repeatable)")
	f.StringVar(&o.gitTag, "git-tag", "", "the git tag being released (overrides CI and git)")
	f.StringVar(&o.branch, "branch", "", "the branch (overrides CI and git)")
	f.StringVar(&o.sha, "sha", "", "the commit (overrides CI and git)")
	f.IntVar(&o.pr, "pr", 0, "the pull request number (overrides CI)")
	f.BoolVar(&o.noCache, "no-cache", false, "use no build cache")
	f.BoolVar(&o.pull, "pull", false, "resolve base images in their registry even when the local store has them")
	o.builder.register(f)
	f.BoolVar(&o.reproducible, "reproducible", true, "clamp file times and created times to SOURCE_DATE_EPOCH or the last commit's time, so a re-run gives the same digest (--reproducible=false: the build time)")
	return cmd
}

// releaseTarget is one image to release.
type releaseTarget struct {
	Name         string // the image block's name; "" without blocks
	Repositories []string
	Context      string
	Dockerfile   string // "" is CONTEXT/Dockerfile
	Target       string
	BuildArgs    map[string]string
	Labels       map[string]string
	Platforms    []string
}

// releaseJSON is `hoist release --format json`, one per image: an API.
type releaseJSON struct {
	Name        string            `json:"name,omitempty"`
	Repository  string            `json:"repository"`
	Dockerfile  string            `json:"dockerfile"`
	Status      string            `json:"status"` // released, built (dry run or --push=false), lint-failed, blocked, failed
	Error       string            `json:"error,omitempty"`
	Lint        releaseLintJSON   `json:"lint"`
	Digest      string            `json:"digest,omitempty"`
	ImageID     string            `json:"imageid,omitempty"`
	Version     string            `json:"version,omitempty"`
	Tags        []string          `json:"tags"`
	Platforms   []string          `json:"platforms,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Checks      []tagCheckJSON    `json:"checks"`
	Pushed      bool              `json:"pushed"`
	CacheHits   int               `json:"cacheHits"`
	CacheMisses int               `json:"cacheMisses"`
	BytesPushed int64             `json:"bytesPushed"`
	DurationMS  int64             `json:"durationMs"`
	Prune       []pruneRepoJSON   `json:"prune,omitempty"`

	exit        int               // the exit code this image asks for
	annotations map[string]string // set on the manifest
	report      *format.Report    // lint findings, printed in text mode
	build       *build.Result     // for summaries
	checks      []policy.CheckResult
}

func (a *app) runRelease(cmd *cobra.Command, o *releaseOptions, args []string) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	if o.format != "text" && o.format != "json" {
		return badInput("invalid --format %q: use text or json", o.format)
	}
	if o.apply && !o.prune {
		return badInput("--apply goes with --prune")
	}
	if o.jobs < 1 {
		return badInput("--jobs must be at least 1")
	}
	paths := o.policies
	if len(paths) == 0 {
		if p := findPolicyFile(); p != "" {
			paths = []string{p}
		}
	}
	var pol *policy.Policy
	if len(paths) > 0 {
		var err error
		if pol, err = a.loadPolicy(paths, o.policy.vars, o.policy.varFiles); err != nil {
			return err
		}
	}
	if o.prune && pol == nil {
		return badInput("--prune deletes only what a policy's prune rules say: give --policy FILE (or add ./hoist.hcl)")
	}
	bk, err := o.builder.resolve(a.getenv)
	if err != nil {
		return err
	}
	targets, err := releaseTargets(pol, o, args)
	if err != nil {
		return err
	}
	git, _, _, err := gitinfo.Detect(ctx, gitinfo.Options{Getenv: a.getenv, Tag: o.gitTag, Branch: o.branch, SHA: o.sha, PR: o.pr})
	if err != nil {
		return badInput("%s", err)
	}

	results := make([]*releaseJSON, len(targets))
	sem := make(chan struct{}, o.jobs)
	var wg sync.WaitGroup
	var stderrMu sync.Mutex
	for i, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var errw io.Writer = a.stderr
			if len(targets) > 1 {
				errw = &prefixWriter{w: a.stderr, mu: &stderrMu, prefix: "[" + t.label() + "] "}
			}
			mode := o.progress
			if mode == "auto" && a.gha != nil && len(targets) == 1 {
				mode = "github" // each step's lines in a log group
			}
			results[i] = a.releaseOne(ctx, o, pol, git, t, errw, mode, bk)
		}()
	}
	wg.Wait()

	// In GitHub Actions, the report (its errors hold a failing RUN's last
	// lines, which the Dockerfile controls) is printed with workflow
	// commands stopped; the annotations and outputs come after.
	resume, err := a.gha.StopCommands()
	if err != nil {
		return opFailed(err)
	}
	if o.format == "json" {
		err = writeJSON(a.stdout, results)
	} else {
		a.printRelease(results, o.apply && !o.dryRun)
	}
	a.ghaWarn(resume())
	if err != nil {
		return err
	}
	a.ghaRelease(results, o.apply && !o.dryRun)
	code := exitOK
	for _, r := range results {
		code = max(code, r.exit)
	}
	if code == exitOK {
		return nil
	}
	// Each image's error is in the report printed above.
	return &exitError{code: code, err: errors.New("")}
}

func (t releaseTarget) label() string {
	if t.Name != "" {
		return t.Name
	}
	if len(t.Repositories) > 0 {
		return t.Repositories[0]
	}
	return t.Context
}

// releaseTargets are the images to release: the policy's image blocks
// (those named in args, or all), else one image from the flags.
func releaseTargets(pol *policy.Policy, o *releaseOptions, args []string) ([]releaseTarget, error) {
	var blocks []*policy.ImageBlock
	if pol != nil {
		blocks = pol.Images
	}
	if len(blocks) == 0 {
		if len(args) > 1 {
			return nil, badInput("without image blocks in the policy, release builds one CONTEXT; got %d arguments", len(args))
		}
		if len(o.repositories) == 0 {
			return nil, badInput("say where to push: add an image block to the policy (image \"app\" { repository = \"ghcr.io/acme/app\" }) or give -r REGISTRY/NAME")
		}
		t := releaseTarget{Repositories: o.repositories, Context: ".", Dockerfile: o.file, Target: o.target, Platforms: o.platforms}
		if len(args) == 1 {
			t.Context = args[0]
		}
		return []releaseTarget{t}, nil
	}
	if len(o.repositories) > 0 {
		return nil, badInput("-r is for releases without image blocks; the policy's image blocks name their repositories")
	}
	byName := map[string]*policy.ImageBlock{}
	var names []string
	for _, b := range blocks {
		byName[b.Name] = b
		names = append(names, b.Name)
	}
	chosen := blocks
	if len(args) > 0 {
		chosen = nil
		for _, n := range args {
			b, ok := byName[n]
			if !ok {
				return nil, badInput("no image block %q in the policy; it has: %s", n, strings.Join(names, ", "))
			}
			chosen = append(chosen, b)
		}
	}
	var out []releaseTarget
	for _, b := range chosen {
		t := releaseTarget{Name: b.Name, Repositories: []string{b.Repository}, Context: b.Context, Dockerfile: b.Dockerfile,
			Target: b.Target, BuildArgs: b.BuildArgs, Labels: b.Labels, Platforms: b.Platforms}
		if t.Context == "" {
			t.Context = "."
		}
		if !filepath.IsAbs(t.Context) {
			t.Context = filepath.Join(b.Dir, t.Context)
		}
		if t.Dockerfile != "" && !filepath.IsAbs(t.Dockerfile) {
			t.Dockerfile = filepath.Join(b.Dir, t.Dockerfile)
		}
		if o.file != "" {
			t.Dockerfile = o.file
		}
		if o.target != "" {
			t.Target = o.target
		}
		if len(o.platforms) > 0 {
			t.Platforms = o.platforms
		}
		out = append(out, t)
	}
	return out, nil
}

// releaseOne runs the pipeline for one image; the result says how far it
// got and why it stopped.
func (a *app) releaseOne(ctx context.Context, o *releaseOptions, pol *policy.Policy, git *policy.Git, t releaseTarget, errw io.Writer, mode string, bk daemon) *releaseJSON {
	start := time.Now()
	r := &releaseJSON{Name: t.Name, Repository: strings.Join(t.Repositories, ","), Tags: []string{}, Checks: []tagCheckJSON{}}
	fail := func(code int, status string, err error) *releaseJSON {
		r.Status, r.exit = status, code
		if err != nil {
			r.Error = err.Error()
		}
		r.DurationMS = time.Since(start).Milliseconds()
		return r
	}
	dockerfile := t.Dockerfile
	if dockerfile == "" {
		dockerfile = filepath.Join(t.Context, "Dockerfile")
	}
	r.Dockerfile = dockerfile

	// 1. Lint, at the policy's threshold.
	lintFacts, failed, err := a.releaseLint(pol, dockerfile, r)
	if err != nil {
		return fail(exitBadInput, "failed", err)
	}
	if failed {
		return fail(exitFailed, "lint-failed", fmt.Errorf("%s has lint findings at or over the failure threshold: nothing was built or pushed", dockerfile))
	}

	// 2. The tags (before the build: the version goes into the labels).
	ro := registry.Options{Insecure: o.insecure, UserAgent: "hoist/" + version}
	topts := tag.Options{Repositories: t.Repositories, Policy: pol, Git: git, Overrides: o.overrides, Registry: ro, Env: policyEnv(a.getenv), Lint: lintFacts}
	plans, err := tag.Compute(ctx, topts, "")
	if err != nil {
		if errors.Is(err, policy.ErrNoTag) {
			return fail(exitFailed, "blocked", err)
		}
		return fail(exitOpFailed, "failed", err)
	}
	if len(plans) > 0 {
		r.Version = tag.Version(plans[0])
	}

	// 3. The build, into the local store under the computed names.
	bf := &buildOptions{file: t.Dockerfile, target: t.Target, platforms: t.Platforms, cacheFrom: o.cacheFrom, cacheTo: o.cacheTo,
		secrets: o.secrets, noCache: o.noCache, pull: o.pull, reproducible: o.reproducible, insecure: o.insecure, compression: "gzip"}
	for _, p := range plans {
		for _, n := range p.Names() {
			bf.tags = append(bf.tags, p.Repository+":"+n)
		}
	}
	bo, err := a.buildOptionsFor(ctx, t.Context, bf)
	if err != nil {
		return fail(exitBadInput, "failed", err)
	}
	if bo.BuildArgs, err = mergeKeyValues(t.BuildArgs, "--build-arg", o.buildArgs, a.getenv); err != nil {
		return fail(exitBadInput, "failed", err)
	}
	if bo.Labels, err = mergeKeyValues(t.Labels, "--label", o.labels, nil); err != nil {
		return fail(exitBadInput, "failed", err)
	}
	created := time.Now().UTC()
	if bo.Epoch != nil {
		created = *bo.Epoch
	}
	oci := tag.Labels(git, tag.LabelInfo{Version: r.Version, Created: created, SourceURL: sourceURL(a.getenv)})
	for k, v := range oci {
		if _, ok := bo.Labels[k]; !ok {
			bo.Labels[k] = v
		}
		bo.Annotations[k] = v
	}
	r.Labels, r.annotations = bo.Labels, bo.Annotations
	if bo.Store, err = a.openStore(); err != nil {
		return fail(exitOpFailed, "failed", err)
	}
	bo.Stdout = errw
	res, err := runBuilder(ctx, bk, bo, mode, errw, false, false)
	if err != nil {
		if build.IsInputError(err) {
			return fail(exitBadInput, "failed", err)
		}
		return fail(exitOpFailed, "failed", err)
	}
	r.build = res
	r.Digest, r.Platforms = res.Digest.String(), res.Platforms
	if res.ConfigDigest.Hex != "" {
		r.ImageID = res.ConfigDigest.String()
	}
	r.CacheHits, r.CacheMisses = res.CacheHits, res.CacheMisses

	// 4. The checks again, now that the digest is known; then the push.
	published := []string{}
	if len(plans) > 0 {
		published = plans[0].Published
	}
	topts.Published = published
	if plans, err = tag.Compute(ctx, topts, r.Digest); err != nil {
		return fail(exitOpFailed, "failed", err)
	}
	blocked := false
	for _, p := range plans {
		for _, n := range p.Names() {
			r.Tags = append(r.Tags, p.Repository+":"+n)
		}
		for _, c := range p.Checks {
			r.Checks = append(r.Checks, tagCheckJSON{Check: c.Rule.Name, Level: string(c.Level), Status: string(c.Status), Message: c.Message})
			r.checks = append(r.checks, c)
		}
		blocked = blocked || p.Blocked()
	}
	if blocked {
		return fail(exitFailed, "blocked", errors.New("a policy check refuses the push: nothing was pushed"))
	}
	if o.dryRun || !o.push {
		r.Status = "built"
		r.DurationMS = time.Since(start).Milliseconds()
		return r
	}
	src, err := a.tagSource(ctx, r.Digest)
	if err != nil {
		return fail(exitOpFailed, "failed", err)
	}
	var up, down atomic.Int64
	pro := ro
	pro.Transport = &registry.CountingTransport{Base: ro.HTTPTransport(), Up: &up, Down: &down}
	written, err := tag.Apply(ctx, src, plans, pro)
	r.Pushed = len(written) > 0
	r.BytesPushed = res.BytesPushed + up.Load()
	if err != nil {
		return fail(exitOpFailed, "failed", err)
	}

	// 5. Prune the repositories by the policy.
	if o.prune {
		code, err := a.releasePrune(ctx, o, pol, ro, t.Repositories, r)
		if err != nil {
			return fail(code, "failed", err)
		}
	}
	r.Status = "released"
	r.DurationMS = time.Since(start).Milliseconds()
	return r
}

// releaseLint lints the Dockerfile with the policy's lint settings and
// returns the findings as facts for the checks, and whether they fail the
// release.
func (a *app) releaseLint(pol *policy.Policy, dockerfile string, r *releaseJSON) (*policy.Lint, bool, error) {
	cfg := lint.DefaultConfig()
	cfg.ShellCheck = "auto"
	if pol != nil && pol.Lint != nil {
		pol.Lint.Settings.Apply(&cfg)
	} else if path := lint.FindConfigFile(); path != "" {
		s, _, err := lint.LoadConfigFile(path)
		if err != nil {
			return nil, false, err
		}
		s.Apply(&cfg)
	}
	src, err := os.ReadFile(dockerfile)
	if err != nil {
		return nil, false, fmt.Errorf("reading the Dockerfile: %w; check the image block's dockerfile and context, or -f", unwrapPathError(err))
	}
	reg := rules.Registry()
	results := lint.New(reg, cfg).LintAll([]lint.Input{{Path: dockerfile, Content: src}})
	wd, _ := os.Getwd()
	r.report = &format.Report{Results: results, Rules: reg, WorkDir: wd, Threshold: cfg.FailureThreshold,
		Tool: format.Tool{Name: "hoist", Version: buildVersion().Version, InformationURI: "https://github.com/hoistci/hoist"}}
	c := lint.Count(results)
	r.Lint = releaseLintJSON{Errors: c.Error, Warnings: c.Warning, Infos: c.Info + c.Style}
	facts := &policy.Lint{Errors: c.Error, Warnings: c.Warning, Infos: c.Info + c.Style}
	for _, res := range results {
		for _, f := range res.Findings {
			facts.Findings = append(facts.Findings, policy.LintFinding{Code: f.RuleID, Rule: f.RuleName, Level: f.Severity.String(),
				Message: f.Message, File: f.File, Line: f.Line, Column: f.Column})
			r.Lint.Findings = append(r.Lint.Findings, f)
		}
	}
	failed := !cfg.NoFail && lint.Failed(results, cfg.FailureThreshold)
	r.Lint.Failed = failed
	return facts, failed, nil
}

type releaseLintJSON struct {
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
	Infos    int            `json:"infos"`
	Failed   bool           `json:"failed"`
	Findings []lint.Finding `json:"findings,omitempty"`
}

// releasePrune plans (and with --apply applies) a prune of the released
// repositories.
func (a *app) releasePrune(ctx context.Context, o *releaseOptions, pol *policy.Policy, ro registry.Options, repos []string, r *releaseJSON) (int, error) {
	po := &pruneOptions{format: o.format}
	po.reg.apply = o.apply && !o.dryRun
	po.reg.auditLog = o.auditLog
	po.reg.insecure = o.insecure
	po.reg.jobs = 16
	out, code, err := a.pruneRepos(ctx, po, pol, repos)
	r.Prune = out
	return code, err
}

func mergeKeyValues(base map[string]string, flag string, vals []string, getenv func(string) string) (map[string]string, error) {
	over, err := keyValues(flag, vals, getenv)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out, nil
}

func (a *app) printRelease(results []*releaseJSON, applied bool) {
	for _, r := range results {
		title := r.Repository
		if r.Name != "" {
			title = r.Name + " (" + r.Repository + ")"
		}
		fmt.Fprintf(a.stdout, "%s: %s\n", title, r.Status)
		if r.report != nil && len(r.Lint.Findings) > 0 {
			_ = format.Write("tty", a.stdout, r.report, format.Options{})
		}
		fmt.Fprintf(a.stdout, "  lint      %d errors, %d warnings, %d infos\n", r.Lint.Errors, r.Lint.Warnings, r.Lint.Infos)
		if r.Digest != "" {
			fmt.Fprintf(a.stdout, "  digest    %s\n", r.Digest)
			fmt.Fprintf(a.stdout, "  build     %d cached, %d built\n", r.CacheHits, r.CacheMisses)
		}
		if r.Version != "" {
			fmt.Fprintf(a.stdout, "  version   %s\n", r.Version)
		}
		if len(r.Tags) > 0 {
			verb := "tags     "
			if r.Pushed {
				verb = "pushed   "
			}
			fmt.Fprintf(a.stdout, "  %s %s\n", verb, strings.Join(r.Tags, "\n            "))
		}
		for _, c := range r.Checks {
			fmt.Fprintf(a.stdout, "  check     %s: %s (%s)%s\n", c.Check, c.Status, c.Level, suffix(": ", c.Message))
		}
		if len(r.Prune) > 0 {
			a.printPruneRegistry(r.Prune, applied, time.Now())
		}
		if r.Error != "" {
			fmt.Fprintf(a.stdout, "  error     %s\n", r.Error)
		}
		fmt.Fprintf(a.stdout, "  took      %s\n", (time.Duration(r.DurationMS) * time.Millisecond).Round(time.Millisecond))
	}
}

func suffix(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

// prefixWriter prefixes every line (concurrent releases share stderr).
type prefixWriter struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexByte(string(p.buf), '\n')
		if i < 0 {
			break
		}
		p.mu.Lock()
		_, err := io.WriteString(p.w, p.prefix+string(p.buf[:i+1]))
		p.mu.Unlock()
		p.buf = p.buf[i+1:]
		if err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}

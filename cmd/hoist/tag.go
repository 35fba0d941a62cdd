package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/gitinfo"
	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/registry"
	"github.com/hoistci/hoist/tag"
	metaaction "github.com/hoistci/hoist/tag/metadata"
)

func init() { commands = append(commands, (*app).newTagCmd) }

type tagOptions struct {
	repositories []string
	policy       policyFlags
	policies     []string
	dryRun       bool
	format       string
	gitTag       string
	branch       string
	sha          string
	pr           int
	latest       string
	fromMeta     string
	overrides    []string
	insecure     []string
	published    []string
}

func (a *app) newTagCmd() *cobra.Command {
	o := &tagOptions{}
	cmd := &cobra.Command{
		Use:   "tag [SOURCE]",
		Short: "Compute the right tags from git, CI and the registry, and apply them",
		Long: `Compute the tags of an image from the facts (git tag, branch, commit, pull
request, event — from GitHub Actions, GitLab CI or the local git checkout), the
versions each repository already publishes and the policy's tag rules (the
built-in ones without a policy: v1.2.3 gives 1.2.3, 1.2, 1 and latest, where
1.2, 1 and latest move only when 1.2.3 is the highest release of its line).

With SOURCE (an image of the local store, a registry reference or digest) the
tags are written to every --repository: the manifest by digest first (blobs
checked or mounted, never uploaded twice), then one manifest PUT per tag. The
policy's checks run first; a failing one writes nothing.

  hoist tag                                      # print the tags for this commit
  hoist tag -r ghcr.io/acme/app --dry-run        # ... against what ghcr.io publishes
  hoist tag app:dev -r ghcr.io/acme/app -r registry.example.com/app
  hoist tag --from-metadata-action meta.yml      # docker/metadata-action's inputs`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src := ""
			if len(args) == 1 {
				src = args[0]
			}
			if cmd.Flags().Changed("published") && o.published == nil {
				o.published = []string{}
			}
			return a.runTag(cmd.Context(), o, src)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.repositories, "repository", "r", nil, "a repository to tag in, REGISTRY/NAME (repeatable)")
	f.StringArrayVar(&o.policies, "policy", nil, "the policy file (default ./hoist.hcl when present)")
	o.policy.add(cmd, false)
	f.BoolVar(&o.dryRun, "dry-run", false, "compute and print, write nothing")
	f.StringVar(&o.format, "format", "text", "output: text or json")
	f.StringVar(&o.gitTag, "git-tag", "", "the git tag being released (overrides CI and git)")
	f.StringVar(&o.branch, "branch", "", "the branch (overrides CI and git)")
	f.StringVar(&o.sha, "sha", "", "the commit (overrides CI and git)")
	f.IntVar(&o.pr, "pr", 0, "the pull request number (overrides CI)")
	f.StringVar(&o.latest, "latest", "auto", "auto (latest, MAJOR and MAJOR.MINOR only to the highest release) or metadata-action (its exact behaviour)")
	f.StringVar(&o.fromMeta, "from-metadata-action", "", "read docker/metadata-action's inputs (images, tags, flavor) from FILE or - (stdin)")
	f.StringArrayVar(&o.overrides, "override", nil, "let a soft-mandatory check through (repeatable)")
	f.StringSliceVar(&o.published, "published", nil, "the versions to treat as published, instead of listing the repositories (comma-separated; empty for none)")
	f.StringArrayVar(&o.insecure, "insecure-registry", nil, "allow plain HTTP to HOST[:PORT] (localhost and 127.0.0.1 always are)")
	return cmd
}

// tagJSON is `hoist tag --format json`: an API.
type tagJSON struct {
	Version      string            `json:"version"`
	Source       string            `json:"factsSource"`
	Git          *policy.Git       `json:"git"`
	Repositories []tagRepoJSON     `json:"repositories"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	Notes        []string          `json:"notes,omitempty"`
	DryRun       bool              `json:"dryRun"`
}

type tagRepoJSON struct {
	Repository string         `json:"repository"`
	Published  []string       `json:"published"`
	Tags       []string       `json:"tags"`
	Decisions  []tagDecision  `json:"decisions"`
	Checks     []tagCheckJSON `json:"checks"`
	Written    []string       `json:"written"`
	Digest     string         `json:"digest,omitempty"`
}

type tagDecision struct {
	Rule   string   `json:"rule"`
	Fired  bool     `json:"fired"`
	Reason string   `json:"reason"`
	Tags   []string `json:"tags"`
}

type tagCheckJSON struct {
	Check   string `json:"check"`
	Level   string `json:"level"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

func (a *app) runTag(ctx context.Context, o *tagOptions, src string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.format != "text" && o.format != "json" {
		return badInput("invalid --format %q: use text or json", o.format)
	}
	if o.latest != "auto" && o.latest != "metadata-action" {
		return badInput("invalid --latest %q: use auto or metadata-action", o.latest)
	}
	git, source, notes, err := gitinfo.Detect(ctx, gitinfo.Options{
		Getenv: a.getenv, Tag: o.gitTag, Branch: o.branch, SHA: o.sha, PR: o.pr,
	})
	if err != nil {
		return badInput("%s", err)
	}
	var pol *policy.Policy
	paths := o.policies
	if len(paths) == 0 {
		if p := findPolicyFile(); p != "" {
			paths = []string{p}
		}
	}
	if len(paths) > 0 {
		if pol, err = a.loadPolicy(paths, o.policy.vars, o.policy.varFiles); err != nil {
			return err
		}
	}
	ro := registry.Options{Insecure: o.insecure, UserAgent: "hoist/" + version}
	topts := tag.Options{Repositories: o.repositories, Policy: pol, Git: git, Overrides: o.overrides, Registry: ro, Env: policyEnv(a.getenv), Published: o.published}

	var plans []tag.Plan
	if o.fromMeta != "" {
		plans, err = a.metadataPlans(ctx, o, topts)
	} else {
		if src == "" && len(o.repositories) == 0 && topts.Published == nil {
			topts.Published = []string{}
		}
		plans, err = tag.Compute(ctx, topts, "")
	}
	if err != nil {
		if errors.Is(err, policy.ErrNoTag) {
			return &exitError{code: exitFailed, err: err}
		}
		return opFailed(err)
	}
	out := tagJSON{Source: string(source), Git: git, Notes: notes, DryRun: o.dryRun || src == ""}
	defer a.ghaTag(&out) // after what was written is known, whatever the outcome
	if len(plans) > 0 {
		out.Version = tag.Version(plans[0])
	}
	created := time.Now().UTC()
	if v := a.getenv("SOURCE_DATE_EPOCH"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			created = time.Unix(n, 0).UTC()
		}
	}
	out.Labels = tag.Labels(git, tag.LabelInfo{Version: out.Version, Created: created, SourceURL: sourceURL(a.getenv)})
	out.Annotations = out.Labels
	for _, p := range plans {
		rj := tagRepoJSON{Repository: p.Repository, Published: p.Published, Tags: p.Names(), Written: []string{}}
		for _, r := range p.Tags.Rules {
			rj.Decisions = append(rj.Decisions, tagDecision{Rule: r.Rule.Name, Fired: r.Fired, Reason: r.Reason, Tags: r.Tags})
		}
		for _, c := range p.Checks {
			rj.Checks = append(rj.Checks, tagCheckJSON{Check: c.Rule.Name, Level: string(c.Level), Status: string(c.Status), Message: c.Message})
		}
		out.Repositories = append(out.Repositories, rj)
	}

	blocked := false
	for _, p := range plans {
		blocked = blocked || p.Blocked()
	}
	if src != "" && !o.dryRun && !blocked {
		if len(o.repositories) == 0 && o.fromMeta == "" {
			return badInput("give the repositories to tag in with -r REGISTRY/NAME")
		}
		s, err := a.tagSource(ctx, src)
		if err != nil {
			return err
		}
		written, err := tag.Apply(ctx, s, plans, ro)
		for i, w := range written {
			out.Repositories[i].Written = w.Tags
			out.Repositories[i].Digest = w.Digest.String()
		}
		if err != nil {
			a.printTagAs(o.format, out)
			return opFailed(err)
		}
	}
	a.printTagAs(o.format, out)
	if blocked {
		return &exitError{code: exitFailed, err: errors.New("a policy check refuses the push: nothing was written")}
	}
	return nil
}

// metadataPlans computes the tags from docker/metadata-action's inputs.
func (a *app) metadataPlans(ctx context.Context, o *tagOptions, topts tag.Options) ([]tag.Plan, error) {
	var r io.Reader
	if o.fromMeta == "-" {
		r = a.stdin
	} else {
		f, err := os.Open(o.fromMeta)
		if err != nil {
			return nil, badInput("--from-metadata-action: %s", err)
		}
		defer f.Close()
		r = f
	}
	in, err := metaaction.ParseInputs(r)
	if err != nil {
		return nil, badInput("%s: %s", o.fromMeta, err)
	}
	repos := append([]string{}, o.repositories...)
	for _, im := range in.Images {
		if im.Enable {
			repos = append(repos, im.Name)
		}
	}
	if len(repos) == 0 {
		repos = []string{""}
	}
	var plans []tag.Plan
	for _, repo := range repos {
		published := topts.Published
		if published == nil && repo != "" {
			tags, err := topts.Registry.ListTags(ctx, repo)
			if err != nil {
				return nil, err
			}
			published = tags
		}
		res, err := metaaction.Tags(in, metaaction.Context{Git: *topts.Git, Now: time.Now()}, published, o.latest == "metadata-action")
		if err != nil {
			return nil, badInput("%s", err)
		}
		p := tag.Plan{Repository: repo, Published: published}
		for _, t := range res.Tags {
			p.Tags.Tags = append(p.Tags.Tags, policy.Tag{Name: t})
		}
		for _, d := range res.Decisions {
			p.Tags.Rules = append(p.Tags.Rules, policy.TagRuleResult{Rule: policy.Rule{Name: "metadata-action"}, Fired: true, Reason: d})
		}
		facts := policy.Facts{Git: topts.Git, Registry: &policy.Registry{Versions: published}, Env: topts.Env,
			Push: &policy.Push{Repository: repo, Tags: res.Tags}}
		if p.Checks, err = topts.Policy.CheckResults(facts, topts.Overrides); err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// tagSource finds SOURCE: an image of the local store, else a registry
// reference.
func (a *app) tagSource(ctx context.Context, src string) (tag.Source, error) {
	if st, err := a.openStore(); err == nil {
		if idx, err := st.ImageIndex(src); err == nil {
			return tag.Source{Index: idx}, nil
		}
		if img, err := st.Image(src); err == nil {
			return tag.Source{Image: img}, nil
		}
	}
	if !strings.Contains(src, "/") {
		return tag.Source{}, badInput("SOURCE %s is not an image of the local store (see hoist images) nor a registry reference", src)
	}
	return tag.Source{Ref: src}, nil
}

// sourceURL is the repository's web address in CI.
func sourceURL(getenv func(string) string) string {
	if s, r := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"); s != "" && r != "" {
		return strings.TrimSuffix(s, "/") + "/" + r
	}
	return getenv("CI_PROJECT_URL")
}

// policyEnv is the environment the policy may read: CI's own variables.
func policyEnv(getenv func(string) string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"GITHUB_ACTIONS", "GITHUB_WORKFLOW", "GITHUB_ACTOR", "GITLAB_CI", "CI"} {
		if v := getenv(k); v != "" {
			out[k] = v
		}
	}
	return out
}

func (a *app) printTagAs(format string, out tagJSON) {
	if format == "json" {
		_ = writeJSON(a.stdout, out)
		return
	}
	for _, r := range out.Repositories {
		name := r.Repository
		if name == "" {
			name = "(no repository)"
		}
		fmt.Fprintf(a.stdout, "%s: %s\n", name, strings.Join(r.Tags, " "))
		for _, d := range r.Decisions {
			if d.Fired {
				fmt.Fprintf(a.stdout, "  %-16s %s\n", d.Rule, d.Reason)
			}
		}
		for _, c := range r.Checks {
			fmt.Fprintf(a.stdout, "  check %s: %s %s\n", c.Check, c.Status, c.Message)
		}
		if len(r.Written) > 0 {
			fmt.Fprintf(a.stdout, "  written: %s (%s)\n", strings.Join(r.Written, " "), r.Digest)
		}
	}
}

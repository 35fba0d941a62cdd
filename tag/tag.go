// Package tag computes the tags an image gets from git and CI facts, the
// versions a repository already publishes and the policy's tag rules, and
// applies them to registries with manifest requests only: the blobs are
// checked (HEAD) or mounted, never uploaded again, and a tag is written only
// once every blob and the manifest exist.
package tag

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/registry"
)

// Options are the inputs of a tag computation.
type Options struct {
	// Repositories are where the image is tagged (registry/name); with none
	// the tags are computed for the facts alone (no published versions).
	Repositories []string
	// Policy decides with its tag and check rules; nil uses the built-in
	// tag rules (policy.DefaultPolicy) and no checks.
	Policy *policy.Policy
	// Git are the facts of the commit.
	Git *policy.Git
	// Env is what the policy may read as env.NAME.
	Env map[string]string
	// Lint are the lint findings of the Dockerfile being pushed, for the
	// checks (lint.errors ...); nil when it was not linted.
	Lint *policy.Lint
	// Overrides are the soft-mandatory checks to let through.
	Overrides []string
	// Registry reaches the repositories.
	Registry registry.Options
	// Published, when not nil, are the versions to treat as published in
	// every repository instead of listing them (offline planning, tests).
	Published []string
	// Now is the clock for labels; nil is time.Now.
	Now func() time.Time
}

// Plan is what tagging one repository would do.
type Plan struct {
	Repository string
	// Published are the repository's tags that are semantic versions.
	Published []string
	// Tags is the tag set with every rule's decision.
	Tags policy.TagResult
	// Checks are the policy's check results for this push.
	Checks []policy.CheckResult
}

// Names are the plan's tags.
func (p Plan) Names() []string { return p.Tags.Names() }

// Blocked reports whether a check refuses the push.
func (p Plan) Blocked() bool { return policy.ChecksBlock(p.Checks) }

// Compute plans every repository: its published versions are listed (all
// pages) so that floating tags (latest, MAJOR, MAJOR.MINOR) only move to a
// version that is the highest in its line, then the tag rules and checks
// are evaluated. digest is the image's digest for the checks ("" when
// not known yet).
func Compute(ctx context.Context, o Options, digest string) ([]Plan, error) {
	if o.Git == nil {
		return nil, fmt.Errorf("tag: no git facts")
	}
	repos := o.Repositories
	if len(repos) == 0 {
		repos = []string{""}
	}
	var plans []Plan
	for _, repo := range repos {
		p := Plan{Repository: repo}
		published := o.Published
		if published == nil && repo != "" {
			tags, err := o.Registry.ListTags(ctx, repo)
			if err != nil {
				return nil, fmt.Errorf("listing the published versions of %s: %w", repo, err)
			}
			published = tags
		}
		p.Published = semverOnly(published)
		facts := policy.Facts{Git: o.Git, Registry: &policy.Registry{Versions: p.Published}, Env: o.Env, Lint: o.Lint}
		res, err := o.Policy.TagSet(facts)
		p.Tags = res
		if err != nil {
			return append(plans, p), err
		}
		facts.Push = &policy.Push{Repository: repo, Tags: res.Names(), Digest: digest}
		checks, err := o.Policy.CheckResults(facts, o.Overrides)
		p.Checks = checks
		if err != nil {
			return append(plans, p), err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// semverOnly keeps the tags that are semantic versions (with or without a
// leading v), sorted for stable output.
func semverOnly(tags []string) []string {
	var out []string
	for _, t := range tags {
		if policy.SemverValid(t) {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// Version is the version the tags announce: the first semantic-version
// tag, else the first tag.
func Version(p Plan) string {
	names := p.Names()
	for _, n := range names {
		if policy.SemverValid(n) {
			return strings.TrimPrefix(n, "v")
		}
	}
	if len(names) > 0 {
		return names[0]
	}
	return ""
}

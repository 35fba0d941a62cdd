// Package gitinfo finds out which commit is being built and why: the git
// and CI facts (policy.Git) that `hoist tag` computes tags from.
//
// The facts come from the first source that applies:
//
//   - GitHub Actions (GITHUB_ACTIONS=true): GITHUB_REF, GITHUB_SHA,
//     GITHUB_EVENT_NAME, GITHUB_REPOSITORY, GITHUB_HEAD_REF and the event
//     payload at GITHUB_EVENT_PATH. On pull requests the commit is the head
//     of the pull request (pull_request.head.sha), not the merge commit
//     GitHub builds in GITHUB_SHA, so that sha-… tags and revision labels
//     name a commit that exists in the repository.
//   - GitLab CI (GITLAB_CI=true): CI_COMMIT_TAG, CI_COMMIT_BRANCH,
//     CI_COMMIT_REF_NAME, CI_COMMIT_SHA, CI_MERGE_REQUEST_IID,
//     CI_MERGE_REQUEST_SOURCE_BRANCH_NAME, CI_DEFAULT_BRANCH,
//     CI_PROJECT_PATH and CI_PIPELINE_SOURCE.
//   - The local git checkout in Options.Dir, through the git binary.
//
// Then the overrides from flags (--git-tag, --branch, --sha, --pr) replace
// what was found. Without CI, without a git checkout and without overrides,
// Detect fails and says which flags to pass.
//
// # Events
//
// policy.Git.Event uses hoist's names, the same for every source:
//
//	hoist          GitHub (GITHUB_EVENT_NAME)          GitLab (CI_PIPELINE_SOURCE)          local git
//	push           push to a branch                    push to a branch                     HEAD not on a tag
//	tag            push of a tag                       push of a tag                        HEAD tagged
//	pull_request   pull_request, pull_request_target   merge_request_event,                 (--pr given)
//	                                                   external_pull_request_event
//	schedule       schedule                            schedule
//	manual         workflow_dispatch                   web (Run pipeline in the UI)
//	release        release
//
// Any other event keeps its CI name (GitHub: merge_group, workflow_run,
// repository_dispatch, ...; GitLab: api, trigger, pipeline,
// parent_pipeline, chat, webide, ...), so a policy can still tell them apart.
package gitinfo

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hoistci/hoist/internal/policy"
)

// Options say where to look for the facts and which facts the user gave.
type Options struct {
	// Getenv reads the environment (tests pass a map); nil reads nothing.
	Getenv func(string) string
	// Dir is the working tree for local git ("" is the current directory).
	Dir string

	// Overrides from flags; empty (0 for PR) means not given.
	Tag, Branch, SHA string
	PR               int

	// Git is the git binary ("" is "git", found in PATH).
	Git string
}

// Source says where the facts came from.
type Source string

// The sources.
const (
	SourceGitHub Source = "github"
	SourceGitLab Source = "gitlab"
	SourceGit    Source = "git"
	SourceFlags  Source = "flags" // no CI and no git checkout: only the overrides
)

// Hoist's event names (see the package documentation for the mapping).
const (
	EventPush        = "push"
	EventTag         = "tag"
	EventPullRequest = "pull_request"
	EventSchedule    = "schedule"
	EventManual      = "manual"
	EventRelease     = "release"
)

// shortSHALen is the length of policy.Git.ShortSHA, the length of the
// default sha-… tag.
const shortSHALen = 7

// Detect returns the facts about the commit being built: from GitHub Actions
// when GITHUB_ACTIONS=true, from GitLab CI when GITLAB_CI=true, else from the
// local git checkout; then the overrides. It also returns the source used
// and notes, one per finding, that say how each fact was found (for the
// decisions `hoist tag --format json` prints).
func Detect(ctx context.Context, o Options) (*policy.Git, Source, []string, error) {
	if err := checkOverrides(&o); err != nil {
		return nil, "", nil, err
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	d := &detection{getenv: getenv}

	var (
		g   *policy.Git
		src Source
		err error
	)
	switch {
	case strings.EqualFold(strings.TrimSpace(getenv("GITHUB_ACTIONS")), "true"):
		src = SourceGitHub
		d.notef("source: GitHub Actions (GITHUB_ACTIONS=true)")
		g, err = d.github()
	case strings.EqualFold(strings.TrimSpace(getenv("GITLAB_CI")), "true"):
		src = SourceGitLab
		d.notef("source: GitLab CI (GITLAB_CI=true)")
		g, err = d.gitlab()
	default:
		src = SourceGit
		g, err = d.local(ctx, o)
		if err != nil {
			if _, ok := err.(*noCheckoutError); ok && o.given() {
				src = SourceFlags
				d.notef("source: flags only (%v)", err)
				g, err = &policy.Git{}, nil
			}
		}
	}
	if err != nil {
		return nil, "", nil, err
	}
	d.override(g, o, src)
	g.SHA = strings.ToLower(g.SHA)
	g.ShortSHA = ""
	if len(g.SHA) >= shortSHALen {
		g.ShortSHA = g.SHA[:shortSHALen]
	}
	return g, src, d.notes, nil
}

type detection struct {
	getenv func(string) string
	notes  []string
}

func (d *detection) notef(format string, args ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

// env returns the trimmed value of an environment variable.
func (d *detection) env(name string) string {
	return strings.TrimSpace(d.getenv(name))
}

var hexSHA = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)

// checkOverrides validates and normalises the overrides: a ref prefix is
// dropped from --branch and --git-tag ("refs/heads/main" is "main").
func checkOverrides(o *Options) error {
	o.Tag = strings.TrimPrefix(strings.TrimSpace(o.Tag), "refs/tags/")
	o.Branch = strings.TrimPrefix(strings.TrimSpace(o.Branch), "refs/heads/")
	o.SHA = strings.TrimSpace(o.SHA)
	if o.SHA != "" && !hexSHA.MatchString(o.SHA) {
		return fmt.Errorf("--sha %q is not a commit id: give the hexadecimal commit id (40 characters, or at least the first 7)", o.SHA)
	}
	if o.PR < 0 {
		return fmt.Errorf("--pr %d is not a pull request number: give a positive number, or leave --pr out", o.PR)
	}
	return nil
}

func (o Options) given() bool {
	return o.Tag != "" || o.Branch != "" || o.SHA != "" || o.PR != 0
}

// override applies the flags. With the local git (or only flags) as the
// source, the ref and event follow from the final tag, branch and PR; CI's
// ref and event stay, since they describe what triggered the pipeline.
func (d *detection) override(g *policy.Git, o Options, src Source) {
	if o.Tag != "" {
		d.notef("git.tag = %q from --git-tag (was %s)", o.Tag, quoteOrNone(g.Tag))
		g.Tag = o.Tag
	}
	if o.Branch != "" {
		d.notef("git.branch = %q from --branch (was %s)", o.Branch, quoteOrNone(g.Branch))
		g.Branch = o.Branch
	}
	if o.SHA != "" {
		d.notef("git.sha = %q from --sha (was %s)", strings.ToLower(o.SHA), quoteOrNone(g.SHA))
		g.SHA = o.SHA
	}
	if o.PR != 0 {
		was := "none"
		if g.PR != 0 {
			was = strconv.Itoa(g.PR)
		}
		d.notef("git.pr = %d from --pr (was %s)", o.PR, was)
		g.PR = o.PR
	}
	if !o.given() {
		return
	}
	if src == SourceGit || src == SourceFlags {
		ref, event := localRefEvent(g.Tag, g.Branch, g.PR)
		if ref != g.Ref || event != g.Event {
			d.notef("git.ref = %s and git.event = %q follow from the overrides", quoteOrNone(ref), event)
		}
		g.Ref, g.Event = ref, event
	} else {
		d.notef("git.ref and git.event stay as %s reported them (%s, %s)", src, quoteOrNone(g.Ref), quoteOrNone(g.Event))
	}
}

// localRefEvent derives the ref and event of a build that no CI describes.
func localRefEvent(tag, branch string, pr int) (ref, event string) {
	switch {
	case pr != 0:
		return fmt.Sprintf("refs/pull/%d/head", pr), EventPullRequest
	case tag != "":
		return "refs/tags/" + tag, EventTag
	case branch != "":
		return "refs/heads/" + branch, EventPush
	default:
		return "", EventPush
	}
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return strconv.Quote(s)
}

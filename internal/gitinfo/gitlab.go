package gitinfo

import (
	"fmt"
	"strconv"

	"github.com/hoistci/hoist/internal/policy"
)

// gitlab reads the facts from GitLab CI's predefined variables.
func (d *detection) gitlab() (*policy.Git, error) {
	g := &policy.Git{}

	// Merge request pipelines (CI_MERGE_REQUEST_*), and pipelines for
	// external (GitHub) pull requests (CI_EXTERNAL_PULL_REQUEST_*).
	mr, kind := "", ""
	prefix := ""
	switch {
	case d.env("CI_MERGE_REQUEST_IID") != "":
		mr, kind, prefix = d.env("CI_MERGE_REQUEST_IID"), "CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_"
	case d.env("CI_EXTERNAL_PULL_REQUEST_IID") != "":
		mr, kind, prefix = d.env("CI_EXTERNAL_PULL_REQUEST_IID"), "CI_EXTERNAL_PULL_REQUEST_IID", "CI_EXTERNAL_PULL_REQUEST_"
	}
	if mr != "" {
		n, err := strconv.Atoi(mr)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("GitLab CI: %s=%q is not a merge request number; unset it or pass --pr", kind, mr)
		}
		g.PR = n
		d.notef("git.pr = %d from %s", g.PR, kind)
	}

	// Tag or branch.
	switch {
	case d.env("CI_COMMIT_TAG") != "":
		g.Tag = d.env("CI_COMMIT_TAG")
		g.Ref = "refs/tags/" + g.Tag
		d.notef("git.tag = %q from CI_COMMIT_TAG", g.Tag)
	case g.PR != 0:
		if b := d.env(prefix + "SOURCE_BRANCH_NAME"); b != "" {
			g.Branch = b
			d.notef("git.branch = %q from %sSOURCE_BRANCH_NAME", g.Branch, prefix)
		} else if b := d.env("CI_COMMIT_REF_NAME"); b != "" {
			g.Branch = b
			d.notef("git.branch = %q from CI_COMMIT_REF_NAME", g.Branch)
		}
		if ref := d.env("CI_MERGE_REQUEST_REF_PATH"); ref != "" && prefix == "CI_MERGE_REQUEST_" {
			g.Ref = ref
		} else if prefix == "CI_MERGE_REQUEST_" {
			g.Ref = fmt.Sprintf("refs/merge-requests/%d/head", g.PR)
		} else if g.Branch != "" {
			g.Ref = "refs/heads/" + g.Branch
		}
	case d.env("CI_COMMIT_BRANCH") != "":
		g.Branch = d.env("CI_COMMIT_BRANCH")
		g.Ref = "refs/heads/" + g.Branch
		d.notef("git.branch = %q from CI_COMMIT_BRANCH", g.Branch)
	case d.env("CI_COMMIT_REF_NAME") != "":
		g.Branch = d.env("CI_COMMIT_REF_NAME")
		g.Ref = "refs/heads/" + g.Branch
		d.notef("git.branch = %q from CI_COMMIT_REF_NAME (no CI_COMMIT_BRANCH or CI_COMMIT_TAG)", g.Branch)
	default:
		d.notef("git.branch and git.tag unknown: no CI_COMMIT_TAG, CI_COMMIT_BRANCH or CI_COMMIT_REF_NAME")
	}

	// The commit: in merged results pipelines CI_COMMIT_SHA is the merge
	// commit GitLab made; the source branch's head is the commit of the
	// merge request.
	g.SHA = d.env("CI_COMMIT_SHA")
	if head := d.env(prefix + "SOURCE_BRANCH_SHA"); g.PR != 0 && head != "" {
		if g.SHA != "" && g.SHA != head {
			d.notef("git.sha = %q from %sSOURCE_BRANCH_SHA: the merge request's head commit, not CI_COMMIT_SHA %q (the merged result)", head, prefix, g.SHA)
		} else {
			d.notef("git.sha = %q from %sSOURCE_BRANCH_SHA", head, prefix)
		}
		g.SHA = head
	} else if g.SHA != "" {
		d.notef("git.sha = %q from CI_COMMIT_SHA", g.SHA)
	} else {
		d.notef("git.sha unknown: CI_COMMIT_SHA is not set")
	}

	// The event.
	source := d.env("CI_PIPELINE_SOURCE")
	g.Event = gitlabEventName(source, g.Tag != "", g.PR != 0)
	if source == "" {
		d.notef("git.event = %q: CI_PIPELINE_SOURCE is not set, so guessed from the tag, branch and merge request", g.Event)
	} else {
		d.notef("git.event = %q from CI_PIPELINE_SOURCE %q", g.Event, source)
	}

	g.Repository = d.env("CI_PROJECT_PATH")
	if g.Repository != "" {
		d.notef("git.repository = %q from CI_PROJECT_PATH", g.Repository)
	} else {
		d.notef("git.repository unknown: CI_PROJECT_PATH is not set")
	}
	g.DefaultBranch = d.env("CI_DEFAULT_BRANCH")
	if g.DefaultBranch != "" {
		d.notef("git.default_branch = %q from CI_DEFAULT_BRANCH", g.DefaultBranch)
	} else {
		d.notef("git.default_branch unknown: CI_DEFAULT_BRANCH is not set")
	}
	return g, nil
}

// gitlabEventName maps CI_PIPELINE_SOURCE to hoist's event names.
func gitlabEventName(source string, tag, mr bool) string {
	switch source {
	case "push":
		if tag {
			return EventTag
		}
		return EventPush
	case "merge_request_event", "external_pull_request_event":
		return EventPullRequest
	case "schedule":
		return EventSchedule
	case "web":
		return EventManual
	case "":
		switch {
		case mr:
			return EventPullRequest
		case tag:
			return EventTag
		}
		return EventPush
	}
	return source
}

package gitinfo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/hoistci/hoist/internal/policy"
)

// githubEvent is the part of a GitHub Actions event payload
// (GITHUB_EVENT_PATH) that the facts need.
type githubEvent struct {
	Number      *int `json:"number"`
	PullRequest *struct {
		Number int `json:"number"`
		Head   struct {
			SHA string `json:"sha"`
			Ref string `json:"ref"`
		} `json:"head"`
	} `json:"pull_request"`
	Repository *struct {
		DefaultBranch string `json:"default_branch"`
		FullName      string `json:"full_name"`
	} `json:"repository"`
	Release *struct {
		TagName string `json:"tag_name"`
	} `json:"release"`
}

var githubPullRef = regexp.MustCompile(`^refs/pull/([0-9]+)/(merge|head)$`)

// github reads the facts from GitHub Actions' environment and event payload.
func (d *detection) github() (*policy.Git, error) {
	g := &policy.Git{}
	name := d.env("GITHUB_EVENT_NAME")

	ev, path, err := d.githubPayload()
	if err != nil {
		return nil, err
	}
	payload := "the event payload"
	if path != "" {
		payload = path
	}

	// The ref, and the tag or branch it names.
	g.Ref = d.env("GITHUB_REF")
	refFrom := "GITHUB_REF"
	if g.Ref == "" {
		// GITHUB_REF is always set by the runner; GITHUB_REF_NAME and
		// GITHUB_REF_TYPE give the same when someone replays a job.
		if n := d.env("GITHUB_REF_NAME"); n != "" {
			switch d.env("GITHUB_REF_TYPE") {
			case "tag":
				g.Ref, refFrom = "refs/tags/"+n, "GITHUB_REF_NAME (GITHUB_REF_TYPE=tag)"
			case "branch":
				g.Ref, refFrom = "refs/heads/"+n, "GITHUB_REF_NAME (GITHUB_REF_TYPE=branch)"
			}
		}
	}
	refPR := 0
	switch {
	case strings.HasPrefix(g.Ref, "refs/tags/"):
		g.Tag = strings.TrimPrefix(g.Ref, "refs/tags/")
		d.notef("git.tag = %q from %s %q", g.Tag, refFrom, g.Ref)
	case strings.HasPrefix(g.Ref, "refs/heads/"):
		g.Branch = strings.TrimPrefix(g.Ref, "refs/heads/")
		d.notef("git.branch = %q from %s %q", g.Branch, refFrom, g.Ref)
	case githubPullRef.MatchString(g.Ref):
		refPR, _ = strconv.Atoi(githubPullRef.FindStringSubmatch(g.Ref)[1])
	case g.Ref == "":
		d.notef("git.ref unknown: GITHUB_REF is not set")
	default:
		d.notef("git.ref %q names no branch, tag or pull request", g.Ref)
	}
	if g.Tag == "" && ev.Release != nil && ev.Release.TagName != "" {
		g.Tag = ev.Release.TagName
		d.notef("git.tag = %q from release.tag_name in %s", g.Tag, payload)
	}

	// The commit.
	g.SHA = d.env("GITHUB_SHA")
	shaFrom := "GITHUB_SHA"

	// Pull requests: the number, the head commit and the head branch.
	isPR := strings.HasPrefix(name, "pull_request") || refPR != 0
	if isPR {
		switch {
		case ev.Number != nil && *ev.Number > 0:
			g.PR = *ev.Number
			d.notef("git.pr = %d from number in %s", g.PR, payload)
		case ev.PullRequest != nil && ev.PullRequest.Number > 0:
			g.PR = ev.PullRequest.Number
			d.notef("git.pr = %d from pull_request.number in %s", g.PR, payload)
		case refPR != 0:
			g.PR = refPR
			d.notef("git.pr = %d from GITHUB_REF %q", g.PR, g.Ref)
		default:
			d.notef("git.pr unknown: event %q without a pull request number in %s or GITHUB_REF", name, payload)
		}
		if ev.PullRequest != nil && ev.PullRequest.Head.SHA != "" {
			if g.SHA != "" && !strings.EqualFold(g.SHA, ev.PullRequest.Head.SHA) {
				what := "the merge commit GitHub built"
				if name == "pull_request_target" {
					what = "the base branch's commit"
				}
				d.notef("git.sha = %q from pull_request.head.sha in %s: the pull request's head commit, not GITHUB_SHA %q (%s)",
					ev.PullRequest.Head.SHA, payload, g.SHA, what)
			} else {
				d.notef("git.sha = %q from pull_request.head.sha in %s", ev.PullRequest.Head.SHA, payload)
			}
			g.SHA, shaFrom = ev.PullRequest.Head.SHA, ""
		} else if g.SHA != "" {
			d.notef("git.sha = %q from GITHUB_SHA: no pull_request.head.sha in %s, so this may be the merge commit GitHub built, not a commit of the pull request", g.SHA, payload)
			shaFrom = ""
		}
		// The branch of a pull request is its head branch. For
		// pull_request_target, GITHUB_REF names the base branch; the
		// commit described here is the head.
		head, from := d.env("GITHUB_HEAD_REF"), "GITHUB_HEAD_REF"
		if head == "" && ev.PullRequest != nil && ev.PullRequest.Head.Ref != "" {
			head, from = ev.PullRequest.Head.Ref, "pull_request.head.ref in "+payload
		}
		if head != "" {
			if g.Branch != "" && g.Branch != head {
				d.notef("git.branch = %q from %s (the pull request's head branch; GITHUB_REF %q is the base)", head, from, g.Ref)
			} else {
				d.notef("git.branch = %q from %s", head, from)
			}
			g.Branch = head
		} else if g.Branch != "" {
			d.notef("git.branch %q is the base branch: no GITHUB_HEAD_REF or pull_request.head.ref", g.Branch)
		}
		if g.PR != 0 && !githubPullRef.MatchString(g.Ref) {
			ref := fmt.Sprintf("refs/pull/%d/head", g.PR)
			d.notef("git.ref = %q: the pull request's head (GITHUB_REF %s names the base)", ref, quoteOrNone(g.Ref))
			g.Ref = ref
		}
	}
	if shaFrom != "" {
		if g.SHA != "" {
			d.notef("git.sha = %q from %s", g.SHA, shaFrom)
		} else {
			d.notef("git.sha unknown: GITHUB_SHA is not set")
		}
	}

	// The event.
	g.Event = githubEventName(name, g.Ref)
	switch {
	case name == "":
		d.notef("git.event unknown: GITHUB_EVENT_NAME is not set")
	case g.Event != name:
		d.notef("git.event = %q from GITHUB_EVENT_NAME %q", g.Event, name)
	default:
		d.notef("git.event = %q from GITHUB_EVENT_NAME", g.Event)
	}

	// The repository and its default branch.
	g.Repository = d.env("GITHUB_REPOSITORY")
	if g.Repository != "" {
		d.notef("git.repository = %q from GITHUB_REPOSITORY", g.Repository)
	} else if ev.Repository != nil && ev.Repository.FullName != "" {
		g.Repository = ev.Repository.FullName
		d.notef("git.repository = %q from repository.full_name in %s", g.Repository, payload)
	} else {
		d.notef("git.repository unknown: no GITHUB_REPOSITORY")
	}
	switch {
	case ev.Repository != nil && ev.Repository.DefaultBranch != "":
		g.DefaultBranch = ev.Repository.DefaultBranch
		d.notef("git.default_branch = %q from repository.default_branch in %s", g.DefaultBranch, payload)
	case name == "schedule" && g.Branch != "":
		// Scheduled workflows run on the default branch, and their
		// payload has no repository.
		g.DefaultBranch = g.Branch
		d.notef("git.default_branch = %q: scheduled workflows run on the default branch", g.DefaultBranch)
	default:
		d.notef("git.default_branch unknown: no repository.default_branch in %s", payload)
	}
	return g, nil
}

// githubPayload reads the event payload; it is empty when GITHUB_EVENT_PATH
// is not set.
func (d *detection) githubPayload() (githubEvent, string, error) {
	var ev githubEvent
	path := d.env("GITHUB_EVENT_PATH")
	if path == "" {
		d.notef("no event payload: GITHUB_EVENT_PATH is not set")
		return ev, "", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ev, path, fmt.Errorf("reading the GitHub Actions event payload (GITHUB_EVENT_PATH): %w; point GITHUB_EVENT_PATH at the event JSON or unset it", err)
	}
	if err := decodeGitHubEvent(data, &ev); err != nil {
		return ev, path, fmt.Errorf("the GitHub Actions event payload %s (GITHUB_EVENT_PATH) is not valid: %v; point GITHUB_EVENT_PATH at the event JSON GitHub wrote, or unset it", path, err)
	}
	return ev, path, nil
}

// decodeGitHubEvent decodes a payload, which must be one JSON object.
func decodeGitHubEvent(data []byte, ev *githubEvent) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	return json.Unmarshal(trimmed, ev)
}

// githubEventName maps GITHUB_EVENT_NAME to hoist's event names.
func githubEventName(name, ref string) string {
	switch name {
	case "push":
		if strings.HasPrefix(ref, "refs/tags/") {
			return EventTag
		}
		return EventPush
	case "pull_request", "pull_request_target":
		return EventPullRequest
	case "schedule":
		return EventSchedule
	case "workflow_dispatch":
		return EventManual
	case "release":
		return EventRelease
	}
	return name
}

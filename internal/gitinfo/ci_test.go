package gitinfo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hoistci/hoist/internal/policy"
)

const (
	shaMain    = "3f786850e387550fdab836ed7e6dc881de23001b"
	shaTag     = "89e6c98d92887913cadf06b2adb97f26cde4849b"
	shaPRHead  = "2c26b46b68ffc68ff99b453c1d30413413422d70"
	shaPRMerge = "fcde2b2edba56bf408601fb721fe9b5c338d10ee"
	shaBotHead = "a665a45920422f9d417e4867efdc4fb8a04a1f3f"
	shaRelease = "b1d5781111d84f7b3fe45a0852e59758cd7a87e5"
)

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// githubEnv is the environment of a GitHub Actions job; payload names a
// file in testdata/github ("" for none).
func githubEnv(event, ref, sha, payload string, extra ...string) map[string]string {
	env := map[string]string{
		"CI":                "true",
		"GITHUB_ACTIONS":    "true",
		"GITHUB_EVENT_NAME": event,
		"GITHUB_REF":        ref,
		"GITHUB_SHA":        sha,
		"GITHUB_REPOSITORY": "acme/app",
		"GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_WORKFLOW":   "image",
		"RUNNER_OS":         "Linux",
	}
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		env["GITHUB_REF_NAME"] = ref[i+1:]
	}
	if payload != "" {
		env["GITHUB_EVENT_PATH"] = filepath.Join("testdata", "github", payload)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func gitlabEnv(kv ...string) map[string]string {
	env := map[string]string{
		"CI":                "true",
		"GITLAB_CI":         "true",
		"CI_PROJECT_PATH":   "acme/platform/app",
		"CI_DEFAULT_BRANCH": "main",
		"CI_SERVER_HOST":    "gitlab.example.com",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

func TestDetectCI(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		opts  Options // overrides; Getenv is set from env
		want  policy.Git
		src   Source
		notes []string // substrings some note must contain
	}{
		{
			name: "github push to main",
			env:  githubEnv("push", "refs/heads/main", shaMain, "push-main.json"),
			want: policy.Git{Branch: "main", DefaultBranch: "main", SHA: shaMain, ShortSHA: "3f78685",
				Ref: "refs/heads/main", Event: "push", Repository: "acme/app"},
			src:   SourceGitHub,
			notes: []string{`git.default_branch = "main" from repository.default_branch in testdata/github/push-main.json`},
		},
		{
			name: "github tag push",
			env:  githubEnv("push", "refs/tags/v1.4.0", shaTag, "push-tag.json"),
			want: policy.Git{Tag: "v1.4.0", DefaultBranch: "main", SHA: shaTag, ShortSHA: "89e6c98",
				Ref: "refs/tags/v1.4.0", Event: "tag", Repository: "acme/app"},
			src:   SourceGitHub,
			notes: []string{`git.event = "tag" from GITHUB_EVENT_NAME "push"`},
		},
		{
			name: "github pull_request: the head commit, not the merge commit",
			env: githubEnv("pull_request", "refs/pull/42/merge", shaPRMerge, "pull_request-opened.json",
				"GITHUB_HEAD_REF", "feature/Ready#12", "GITHUB_BASE_REF", "main"),
			want: policy.Git{Branch: "feature/Ready#12", DefaultBranch: "main", SHA: shaPRHead, ShortSHA: "2c26b46",
				PR: 42, Ref: "refs/pull/42/merge", Event: "pull_request", Repository: "acme/app"},
			src: SourceGitHub,
			notes: []string{
				`git.sha = "` + shaPRHead + `" from pull_request.head.sha`,
				`not GITHUB_SHA "` + shaPRMerge + `" (the merge commit GitHub built)`,
				`git.pr = 42 from number in testdata/github/pull_request-opened.json`,
			},
		},
		{
			name: "github pull_request without GITHUB_HEAD_REF: head branch from the payload",
			env:  githubEnv("pull_request", "refs/pull/42/merge", shaPRMerge, "pull_request-opened.json"),
			want: policy.Git{Branch: "feature/Ready#12", DefaultBranch: "main", SHA: shaPRHead, ShortSHA: "2c26b46",
				PR: 42, Ref: "refs/pull/42/merge", Event: "pull_request", Repository: "acme/app"},
			src:   SourceGitHub,
			notes: []string{`git.branch = "feature/Ready#12" from pull_request.head.ref in testdata/github/pull_request-opened.json`},
		},
		{
			name: "github pull_request without a payload: number from the ref, merge commit noted",
			env:  githubEnv("pull_request", "refs/pull/7/merge", shaPRMerge, "", "GITHUB_HEAD_REF", "fix"),
			want: policy.Git{Branch: "fix", SHA: shaPRMerge, ShortSHA: "fcde2b2", PR: 7,
				Ref: "refs/pull/7/merge", Event: "pull_request", Repository: "acme/app"},
			src: SourceGitHub,
			notes: []string{`git.pr = 7 from GITHUB_REF "refs/pull/7/merge"`, "may be the merge commit",
				"no event payload: GITHUB_EVENT_PATH is not set"},
		},
		{
			name: "github pull_request_target: GITHUB_REF and GITHUB_SHA are the base",
			env: githubEnv("pull_request_target", "refs/heads/main", shaMain, "pull_request_target.json",
				"GITHUB_HEAD_REF", "dependabot/go_modules/golang.org/x/net-0.36.0", "GITHUB_BASE_REF", "main"),
			want: policy.Git{Branch: "dependabot/go_modules/golang.org/x/net-0.36.0", DefaultBranch: "main",
				SHA: shaBotHead, ShortSHA: "a665a45", PR: 43, Ref: "refs/pull/43/head", Event: "pull_request",
				Repository: "acme/app"},
			src: SourceGitHub,
			notes: []string{"(the base branch's commit)", `git.ref = "refs/pull/43/head"`,
				`GITHUB_REF "refs/heads/main" is the base`},
		},
		{
			name: "github schedule: default branch is the branch it runs on",
			env:  githubEnv("schedule", "refs/heads/main", shaMain, "schedule.json"),
			want: policy.Git{Branch: "main", DefaultBranch: "main", SHA: shaMain, ShortSHA: "3f78685",
				Ref: "refs/heads/main", Event: "schedule", Repository: "acme/app"},
			src:   SourceGitHub,
			notes: []string{"scheduled workflows run on the default branch"},
		},
		{
			name: "github workflow_dispatch on a release branch",
			env:  githubEnv("workflow_dispatch", "refs/heads/release/1.3", shaMain, "workflow_dispatch.json"),
			want: policy.Git{Branch: "release/1.3", DefaultBranch: "main", SHA: shaMain, ShortSHA: "3f78685",
				Ref: "refs/heads/release/1.3", Event: "manual", Repository: "acme/app"},
			src:   SourceGitHub,
			notes: []string{`git.event = "manual" from GITHUB_EVENT_NAME "workflow_dispatch"`},
		},
		{
			name: "github release published",
			env:  githubEnv("release", "refs/tags/v2.0.0-rc.1", shaRelease, "release-published.json"),
			want: policy.Git{Tag: "v2.0.0-rc.1", DefaultBranch: "main", SHA: shaRelease, ShortSHA: "b1d5781",
				Ref: "refs/tags/v2.0.0-rc.1", Event: "release", Repository: "acme/app"},
			src: SourceGitHub,
		},
		{
			name: "github release without GITHUB_REF: tag from release.tag_name",
			env: func() map[string]string {
				e := githubEnv("release", "", shaRelease, "release-published.json")
				delete(e, "GITHUB_REF_NAME")
				return e
			}(),
			want: policy.Git{Tag: "v2.0.0-rc.1", DefaultBranch: "main", SHA: shaRelease, ShortSHA: "b1d5781",
				Event: "release", Repository: "acme/app"},
			src:   SourceGitHub,
			notes: []string{`git.tag = "v2.0.0-rc.1" from release.tag_name`},
		},
		{
			name: "github ref from GITHUB_REF_NAME and GITHUB_REF_TYPE",
			env: githubEnv("push", "", shaTag, "", "GITHUB_REF_NAME", "v1.4.0", "GITHUB_REF_TYPE", "tag",
				"GITHUB_REPOSITORY", ""),
			want: policy.Git{Tag: "v1.4.0", SHA: shaTag, ShortSHA: "89e6c98", Ref: "refs/tags/v1.4.0", Event: "tag"},
			src:  SourceGitHub,
			notes: []string{"git.repository unknown", "git.default_branch unknown",
				`from GITHUB_REF_NAME (GITHUB_REF_TYPE=tag)`},
		},
		{
			name: "github other events keep their name",
			env:  githubEnv("merge_group", "refs/heads/gh-readonly-queue/main/pr-42-3f78685", shaMain, ""),
			want: policy.Git{Branch: "gh-readonly-queue/main/pr-42-3f78685", SHA: shaMain, ShortSHA: "3f78685",
				Ref: "refs/heads/gh-readonly-queue/main/pr-42-3f78685", Event: "merge_group", Repository: "acme/app"},
			src: SourceGitHub,
		},
		{
			name: "github upper-case sha is lower-cased",
			env:  githubEnv("push", "refs/heads/main", strings.ToUpper(shaMain), ""),
			want: policy.Git{Branch: "main", SHA: shaMain, ShortSHA: "3f78685", Ref: "refs/heads/main",
				Event: "push", Repository: "acme/app"},
			src: SourceGitHub,
		},
		{
			name: "github wins over gitlab",
			env: func() map[string]string {
				e := githubEnv("push", "refs/heads/main", shaMain, "")
				e["GITLAB_CI"] = "true"
				e["CI_COMMIT_SHA"] = shaTag
				return e
			}(),
			want: policy.Git{Branch: "main", SHA: shaMain, ShortSHA: "3f78685", Ref: "refs/heads/main",
				Event: "push", Repository: "acme/app"},
			src: SourceGitHub,
		},

		// GitLab.
		{
			name: "gitlab push to main",
			env: gitlabEnv("CI_PIPELINE_SOURCE", "push", "CI_COMMIT_BRANCH", "main", "CI_COMMIT_REF_NAME", "main",
				"CI_COMMIT_SHA", shaMain, "CI_COMMIT_SHORT_SHA", "3f786850"),
			want: policy.Git{Branch: "main", DefaultBranch: "main", SHA: shaMain, ShortSHA: "3f78685",
				Ref: "refs/heads/main", Event: "push", Repository: "acme/platform/app"},
			src:   SourceGitLab,
			notes: []string{`git.event = "push" from CI_PIPELINE_SOURCE "push"`},
		},
		{
			name: "gitlab tag",
			env: gitlabEnv("CI_PIPELINE_SOURCE", "push", "CI_COMMIT_TAG", "v1.4.0", "CI_COMMIT_REF_NAME", "v1.4.0",
				"CI_COMMIT_SHA", shaTag, "CI_COMMIT_TAG_MESSAGE", "Release 1.4.0"),
			want: policy.Git{Tag: "v1.4.0", DefaultBranch: "main", SHA: shaTag, ShortSHA: "89e6c98",
				Ref: "refs/tags/v1.4.0", Event: "tag", Repository: "acme/platform/app"},
			src: SourceGitLab,
		},
		{
			name: "gitlab merge request",
			env: gitlabEnv("CI_PIPELINE_SOURCE", "merge_request_event", "CI_MERGE_REQUEST_IID", "17",
				"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/Ready#12", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main",
				"CI_MERGE_REQUEST_REF_PATH", "refs/merge-requests/17/head", "CI_COMMIT_REF_NAME", "feature/Ready#12",
				"CI_COMMIT_SHA", shaPRHead),
			want: policy.Git{Branch: "feature/Ready#12", DefaultBranch: "main", SHA: shaPRHead, ShortSHA: "2c26b46",
				PR: 17, Ref: "refs/merge-requests/17/head", Event: "pull_request", Repository: "acme/platform/app"},
			src: SourceGitLab,
		},
		{
			name: "gitlab merged results pipeline: the source branch's head",
			env: gitlabEnv("CI_PIPELINE_SOURCE", "merge_request_event", "CI_MERGE_REQUEST_IID", "17",
				"CI_MERGE_REQUEST_EVENT_TYPE", "merged_result",
				"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "fix", "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", shaPRHead,
				"CI_COMMIT_SHA", shaPRMerge),
			want: policy.Git{Branch: "fix", DefaultBranch: "main", SHA: shaPRHead, ShortSHA: "2c26b46",
				PR: 17, Ref: "refs/merge-requests/17/head", Event: "pull_request", Repository: "acme/platform/app"},
			src:   SourceGitLab,
			notes: []string{`not CI_COMMIT_SHA "` + shaPRMerge + `" (the merged result)`},
		},
		{
			name: "gitlab external pull request",
			env: gitlabEnv("CI_PIPELINE_SOURCE", "external_pull_request_event", "CI_EXTERNAL_PULL_REQUEST_IID", "5",
				"CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME", "fix", "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_SHA", shaPRHead,
				"CI_COMMIT_BRANCH", "fix", "CI_COMMIT_SHA", shaPRHead),
			want: policy.Git{Branch: "fix", DefaultBranch: "main", SHA: shaPRHead, ShortSHA: "2c26b46",
				PR: 5, Ref: "refs/heads/fix", Event: "pull_request", Repository: "acme/platform/app"},
			src: SourceGitLab,
		},
		{
			name: "gitlab schedule",
			env:  gitlabEnv("CI_PIPELINE_SOURCE", "schedule", "CI_COMMIT_BRANCH", "main", "CI_COMMIT_SHA", shaMain),
			want: policy.Git{Branch: "main", DefaultBranch: "main", SHA: shaMain, ShortSHA: "3f78685",
				Ref: "refs/heads/main", Event: "schedule", Repository: "acme/platform/app"},
			src: SourceGitLab,
		},
		{
			name: "gitlab run pipeline from the UI",
			env:  gitlabEnv("CI_PIPELINE_SOURCE", "web", "CI_COMMIT_BRANCH", "main", "CI_COMMIT_SHA", shaMain),
			want: policy.Git{Branch: "main", DefaultBranch: "main", SHA: shaMain, ShortSHA: "3f78685",
				Ref: "refs/heads/main", Event: "manual", Repository: "acme/platform/app"},
			src: SourceGitLab,
		},
		{
			name: "gitlab trigger keeps its name",
			env:  gitlabEnv("CI_PIPELINE_SOURCE", "trigger", "CI_COMMIT_BRANCH", "main", "CI_COMMIT_SHA", shaMain),
			want: policy.Git{Branch: "main", DefaultBranch: "main", SHA: shaMain, ShortSHA: "3f78685",
				Ref: "refs/heads/main", Event: "trigger", Repository: "acme/platform/app"},
			src: SourceGitLab,
		},
		{
			name: "gitlab without CI_PIPELINE_SOURCE: event guessed",
			env:  gitlabEnv("CI_COMMIT_TAG", "v1.4.0", "CI_COMMIT_SHA", shaTag),
			want: policy.Git{Tag: "v1.4.0", DefaultBranch: "main", SHA: shaTag, ShortSHA: "89e6c98",
				Ref: "refs/tags/v1.4.0", Event: "tag", Repository: "acme/platform/app"},
			src:   SourceGitLab,
			notes: []string{"CI_PIPELINE_SOURCE is not set"},
		},

		// Overrides beat everything.
		{
			name: "overrides beat github",
			env: githubEnv("pull_request", "refs/pull/42/merge", shaPRMerge, "pull_request-opened.json",
				"GITHUB_HEAD_REF", "feature/Ready#12"),
			opts: Options{Tag: "refs/tags/v9.9.9", Branch: "refs/heads/hotfix", SHA: "ABCDEF1234567", PR: 99},
			want: policy.Git{Tag: "v9.9.9", Branch: "hotfix", DefaultBranch: "main", SHA: "abcdef1234567",
				ShortSHA: "abcdef1", PR: 99, Ref: "refs/pull/42/merge", Event: "pull_request", Repository: "acme/app"},
			src: SourceGitHub,
			notes: []string{`git.tag = "v9.9.9" from --git-tag (was none)`, `git.pr = 99 from --pr (was 42)`,
				`git.sha = "abcdef1234567" from --sha (was "` + shaPRHead + `")`,
				"git.ref and git.event stay as github reported them"},
		},
		{
			name: "overrides beat gitlab",
			env:  gitlabEnv("CI_PIPELINE_SOURCE", "push", "CI_COMMIT_BRANCH", "main", "CI_COMMIT_SHA", shaMain),
			opts: Options{Branch: "release/2.x", SHA: shaTag},
			want: policy.Git{Branch: "release/2.x", DefaultBranch: "main", SHA: shaTag, ShortSHA: "89e6c98",
				Ref: "refs/heads/main", Event: "push", Repository: "acme/platform/app"},
			src: SourceGitLab,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Getenv = mapEnv(tt.env)
			o.Git = "/nonexistent/git" // CI facts never run git
			g, src, notes, err := Detect(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *g); diff != "" {
				t.Errorf("facts (-want +got):\n%s\nnotes:\n%s", diff, strings.Join(notes, "\n"))
			}
			if src != tt.src {
				t.Errorf("source = %q, want %q", src, tt.src)
			}
			checkNotes(t, notes, tt.notes)
		})
	}
}

func checkNotes(t *testing.T, notes, want []string) {
	t.Helper()
	if len(notes) == 0 {
		t.Errorf("no notes")
	}
	for _, w := range want {
		found := false
		for _, n := range notes {
			if strings.Contains(n, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no note contains %q; notes:\n%s", w, strings.Join(notes, "\n"))
		}
	}
}

func TestDetectErrors(t *testing.T) {
	notRepo := t.TempDir()
	tests := []struct {
		name string
		opts Options
		env  map[string]string
		want []string // substrings of the error
	}{
		{
			name: "malformed payload names the file",
			env:  githubEnv("pull_request", "refs/pull/42/merge", shaPRMerge, "malformed.json"),
			want: []string{"testdata/github/malformed.json", "GITHUB_EVENT_PATH", "not valid"},
		},
		{
			name: "payload with a wrong type names the file",
			env:  githubEnv("pull_request", "refs/pull/42/merge", shaPRMerge, "wrong-type.json"),
			want: []string{"testdata/github/wrong-type.json", "number"},
		},
		{
			name: "payload that is no object",
			env: githubEnv("push", "refs/heads/main", shaMain, "",
				"GITHUB_EVENT_PATH", writeTemp(t, "null.json", "null")),
			want: []string{"null.json", "not a JSON object"},
		},
		{
			name: "missing payload",
			env:  githubEnv("push", "refs/heads/main", shaMain, "does-not-exist.json"),
			want: []string{"does-not-exist.json", "GITHUB_EVENT_PATH"},
		},
		{
			name: "gitlab merge request number that is no number",
			env:  gitlabEnv("CI_MERGE_REQUEST_IID", "abc", "CI_COMMIT_SHA", shaMain),
			want: []string{`CI_MERGE_REQUEST_IID="abc"`},
		},
		{
			name: "no CI and no repository",
			opts: Options{Dir: notRepo},
			want: []string{"not in a git repository", notRepo, "--sha, --branch or --git-tag"},
		},
		{
			name: "no CI and no git",
			opts: Options{Dir: notRepo, Git: "/nonexistent/git"},
			want: []string{"git cannot run", "--sha, --branch or --git-tag"},
		},
		{
			name: "bad --sha",
			opts: Options{SHA: "main"},
			want: []string{`--sha "main" is not a commit id`},
		},
		{
			name: "negative --pr",
			opts: Options{PR: -1},
			want: []string{"--pr -1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Getenv = mapEnv(tt.env)
			g, _, _, err := Detect(context.Background(), o)
			if err == nil {
				t.Fatalf("no error; facts %+v", g)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Without CI and without a repository, overrides alone are the facts.
func TestDetectFlagsOnly(t *testing.T) {
	tests := []struct {
		opts Options
		want policy.Git
	}{
		{Options{SHA: shaMain, Branch: "main"},
			policy.Git{Branch: "main", SHA: shaMain, ShortSHA: "3f78685", Ref: "refs/heads/main", Event: "push"}},
		{Options{SHA: shaTag, Tag: "v1.4.0"},
			policy.Git{Tag: "v1.4.0", SHA: shaTag, ShortSHA: "89e6c98", Ref: "refs/tags/v1.4.0", Event: "tag"}},
		{Options{SHA: shaPRHead, PR: 42, Branch: "fix"},
			policy.Git{Branch: "fix", SHA: shaPRHead, ShortSHA: "2c26b46", PR: 42, Ref: "refs/pull/42/head", Event: "pull_request"}},
	}
	for _, tt := range tests {
		o := tt.opts
		o.Dir = t.TempDir()
		g, src, notes, err := Detect(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if src != SourceFlags {
			t.Errorf("source = %q, want flags", src)
		}
		if diff := cmp.Diff(tt.want, *g); diff != "" {
			t.Errorf("facts (-want +got):\n%s", diff)
		}
		checkNotes(t, notes, []string{"source: flags only", "not in a git repository"})
	}
}

func TestRepositoryFromURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://github.com/acme/app.git", "acme/app"},
		{"https://github.com/acme/app", "acme/app"},
		{"https://github.com/acme/app/", "acme/app"},
		{"https://x-access-token:secret@github.com/acme/app.git", "acme/app"},
		{"http://gitea.local:3000/acme/app.git", "acme/app"},
		{"git@github.com:acme/app.git", "acme/app"},
		{"git@github.com:acme/app", "acme/app"},
		{"github.com:acme/app.git", "acme/app"},
		{"git@gitlab.example.com:acme/platform/app.git", "acme/platform/app"},
		{"ssh://git@github.com/acme/app.git", "acme/app"},
		{"ssh://git@gitlab.example.com:2222/acme/platform/app.git", "acme/platform/app"},
		{"git://git.kernel.org/pub/scm/git/git.git", "pub/scm/git/git"},
		{"  git@github.com:acme/app.git\n", "acme/app"},
		// No repository on a server.
		{"", ""},
		{"/srv/git/app.git", ""},
		{"../app", ""},
		{"file:///srv/git/acme/app.git", ""},
		{"https://github.com/app.git", ""},
		{"https://github.com/", ""},
		{"git@github.com:app.git", ""},
		{"git@github.com:", ""},
		{"./dir:with/colon", ""},
		{"git@github.com:acme/../app", ""},
		{"git@host:~user/app.git", ""},
		{`C:\src\app`, ""},
	}
	for _, tt := range tests {
		if got := RepositoryFromURL(tt.url); got != tt.want {
			t.Errorf("RepositoryFromURL(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func FuzzRepositoryFromURL(f *testing.F) {
	for _, s := range []string{"https://github.com/acme/app.git", "git@github.com:acme/app.git",
		"ssh://git@h:22/a/b/c.git", "/local/path", "file:///x/y", "a:b/c", "https://u:p@h/o/n/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := RepositoryFromURL(s)
		if r == "" {
			return
		}
		if strings.HasPrefix(r, "/") || strings.HasSuffix(r, "/") || strings.HasSuffix(r, ".git") ||
			!strings.Contains(r, "/") || strings.Contains(r, "//") {
			t.Errorf("RepositoryFromURL(%q) = %q: not owner/name", s, r)
		}
		for _, part := range strings.Split(r, "/") {
			if part == "." || part == ".." {
				t.Errorf("RepositoryFromURL(%q) = %q: has a dot segment", s, r)
			}
		}
	})
}

// FuzzGitHubPayload feeds hostile event payloads to Detect: it returns facts
// or an error naming the file, never panics.
func FuzzGitHubPayload(f *testing.F) {
	for _, name := range []string{"push-main.json", "pull_request-opened.json", "release-published.json",
		"schedule.json", "malformed.json", "wrong-type.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "github", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add("pull_request", data)
	}
	f.Add("push", []byte(`{"repository": null, "pull_request": {"head": {}}, "number": 0}`))
	f.Add("release", []byte(`{"release": {"tag_name": ""}}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, event string, payload []byte) {
		path := filepath.Join(dir, "event.json")
		if err := os.WriteFile(path, payload, 0o644); err != nil {
			t.Fatal(err)
		}
		env := githubEnv(event, "refs/pull/3/merge", shaPRMerge, "", "GITHUB_EVENT_PATH", path)
		g, _, _, err := Detect(context.Background(), Options{Getenv: mapEnv(env), Git: "/nonexistent/git"})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the payload: %v", err)
			}
			return
		}
		if g.PR < 0 {
			t.Errorf("negative PR %d", g.PR)
		}
	})
}

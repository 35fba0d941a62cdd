package gitinfo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hoistci/hoist/internal/policy"
)

// testRepo is a git repository in a temporary directory.
type testRepo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T) *testRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	r := &testRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

// git runs git in the repository, isolated from the user's configuration.
func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(),
		"HOME="+r.dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.com",
		"GIT_COMMITTER_NAME=Ada", "GIT_COMMITTER_EMAIL=ada@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit makes a commit and returns its id.
func (r *testRepo) commit(msg string) string {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "file"), []byte(msg), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.git("add", "file")
	r.git("commit", "-q", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func (r *testRepo) detect(o Options) (*policy.Git, Source, []string) {
	r.t.Helper()
	o.Dir = r.dir
	o.Getenv = mapEnv(map[string]string{"CI": "true"}) // some other CI: local git
	g, src, notes, err := Detect(context.Background(), o)
	if err != nil {
		r.t.Fatal(err)
	}
	if src != SourceGit {
		r.t.Errorf("source = %q, want git", src)
	}
	return g, src, notes
}

func TestLocalBranch(t *testing.T) {
	r := newRepo(t)
	r.commit("one")
	sha := r.commit("two")
	r.git("remote", "add", "origin", "git@github.com:acme/app.git")
	r.git("checkout", "-q", "-b", "feature/Foo#12")

	g, _, notes := r.detect(Options{})
	want := policy.Git{Branch: "feature/Foo#12", DefaultBranch: "main", SHA: sha, ShortSHA: sha[:7],
		Ref: "refs/heads/feature/Foo#12", Event: "push", Repository: "acme/app"}
	if diff := cmp.Diff(want, *g); diff != "" {
		t.Errorf("facts (-want +got):\n%s", diff)
	}
	checkNotes(t, notes, []string{`git.default_branch = "main": no refs/remotes/origin/HEAD`,
		`git.repository = "acme/app" from the URL of the origin remote`, "source: the git checkout in " + r.dir})
}

func TestLocalTags(t *testing.T) {
	r := newRepo(t)
	r.git("remote", "add", "origin", "https://github.com/acme/app.git")
	first := r.commit("one")
	r.git("tag", "v1.0.0") // lightweight
	second := r.commit("two")
	r.git("tag", "-a", "-m", "release 1.1.0", "v1.1.0") // annotated

	t.Run("annotated tag on a branch", func(t *testing.T) {
		g, _, notes := r.detect(Options{})
		want := policy.Git{Tag: "v1.1.0", Branch: "main", DefaultBranch: "main", SHA: second, ShortSHA: second[:7],
			Ref: "refs/tags/v1.1.0", Event: "tag", Repository: "acme/app"}
		if diff := cmp.Diff(want, *g); diff != "" {
			t.Errorf("facts (-want +got):\n%s", diff)
		}
		checkNotes(t, notes, []string{`git.tag = "v1.1.0": it points at HEAD`, `git.event = "tag": HEAD is tagged`})
	})

	t.Run("lightweight tag, detached HEAD", func(t *testing.T) {
		r.git("checkout", "-q", "v1.0.0")
		defer r.git("checkout", "-q", "main")
		g, _, notes := r.detect(Options{})
		want := policy.Git{Tag: "v1.0.0", DefaultBranch: "main", SHA: first, ShortSHA: first[:7],
			Ref: "refs/tags/v1.0.0", Event: "tag", Repository: "acme/app"}
		if diff := cmp.Diff(want, *g); diff != "" {
			t.Errorf("facts (-want +got):\n%s", diff)
		}
		checkNotes(t, notes, []string{"git.branch unknown: HEAD is detached"})
	})

	t.Run("several tags: the highest version", func(t *testing.T) {
		r.git("tag", "v1.1.0-rc.2", second)
		r.git("tag", "latest-good", second)
		r.git("tag", "-a", "-m", "v1.1.0 again", "1.1.0+build.7", second)
		r.git("tag", "v1.10.0", second)
		r.git("tag", "v1.9.0", second)
		g, _, notes := r.detect(Options{})
		if g.Tag != "v1.10.0" {
			t.Errorf("tag = %q, want v1.10.0", g.Tag)
		}
		checkNotes(t, notes, []string{`git.tag = "v1.10.0": the highest version of the 6 tags at HEAD (1.1.0+build.7, latest-good, v1.1.0, v1.1.0-rc.2, v1.10.0, v1.9.0)`})
	})

	t.Run("detached HEAD without a tag", func(t *testing.T) {
		third := r.commit("three")
		r.git("checkout", "-q", "--detach", "HEAD")
		defer r.git("checkout", "-q", "main")
		g, _, _ := r.detect(Options{})
		want := policy.Git{DefaultBranch: "main", SHA: third, ShortSHA: third[:7], Event: "push", Repository: "acme/app"}
		if diff := cmp.Diff(want, *g); diff != "" {
			t.Errorf("facts (-want +got):\n%s", diff)
		}
	})
}

func TestPickTag(t *testing.T) {
	tests := []struct {
		tags []string
		want string
	}{
		{[]string{"v1.0.0"}, "v1.0.0"},
		{[]string{"nightly", "stable"}, "nightly"},
		{[]string{"nightly", "v0.9.0", "v0.10.0-rc.1"}, "v0.10.0-rc.1"},
		{[]string{"v2.0.0-rc.1", "v2.0.0"}, "v2.0.0"},
		{[]string{"v2.0.0", "v2.0.0-rc.1"}, "v2.0.0"},
	}
	for _, tt := range tests {
		if got := pickTag(tt.tags); got != tt.want {
			t.Errorf("pickTag(%q) = %q, want %q", tt.tags, got, tt.want)
		}
	}
}

func TestLocalDefaultBranch(t *testing.T) {
	t.Run("origin/HEAD", func(t *testing.T) {
		r := newRepo(t)
		sha := r.commit("one")
		r.git("remote", "add", "origin", "ssh://git@gitlab.example.com:2222/acme/platform/app.git")
		// What a clone of a repository whose default branch is trunk has.
		r.git("update-ref", "refs/remotes/origin/trunk", sha)
		r.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
		g, _, notes := r.detect(Options{})
		if g.DefaultBranch != "trunk" || g.Repository != "acme/platform/app" {
			t.Errorf("default branch %q, repository %q; want trunk, acme/platform/app", g.DefaultBranch, g.Repository)
		}
		checkNotes(t, notes, []string{`git.default_branch = "trunk" from refs/remotes/origin/HEAD`})
	})
	t.Run("master", func(t *testing.T) {
		r := newRepo(t)
		r.git("checkout", "-q", "-b", "master")
		r.commit("one")
		g, _, notes := r.detect(Options{})
		if g.DefaultBranch != "master" || g.Branch != "master" {
			t.Errorf("default branch %q, branch %q; want master", g.DefaultBranch, g.Branch)
		}
		checkNotes(t, notes, []string{`a branch "master" exists`, "git.repository unknown: no origin remote"})
	})
	t.Run("neither", func(t *testing.T) {
		r := newRepo(t)
		r.git("checkout", "-q", "-b", "develop")
		r.commit("one")
		r.git("remote", "add", "origin", "/srv/git/app.git")
		g, _, notes := r.detect(Options{})
		if g.DefaultBranch != "" || g.Repository != "" {
			t.Errorf("default branch %q, repository %q; want none", g.DefaultBranch, g.Repository)
		}
		checkNotes(t, notes, []string{"git.default_branch unknown", "names no owner/name"})
	})
}

func TestLocalOverrides(t *testing.T) {
	r := newRepo(t)
	r.commit("one")
	r.git("tag", "v1.0.0")
	r.git("remote", "add", "origin", "git@github.com:acme/app.git")

	g, _, notes := r.detect(Options{Tag: "v2.0.0", Branch: "release/2", SHA: shaMain, PR: 0})
	want := policy.Git{Tag: "v2.0.0", Branch: "release/2", DefaultBranch: "main", SHA: shaMain, ShortSHA: "3f78685",
		Ref: "refs/tags/v2.0.0", Event: "tag", Repository: "acme/app"}
	if diff := cmp.Diff(want, *g); diff != "" {
		t.Errorf("facts (-want +got):\n%s", diff)
	}
	checkNotes(t, notes, []string{`git.tag = "v2.0.0" from --git-tag (was "v1.0.0")`})

	g, _, notes = r.detect(Options{PR: 12, Branch: "fix"})
	if g.PR != 12 || g.Event != "pull_request" || g.Ref != "refs/pull/12/head" || g.Branch != "fix" || g.Tag != "v1.0.0" {
		t.Errorf("with --pr 12 --branch fix: %+v", *g)
	}
	checkNotes(t, notes, []string{`git.ref = "refs/pull/12/head" and git.event = "pull_request" follow from the overrides`})
}

func TestLocalNoCommit(t *testing.T) {
	r := newRepo(t)
	_, _, _, err := Detect(context.Background(), Options{Dir: r.dir})
	if err == nil || !strings.Contains(err.Error(), "has no commit yet") || !strings.Contains(err.Error(), "--sha") {
		t.Fatalf("error = %v, want one about no commit that names --sha", err)
	}
	// With overrides, the flags are the facts.
	g, src, _, err := Detect(context.Background(), Options{Dir: r.dir, SHA: shaMain, Branch: "main"})
	if err != nil || src != SourceFlags || g.SHA != shaMain || g.Branch != "main" {
		t.Fatalf("with overrides: %+v, %q, %v", g, src, err)
	}
}

func TestLocalSubdirectory(t *testing.T) {
	r := newRepo(t)
	sha := r.commit("one")
	sub := filepath.Join(r.dir, "services", "api")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	g, _, _, err := Detect(context.Background(), Options{Dir: sub})
	if err != nil || g.SHA != sha || g.Branch != "main" {
		t.Fatalf("from a subdirectory: %+v, %v", g, err)
	}
}

func TestLocalCanceled(t *testing.T) {
	r := newRepo(t)
	r.commit("one")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, _, err := Detect(ctx, Options{Dir: r.dir}); err == nil {
		t.Fatal("no error with a canceled context")
	}
}

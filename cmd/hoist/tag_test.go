package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/registry"
)

func gitRepo(t *testing.T, tags ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "init"},
		{"remote", "add", "origin", "git@github.com:acme/app.git"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	for _, tg := range tags {
		if out, err := exec.Command("git", "-C", dir, "tag", tg).CombinedOutput(); err != nil {
			t.Fatalf("git tag: %v\n%s", err, out)
		}
	}
	return dir
}

// TestTagGitHubPullRequest: the facts of a GitHub pull_request event give
// pr-N and the head commit's sha tag (not the merge commit's).
func TestTagGitHubPullRequest(t *testing.T) {
	dir := t.TempDir()
	payload := filepath.Join(dir, "event.json")
	writeFile(t, payload, `{"number": 42, "pull_request": {"number": 42, "head": {"sha": "aaaaaaa1111111111111111111111111111111111", "ref": "feature/Login#7"}}, "repository": {"default_branch": "main", "full_name": "acme/app"}}`)
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": payload,
		"GITHUB_REF": "refs/pull/42/merge", "GITHUB_SHA": "bbbbbbb2222222222222222222222222222222222",
		"GITHUB_HEAD_REF": "feature/Login#7", "GITHUB_BASE_REF": "main", "GITHUB_REPOSITORY": "acme/app",
		"GITHUB_SERVER_URL": "https://github.com",
	}
	r := hoist(t, dir, "", env, "tag", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var out tagJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.Repositories[0].Tags, " "); got != "pr-42 sha-aaaaaaa" {
		t.Errorf("tags %q", got)
	}
	if out.Labels["org.opencontainers.image.source"] != "https://github.com/acme/app" || out.Source != "github" {
		t.Errorf("labels %v, source %s", out.Labels, out.Source)
	}
}

// TestTagApply tags a local image in two repositories of the real
// registry, then a backport moves no floating tag, and a policy check
// that fails writes nothing (exit 1).
func TestTagApply(t *testing.T) {
	reg := imagetest.Registry(t)
	_, env := buildEnv(t)
	repo := gitRepo(t, "v2.0.0")
	r := hoist(t, repo, "", env, "build", "-q", "-t", "app:dev", filepath.Join(repoRoot(t), "examples", "hello"))
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	a, b := reg+"/tagcli/app", reg+"/tagcli/mirror"
	r = hoist(t, repo, "", env, "tag", "app:dev", "-r", a, "-r", b)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	list := func(repo string) string {
		tags, err := registry.Options{}.ListTags(context.Background(), repo)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(tags)
		return strings.Join(tags, " ")
	}
	if got := list(b); !strings.HasPrefix(got, "2 2.0 2.0.0 latest sha-") {
		t.Errorf("%s has %q", b, got)
	}
	// A backport on an older line.
	repo2 := gitRepo(t, "v1.9.1")
	r = hoist(t, repo2, "", env, "tag", "app:dev", "-r", a, "--format", "json")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	var out tagJSON
	json.Unmarshal([]byte(r.stdout), &out)
	if got := strings.Join(out.Repositories[0].Written, " "); !strings.HasPrefix(got, "1.9.1 1.9 1 sha-") || strings.Contains(got, "latest") {
		t.Errorf("backport wrote %q", got)
	}
	// A hard-mandatory check that fails: nothing written, exit 1.
	pol := filepath.Join(t.TempDir(), "hoist.hcl")
	writeFile(t, pol, "check \"no-latest\" {\n  enforcement_level = \"hard-mandatory\"\n  condition = !contains(push.tags, \"latest\")\n  error_message = \"latest is frozen\"\n}\n")
	repo3 := gitRepo(t, "v3.0.0")
	before := list(a)
	r = hoist(t, repo3, "", env, "tag", "app:dev", "-r", a, "--policy", pol)
	if r.code != 1 || !strings.Contains(r.stdout, "latest is frozen") {
		t.Errorf("blocked: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if after := list(a); after != before {
		t.Errorf("a blocked tag changed the repository: %q -> %q", before, after)
	}
}

// TestTagFromMetadataAction reads metadata-action's inputs.
func TestTagFromMetadataAction(t *testing.T) {
	repo := gitRepo(t, "v1.4.0")
	meta := filepath.Join(t.TempDir(), "meta.yml")
	writeFile(t, meta, "images: |\n  ghcr.io/acme/app\ntags: |\n  type=semver,pattern={{version}}\n  type=semver,pattern={{major}}.{{minor}}\n  type=sha\n")
	r := hoist(t, repo, "", map[string]string{}, "tag", "--from-metadata-action", meta, "--format", "json", "--dry-run", "--published", "1.3.2")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var out tagJSON
	json.Unmarshal([]byte(r.stdout), &out)
	got := strings.Join(out.Repositories[0].Tags, " ")
	if !strings.HasPrefix(got, "1.4.0 1.4 sha-") || !strings.HasSuffix(got, " latest") || out.Repositories[0].Repository != "ghcr.io/acme/app" {
		t.Errorf("%s: tags %q (metadata-action's order: by priority, latest last)", out.Repositories[0].Repository, got)
	}
}

// TestTagEventScenarios: the tag set of each CI event, from the event
// payload fixtures of internal/gitinfo, with nothing published.
func TestTagEventScenarios(t *testing.T) {
	fixture := func(name string) string {
		return filepath.Join(repoRoot(t), "internal", "gitinfo", "testdata", "github", name)
	}
	const sha = "5d41402abc4b2a76b9719d911017c592aaaaaaaa"
	gh := func(event, ref, payload string, kv ...string) map[string]string {
		env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_REF": ref,
			"GITHUB_SHA": sha, "GITHUB_REPOSITORY": "acme/app", "GITHUB_EVENT_PATH": fixture(payload)}
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	gl := func(kv ...string) map[string]string {
		env := map[string]string{"GITLAB_CI": "true", "CI_PROJECT_PATH": "acme/app", "CI_DEFAULT_BRANCH": "main", "CI_COMMIT_SHA": sha}
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"branch push", gh("push", "refs/heads/main", "push-main.json"), "main sha-5d41402"},
		{"tag push", gh("push", "refs/tags/v1.4.0", "push-tag.json"), "1.4.0 1.4 1 latest sha-5d41402"},
		{"pull request: head commit", gh("pull_request", "refs/pull/42/merge", "pull_request-opened.json", "GITHUB_HEAD_REF", "feature/Ready#12"), "pr-42 sha-2c26b46"},
		{"schedule", gh("schedule", "refs/heads/main", "schedule.json"), "main sha-5d41402"},
		{"workflow_dispatch", gh("workflow_dispatch", "refs/heads/release/1.3", "workflow_dispatch.json"), "release-1.3 sha-5d41402"},
		{"release rc", gh("release", "refs/tags/v2.0.0-rc.1", "release-published.json"), "2.0.0-rc.1 sha-5d41402"},
		{"gitlab merge request", gl("CI_PIPELINE_SOURCE", "merge_request_event", "CI_MERGE_REQUEST_IID", "17",
			"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/x", "CI_COMMIT_REF_NAME", "feature/x"), "pr-17 sha-5d41402"},
		{"gitlab tag", gl("CI_PIPELINE_SOURCE", "push", "CI_COMMIT_TAG", "v0.3.0", "CI_COMMIT_REF_NAME", "v0.3.0"), "0.3.0 0.3 latest sha-5d41402"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := hoist(t, "", "", c.env, "tag", "--format", "json", "--published=")
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			var out tagJSON
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(out.Repositories[0].Tags, " "); got != c.want {
				t.Errorf("tags %q, want %q", got, c.want)
			}
		})
	}
	// A local checkout on a detached HEAD at a tag.
	repo := gitRepo(t, "v1.0.1")
	if out, err := exec.Command("git", "-C", repo, "checkout", "-q", "--detach", "v1.0.1").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	r := hoist(t, repo, "", map[string]string{}, "tag", "--format", "json", "--published", "1.0.0,1.1.0")
	var out tagJSON
	json.Unmarshal([]byte(r.stdout), &out)
	if got := strings.Join(out.Repositories[0].Tags, " "); !strings.HasPrefix(got, "1.0.1 1.0 sha-") {
		t.Errorf("detached HEAD at v1.0.1 with 1.1.0 published: %q", got)
	}
}

// TestBuildOCILabels: hoist build --oci-labels labels and annotates the
// image from the git facts.
func TestBuildOCILabels(t *testing.T) {
	_, env := buildEnv(t)
	repo := gitRepo(t, "v3.1.4")
	writeFile(t, filepath.Join(repo, "Dockerfile"), "FROM scratch\nLABEL org.opencontainers.image.title=mine\n")
	env["SOURCE_DATE_EPOCH"] = "1700000000"
	out := filepath.Join(t.TempDir(), "oci")
	r := hoist(t, repo, "", env, "build", "--oci-labels", "--label", "org.opencontainers.image.title=given", "-o", "type=oci,dest="+out+",tar=false", "--progress", "quiet", ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	idx, err := layout.ImageIndexFromPath(out)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	l := cf.Config.Labels
	if l["org.opencontainers.image.version"] != "3.1.4" || l["org.opencontainers.image.title"] != "given" ||
		len(l["org.opencontainers.image.revision"]) != 40 || l["org.opencontainers.image.created"] != "2023-11-14T22:13:20Z" {
		t.Errorf("labels %v", l)
	}
	m, _ := img.Manifest()
	if m.Annotations["org.opencontainers.image.version"] != "3.1.4" {
		t.Errorf("annotations %v", m.Annotations)
	}
}

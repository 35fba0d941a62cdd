package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/registry"
)

// releaseRepo is a git checkout tagged v1.2.0 with a policy of two image
// blocks (web and api, each with its own context), pushing to the test
// registry under prefix.
func releaseRepo(t *testing.T, reg, prefix, extra string) string {
	t.Helper()
	dir := gitRepo(t, "v1.2.0")
	for _, name := range []string{"web", "api"} {
		writeFile(t, filepath.Join(dir, "services", name, "Dockerfile"), fmt.Sprintf(`FROM scratch
COPY index.txt /srv/index.txt
USER 65534:65534
CMD ["/srv/index.txt"]
`))
		writeFile(t, filepath.Join(dir, "services", name, "index.txt"), name+"\n")
	}
	writeFile(t, filepath.Join(dir, "hoist.hcl"), fmt.Sprintf(`
lint {
  failure_threshold = "error"
  override          = { DL3000 = "info" }
}

image "web" {
  repository = "%[1]s/%[2]s/web"
  context    = "services/web"
}

image "api" {
  repository = "%[1]s/%[2]s/api"
  context    = "services/api"
  dockerfile = "services/api/Dockerfile"
  labels     = { "org.opencontainers.image.title" = "api" }
}

tag "release" {
  when = semver_valid(git.tag)
  tags = semver_tags(git.tag, registry.versions)
}

check "lint-clean" {
  condition     = lint.warnings == 0
  error_message = "${lint.warnings} lint warnings"
}

check "digest-known" {
  condition     = push.digest != ""
  error_message = "the digest is a fact of the push"
}
%[3]s`, reg, prefix, extra))
	return dir
}

func releaseResults(t *testing.T, r result) []releaseJSON {
	t.Helper()
	var out []releaseJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return out
}

// TestRelease releases both image blocks of a policy concurrently: each is
// linted, built, tagged from the git tag, checked (lint and digest facts)
// and pushed to the real registry; then one block alone, which changes
// nothing (same digest, cached build).
func TestRelease(t *testing.T) {
	reg := imagetest.Registry(t)
	_, env := buildEnv(t)
	prefix := fmt.Sprintf("release%d", os.Getpid())
	dir := releaseRepo(t, reg, prefix, "")
	r := hoist(t, dir, "", env, "release", "--format", "json", "--progress", "plain")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := releaseResults(t, r)
	if len(out) != 2 || out[0].Name != "web" || out[1].Name != "api" {
		t.Fatalf("results %+v", out)
	}
	ro := registry.Options{}
	for _, res := range out {
		if res.Status != "released" || !res.Pushed || res.Version != "1.2.0" || res.Digest == "" || res.ImageID == "" || res.BytesPushed == 0 {
			t.Errorf("%s: %+v", res.Name, res)
		}
		repo := reg + "/" + prefix + "/" + res.Name
		want := []string{repo + ":1.2.0", repo + ":1.2", repo + ":1", repo + ":latest"}
		if !slices.Equal(res.Tags, want) {
			t.Errorf("%s: tags %v, want %v", res.Name, res.Tags, want)
		}
		if len(res.Checks) != 2 || res.Checks[0].Status != "pass" || res.Checks[1].Status != "pass" {
			t.Errorf("%s: checks %+v", res.Name, res.Checks)
		}
		tags, err := ro.ListTags(context.Background(), repo)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(tags)
		if !slices.Equal(tags, []string{"1", "1.2", "1.2.0", "latest"}) {
			t.Errorf("%s: registry has %v", repo, tags)
		}
		d, err := ro.Head(context.Background(), repo+":latest")
		if err != nil || d.Digest.String() != res.Digest {
			t.Errorf("%s: latest is %v (%v), released %s", repo, d, err, res.Digest)
		}
		if res.Labels["org.opencontainers.image.version"] != "1.2.0" {
			t.Errorf("%s: labels %v", res.Name, res.Labels)
		}
	}
	if out[1].Labels["org.opencontainers.image.title"] != "api" {
		t.Errorf("the image block's label lost: %v", out[1].Labels)
	}
	if !strings.Contains(r.stderr, "[web] ") || !strings.Contains(r.stderr, "[api] ") {
		t.Errorf("concurrent builds' progress is not prefixed:\n%s", r.stderr)
	}

	// One block alone: nothing to build, nothing new to push.
	r = hoist(t, dir, "", env, "release", "api", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	again := releaseResults(t, r)
	if len(again) != 1 || again[0].Name != "api" || again[0].CacheMisses != 0 || again[0].BytesPushed != 0 || again[0].Digest != out[1].Digest {
		t.Fatalf("release api: %+v", again)
	}

	r = hoist(t, dir, "", env, "release", "nope")
	if r.code != 2 || !strings.Contains(r.stderr, `no image block "nope" in the policy; it has: web, api`) {
		t.Errorf("unknown block: exit %d\n%s", r.code, r.stderr)
	}
}

// TestReleaseGates: lint findings over the threshold stop the release
// before the build (exit 1, nothing pushed); a failing check refuses the
// push (exit 1); --dry-run builds and pushes nothing.
func TestReleaseGates(t *testing.T) {
	reg := imagetest.Registry(t)
	_, env := buildEnv(t)
	prefix := fmt.Sprintf("releasegates%d", os.Getpid())
	dir := releaseRepo(t, reg, prefix, "")
	ro := registry.Options{}

	r := hoist(t, dir, "", env, "release", "--dry-run", "--format", "json")
	if r.code != 0 {
		t.Fatalf("dry run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, res := range releaseResults(t, r) {
		if res.Status != "built" || res.Pushed || res.Digest == "" || len(res.Tags) != 4 {
			t.Errorf("dry run: %+v", res)
		}
	}
	if tags, err := ro.ListTags(context.Background(), reg+"/"+prefix+"/web"); err == nil && len(tags) > 0 {
		t.Errorf("dry run pushed %v", tags)
	}

	// A warning: the lint threshold (error) lets it through, the check
	// lint-clean (warnings == 0) refuses the push.
	writeFile(t, filepath.Join(dir, "services", "web", "Dockerfile"), "FROM scratch\nCOPY index.txt /srv/index.txt\nCMD [\"/srv/index.txt\"]\n") // no USER: a warning
	r = hoist(t, dir, "", env, "release", "web", "--format", "json")
	res := releaseResults(t, r)
	if r.code != 1 || res[0].Status != "blocked" || res[0].Lint.Warnings == 0 || res[0].Pushed {
		t.Fatalf("check: exit %d %+v\n%s", r.code, res, r.stderr)
	}
	if tags, err := ro.ListTags(context.Background(), reg+"/"+prefix+"/web"); err == nil && len(tags) > 0 {
		t.Errorf("a refused release pushed %v", tags)
	}

	// An error finding: stopped at lint, nothing built.
	writeFile(t, filepath.Join(dir, "services", "web", "Dockerfile"), "FROM scratch\nMAINTAINER someone\nCOPY index.txt /srv/index.txt\nUSER 1\nCMD [\"/srv/index.txt\"]\n")
	r = hoist(t, dir, "", env, "release", "web")
	if r.code != 1 || !strings.Contains(r.stdout, "web ("+reg+"/"+prefix+"/web): lint-failed") || !strings.Contains(r.stdout, "nothing was built or pushed") {
		t.Fatalf("lint gate: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestReleaseFlagsAndPrune: without image blocks, CONTEXT and -r say what
// to build and where; --prune plans (and --apply applies) the policy's
// prune rules on the repository after the push.
func TestReleaseFlagsAndPrune(t *testing.T) {
	reg := imagetest.Registry(t)
	_, env := buildEnv(t)
	repo := fmt.Sprintf("%s/releaseprune%d/app", reg, os.Getpid())
	dir := gitRepo(t, "v2.0.0")
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\nCOPY a.txt /a.txt\nUSER 1\nCMD [\"/a.txt\"]\n")
	writeFile(t, filepath.Join(dir, "a.txt"), "a\n")
	writeFile(t, filepath.Join(dir, "hoist.hcl"), `
tag "release" {
  when = semver_valid(git.tag)
  tags = semver_tags(git.tag, registry.versions)
}
prune "old-dev" {
  match = startswith(image.tag, "dev-")
}
policy {
  min_age = "0s"
}
`)
	// Something for the prune to delete, pushed before.
	ref := imagetest.Push(t, imagetest.Busybox(t), repo+":dev-1")
	_ = ref

	r := hoist(t, dir, "", env, "release", "-r", repo, "--prune", "--format", "json", ".")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := releaseResults(t, r)
	if len(out) != 1 || out[0].Status != "released" || len(out[0].Prune) != 1 {
		t.Fatalf("%+v", out)
	}
	p := out[0].Prune[0]
	var deletes []string
	for _, d := range p.Decisions {
		if d.Decision == "delete" {
			deletes = append(deletes, d.Tag)
		}
	}
	if !slices.Equal(deletes, []string{"dev-1"}) || len(p.Deleted) != 0 {
		t.Errorf("prune plan: deletes %v, deleted %v", deletes, p.Deleted)
	}

	r = hoist(t, dir, "", env, "release", "-r", repo, "--prune", "--apply", "--audit-log", filepath.Join(t.TempDir(), "audit.jsonl"), "--format", "json", ".")
	if r.code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	tags, err := registry.Options{}.ListTags(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(tags)
	if !slices.Equal(tags, []string{"2", "2.0", "2.0.0", "latest"}) {
		t.Errorf("after release --prune --apply the registry has %v", tags)
	}

	r = hoist(t, dir, "", env, "release", ".")
	if r.code != 2 || !strings.Contains(r.stderr, "give -r REGISTRY/NAME") {
		t.Errorf("no repository: exit %d\n%s", r.code, r.stderr)
	}
	r = hoist(t, dir, "", env, "release", "-r", repo, "--apply", ".")
	if r.code != 2 || !strings.Contains(r.stderr, "--apply goes with --prune") {
		t.Errorf("--apply alone: exit %d\n%s", r.code, r.stderr)
	}
}

// TestReleaseInActions: in GitHub Actions, a release writes the outputs
// (the first image's digest, tags and version; every image in metadata),
// a summary with a row per image, and annotations for lint findings.
func TestReleaseInActions(t *testing.T) {
	reg := imagetest.Registry(t)
	_, base := buildEnv(t)
	prefix := fmt.Sprintf("releasegha%d", os.Getpid())
	dir := releaseRepo(t, reg, prefix, "")
	// An info finding (no failure at threshold error, and the check only
	// counts warnings): a relative WORKDIR (DL3000, made info).
	writeFile(t, filepath.Join(dir, "services", "api", "Dockerfile"), "FROM scratch\nCOPY index.txt /srv/index.txt\nUSER 1\nWORKDIR srv\nCMD [\"/srv/index.txt\"]\n")
	base["GITHUB_REF"], base["GITHUB_REF_NAME"], base["GITHUB_REF_TYPE"] = "refs/tags/v1.2.0", "v1.2.0", "tag"
	base["GITHUB_SHA"], base["GITHUB_EVENT_NAME"], base["GITHUB_REPOSITORY"] = strings.Repeat("ab", 20), "push", "acme/app"
	base["GITHUB_WORKSPACE"], base["GITHUB_SERVER_URL"] = dir, "https://github.com"
	env := actionsEnv(t, base)
	r := hoist(t, dir, "", env, "release", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	res := releaseResults(t, r)
	out := outputs(t, env)
	if out["digest"] != res[0].Digest || out["version"] != "1.2.0" || !strings.HasPrefix(out["tags"], reg+"/"+prefix+"/web:1.2.0\n") {
		t.Errorf("outputs %v", out)
	}
	var meta []releaseJSON
	if err := json.Unmarshal([]byte(out["metadata"]), &meta); err != nil || len(meta) != 2 {
		t.Errorf("metadata output: %v %s", err, out["metadata"])
	}
	if !strings.Contains(out["labels"], "org.opencontainers.image.version=1.2.0") || !strings.Contains(out["annotations"], "org.opencontainers.image.version=1.2.0") {
		t.Errorf("labels %q annotations %q", out["labels"], out["annotations"])
	}
	summary, err := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## hoist release", "| web | ", "| api | ", "released", "### hoist lint", "### hoist build", "### hoist tag"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if res[1].Lint.Infos != 1 || !strings.Contains(r.stderr, "file=services/api/Dockerfile,line=4,title=DL3000") {
		t.Errorf("no annotation for the api's findings:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "::stop-commands::") {
		t.Errorf("workflow commands are not stopped around the builds:\n%s", r.stderr)
	}
}

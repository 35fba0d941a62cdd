package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestPreCommitDockerImageHook runs the real pre-commit client with the
// docker_image hook that .pre-commit-hooks.yaml ships (hoist-lint-docker),
// its image swapped for hoist's own image as built by selfImage: pre-commit
// runs `docker run ... IMAGE lint FILES`, here with podman-docker's
// `docker`. A bad Dockerfile fails the hook with the finding in the output;
// a clean one passes.
func TestPreCommitDockerImageHook(t *testing.T) {
	if testing.Short() {
		t.Skip("needs hoist's own image, compiled inside the build sandbox; skipped with -short")
	}
	precommit, err := exec.LookPath("pre-commit")
	if err != nil {
		skipOrFail(t, "pre-commit is not installed (apt-get install pre-commit); .ci/run installs it")
	}
	dockerDir := podmanDocker(t)
	ref := selfImage(t)

	hook := shippedHook(t, "hoist-lint-docker")
	if hook["language"] != "docker_image" {
		t.Fatalf("hoist-lint-docker has language %v, want docker_image", hook["language"])
	}
	entry, _ := hook["entry"].(string)
	_, args, ok := strings.Cut(entry, " ")
	if !ok || args != "lint" {
		t.Fatalf("hoist-lint-docker's entry %q: want IMAGE lint", entry)
	}
	hook["entry"] = ref + " " + args
	cfg, err := yaml.Marshal(map[string]any{"repos": []any{map[string]any{"repo": "local", "hooks": []any{hook}}}})
	if err != nil {
		t.Fatal(err)
	}

	tmp := t.TempDir()
	// podman here needs lower rlimits than its defaults (DESIGN.md), and
	// plain HTTP for the local registry; docker run has no flag for either
	// that pre-commit would pass, so podman's own configuration says it.
	// (CONTAINERS_CONF replaces the system containers.conf; this machine
	// has none.)
	writeFile(t, filepath.Join(tmp, "containers.conf"), "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n")
	host, _, _ := strings.Cut(ref, "/")
	writeFile(t, filepath.Join(tmp, "registries.conf"), "[[registry]]\nlocation = \""+host+"\"\ninsecure = true\n")
	env := append(os.Environ(),
		"PATH="+dockerDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PRE_COMMIT_HOME="+filepath.Join(tmp, "cache"),
		"CONTAINERS_CONF="+filepath.Join(tmp, "containers.conf"),
		"CONTAINERS_REGISTRIES_CONF="+filepath.Join(tmp, "registries.conf"),
		"GIT_AUTHOR_NAME=hoist-test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=hoist-test", "GIT_COMMITTER_EMAIL=test@example.com",
	)
	work := filepath.Join(tmp, "work")
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = work
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	writeFile(t, filepath.Join(work, ".pre-commit-config.yaml"), string(cfg))
	writeFile(t, filepath.Join(work, "Dockerfile"), cleanDockerfile)
	writeFile(t, filepath.Join(work, "bad", "Dockerfile"), "FROM ubuntu:latest\nMAINTAINER someone\nCMD echo hi\n")
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}} {
		if out, err := run("git", args...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}

	out, err := run(precommit, "run", "hoist-lint-docker", "--files", "bad/Dockerfile")
	if err == nil {
		t.Fatalf("the hook passed on a bad Dockerfile:\n%s", out)
	}
	if !strings.Contains(out, "Failed") || !strings.Contains(out, "bad/Dockerfile:1:6: warning DL3007") || !strings.Contains(out, "DL4000") {
		t.Errorf("the hook's output should show the findings:\n%s", out)
	}
	out, err = run(precommit, "run", "hoist-lint-docker", "--files", "Dockerfile")
	if err != nil || !strings.Contains(out, "Passed") {
		t.Errorf("the hook failed on a clean Dockerfile: %v\n%s", err, out)
	}
}

// shippedHook is the hook with the given id in .pre-commit-hooks.yaml.
func shippedHook(t *testing.T, id string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []map[string]any
	if err := yaml.Unmarshal(b, &hooks); err != nil {
		t.Fatalf(".pre-commit-hooks.yaml: %v", err)
	}
	for _, h := range hooks {
		if h["id"] == id {
			return h
		}
	}
	t.Fatalf(".pre-commit-hooks.yaml has no hook %q", id)
	return nil
}

// podmanDocker returns a directory holding a `docker` command backed by
// podman (Debian's podman-docker), to put first on PATH: a real Docker
// CLI found earlier on PATH has no daemon to talk to here.
func podmanDocker(t *testing.T) string {
	t.Helper()
	dirs := append(filepath.SplitList(os.Getenv("PATH")), "/usr/bin")
	for _, d := range dirs {
		p := filepath.Join(d, "docker")
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue
		}
		out, err := exec.Command(p, "--version").Output()
		if err != nil || !strings.HasPrefix(string(out), "podman ") {
			continue
		}
		dir := t.TempDir()
		if err := os.Symlink(p, filepath.Join(dir, "docker")); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	skipOrFail(t, "no podman-backed docker command (apt-get install podman-docker)")
	return ""
}

// skipOrFail skips the test, or fails it under CI=true, where .ci/run
// provides every component.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

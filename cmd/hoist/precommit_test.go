package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreCommitHook runs the real pre-commit client against this repository
// (pre-commit try-repo, which builds hoist with the machine's Go): a bad
// Dockerfile must fail the hook, a clean one must pass.
func TestPreCommitHook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hoist inside pre-commit; skipped with -short")
	}
	precommit, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("pre-commit is not installed (apt-get install pre-commit); .ci/run installs it")
	}
	root, err := filepath.Abs(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skip("the repository is not a git checkout")
	}
	home := t.TempDir()
	hookRepo := t.TempDir()
	work := t.TempDir()
	env := append(os.Environ(),
		"PRE_COMMIT_HOME="+filepath.Join(home, "cache"),
		"GIT_AUTHOR_NAME=hoist-test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=hoist-test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GOFLAGS=-buildvcs=false",
	)
	// pre-commit builds the hook with GOPATH in its own cache: share the
	// module and build caches, or every run downloads and compiles all of
	// hoist's dependencies again (minutes).
	if out, err := exec.Command("go", "env", "GOMODCACHE", "GOCACHE").Output(); err == nil {
		if dirs := strings.Fields(string(out)); len(dirs) == 2 {
			env = append(env, "GOMODCACHE="+dirs[0], "GOCACHE="+dirs[1])
		}
	}
	run := func(dir string, name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// pre-commit installs hooks from a repository's commits: snapshot the
	// working tree (untracked files included) into a fresh repository.
	files, err := run(root, "git", "ls-files", "--cached", "--others", "--exclude-standard", "-z")
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, f := range strings.Split(strings.TrimRight(files, "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the working tree
		}
		writeFile(t, filepath.Join(hookRepo, f), string(data))
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "snapshot"}} {
		if out, err := run(hookRepo, "git", args...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if out, err := run(work, "git", "init", "-q"); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	writeFile(t, filepath.Join(work, "Dockerfile"), cleanDockerfile)
	writeFile(t, filepath.Join(work, "bad", "Dockerfile"), "FROM ubuntu:latest\nMAINTAINER someone\nCMD echo hi\n")
	if out, err := run(work, "git", "add", "-A"); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}

	out, err := run(work, precommit, "try-repo", hookRepo, "hoist-lint", "--files", "bad/Dockerfile")
	if err == nil {
		t.Fatalf("the hook passed on a bad Dockerfile:\n%s", out)
	}
	if !strings.Contains(out, "DL3007") || !strings.Contains(out, "Failed") {
		t.Errorf("the hook's output should show the findings:\n%s", out)
	}
	out, err = run(work, precommit, "try-repo", hookRepo, "hoist-lint", "--files", "Dockerfile")
	if err != nil || !strings.Contains(out, "Passed") {
		t.Errorf("the hook failed on a clean Dockerfile: %v\n%s", err, out)
	}
}

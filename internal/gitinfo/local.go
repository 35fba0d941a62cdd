package gitinfo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hoistci/hoist/internal/policy"
)

// noCheckoutError says that there is no git checkout to read facts from (no
// repository, or no git binary); with overrides given, they are then the
// only facts.
type noCheckoutError struct {
	msg string
}

func (e *noCheckoutError) Error() string { return e.msg }

const passFlags = "pass the facts with --sha, --branch or --git-tag (and --pr for a pull request)"

// gitRunner runs git in a working tree.
type gitRunner struct {
	bin, dir string
}

// run runs git and returns its standard output without the final newline.
// A non-zero exit is an *exec.ExitError in the error chain.
func (r gitRunner) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Dir = r.dir
	// The C locale keeps git's messages stable; no prompt may ever wait for
	// a terminal; no optional locks, since this only reads.
	cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return "", fmt.Errorf("git %s in %s: %w", strings.Join(args, " "), r.dir, err)
		}
		return "", fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), r.dir, err, firstLine(msg))
	}
	return strings.TrimRight(stdout.String(), "\n"), nil
}

// exitCode is the exit status of a git that ran and failed, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// local reads the facts from the git checkout in o.Dir.
func (d *detection) local(ctx context.Context, o Options) (*policy.Git, error) {
	bin := o.Git
	if bin == "" {
		bin = "git"
	}
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if _, err := exec.LookPath(bin); err != nil {
		return nil, &noCheckoutError{fmt.Sprintf("no CI found (GITHUB_ACTIONS or GITLAB_CI) and git cannot run (%v): install git, or %s", err, passFlags)}
	}
	r := gitRunner{bin: bin, dir: dir}

	if _, err := r.run(ctx, "rev-parse", "--git-dir"); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if exitCode(err) > 0 {
			return nil, &noCheckoutError{fmt.Sprintf("no CI found (GITHUB_ACTIONS or GITLAB_CI) and %s is not in a git repository (%v): run hoist in the checkout, or %s", dir, err, passFlags)}
		}
		return nil, err
	}
	d.notef("source: the git checkout in %s", dir)
	g := &policy.Git{}

	sha, err := r.run(ctx, "rev-parse", "-q", "--verify", "HEAD^{commit}")
	if err != nil {
		if exitCode(err) == 1 {
			return nil, &noCheckoutError{fmt.Sprintf("the git repository in %s has no commit yet: commit first, or %s", dir, passFlags)}
		}
		return nil, err
	}
	g.SHA = sha
	d.notef("git.sha = %q from HEAD", g.SHA)

	// The branch; none when HEAD is detached (exit 1).
	branchRef, err := r.run(ctx, "symbolic-ref", "-q", "HEAD")
	switch {
	case err == nil:
		g.Branch = strings.TrimPrefix(branchRef, "refs/heads/")
		d.notef("git.branch = %q: HEAD is on it", g.Branch)
	case exitCode(err) == 1:
		d.notef("git.branch unknown: HEAD is detached")
	default:
		return nil, err
	}

	// The tag at HEAD, lightweight or annotated.
	out, err := r.run(ctx, "tag", "--points-at", "HEAD")
	if err != nil {
		return nil, err
	}
	if tags := nonEmptyLines(out); len(tags) > 0 {
		g.Tag = pickTag(tags)
		if len(tags) == 1 {
			d.notef("git.tag = %q: it points at HEAD", g.Tag)
		} else {
			d.notef("git.tag = %q: the highest version of the %d tags at HEAD (%s)", g.Tag, len(tags), strings.Join(tags, ", "))
		}
	}

	g.Ref, g.Event = localRefEvent(g.Tag, g.Branch, 0)
	if g.Tag != "" {
		d.notef("git.event = %q: HEAD is tagged", g.Event)
	} else {
		d.notef("git.event = %q: a local checkout", g.Event)
	}

	if err := d.localDefaultBranch(ctx, r, g); err != nil {
		return nil, err
	}

	// The repository, from the origin remote.
	u, err := r.run(ctx, "remote", "get-url", "origin")
	switch {
	case err != nil && exitCode(err) > 0:
		d.notef("git.repository unknown: no origin remote")
	case err != nil:
		return nil, err
	default:
		if g.Repository = RepositoryFromURL(u); g.Repository != "" {
			d.notef("git.repository = %q from the URL of the origin remote", g.Repository)
		} else {
			d.notef("git.repository unknown: the origin remote's URL names no owner/name")
		}
	}
	return g, nil
}

// localDefaultBranch finds the default branch: what origin/HEAD points at,
// else main, else master (local or origin's).
func (d *detection) localDefaultBranch(ctx context.Context, r gitRunner, g *policy.Git) error {
	head, err := r.run(ctx, "symbolic-ref", "-q", "refs/remotes/origin/HEAD")
	if err == nil && strings.HasPrefix(head, "refs/remotes/origin/") {
		g.DefaultBranch = strings.TrimPrefix(head, "refs/remotes/origin/")
		d.notef("git.default_branch = %q from refs/remotes/origin/HEAD", g.DefaultBranch)
		return nil
	}
	if err != nil && exitCode(err) != 1 && exitCode(err) != 128 {
		return err
	}
	out, err := r.run(ctx, "for-each-ref", "--format=%(refname)",
		"refs/heads/main", "refs/remotes/origin/main", "refs/heads/master", "refs/remotes/origin/master")
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, ref := range nonEmptyLines(out) {
		have[ref] = true
	}
	for _, b := range []string{"main", "master"} {
		if have["refs/heads/"+b] || have["refs/remotes/origin/"+b] {
			g.DefaultBranch = b
			d.notef("git.default_branch = %q: no refs/remotes/origin/HEAD, and a branch %q exists", b, b)
			return nil
		}
	}
	d.notef("git.default_branch unknown: no refs/remotes/origin/HEAD and no main or master branch")
	return nil
}

// pickTag chooses among several tags at one commit: the highest semantic
// version, else (no version among them) the first by name.
func pickTag(tags []string) string {
	best := ""
	for _, t := range tags {
		if !policy.SemverValid(t) {
			continue
		}
		if best == "" {
			best = t
			continue
		}
		if c, err := policy.SemverCompare(t, best); err == nil && c > 0 {
			best = t
		}
	}
	if best != "" {
		return best
	}
	return tags[0]
}

func nonEmptyLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// RepositoryFromURL returns the "owner/name" path of a git remote URL
// (https://github.com/acme/app.git, git@github.com:acme/app.git,
// ssh://git@host:22/group/sub/app), or "" when the URL names no repository
// on a server (a local path, a file:// URL, a bare host).
func RepositoryFromURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.ContainsAny(raw, "\\ \t\r\n") {
		return ""
	}
	var p string
	if i := strings.Index(raw, "://"); i >= 0 {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || u.Scheme == "file" {
			return ""
		}
		p = u.Path
	} else {
		// scp-like syntax: [user@]host:path. git reads it so only when no
		// slash comes before the first colon.
		colon := strings.IndexByte(raw, ':')
		if colon <= 0 || strings.Contains(raw[:colon], "/") {
			return ""
		}
		host := raw[:colon]
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		if host == "" {
			return ""
		}
		p = raw[colon+1:]
	}
	p = strings.Trim(p, "/")
	p = strings.TrimSuffix(p, ".git")
	p = strings.Trim(p, "/")
	parts := strings.Split(p, "/")
	if len(parts) < 2 {
		return ""
	}
	for _, part := range parts {
		if part == "" || part == "." || part == ".." || strings.HasPrefix(part, "~") {
			return ""
		}
	}
	return p
}

// Package e2e runs the workflows of testdata/workflows with a real workflow
// runner, act (github.com/nektos/act), on this machine (-P
// ubuntu-latest=-self-hosted), using the action of the working tree
// (`uses: ./`) against the local registry, and asserts on what act reports
// (annotations, step outputs, job summaries, job results) and on the
// registry afterwards.
//
// How act behaves, found in its source (v0.2.89, pkg/runner):
//   - host mode runs each job in a fresh directory under --action-cache-path;
//     `uses: actions/checkout` of the repository itself is not fetched but
//     done by copying the working directory in (step_action_remote.go), and
//     `uses: ./` reads action.yml from that copy (step_action_local.go);
//   - $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY are files it empties before
//     and reads after every step; with --json it logs each output as
//     {"command":"set-output","name","arg"} and each non-empty summary as
//     {"command":"summary","content"} (step.go), workflow commands as
//     {"command":"error"|"warning"|"notice","kvPairs","arg"}, a step's lines
//     as {"raw_output":true,"stepID":[...],"msg"} and a job's end as
//     {"jobResult"};
//   - an event payload (-e) sets github.ref for push events from its "ref"
//     (model/github_context.go): refs/tags/v1.2.3 makes GITHUB_REF_TYPE=tag;
//   - the repository, sha and default ref come from the git checkout it
//     runs in, so the tests run it in a fresh git repository holding the
//     working tree.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/hoistci/hoist/internal/imagetest"
)

// actEvent is one line of `act --json`: a logrus entry with act's fields.
type actEvent struct {
	Msg        string            `json:"msg"`
	Level      string            `json:"level"`
	JobID      string            `json:"jobID"`
	StepID     []string          `json:"stepID"`
	Stage      string            `json:"stage"`
	RawOutput  bool              `json:"raw_output"`
	Command    string            `json:"command"`
	Name       string            `json:"name"`
	Arg        string            `json:"arg"`
	Content    string            `json:"content"`
	KVPairs    map[string]string `json:"kvPairs"`
	StepResult string            `json:"stepResult"`
	JobResult  string            `json:"jobResult"`
}

// actRun is what one act invocation reported.
type actRun struct {
	code   int        // act's exit code
	events []actEvent // every JSON line
	text   []string   // lines that were not JSON
}

// annotations returns the error, warning and notice commands the steps
// printed.
func (r *actRun) annotations() []actEvent {
	var out []actEvent
	for _, e := range r.events {
		switch e.Command {
		case "error", "warning", "notice":
			out = append(out, e)
		}
	}
	return out
}

// summaries returns the distinct job summaries the steps wrote (act logs a
// composite action's summary for its inner step and again for the step
// that used the action).
func (r *actRun) summaries(job string) []string {
	var out []string
	for _, e := range r.events {
		if e.Command == "summary" && e.JobID == job && !slices.Contains(out, e.Content) {
			out = append(out, e.Content)
		}
	}
	return out
}

// output returns what a step printed: stepID is the path of step ids, the
// action's step first and a composite action's inner step after it.
func (r *actRun) output(job string, stepID ...string) string {
	var b strings.Builder
	for _, e := range r.events {
		if e.RawOutput && e.JobID == job && slices.Equal(e.StepID, stepID) {
			b.WriteString(e.Msg)
		}
	}
	return b.String()
}

// stepResult is the main stage's result of a step ("success", "failure", or
// "" when it did not run).
func (r *actRun) stepResult(job string, stepID ...string) string {
	for _, e := range r.events {
		if e.StepResult != "" && e.JobID == job && e.Stage == "Main" && slices.Equal(e.StepID, stepID) {
			return e.StepResult
		}
	}
	return ""
}

func (r *actRun) jobResult(job string) string {
	for _, e := range r.events {
		if e.JobResult != "" && e.JobID == job {
			return e.JobResult
		}
	}
	return ""
}

// log is a readable transcript for failure messages: act's own messages
// and the steps' lines, without the SARIF document's bulk.
func (r *actRun) log() string {
	var b strings.Builder
	for _, e := range r.events {
		msg := strings.TrimRight(e.Msg, "\n")
		if e.RawOutput {
			msg = "  | " + msg
		}
		fmt.Fprintf(&b, "[%s] %s\n", e.JobID, msg)
	}
	for _, l := range r.text {
		b.WriteString(l + "\n")
	}
	const max = 30000
	if s := b.String(); len(s) > max {
		return "...\n" + s[len(s)-max:]
	}
	return b.String()
}

// between returns the text between the lines begin and end.
func between(s, begin, end string) (string, bool) {
	_, rest, ok := strings.Cut(s, begin+"\n")
	if !ok {
		return "", false
	}
	body, _, ok := strings.Cut(rest, end+"\n")
	return body, ok
}

// missing skips the test, or fails it under CI=true (.ci/run provides
// act, root, Go and the registry).
func missing(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// actBinary is $HOIST_ACT, else act on PATH.
func actBinary(t *testing.T) string {
	t.Helper()
	if act := os.Getenv("HOIST_ACT"); act != "" {
		return act
	}
	act, err := exec.LookPath("act")
	if err != nil {
		missing(t, "act is not installed: GOBIN=/usr/local/bin go install github.com/nektos/act@v0.2.89 (or set HOIST_ACT to its path)")
	}
	return act
}

// requireTools skips the test when act, root, Go or the registry is
// missing (failing it under CI=true).
func requireTools(t *testing.T) (act, reg string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs workflows with act; skipped with -short")
	}
	act = actBinary(t)
	if os.Geteuid() != 0 {
		missing(t, "the workflows build images (RUN sandbox, overlayfs): run as root")
	}
	if _, err := exec.LookPath("go"); err != nil {
		missing(t, "the action builds hoist with Go: go is not on PATH")
	}
	reg = imagetest.RealRegistry(t, true)
	return act, reg
}

// TestWorkflowsValid checks the test workflows and the complete workflows
// of docs/action.md against act's strict schema of GitHub's workflow
// syntax.
func TestWorkflowsValid(t *testing.T) {
	act := actBinary(t)
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "workflows", "*.yml"))
	dir := t.TempDir()
	for i, block := range docBlocks(t, "yaml") {
		if !strings.Contains(block, "\njobs:\n") {
			continue // a fragment
		}
		f := filepath.Join(dir, fmt.Sprintf("docs-action-md-%d.yml", i+1))
		if err := os.WriteFile(f, []byte(block), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) < 7 {
		t.Fatalf("found only %d workflows: %v", len(files), files)
	}
	for _, f := range files {
		f, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(act, "--validate", "--strict", "-W", f, "-P", "ubuntu-latest=-self-hosted")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ACT_DISABLE_VERSION_CHECK=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", f, err, out)
		}
	}
}

// The snapshot of the working tree, made once and shared: act copies it
// into each job's own workspace, so no workflow changes it.
var snap struct {
	once sync.Once
	dir  string
	err  error
	skip string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if snap.dir != "" {
		os.RemoveAll(snap.dir)
	}
	os.Exit(code)
}

// snapshot returns a fresh git repository with one commit holding the
// repository's working tree (tracked files and new ones not ignored, as
// `git add -A` would take them), the way a runner sees a checkout.
func snapshot(t *testing.T) string {
	t.Helper()
	snap.once.Do(func() { snap.dir, snap.skip, snap.err = makeSnapshot() })
	if snap.skip != "" {
		t.Skip(snap.skip)
	}
	if snap.err != nil {
		t.Fatal(snap.err)
	}
	return snap.dir
}

func makeSnapshot() (dir, skip string, err error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return "", "", err
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		return "", "the repository is not a git checkout", nil
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return "", "", fmt.Errorf("git ls-files: %w", err)
	}
	dir, err = os.MkdirTemp("", "hoist-e2e-repo-")
	if err != nil {
		return "", "", err
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if err := copyEntry(filepath.Join(root, f), filepath.Join(dir, f)); err != nil && !os.IsNotExist(err) {
			return dir, "", err // (a file deleted in the working tree is skipped)
		}
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "--no-verify", "-m", "snapshot of the working tree"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"GIT_AUTHOR_NAME=hoist-e2e", "GIT_AUTHOR_EMAIL=e2e@example.com",
			"GIT_COMMITTER_NAME=hoist-e2e", "GIT_COMMITTER_EMAIL=e2e@example.com",
			"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			return dir, "", fmt.Errorf("git %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}
	return dir, "", nil
}

// copyEntry copies a file or a symbolic link (as a link), keeping the mode.
func copyEntry(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	if !fi.Mode().IsRegular() {
		return nil // a submodule or another odd entry: not part of the snapshot
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// actOptions are one act invocation's workflow, event and extras.
type actOptions struct {
	event    string   // the event name (push, pull_request, schedule)
	workflow string   // under testdata/workflows
	payload  string   // under testdata/workflows/events
	job      string   // -j: this job (and the jobs it needs) only
	vars     []string // --var NAME=value: the workflow's vars context
	env      []string // extra environment for act, and so for the steps (host mode)
}

// runAct runs act in repo and parses its JSON log.
func runAct(t *testing.T, act, repo string, o actOptions) *actRun {
	t.Helper()
	args := []string{o.event,
		"-W", filepath.Join("testdata", "workflows", o.workflow),
		"-e", filepath.Join("testdata", "workflows", "events", o.payload),
		"-P", "ubuntu-latest=-self-hosted",
		"--action-cache-path", t.TempDir(),
		"--no-cache-server",
		"--json",
	}
	if o.job != "" {
		args = append(args, "-j", o.job)
	}
	for _, v := range o.vars {
		args = append(args, "--var", v)
	}
	// A generous bound so a hung runner fails the test instead of the whole
	// package's timeout; it is no assertion on how long a run takes.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, act, args...)
	cmd.Dir = repo
	// Host mode hands act's environment to the steps: the local store of
	// the builds is the test's own. act asks api.nektosact.com for notices
	// unless told not to: the tests stay on loopback.
	cmd.Env = append(os.Environ(), "HOIST_HOME="+filepath.Join(t.TempDir(), "store"), "ACT_DISABLE_VERSION_CHECK=1")
	cmd.Env = append(cmd.Env, o.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := &actRun{}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok || ctx.Err() != nil {
			t.Fatalf("act %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		r.code = ee.ExitCode()
	}
	t.Logf("act %s: exit %d in %s", o.workflow, r.code, time.Since(start).Round(time.Second))
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var e actEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			r.text = append(r.text, sc.Text())
			continue
		}
		r.events = append(r.events, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

// uniquePath is a fresh repository path prefix on the registry.
func uniquePath(t *testing.T, reg string) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s/e2e/%s-%s", reg, strings.ToLower(strings.TrimPrefix(t.Name(), "Test")), hex.EncodeToString(b))
}

// aged is a distinct image (by seed) created at the given time.
func aged(t *testing.T, seed int64, created time.Time) v1.Image {
	t.Helper()
	img, err := random.Image(256+seed, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: created}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func listTags(t *testing.T, repo string) []string {
	t.Helper()
	r, err := name.NewRepository(repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(r)
	if err != nil {
		t.Fatalf("list %s: %v", repo, err)
	}
	slices.Sort(tags)
	return tags
}

// TestLintWorkflow: a pull request whose Dockerfile has findings gets an
// annotation on each finding's line, a job summary with the findings, a
// SARIF file, and a failed job.
func TestLintWorkflow(t *testing.T) {
	act, _ := requireTools(t)
	repo := snapshot(t)
	const file = "testdata/workflows/lint/Dockerfile"
	want := []struct {
		level, rule, line string
	}{
		{"warning", "DL3007", "1"},
		{"warning", "HS003", "1"},
		{"error", "DL4000", "2"},
		{"error", "DL3000", "3"},
		{"warning", "DL3025", "4"},
	}
	found := func(ann []actEvent, level, rule, line string) bool {
		return slices.ContainsFunc(ann, func(e actEvent) bool {
			return e.Command == level && e.KVPairs["file"] == file && e.KVPairs["line"] == line &&
				e.KVPairs["col"] != "" && strings.Contains(e.KVPairs["title"]+" "+e.Arg, rule)
		})
	}
	r, _ := runActFailing(t, act, repo, actOptions{event: "pull_request", workflow: "lint.yml", payload: "pull_request.json"}, func(r *actRun) bool {
		ann := r.annotations()
		for _, w := range want {
			if !found(ann, w.level, w.rule, w.line) {
				return false
			}
		}
		return true
	})
	if r.code == 0 || r.jobResult("lint") != "failure" {
		t.Fatalf("the lint job must fail on the findings: act exit %d, job %q\n%s", r.code, r.jobResult("lint"), r.log())
	}
	if got := r.stepResult("lint", "lint", "build"); got != "success" {
		t.Fatalf("building hoist: %q\n%s", got, r.log())
	}
	if got := r.stepResult("lint", "lint"); got != "failure" {
		t.Errorf("the lint step's result is %q, want failure", got)
	}

	ann := r.annotations()
	for _, w := range want {
		if !found(ann, w.level, w.rule, w.line) {
			t.Errorf("no %s annotation for %s at %s:%s", w.level, w.rule, file, w.line)
		}
	}
	for _, e := range ann {
		if e.KVPairs["file"] != file {
			t.Errorf("annotation outside the linted file: %+v", e)
		}
	}

	sums := r.summaries("lint")
	if !slices.ContainsFunc(sums, func(s string) bool {
		return strings.Contains(s, "DL4000") && strings.Contains(s, "DL3000") && strings.Contains(s, "DL3025")
	}) {
		t.Errorf("no job summary lists the findings; summaries:\n%s", strings.Join(sums, "\n---\n"))
	}

	// The SARIF file, printed by a later step that ran although lint failed.
	out := r.output("lint", "show-sarif")
	if !regexp.MustCompile(`(?m)^sarif-file=\S*hoist\.sarif$`).MatchString(out) {
		t.Errorf("the sarif-file output does not name hoist.sarif:\n%.500s", out)
	}
	doc, ok := between(out, "--- SARIF ---", "--- end SARIF ---")
	if !ok {
		t.Fatalf("the SARIF step printed no file:\n%s", r.log())
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					Physical struct {
						Artifact struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(doc), &sarif); err != nil {
		t.Fatalf("the SARIF file is not JSON: %v\n%.2000s", err, doc)
	}
	if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 {
		t.Fatalf("SARIF version %q with %d runs", sarif.Version, len(sarif.Runs))
	}
	got := map[string]int{}
	for _, res := range sarif.Runs[0].Results {
		if len(res.Locations) == 0 || !strings.HasSuffix(res.Locations[0].Physical.Artifact.URI, file) {
			t.Errorf("SARIF result %s has no location in %s: %+v", res.RuleID, file, res.Locations)
			continue
		}
		got[res.RuleID] = res.Locations[0].Physical.Region.StartLine
	}
	for _, w := range want {
		if line := fmt.Sprint(got[w.rule]); line != w.line {
			t.Errorf("SARIF: %s at line %s, want %s (results %v)", w.rule, line, w.line, got)
		}
	}
}

// TestReleaseWorkflow: on a push of tag v1.2.3, the action releases the
// policy's image to the registry under 1.2.3, 1.2, 1 and latest, and a
// later step reads the digest and tags outputs.
func TestReleaseWorkflow(t *testing.T) {
	act, reg := requireTools(t)
	prefix := uniquePath(t, reg)
	base := imagetest.Push(t, imagetest.Busybox(t), prefix+"/busybox:1")
	repo := snapshot(t)
	r := runAct(t, act, repo, actOptions{
		event: "push", workflow: "release.yml", payload: "tag.json",
		vars: []string{"REGISTRY=" + prefix, "BASE_IMAGE=" + base},
	})
	if r.code != 0 || r.jobResult("release") != "success" {
		t.Fatalf("release: act exit %d, job %q\n%s", r.code, r.jobResult("release"), r.log())
	}

	// The later step echoes the outputs.
	out := r.output("release", "outputs")
	var digest string
	var tags []string
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, "released digest="); ok {
			digest, _, _ = strings.Cut(rest, " ")
		}
		if tag, ok := strings.CutPrefix(l, "released tag="); ok {
			tags = append(tags, tag)
		}
	}
	if !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("the digest output is %q:\n%s", digest, out)
	}
	app := prefix + "/app"
	for _, want := range []string{"1.2.3", "1.2", "1", "latest"} {
		if !slices.ContainsFunc(tags, func(s string) bool { return s == want || s == app+":"+want }) {
			t.Errorf("the tags output lacks %s: %q", want, tags)
		}
	}

	// The registry has the image under every tag, at the digest reported.
	if got := strings.Join(listTags(t, app), " "); got != "1 1.2 1.2.3 latest" {
		t.Errorf("tags in %s: %q, want 1 1.2 1.2.3 latest", app, got)
	}
	ref := app + ":1.2.3"
	img := imagetest.Pull(t, ref)
	if d, _ := img.Digest(); d.String() != digest {
		t.Errorf("%s is %s, the digest output says %s", ref, d, digest)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65534:65534" || cf.Config.Labels["org.opencontainers.image.title"] != "hoist e2e" {
		t.Errorf("the pushed image is not the release Dockerfile's: user %q, labels %v", cf.Config.User, cf.Config.Labels)
	}

	sums := r.summaries("release")
	if !slices.ContainsFunc(sums, func(s string) bool { return strings.Contains(s, "1.2.3") }) {
		t.Errorf("no job summary mentions the release; summaries:\n%s", strings.Join(sums, "\n---\n"))
	}
}

// TestPruneWorkflow: the dry-run job puts the plan in the job summary and
// deletes nothing; the apply job deletes the old pull-request builds and
// only them (the release is protected, the young build is held by
// min_age).
func TestPruneWorkflow(t *testing.T) {
	act, reg := requireTools(t)
	app := uniquePath(t, reg) + "/app"
	old := time.Now().Add(-48 * time.Hour)
	for i, p := range []struct {
		tag     string
		created time.Time
	}{{"1.0.0", old}, {"pr-1", old}, {"pr-2", old}, {"pr-3", time.Now()}} {
		imagetest.Push(t, aged(t, int64(i), p.created), app+":"+p.tag)
	}
	repo := snapshot(t)
	opts := actOptions{event: "schedule", workflow: "prune.yml", payload: "schedule.json", vars: []string{"PRUNE_REPOSITORY=" + app}}

	opts.job = "plan"
	r := runAct(t, act, repo, opts)
	if r.code != 0 || r.jobResult("plan") != "success" {
		t.Fatalf("plan: act exit %d, job %q\n%s", r.code, r.jobResult("plan"), r.log())
	}
	if r.jobResult("apply") != "" {
		t.Fatalf("-j plan ran the apply job too:\n%s", r.log())
	}
	if got := strings.Join(listTags(t, app), " "); got != "1.0.0 pr-1 pr-2 pr-3" {
		t.Fatalf("the dry run changed the registry: %q", got)
	}
	sums := r.summaries("plan")
	if !slices.ContainsFunc(sums, func(s string) bool {
		return strings.Contains(s, "pr-1") && strings.Contains(s, "pr-2") && strings.Contains(s, "pr-3") && strings.Contains(s, "1.0.0")
	}) {
		t.Errorf("no job summary shows the plan; summaries:\n%s", strings.Join(sums, "\n---\n"))
	}
	plan, ok := between(r.output("plan", "show-plan"), "--- plan ---", "--- end plan ---")
	if !ok || !json.Valid([]byte(plan)) || !strings.Contains(plan, "pr-1") {
		t.Errorf("the plan output is not the JSON plan:\n%s", plan)
	}

	opts.job = ""
	r = runAct(t, act, repo, opts)
	if r.code != 0 || r.jobResult("plan") != "success" || r.jobResult("apply") != "success" {
		t.Fatalf("apply: act exit %d, jobs plan %q apply %q\n%s", r.code, r.jobResult("plan"), r.jobResult("apply"), r.log())
	}
	if got := strings.Join(listTags(t, app), " "); got != "1.0.0 pr-3" {
		t.Errorf("after apply the registry has %q, want the release and the young build: 1.0.0 pr-3", got)
	}
	if sums := r.summaries("apply"); !slices.ContainsFunc(sums, func(s string) bool { return strings.Contains(s, "pr-1") }) {
		t.Errorf("no job summary of the apply job reports the deletions; summaries:\n%s", strings.Join(sums, "\n---\n"))
	}
}

// TestVersionInput: version pins what runs; when the action's ref builds
// another version the step fails before hoist runs, and without Go it
// says to add actions/setup-go.
func TestVersionInput(t *testing.T) {
	act, _ := requireTools(t)
	repo := snapshot(t)
	opts := actOptions{event: "push", workflow: "version.yml", payload: "tag.json"}
	r, ok := runActForError(t, act, repo, opts, func(e actEvent) bool {
		return e.Command == "error" && strings.Contains(e.Arg, "version v0.0.1 was asked for") && strings.Contains(e.Arg, "uses: hoistci/hoist@v0.0.1")
	})
	if r.code == 0 || r.stepResult("pinned", "hoist", "build") != "failure" {
		t.Fatalf("a version the ref does not build must fail the build step: exit %d\n%s", r.code, r.log())
	}
	if !ok {
		t.Errorf("no error annotation explains the version mismatch:\n%s", r.log())
	}
	if r.stepResult("pinned", "hoist", "hoist") != "" {
		t.Errorf("hoist ran although the version did not match")
	}

	// No Go on PATH: the runner's PATH without the directories that hold go.
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err != nil {
			keep = append(keep, dir)
		}
	}
	if bash, err := exec.LookPath("bash"); err != nil || !slices.Contains(keep, filepath.Dir(bash)) {
		t.Skip("bash shares a directory with go: go cannot be hidden from the steps")
	}
	opts.env = []string{"PATH=" + strings.Join(keep, string(os.PathListSeparator))}
	r, ok = runActForError(t, act, repo, opts, func(e actEvent) bool {
		return e.Command == "error" && strings.Contains(e.Arg, "add actions/setup-go before this action")
	})
	if r.code == 0 || !ok {
		t.Errorf("without Go the step must fail and say to add actions/setup-go: exit %d\n%s", r.code, r.log())
	}
}

// runActForError runs a workflow a step of which must fail, printing an
// error annotation that match accepts, and reports whether it came. act's
// host executor returns as soon as a failing command exits, before it has
// read the command's last output from the pseudo-terminal (act v0.2.89,
// pkg/container/host_environment.go, exec: `if err != nil { return err }`
// comes before `<-logctx.Done()`), so on a busy machine the annotation a
// failing step prints last can be lost (GitHub's runner reads it all). The
// workflow is run again, up to 3 times, while the run fails without it;
// a run that succeeds is returned at once.
func runActForError(t *testing.T, act, repo string, opts actOptions, match func(actEvent) bool) (*actRun, bool) {
	t.Helper()
	return runActFailing(t, act, repo, opts, func(r *actRun) bool { return slices.ContainsFunc(r.annotations(), match) })
}

// runActFailing is runActForError for any check of a failed run's output.
func runActFailing(t *testing.T, act, repo string, opts actOptions, complete func(*actRun) bool) (*actRun, bool) {
	t.Helper()
	var r *actRun
	for try := 1; try <= 3; try++ {
		r = runAct(t, act, repo, opts)
		if r.code == 0 || complete(r) {
			return r, r.code != 0
		}
		t.Logf("act run %d failed without all the output expected (act can drop a failing step's last output): running it again", try)
	}
	return r, false
}

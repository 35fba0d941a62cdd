package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/hoistci/hoist/internal/imagetest"
)

// actionsEnv is a GitHub Actions environment with fresh output and summary
// files, added to base.
func actionsEnv(t *testing.T, base map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}
	for k, v := range base {
		env[k] = v
	}
	return env
}

// outputs reads $GITHUB_OUTPUT as the runner does (NAME=VALUE, or
// NAME<<DELIMITER up to a line equal to DELIMITER); an output set twice or
// a malformed file fails the test.
func outputs(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(env["GITHUB_OUTPUT"])
	if os.IsNotExist(err) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	out := map[string]string{}
	set := func(k, v string) {
		if _, dup := out[k]; dup {
			t.Errorf("output %s set twice", k)
		}
		out[k] = v
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		if eq >= 0 && (hd < 0 || eq < hd) {
			set(line[:eq], line[eq+1:])
			continue
		}
		if hd <= 0 {
			t.Fatalf("invalid output line %q", line)
		}
		name, delim := line[:hd], line[hd+2:]
		var value []string
		for i++; ; i++ {
			if i >= len(lines) {
				t.Fatalf("output %s: delimiter %s not found", name, delim)
			}
			if lines[i] == delim {
				break
			}
			value = append(value, lines[i])
		}
		set(name, strings.Join(value, "\n"))
	}
	return out
}

func summary(t *testing.T, env map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// workflowCommands are the workflow commands in a log: every line starting with
// "::" (as the runner reads them), "name props" -> data.
func workflowCommands(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

func keys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestActionsLint: in a workflow, lint annotates each finding (once, even
// when the finding's message quotes hostile Dockerfile text), writes the
// summary and the outputs results and sarif-file.
func TestActionsLint(t *testing.T) {
	dir := t.TempDir()
	// The unpinned package's name is quoted in DL3008's message.
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM ubuntu\nRUN apt-get install -y --no-install-recommends '%0A::error::x' 'a|b'\n")
	env := actionsEnv(t, map[string]string{"GITHUB_WORKSPACE": dir})
	sarif := filepath.Join(dir, "out", "hoist.sarif")
	r := hoist(t, dir, "", env, "lint", "-f", "sarif", "-o", sarif, "-f", "tty", "Dockerfile")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := outputs(t, env)
	if got := keys(out); !reflect.DeepEqual(got, []string{"results", "sarif-file"}) {
		t.Fatalf("outputs %v", got)
	}
	if out["sarif-file"] != sarif {
		t.Errorf("sarif-file %q", out["sarif-file"])
	}
	var findings []struct {
		Code    string `json:"code"`
		File    string `json:"file"`
		Line    int    `json:"line"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(out["results"]), &findings); err != nil {
		t.Fatalf("results: %v\n%s", err, out["results"])
	}
	cmds := workflowCommands(r.stderr)
	if len(findings) == 0 || len(cmds) != len(findings) {
		t.Fatalf("%d findings, %d commands:\n%s", len(findings), len(cmds), strings.Join(cmds, "\n"))
	}
	var dl3008 string
	for _, c := range cmds {
		if strings.Contains(c, "title=DL3008") {
			dl3008 = c
		}
		if strings.HasPrefix(c, "::error::") {
			t.Errorf("an injected command: %s", c)
		}
	}
	want := "::warning col=48,endColumn=63,file=Dockerfile,line=2,title=DL3008 pin-apt-get-versions::"
	if !strings.HasPrefix(dl3008, want) || !strings.Contains(dl3008, "%250A::error::x") {
		t.Errorf("DL3008 annotation %q", dl3008)
	}
	sum := summary(t, env)
	for _, s := range []string{"### hoist lint", "**Failed**", "| `Dockerfile:1:6` |", `a\|b`} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
	if _, err := os.Stat(sarif); err != nil {
		t.Error(err)
	}

	// A github report in the log is already the annotations: none twice.
	env = actionsEnv(t, map[string]string{"GITHUB_WORKSPACE": dir})
	r = hoist(t, dir, "", env, "lint", "-f", "github", "Dockerfile")
	if got := len(workflowCommands(r.stdout + r.stderr)); got != len(findings) {
		t.Errorf("-f github: %d commands for %d findings", got, len(findings))
	}
	if _, ok := outputs(t, env)["sarif-file"]; ok {
		t.Error("sarif-file set without a SARIF report")
	}

	// Outside a workflow, nothing of it.
	plain := map[string]string{"GITHUB_OUTPUT": env["GITHUB_OUTPUT"] + ".x", "GITHUB_STEP_SUMMARY": env["GITHUB_STEP_SUMMARY"] + ".x"}
	r = hoist(t, dir, "", plain, "lint", "Dockerfile")
	if len(workflowCommands(r.stderr)) != 0 || len(outputs(t, plain)) != 0 || summary(t, plain) != "" {
		t.Errorf("outside Actions: %s", r.stderr)
	}
}

// TestActionsLintManyFindings: at most 10 annotations per level, the rest
// summed up; the summary lists them all.
func TestActionsLintManyFindings(t *testing.T) {
	dir := t.TempDir()
	var df strings.Builder
	df.WriteString("FROM ubuntu:24.04\nUSER app\n")
	for i := range 13 {
		fmt.Fprintf(&df, "RUN apt-get install -y --no-install-recommends pkg%d\n", i)
	}
	writeFile(t, filepath.Join(dir, "Dockerfile"), df.String())
	env := actionsEnv(t, nil)
	r := hoist(t, dir, "", env, "lint", "--ignore", "DL3059", "Dockerfile")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	warnings, more := 0, ""
	for _, c := range workflowCommands(r.stderr) {
		if strings.HasPrefix(c, "::warning ") {
			warnings++
		}
		if strings.Contains(c, "more warnings") {
			more = c
		}
	}
	if warnings != 10 || more != "::notice title=hoist::and 3 more warnings, see the job summary" {
		t.Errorf("%d warnings, %q\n%s", warnings, more, r.stderr)
	}
	if n := strings.Count(summary(t, env), "pin-apt-get-versions"); n != 13 {
		t.Errorf("summary lists %d DL3008 findings", n)
	}
}

// TestActionsBuild: a pushed build sets digest, imageid, metadata, tags,
// labels and annotations, and summarises the build.
func TestActionsBuild(t *testing.T) {
	reg := imagetest.Registry(t)
	_, base := buildEnv(t)
	env := actionsEnv(t, base)
	ref := reg + "/ghacli/hello:1.0"
	iid := filepath.Join(t.TempDir(), "iid")
	r := hoist(t, "", "", env, "build", "-q", "--push", "-t", ref, "--iidfile", iid,
		"--label", "a=1", "--annotation", "org.example=x\ny", filepath.Join(repoRoot(t), "examples", "hello"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	out := outputs(t, env)
	if got := keys(out); !reflect.DeepEqual(got, []string{"annotations", "digest", "imageid", "labels", "metadata", "tags"}) {
		t.Fatalf("outputs %v", got)
	}
	digest := strings.TrimSpace(r.stdout)
	id, _ := os.ReadFile(iid)
	if out["digest"] != digest || out["imageid"] != string(id) || out["tags"] != ref {
		t.Errorf("digest %q (stdout %q), imageid %q (iidfile %q), tags %q", out["digest"], digest, out["imageid"], id, out["tags"])
	}
	if out["labels"] != "a=1" || out["annotations"] != "org.example=x\ny" {
		t.Errorf("labels %q annotations %q", out["labels"], out["annotations"])
	}
	var meta map[string]any
	if err := json.Unmarshal([]byte(out["metadata"]), &meta); err != nil || meta["containerimage.digest"] != digest {
		t.Errorf("metadata %v %v", meta, err)
	}
	sum := summary(t, env)
	for _, s := range []string{"### hoist build", "| Digest | `" + digest + "` |", "| Tags | `" + ref + "` |",
		"| Image | `" + reg + "/ghacli/hello` |", "| Cache | 0 hits, 3 misses |", "| Pushed |"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
}

// TestActionsTag: the tags of a pull request, as metadata-action's outputs,
// and the summary with the rules that decided them.
func TestActionsTag(t *testing.T) {
	dir := t.TempDir()
	payload := filepath.Join(dir, "event.json")
	writeFile(t, payload, `{"number": 42, "pull_request": {"number": 42, "head": {"sha": "aaaaaaa1111111111111111111111111111111111", "ref": "feature/x"}}, "repository": {"default_branch": "main", "full_name": "acme/app"}}`)
	env := actionsEnv(t, map[string]string{
		"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": payload,
		"GITHUB_REF": "refs/pull/42/merge", "GITHUB_SHA": "bbbbbbb2222222222222222222222222222222222",
		"GITHUB_HEAD_REF": "feature/x", "GITHUB_BASE_REF": "main", "GITHUB_REPOSITORY": "acme/app",
		"GITHUB_SERVER_URL": "https://github.com", "SOURCE_DATE_EPOCH": "1700000000",
	})
	r := hoist(t, dir, "", env, "tag", "-r", "ghcr.io/acme/app", "--published", "")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := outputs(t, env)
	if got := keys(out); !reflect.DeepEqual(got, []string{"annotations", "digest", "labels", "tags", "version"}) {
		t.Fatalf("outputs %v", got)
	}
	if out["tags"] != "ghcr.io/acme/app:pr-42\nghcr.io/acme/app:sha-aaaaaaa" || out["digest"] != "" {
		t.Errorf("tags %q digest %q", out["tags"], out["digest"])
	}
	if !strings.Contains(out["labels"], "org.opencontainers.image.source=https://github.com/acme/app\n") ||
		!strings.Contains(out["labels"], "org.opencontainers.image.created=2023-11-14T22:13:20Z") || out["annotations"] != out["labels"] {
		t.Errorf("labels %q\nannotations %q", out["labels"], out["annotations"])
	}
	sum := summary(t, env)
	for _, s := range []string{"### hoist tag", "Computed only: nothing was written.", "| `ghcr.io/acme/app` | `pr-42` `sha-aaaaaaa` |"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
}

// TestActionsPrune: the plan as the output plan and in the summary.
func TestActionsPrune(t *testing.T) {
	reg := imagetest.Registry(t)
	repo := reg + "/ghacli/prune-" + strings.ToLower(t.Name())
	for i, tag := range []string{"1.0.0", "pr-1"} {
		img, err := random.Image(100+int64(i), 1)
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture, cf.Created = "linux", "amd64", v1.Time{Time: time.Now().Add(-48 * time.Hour)}
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		imagetest.Push(t, img, repo+":"+tag)
	}
	pol := filepath.Join(t.TempDir(), "hoist.hcl")
	writeFile(t, pol, "protect \"releases\" {\n  match = semver_valid(image.tag)\n}\nprune \"prs\" {\n  match = startswith(image.tag, \"pr-\")\n  older_than = \"1h\"\n}\n")
	env := actionsEnv(t, nil)
	r := hoist(t, t.TempDir(), "", env, "prune", repo, "--policy", pol)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := outputs(t, env)
	var plan []pruneRepoJSON
	if err := json.Unmarshal([]byte(out["plan"]), &plan); err != nil || len(out) != 1 {
		t.Fatalf("outputs %v: %v", keys(out), err)
	}
	if len(plan) != 1 || len(plan[0].Decisions) != 2 {
		t.Fatalf("plan %+v", plan)
	}
	sum := summary(t, env)
	for _, s := range []string{"### hoist prune", "**Dry run**: 1 to delete, 1 to keep", "| `pr-1` |", "| delete |"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
}

// TestActionsMasks: the credentials hoist may send are masked before
// anything else is logged, each line of a multi-line one too.
func TestActionsMasks(t *testing.T) {
	cfg := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("bot:hunter2"))
	writeFile(t, filepath.Join(cfg, "config.json"), `{"auths": {"registry.example.com": {"auth": "`+auth+`"}}}`)
	t.Setenv("DOCKER_CONFIG", cfg)
	t.Setenv("REGISTRY_AUTH_FILE", filepath.Join(cfg, "none.json"))
	env := actionsEnv(t, map[string]string{"GITHUB_TOKEN": "ghs_abc", "GH_TOKEN": "line1\nline2"})
	r := hoist(t, "", "", env, "version")
	masks := workflowCommands(r.stderr)
	for _, want := range []string{"::add-mask::ghs_abc", "::add-mask::line1%0Aline2", "::add-mask::line1", "::add-mask::line2",
		"::add-mask::" + auth, "::add-mask::hunter2"} {
		if !slices.Contains(masks, want) {
			t.Errorf("no %s in\n%s", want, r.stderr)
		}
	}
	if r := hoist(t, "", "", map[string]string{"GITHUB_TOKEN": "ghs_abc"}, "version"); strings.Contains(r.stderr, "::") {
		t.Errorf("masks outside Actions:\n%s", r.stderr)
	}
}

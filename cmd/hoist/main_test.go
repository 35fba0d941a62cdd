package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

type result struct {
	code           int
	stdout, stderr string
}

// hoist runs the CLI in-process in dir with the given stdin and environment.
func hoist(t *testing.T, dir, stdin string, env map[string]string, args ...string) result {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }}
	code := a.run(args)
	return result{code, out.String(), errb.String()}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const cleanDockerfile = `FROM alpine:3.22 AS build
WORKDIR /src
COPY --chmod=755 hello.sh /out/hello.sh

FROM alpine:3.22
COPY --from=build /out/hello.sh /usr/local/bin/hello
USER 65534
ENTRYPOINT ["/usr/local/bin/hello"]
`

func TestVersion(t *testing.T) {
	r := hoist(t, "", "", nil, "version")
	if r.code != 0 || !strings.Contains(r.stdout, runtime.Version()) || !strings.Contains(r.stdout, "commit:") {
		t.Errorf("version: %+v", r)
	}
	r = hoist(t, "", "", nil, "version", "--format", "json")
	var v versionInfo
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.GoVersion != runtime.Version() {
		t.Errorf("version json: %v %+v", err, r)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if r := hoist(t, "", "", nil, "completion", shell); r.code != 0 || !strings.Contains(r.stdout, "hoist") {
			t.Errorf("completion %s: %+v", shell, r.code)
		}
	}
	r := hoist(t, "", "", nil, "__complete", "lint", "--ignore", "DL300")
	if r.code != 0 || !strings.Contains(r.stdout, "DL3006\ttag-image-version") {
		t.Errorf("rule completion: %+v", r)
	}
	r = hoist(t, "", "", nil, "__complete", "lint", "-f", "")
	if !strings.Contains(r.stdout, "sarif") {
		t.Errorf("format completion: %+v", r)
	}
}

func TestLintExitCodes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "clean", "Dockerfile"), cleanDockerfile)
	writeFile(t, filepath.Join(dir, "bad", "Dockerfile"), "FROM ubuntu\nUSER app\nCMD [\"x\"]\n")

	if r := hoist(t, filepath.Join(dir, "clean"), "", nil, "lint"); r.code != 0 || !strings.Contains(r.stdout, "no problems in 1 file") {
		t.Errorf("clean ./Dockerfile: %+v", r)
	}
	r := hoist(t, dir, "", nil, "lint", "bad/Dockerfile")
	if r.code != 1 || !strings.Contains(r.stdout, "bad/Dockerfile:1:6: warning DL3006") {
		t.Errorf("findings must exit 1 with file:line:col: %+v", r)
	}
	if r := hoist(t, dir, "", nil, "lint", "--no-fail", "bad/Dockerfile"); r.code != 0 {
		t.Errorf("--no-fail: %+v", r)
	}
	if r := hoist(t, dir, "", nil, "lint", "--failure-threshold", "error", "bad/Dockerfile"); r.code != 0 {
		t.Errorf("threshold error with only warnings: %+v", r)
	}
	if r := hoist(t, dir, "", map[string]string{"HOIST_FAILURE_THRESHOLD": "error"}, "lint", "bad/Dockerfile"); r.code != 0 {
		t.Errorf("HOIST_FAILURE_THRESHOLD: %+v", r)
	}
	if r := hoist(t, dir, "", map[string]string{"HOIST_FAILURE_THRESHOLD": "error"}, "lint", "--failure-threshold", "warning", "bad/Dockerfile"); r.code != 1 {
		t.Errorf("flags beat env: %+v", r)
	}
	if r := hoist(t, dir, "", nil, "lint", "--ignore", "tag-image-version", "bad/Dockerfile"); strings.Contains(r.stdout, "DL3006") {
		t.Errorf("--ignore by name: %+v", r)
	}

	usage := [][]string{
		{"lint", "--no-such-flag"},
		{"lint", "--failure-threshold", "loud", "clean/Dockerfile"},
		{"lint", "missing/Dockerfile"},
		{"lint", "-o", "x.json", "clean/Dockerfile"},
		{"lint", "-f", "json", "-f", "tty", "clean/Dockerfile"},
		{"lint", "-f", "yaml", "clean/Dockerfile"},
		{"lint", "--color", "sometimes", "clean/Dockerfile"},
		{"lint", "-c", "nope.yaml", "clean/Dockerfile"},
		{"no-such-command"},
		{"version", "extra"},
	}
	for _, args := range usage {
		if r := hoist(t, dir, "", nil, args...); r.code != 2 || r.stderr == "" {
			t.Errorf("%v: want exit 2 with a message, got %+v", args, r)
		}
	}
	// No Dockerfile in the working directory is bad input too.
	if r := hoist(t, t.TempDir(), "", nil, "lint"); r.code != 2 || !strings.Contains(r.stderr, "no Dockerfile") {
		t.Errorf("no ./Dockerfile: %+v", r)
	}
}

func TestLintShellCheck(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM alpine:3.22\nARG NAME=x\nRUN echo $HOME $NAME\nUSER 1000\nCMD [\"sh\"]\n")
	if r := hoist(t, dir, "", map[string]string{"PATH": ""}, "lint", "--shellcheck", "bogus"); r.code != 2 {
		t.Errorf("bad mode: %+v", r)
	}
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck is not installed; .ci/run installs it")
	}
	r := hoist(t, dir, "", nil, "lint", "-f", "json", "--shellcheck", "on")
	if !strings.Contains(r.stdout, `"code":"SC2086"`) || !strings.Contains(r.stdout, `"line":3,"column":10`) || strings.Contains(r.stdout, "SC2154") {
		t.Errorf("shellcheck on: %+v", r)
	}
	if r := hoist(t, dir, "", nil, "lint", "-f", "json", "--shellcheck", "off"); strings.Contains(r.stdout, "SC2086") {
		t.Errorf("shellcheck off: %+v", r)
	}
	if r := hoist(t, dir, "", nil, "lint", "-f", "json", "--ignore", "SC2086"); strings.Contains(r.stdout, "SC2086") {
		t.Errorf("--ignore SC2086: %+v", r)
	}
	if r := hoist(t, dir, "", nil, "lint", "-f", "json", "--error", "SC2086"); !strings.Contains(r.stdout, `"code":"SC2086","rule":"shellcheck","level":"error"`) {
		t.Errorf("--error SC2086: %+v", r)
	}
}

func TestLintFix(t *testing.T) {
	dir := t.TempDir()
	src := "FROM debian:12.8\nRUN apt update && apt install -y curl \\\n    && echo done\nUSER 1000\nCMD [\"curl\"]\n"
	path := filepath.Join(dir, "Dockerfile")
	writeFile(t, path, src)

	r := hoist(t, dir, "", nil, "lint", "--dry-run", "Dockerfile")
	if r.code != 2 {
		t.Errorf("--dry-run without --fix: %+v", r)
	}
	r = hoist(t, dir, "", nil, "lint", "--fix", "--dry-run", "--shellcheck", "off", "Dockerfile")
	if !strings.Contains(r.stdout, "-RUN apt update && apt install -y curl \\\n") || !strings.Contains(r.stdout, "+RUN apt-get update && apt-get install --no-install-recommends -y curl \\\n") {
		t.Errorf("dry-run diff:\n%s\n%s", r.stdout, r.stderr)
	}
	if data, _ := os.ReadFile(path); string(data) != src {
		t.Errorf("--dry-run changed the file")
	}
	r = hoist(t, dir, "", nil, "lint", "--fix", "--shellcheck", "off", "Dockerfile")
	if !strings.Contains(r.stderr, "fixed DL3027 (") || !strings.Contains(r.stderr, "hoist: fixed ") {
		t.Errorf("--fix must say what it changed: %s", r.stderr)
	}
	fixed, _ := os.ReadFile(path)
	if !strings.Contains(string(fixed), "apt-get install --no-install-recommends -y curl") || !strings.Contains(string(fixed), "rm -rf /var/lib/apt/lists/*") {
		t.Errorf("fixed file:\n%s", fixed)
	}
	if strings.Contains(r.stdout, "DL3027") || strings.Contains(r.stdout, "DL3015") || strings.Contains(r.stdout, "DL3009") {
		t.Errorf("the report must show only what remains:\n%s", r.stdout)
	}
	r = hoist(t, dir, src, nil, "lint", "--fix", "--shellcheck", "off", "-")
	if !strings.HasPrefix(r.stdout, "FROM debian:12.8\nRUN apt-get update") || !strings.Contains(r.stderr, "DL3008") {
		t.Errorf("stdin --fix: stdout %q stderr %q", r.stdout, r.stderr)
	}
}

func TestLintStdinAndOutputs(t *testing.T) {
	dir := t.TempDir()
	r := hoist(t, dir, "FROM ubuntu\n", nil, "lint", "-f", "json", "--stdin-filename", "svc/Dockerfile", "-")
	var findings []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &findings); err != nil || r.code != 1 {
		t.Fatalf("stdin json: %v %+v", err, r)
	}
	if findings[0]["file"] != "svc/Dockerfile" || findings[0]["code"] != "DL3006" || findings[0]["column"] != float64(6) {
		t.Errorf("finding: %v", findings[0])
	}

	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM ubuntu\n")
	r = hoist(t, dir, "", nil, "lint", "-f", "json", "-o", "out/report.json", "-f", "tty", "Dockerfile")
	if r.code != 1 || !strings.Contains(r.stdout, "DL3006") {
		t.Errorf("tty to stdout: %+v", r)
	}
	data, err := os.ReadFile(filepath.Join(dir, "out", "report.json"))
	if err != nil || !strings.Contains(string(data), `"code":"DL3006"`) {
		t.Errorf("json file: %v %s", err, data)
	}
}

func TestLintConfigFileAndPragmas(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM ubuntu\nFROM debian:latest\n")
	writeFile(t, filepath.Join(dir, ".hadolint.yaml"), "ignored: [DL3006]\nfailure-threshold: error\n")
	r := hoist(t, dir, "", nil, "lint", "Dockerfile")
	if r.code != 0 || strings.Contains(r.stdout, "DL3006") || !strings.Contains(r.stdout, "DL3007") {
		t.Errorf(".hadolint.yaml found in the working directory: %+v", r)
	}
	writeFile(t, filepath.Join(dir, ".hadolint.yaml"), "failure-threshold: [\n")
	if r := hoist(t, dir, "", nil, "lint", "Dockerfile"); r.code != 2 || !strings.Contains(r.stderr, ".hadolint.yaml:") {
		t.Errorf("broken config: %+v", r)
	}
}

package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// inputs is an action's inputs as GitHub passes them: INPUT_ + the name
// upper-cased, dashes kept.
func inputs(kv ...string) map[string]string {
	env := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		env["INPUT_"+strings.ToUpper(kv[i])] = kv[i+1]
	}
	return env
}

func TestActionArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		env2   map[string]string // variables set for the run
		masks  []string
		stdin  string
		dir    string
		warned []string
	}{
		{
			name: "lint defaults",
			env:  inputs("command", "lint"),
			args: []string{"lint"},
		},
		{
			name: "lint like hadolint-action",
			env: inputs("command", "lint", "dockerfile", "services/api/Dockerfile\nDockerfile.dev\n", "failure-threshold", "warning",
				"format", "json", "output-file", "lint.json", "sarif", "hoist.sarif", "no-fail", "true", "ignore", "DL3008, DL3015\nno-user",
				"trusted-registries", "ghcr.io,quay.io", "policy", "ci/hoist.hcl", "vars", "registry=ghcr.io/acme\nenv=a,b"),
			args: []string{"lint", "--format=json", "--output=lint.json", "--format=tty", "--format=sarif", "--output=hoist.sarif",
				"--failure-threshold=warning", "--no-fail", "--config=ci/hoist.hcl", "--var=registry=ghcr.io/acme", "--var=env=a,b",
				"--ignore=DL3008", "--ignore=DL3015", "--ignore=no-user", "--trusted-registry=ghcr.io", "--trusted-registry=quay.io",
				"--", "services/api/Dockerfile", "Dockerfile.dev"},
		},
		{
			name: "lint: sarif keeps the tty report in the log",
			env:  inputs("command", "lint", "sarif", "r.sarif", "config", ".hadolint.yaml", "no-fail", "false"),
			args: []string{"lint", "--format=tty", "--format=sarif", "--output=r.sarif", "--config=.hadolint.yaml"},
		},
		{
			name: "lint: a format to the log; a dash-leading path stays a path",
			env:  inputs("command", "lint", "format", "github", "dockerfile", "--fix", "working-directory", "app"),
			args: []string{"lint", "--format=github", "--", "--fix"},
			dir:  "app",
		},
		{
			name: "build like build-push-action",
			env: inputs("command", "build", "context", "./app", "dockerfile", "app/Containerfile", "target", "runtime",
				"platforms", "linux/amd64,linux/arm64\nlinux/arm/v7", "build-args", "A=1\nB=x,y\n\"C=q,\"\"r\"\"\"", "labels", "org.opencontainers.image.title=web app",
				"annotations", "index:k=v", "tags", "r/web:1.2.3,r/web:latest\nr/web:sha-abc", "push", "true", "no-cache", "True",
				"pull", "FALSE", "cache-from", "type=registry,ref=r/web:cache", "cache-to", "type=registry,ref=r/web:cache,mode=max",
				"outputs", "type=oci,dest=web.tar", "ssh", "default", "secret-files", "npmrc=/home/runner/.npmrc", "secret-envs", "gh=GITHUB_TOKEN",
				"secrets", "token=s3cr3t\n\"multi=line1\nline2\"\nequals=a=b"),
			args: []string{"build", "--file=app/Containerfile", "--target=runtime", "--platform=linux/amd64", "--platform=linux/arm64",
				"--platform=linux/arm/v7", "--build-arg=A=1", "--build-arg=B=x,y", `--build-arg=C=q,"r"`, "--label=org.opencontainers.image.title=web app",
				"--annotation=index:k=v", "--tag=r/web:1.2.3", "--tag=r/web:latest", "--tag=r/web:sha-abc", "--push", "--no-cache",
				"--cache-from=type=registry,ref=r/web:cache", "--cache-to=type=registry,ref=r/web:cache,mode=max", "--output=type=oci,dest=web.tar",
				"--ssh=default",
				"--secret=id=token,env=HOIST_ACTION_SECRET_1", "--secret=id=multi,env=HOIST_ACTION_SECRET_2", "--secret=id=equals,env=HOIST_ACTION_SECRET_3",
				"--secret=id=npmrc,src=/home/runner/.npmrc", "--secret=id=gh,env=GITHUB_TOKEN",
				"--", "./app"},
			env2:  map[string]string{"HOIST_ACTION_SECRET_1": "s3cr3t", "HOIST_ACTION_SECRET_2": "line1\nline2", "HOIST_ACTION_SECRET_3": "a=b"},
			masks: []string{"s3cr3t", "line1\nline2", "a=b"},
		},
		{
			name: "build on a buildkitd over TLS",
			env:  inputs("command", "build", "builder", "buildkit://tcp://bk.example:1234", "builder-tls-dir", "/home/runner/bk-tls"),
			args: []string{"build", "--builder=buildkit://tcp://bk.example:1234", "--builder-tls-dir=/home/runner/bk-tls"},
		},
		{
			name:   "tag with metadata-action's inputs",
			env:    inputs("command", "tag", "images", "ghcr.io/acme/web\nr.example/web", "tags", "type=semver,pattern={{version}}\ntype=ref,event=pr", "flavor", "latest=false", "source", "web:dev", "dry-run", "true", "format", "json", "push", "true"),
			args:   []string{"tag", "--repository=ghcr.io/acme/web", "--repository=r.example/web", "--format=json", "--dry-run", "--from-metadata-action=-", "--", "web:dev"},
			stdin:  "flavor: latest=false\ntags: |-\n    type=semver,pattern={{version}}\n    type=ref,event=pr\n",
			warned: []string{"input push has no effect on command tag"},
		},
		{
			name: "prune",
			env:  inputs("command", "prune", "images", "r/a, r/b", "policy", "hoist.hcl", "apply", "true", "vars", "keep=3", "format", "text"),
			args: []string{"prune", "--policy=hoist.hcl", "--var=keep=3", "--format=text", "--apply", "--", "r/a", "r/b"},
		},
		{
			name: "release of named image blocks, push off",
			env: inputs("command", "release", "names", "web\napi", "images", "r/web", "push", "false", "prune", "true", "apply", "true",
				"dockerfile", "Dockerfile", "platforms", "linux/amd64", "build-args", "V=1", "labels", "a=b", "cache-from", "type=local,src=c",
				"cache-to", "type=local,dest=c", "target", "final", "dry-run", "false", "secrets", "k=release-secret", "policy", "p.hcl", "format", "json"),
			args: []string{"release", "--policy=p.hcl", "--file=Dockerfile", "--repository=r/web", "--target=final", "--platform=linux/amd64",
				"--build-arg=V=1", "--label=a=b", "--cache-from=type=local,src=c", "--cache-to=type=local,dest=c",
				"--secret=id=k,env=HOIST_ACTION_SECRET_1", "--push=false", "--prune", "--apply", "--format=json", "--", "web", "api"},
			env2:  map[string]string{"HOIST_ACTION_SECRET_1": "release-secret"},
			masks: []string{"release-secret"},
		},
		{
			name:   "release of a context",
			env:    inputs("command", "release", "context", "svc", "push", "true", "failure-threshold", "error", "sarif", "x.sarif"),
			args:   []string{"release", "--push=true", "--", "svc"},
			warned: []string{"input failure-threshold has no effect on command release", "input sarif has no effect on command release"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := actionArgs(func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(run.Args, tc.args) {
				t.Errorf("args\n%q\nwant\n%q", run.Args, tc.args)
			}
			if tc.env2 == nil {
				tc.env2 = map[string]string{}
			}
			if !reflect.DeepEqual(run.Env, tc.env2) || !reflect.DeepEqual(run.Masks, tc.masks) {
				t.Errorf("env %q masks %q", run.Env, run.Masks)
			}
			if run.Stdin != tc.stdin || run.Dir != tc.dir || !reflect.DeepEqual(run.Warnings, tc.warned) {
				t.Errorf("stdin %q dir %q warnings %q", run.Stdin, run.Dir, run.Warnings)
			}
			// No secret value ever reaches the command line.
			for _, v := range run.Env {
				for _, a := range run.Args {
					if strings.Contains(a, v) {
						t.Errorf("secret %q in argument %q", v, a)
					}
				}
			}
		})
	}
}

func TestActionArgsErrors(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want []string
	}{
		{inputs(), []string{"input command: required"}},
		{inputs("command", "deploy"), []string{`input command: "deploy" is not a command: use lint, build, tag, prune, release`}},
		{inputs("command", "build", "push", "yes", "no-cache", "1"), []string{`input push: "yes" is not a boolean`, `input no-cache: "1" is not a boolean`}},
		{inputs("command", "lint", "format", "html", "failure-threshold", "fatal"), []string{`input format: "html": use one of`, `input failure-threshold: "fatal"`}},
		{inputs("command", "lint", "config", "a.yaml", "policy", "b.hcl"), []string{"input policy: lint reads its settings from one file"}},
		{inputs("command", "prune", "format", "sarif"), []string{`input format: "sarif": prune writes text or json`}},
		{inputs("command", "release", "context", ".", "names", "web"), []string{"input names: give either context"}},
		{inputs("command", "build", "secrets", "justthesecretvalue"), []string{"input secrets: entry 1 is not ID=value"}},
		{inputs("command", "build", "secret-files", "noequals"), []string{`input secret-files: "noequals" is not ID=PATH`}},
	} {
		_, err := actionArgs(func(k string) string { return tc.env[k] })
		ee, ok := err.(*exitError)
		if !ok || ee.code != exitBadInput {
			t.Errorf("%v: %v, want exit 2", tc.env, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q lacks %q", tc.env, err, w)
			}
		}
		if strings.Contains(err.Error(), "justthesecretvalue") {
			t.Errorf("the secret is in the error: %v", err)
		}
	}
}

// TestActionRunsLint runs `hoist action` end to end: the inputs choose
// lint in a working directory, with a SARIF file; the outputs and the
// summary are written and the exit code is lint's.
func TestActionRunsLint(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "svc")
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM ubuntu\nUSER app\n")
	env := actionsEnv(t, inputs("command", "lint", "working-directory", "svc", "sarif", "out/hoist.sarif", "failure-threshold", "warning"))
	env["GITHUB_WORKSPACE"] = root
	r := hoist(t, root, "", env, "action")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "hoist action: hoist lint --format=tty --format=sarif --output=out/hoist.sarif --failure-threshold=warning\n") {
		t.Errorf("the command line is not logged:\n%s", r.stderr)
	}
	if !slices.ContainsFunc(workflowCommands(r.stderr), func(c string) bool {
		return strings.HasPrefix(c, "::warning col=6,endColumn=12,file=svc/Dockerfile,line=1,title=DL3006")
	}) {
		t.Errorf("no DL3006 annotation on svc/Dockerfile:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "DL3006") {
		t.Errorf("no report in the log:\n%s", r.stdout)
	}
	out := outputs(t, env)
	if out["sarif-file"] != "out/hoist.sarif" || !strings.Contains(out["results"], `"code":"DL3006"`) {
		t.Errorf("outputs %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "hoist.sarif")); err != nil {
		t.Errorf("SARIF not in the working directory: %v", err)
	}
	if wd, _ := os.Getwd(); wd != root {
		t.Errorf("working directory left at %s", wd)
	}

	// Invalid inputs: exit 2 before anything runs.
	env = actionsEnv(t, inputs("command", "lint", "no-fail", "yes"))
	r = hoist(t, root, "", env, "action")
	if r.code != 2 || !strings.Contains(r.stderr, `input no-fail: "yes" is not a boolean`) || len(outputs(t, env)) != 0 {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	env = actionsEnv(t, inputs("command", "lint", "working-directory", "nowhere"))
	if r = hoist(t, root, "", env, "action"); r.code != 2 || !strings.Contains(r.stderr, "input working-directory:") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}

// TestActionSecretsReachTheBuild: a secret input reaches RUN
// --mount=type=secret through the variable the action sets, is masked,
// and is gone from the environment afterwards.
func TestActionSecretsReachTheBuild(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("RUN needs root")
	}
	_, base := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\n# the secret's md5sum: the Dockerfile must not hold it\nRUN --mount=type=secret,id=token,required=true echo 'e74a7345b906b2dd50c8e026a10bc02f  /run/secrets/token' | md5sum -c\nRUN printf '%s\\n' '::error::spoofed'\n")
	for k, v := range inputs("command", "build", "context", dir, "secrets", "token=s3cr3t-value") {
		base[k] = v
	}
	env := actionsEnv(t, base)
	r := hoist(t, dir, "", env, "action")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !slices.Contains(workflowCommands(r.stderr), "::add-mask::s3cr3t-value") {
		t.Errorf("the secret is not masked:\n%s", r.stderr)
	}
	if strings.Count(r.stderr, "s3cr3t-value") != 1 {
		t.Errorf("the secret is logged beyond its mask:\n%s", r.stderr)
	}
	// The RUN output is relayed in log groups, every line of it behind
	// its step's "#N": never at the start of a line, where the runner
	// would take it for a command.
	if !strings.Contains(r.stderr, "::group::#") || !strings.Contains(r.stderr, "::endgroup::") {
		t.Errorf("no log groups per step:\n%s", r.stderr)
	}
	for _, line := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::error::spoofed") {
			t.Fatalf("RUN output as a workflow command: %q\n%s", line, r.stderr)
		}
	}
	if _, ok := os.LookupEnv("HOIST_ACTION_SECRET_1"); ok {
		t.Error("the secret's variable outlives the run")
	}
	if outputs(t, env)["digest"] == "" {
		t.Error("no digest output")
	}

	// A failing step's last lines are in the error hoist prints: still
	// while commands are off.
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nRUN printf '%s\\n' '::error::spoofed'; exit 3\n")
	r = hoist(t, dir, "", actionsEnv(t, base), "action")
	stop := strings.Index(r.stderr, "::stop-commands::")
	tok, _, _ := strings.Cut(r.stderr[stop+1:], "\n")
	tok = strings.TrimPrefix(tok, ":stop-commands::")
	last := strings.LastIndex(r.stderr, "::error::spoofed")
	if r.code != 3 || stop < 0 || last < stop || strings.LastIndex(r.stderr, "::"+tok+"::") < last {
		t.Errorf("exit %d; the failing step's output is not inside stop-commands:\n%s", r.code, r.stderr)
	}
}

// TestActionRunsTagWithMetadataInputs: metadata-action's tags and flavor
// inputs reach hoist tag (on its stdin) and decide the tags output.
func TestActionRunsTagWithMetadataInputs(t *testing.T) {
	repo := gitRepo(t, "v1.4.0")
	env := actionsEnv(t, inputs("command", "tag", "tags", "type=raw,value=edge\ntype=semver,pattern={{major}}.{{minor}}", "flavor", "prefix=web-"))
	r := hoist(t, repo, "", env, "action")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := outputs(t, env)
	// Not a tag push: metadata-action's semver entry gives nothing.
	if out["tags"] != "web-edge" || !strings.Contains(r.stdout, "type=semver (type=semver,pattern={{major}}.{{minor}}): not a tag push") {
		t.Errorf("tags %q\n%s", out["tags"], r.stdout)
	}
}

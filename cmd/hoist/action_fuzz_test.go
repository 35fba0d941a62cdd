package main

import (
	"slices"
	"sort"
	"strings"
	"testing"
)

// FuzzActionArgs feeds the action's input mapping hostile inputs (what a
// workflow passes, possibly from a pull request's title or branch name):
// every input of the chosen command gets a value from the fuzzed text. The
// mapping must never panic, never let a value become a flag or a second
// argument (every flag is --name=value or a known switch; positional
// arguments come after "--"), and never put a secret on the command line,
// in a warning or in an error.
func FuzzActionArgs(f *testing.F) {
	f.Add(uint8(0), "Dockerfile\x1e--fix\x1ewarning\x1ejson\x1eout.json\x1er.sarif\x1etrue\x1e.hadolint.yaml\x1e\x1ea=b\nc=d\x1eDL3008,DL3015\x1eghcr.io")
	f.Add(uint8(1), ".\x1eDockerfile\x1e\x1elinux/amd64,linux/arm64\x1eA=1,2\nB=\"x,y\"\x1el=v\x1e\x1eghcr.io/a/b:1,ghcr.io/a/b:latest\x1etrue\x1efalse\x1eTRUE\x1eFalse\x1etype=registry,ref=x\x1e\x1etype=local,dest=out\x1etoken=s3cr3t-value\ngh=another-secret\x1eid=/p\x1eid=VAR\x1edefault\x1etrue\x1e")
	f.Add(uint8(1), "\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e\"unterminated,s3cr3t-value\x1e=nope\x1enope\x1e")
	f.Add(uint8(2), "HEAD\x1eghcr.io/acme/web\x1etype=ref,event=branch\ntype=semver,pattern={{version}}\x1elatest=auto\x1ehoist.hcl\x1eregistry=ghcr.io\x1etext\x1etrue")
	f.Add(uint8(3), "ghcr.io/acme/web\n--apply\x1ehoist.hcl\x1e\x1eyes\x1ejson")
	f.Add(uint8(4), ".\x1eweb,api\x1eDockerfile\x1eghcr.io/a/b\x1e\x1e\x1e\x1e\x1eS=password-123\x1e\x1e\x1e\x1e\x1efalse\x1etrue\x1etrue\x1etrue\x1ehoist.hcl\x1e\x1etext\x1e")
	f.Add(uint8(5), "--push\x1e-rf")

	f.Fuzz(func(t *testing.T, cmd uint8, values string) {
		commands := append([]string{}, actionCommands...)
		sort.Strings(commands)
		env := map[string]string{}
		command := ""
		if int(cmd) < len(commands) {
			command = commands[cmd]
		} else if vs := strings.SplitN(values, "\x1e", 2); len(vs) == 2 {
			command, values = vs[0], vs[1] // an arbitrary command value
		}
		env["INPUT_COMMAND"] = command
		names := actionInputs[command]
		if names == nil {
			names = []string{"working-directory"}
		}
		vs := strings.Split(values, "\x1e")
		for i, n := range names {
			if i < len(vs) {
				env["INPUT_"+strings.ToUpper(n)] = vs[i]
			}
		}
		getenv := func(k string) string { return env[k] }

		run, err := actionArgs(getenv)
		secrets := secretValues(env)
		if err != nil {
			if run != nil {
				t.Fatalf("a run with error %v", err)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error shows secret %q: %v", s, err)
				}
			}
			return
		}
		if len(run.Args) == 0 || run.Args[0] != command || !slices.Contains(actionCommands, command) {
			t.Fatalf("args %q for command %q", run.Args, command)
		}
		flags := run.Args[1:]
		if i := slices.Index(flags, "--"); i >= 0 {
			flags = flags[:i]
		}
		for _, a := range flags {
			if !strings.HasPrefix(a, "--") {
				t.Fatalf("argument %q before \"--\" is not a flag: %q", a, run.Args)
			}
			if !strings.Contains(a, "=") && !knownSwitches[a] {
				t.Fatalf("flag %q without a value is not a switch the action sets: %q", a, run.Args)
			}
		}
		for _, s := range secrets {
			for _, a := range run.Args {
				if strings.Contains(a, s) {
					t.Fatalf("secret %q on the command line: %q", s, run.Args)
				}
			}
			for _, w := range run.Warnings {
				if strings.Contains(w, s) {
					t.Fatalf("secret %q in warning %q", s, w)
				}
			}
			if !slices.Contains(run.Masks, s) {
				t.Fatalf("secret %q not masked: %q", s, run.Masks)
			}
		}
	})
}

// knownSwitches are the flags the action gives without a value.
var knownSwitches = map[string]bool{"--no-fail": true, "--push": true, "--load": true, "--no-cache": true, "--pull": true,
	"--oci-labels": true, "--dry-run": true, "--apply": true, "--prune": true}

// secretValues are the values of a secrets input that the test can look for
// without false alarms: from an input without quotes (so one entry is one
// line), long enough not to occur by chance, and not also written in
// another input, in the entry's id or in the flag the action writes.
func secretValues(env map[string]string) []string {
	in := env["INPUT_SECRETS"]
	if strings.Contains(in, `"`) {
		return nil
	}
	var out []string
	for _, line := range strings.Split(in, "\n") {
		id, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || len(v) < 8 || strings.ContainsAny(v, ",\r") || strings.Contains(id, v) || strings.Count(in, v) > 1 ||
			strings.Contains("--secret=id=,env=HOIST_ACTION_SECRET_0123456789", v) {
			continue
		}
		elsewhere := false
		for k, other := range env {
			if k != "INPUT_SECRETS" && strings.Contains(other, v) {
				elsewhere = true
			}
		}
		if !elsewhere {
			out = append(out, v)
		}
	}
	return out
}

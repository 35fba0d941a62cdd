package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/hoistci/hoist/internal/gha"
	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/format"
)

func init() { commands = append(commands, (*app).newActionCmd) }

// newActionCmd is `hoist action`, the entry point of action.yml: it reads
// the action's inputs from INPUT_* variables, maps them to the flags of the
// chosen command and runs it in this process.
func (a *app) newActionCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "action",
		Hidden: true,
		Short:  "Run the GitHub Action: the inputs come from INPUT_<NAME> variables (see action.yml)",
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runAction()
		},
	}
}

// actionCommands are the values of the command input.
var actionCommands = []string{"lint", "build", "tag", "prune", "release"}

// actionInputs lists, per command, the inputs it reads. The others are
// reported when set (a matrix may share its inputs between commands, so
// that is a warning, not an error). command, working-directory and version
// (read by action.yml) apply to all.
var actionInputs = map[string][]string{
	"lint": {"dockerfile", "failure-threshold", "format", "output-file", "sarif", "no-fail", "config", "policy", "vars",
		"ignore", "trusted-registries"},
	"build": {"context", "dockerfile", "target", "platforms", "build-args", "labels", "annotations", "tags", "push", "load",
		"no-cache", "pull", "cache-from", "cache-to", "outputs", "secrets", "secret-files", "secret-envs", "ssh", "oci-labels", "builder", "builder-tls-dir"},
	"tag":   {"source", "images", "tags", "flavor", "policy", "vars", "format", "dry-run"},
	"prune": {"images", "policy", "vars", "apply", "format"},
	"release": {"context", "names", "dockerfile", "images", "target", "platforms", "build-args", "labels", "secrets",
		"secret-files", "secret-envs", "cache-from", "cache-to", "push", "dry-run", "prune", "apply", "policy", "vars", "format", "builder", "builder-tls-dir"},
}

// actionRun is what the inputs ask for: the command line (never holding a
// secret), variables to set for it (secrets, read by the build through
// --secret id=ID,env=VAR), values to mask, text for stdin and warnings.
type actionRun struct {
	Args     []string
	Env      map[string]string
	Masks    []string
	Stdin    string
	Dir      string // working-directory
	Warnings []string
}

// actionInputError is an invalid input: exit 2, naming it.
func actionInputError(name, format string, args ...any) error {
	return badInput("input %s: %s", name, fmt.Sprintf(format, args...))
}

// actionArgBuilder reads inputs as GitHub passes them and builds the command
// line, parsing lists and booleans as docker's actions do. Flags are
// written --name=value, and positional arguments follow "--", so no input
// value is ever taken for a flag.
type actionArgBuilder struct {
	getenv     func(string) string
	run        *actionRun
	args       []string
	positional []string
	errs       []error
}

func (b *actionArgBuilder) get(name string) string { return gha.GetInput(b.getenv, name) }

func (b *actionArgBuilder) check(err error) {
	if err != nil {
		b.errs = append(b.errs, err)
	}
}

func (b *actionArgBuilder) flag(name, value string) { b.args = append(b.args, name+"="+value) }

// single maps an input to a flag given once.
func (b *actionArgBuilder) single(input, name string) {
	if v := b.get(input); v != "" {
		b.flag(name, v)
	}
}

// each maps a list input to a flag given once per entry.
func (b *actionArgBuilder) each(input, name string, ignoreComma bool) {
	vs, err := b.list(input, ignoreComma)
	b.check(err)
	for _, v := range vs {
		b.flag(name, v)
	}
}

// switchFlag maps a boolean input to a flag given when it is true.
func (b *actionArgBuilder) switchFlag(input, name string) {
	v, _, err := b.boolean(input)
	b.check(err)
	if v {
		b.args = append(b.args, name)
	}
}

// list reads a list input as docker/build-push-action does (actions-toolkit
// Util.getInputList): one entry a line, CSV-quoted ("a,b" keeps its comma),
// and with commas also separating entries unless ignoreComma (build-args,
// labels, cache-from and such, whose values hold commas). Entries are
// trimmed; empty ones are dropped.
func (b *actionArgBuilder) list(name string, ignoreComma bool) ([]string, error) {
	v := b.get(name)
	if v == "" {
		return nil, nil
	}
	cr := csv.NewReader(strings.NewReader(v))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var out []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, actionInputError(name, "%v; write one entry a line, quoting an entry that holds a comma or a line break with \"...\"", err)
		}
		if ignoreComma {
			rec = []string{strings.Join(rec, ",")}
		}
		for _, e := range rec {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// boolean reads a boolean input as @actions/core's getBooleanInput: true,
// True, TRUE, false, False or FALSE (YAML 1.2's core schema); set is false
// when the input is empty.
func (b *actionArgBuilder) boolean(name string) (value, set bool, err error) {
	switch v := b.get(name); v {
	case "":
		return false, false, nil
	case "true", "True", "TRUE":
		return true, true, nil
	case "false", "False", "FALSE":
		return false, true, nil
	default:
		return false, false, actionInputError(name, "%q is not a boolean: use true or false", v)
	}
}

func (b *actionArgBuilder) vars() { b.each("vars", "--var", true) }

// textFormat maps format for the commands that write text or json.
func (b *actionArgBuilder) textFormat(command string) {
	if f := b.get("format"); f != "" {
		if f != "text" && f != "json" {
			b.check(actionInputError("format", "%q: %s writes text or json", f, command))
		}
		b.flag("--format", f)
	}
}

// actionArgs maps the inputs to the command line of the chosen command.
func actionArgs(getenv func(string) string) (*actionRun, error) {
	run := &actionRun{Env: map[string]string{}}
	b := &actionArgBuilder{getenv: getenv, run: run}
	command := b.get("command")
	if command == "" {
		return nil, actionInputError("command", "required: use %s", strings.Join(actionCommands, ", "))
	}
	if !slices.Contains(actionCommands, command) {
		return nil, actionInputError("command", "%q is not a command: use %s", command, strings.Join(actionCommands, ", "))
	}
	run.Dir = b.get("working-directory")
	b.args = []string{command}
	switch command {
	case "lint":
		b.lint()
	case "build":
		b.single("dockerfile", "--file")
		b.single("target", "--target")
		b.each("platforms", "--platform", false)
		b.each("build-args", "--build-arg", true)
		b.each("labels", "--label", true)
		b.each("annotations", "--annotation", true)
		b.each("tags", "--tag", false)
		b.switchFlag("push", "--push")
		b.switchFlag("load", "--load")
		b.switchFlag("no-cache", "--no-cache")
		b.switchFlag("pull", "--pull")
		b.switchFlag("oci-labels", "--oci-labels")
		b.each("cache-from", "--cache-from", true)
		b.each("cache-to", "--cache-to", true)
		b.each("outputs", "--output", true)
		b.each("ssh", "--ssh", true)
		b.single("builder", "--builder")
		b.single("builder-tls-dir", "--builder-tls-dir")
		b.secrets()
		if c := b.get("context"); c != "" {
			b.positional = append(b.positional, c)
		}
	case "tag":
		b.each("images", "--repository", false)
		b.single("policy", "--policy")
		b.vars()
		b.textFormat(command)
		b.switchFlag("dry-run", "--dry-run")
		if tags, flavor := b.get("tags"), b.get("flavor"); tags != "" || flavor != "" {
			// metadata-action's own inputs: hoist tag reads them as the
			// step's with: block, on stdin.
			in := map[string]string{}
			if tags != "" {
				in["tags"] = tags
			}
			if flavor != "" {
				in["flavor"] = flavor
			}
			y, err := yaml.Marshal(in)
			b.check(err)
			run.Stdin = string(y)
			b.flag("--from-metadata-action", "-")
		}
		if s := b.get("source"); s != "" {
			b.positional = append(b.positional, s)
		}
	case "prune":
		b.single("policy", "--policy")
		b.vars()
		b.textFormat(command)
		b.switchFlag("apply", "--apply")
		repos, err := b.list("images", false)
		b.check(err)
		b.positional = append(b.positional, repos...)
	case "release":
		b.single("policy", "--policy")
		b.vars()
		b.single("dockerfile", "--file")
		b.each("images", "--repository", false)
		b.single("target", "--target")
		b.each("platforms", "--platform", false)
		b.each("build-args", "--build-arg", true)
		b.each("labels", "--label", true)
		b.each("cache-from", "--cache-from", true)
		b.each("cache-to", "--cache-to", true)
		b.single("builder", "--builder")
		b.single("builder-tls-dir", "--builder-tls-dir")
		b.secrets()
		// --push defaults to true in release: an explicit false must reach it.
		if v, set, err := b.boolean("push"); err != nil {
			b.check(err)
		} else if set {
			b.flag("--push", strconv.FormatBool(v))
		}
		b.switchFlag("dry-run", "--dry-run")
		b.switchFlag("prune", "--prune")
		b.switchFlag("apply", "--apply")
		b.textFormat(command)
		names, err := b.list("names", false)
		b.check(err)
		c := b.get("context")
		switch {
		case c != "" && len(names) > 0:
			b.check(actionInputError("names", "give either context (for a policy without image blocks) or the names of the policy's image blocks, not both"))
		case c != "":
			b.positional = append(b.positional, c)
		default:
			b.positional = append(b.positional, names...)
		}
	}
	if err := errors.Join(b.errs...); err != nil {
		return nil, badInput("%s", err) // one line per invalid input
	}
	run.Args = b.args
	if len(b.positional) > 0 {
		run.Args = append(append(run.Args, "--"), b.positional...)
	}
	run.Warnings = unusedInputs(getenv, command)
	return run, nil
}

// lint maps lint's inputs. The log always gets the tty report (as
// hadolint-action prints it) unless format sends another one there;
// output-file writes the format (default tty) to a file, and sarif adds a
// SARIF file for code scanning.
func (b *actionArgBuilder) lint() {
	f := b.get("format")
	if f != "" {
		if _, err := format.Lookup(f); err != nil {
			b.check(actionInputError("format", "%q: use one of %s", f, strings.Join(format.Names(), ", ")))
		}
	}
	out, sarif := b.get("output-file"), b.get("sarif")
	switch {
	case out != "":
		if f == "" {
			f = "tty"
		}
		b.flag("--format", f)
		b.flag("--output", out)
		b.flag("--format", "tty")
	case f != "":
		b.flag("--format", f)
	case sarif != "":
		b.flag("--format", "tty") // the log still gets the report
	}
	if sarif != "" {
		b.flag("--format", "sarif")
		b.flag("--output", sarif)
	}
	if t := b.get("failure-threshold"); t != "" {
		if sev, err := lint.ParseSeverity(t); err != nil || sev == lint.Ignore {
			b.check(actionInputError("failure-threshold", "%q: use error, warning, info, style or none", t))
		}
		b.flag("--failure-threshold", t)
	}
	b.switchFlag("no-fail", "--no-fail")
	cfg, pol := b.get("config"), b.get("policy")
	if cfg != "" && pol != "" {
		b.check(actionInputError("policy", "lint reads its settings from one file: give config or policy, not both"))
	}
	if cfg == "" {
		cfg = pol
	}
	if cfg != "" {
		b.flag("--config", cfg)
	}
	b.vars()
	b.each("ignore", "--ignore", false)
	b.each("trusted-registries", "--trusted-registry", false)
	paths, err := b.list("dockerfile", true)
	b.check(err)
	b.positional = append(b.positional, paths...)
}

// secrets maps build-push-action's secret inputs to --secret flags:
// secrets ("ID=value" lines) through variables set for the run, never on
// the command line, and masked; secret-files ("ID=path") and secret-envs
// ("ID=VARIABLE") as they are.
func (b *actionArgBuilder) secrets() {
	secrets, err := b.list("secrets", true)
	b.check(err)
	for i, s := range secrets {
		id, value, ok := strings.Cut(s, "=")
		if !ok || id == "" {
			// Never echo the entry: it may be the secret itself.
			b.check(actionInputError("secrets", "entry %d is not ID=value", i+1))
			continue
		}
		env := fmt.Sprintf("HOIST_ACTION_SECRET_%d", i+1)
		b.run.Env[env] = value
		b.run.Masks = append(b.run.Masks, value)
		b.flag("--secret", "id="+id+",env="+env)
	}
	// Secrets named by a file or a variable: the entry holds no secret.
	for _, in := range []struct{ input, form, key string }{{"secret-files", "ID=PATH", "src"}, {"secret-envs", "ID=VARIABLE", "env"}} {
		entries, err := b.list(in.input, true)
		b.check(err)
		for _, s := range entries {
			id, v, ok := strings.Cut(s, "=")
			if !ok || id == "" || v == "" {
				b.check(actionInputError(in.input, "%q is not %s", s, in.form))
				continue
			}
			b.flag("--secret", "id="+id+","+in.key+"="+v)
		}
	}
}

// unusedInputs warns about inputs set for another command.
func unusedInputs(getenv func(string) string, command string) []string {
	all := map[string]bool{}
	for _, names := range actionInputs {
		for _, n := range names {
			all[n] = true
		}
	}
	var out []string
	for n := range all {
		if slices.Contains(actionInputs[command], n) {
			continue
		}
		if gha.GetInput(getenv, n) != "" {
			out = append(out, fmt.Sprintf("input %s has no effect on command %s", n, command))
		}
	}
	sort.Strings(out)
	return out
}

// runAction runs the command the inputs ask for, in this process.
func (a *app) runAction() error {
	run, err := actionArgs(a.getenv)
	if err != nil {
		return err
	}
	for _, m := range run.Masks {
		a.ghaWarn(a.gha.AddMask(m))
	}
	for _, w := range run.Warnings {
		fmt.Fprintf(a.stderr, "hoist: warning: %s\n", w)
	}
	if run.Dir != "" {
		wd, err := os.Getwd()
		if err != nil {
			return opFailed(err)
		}
		if err := os.Chdir(run.Dir); err != nil {
			return actionInputError("working-directory", "%v", unwrapPathError(err))
		}
		defer os.Chdir(wd)
	}
	for k, v := range run.Env {
		if err := os.Setenv(k, v); err != nil {
			return opFailed(err)
		}
		defer os.Unsetenv(k)
	}
	if run.Stdin != "" {
		defer func(r io.Reader) { a.stdin = r }(a.stdin)
		a.stdin = strings.NewReader(run.Stdin)
	}
	fmt.Fprintf(a.stderr, "hoist action: %s\n", shellLine(append([]string{"hoist"}, run.Args...)))
	// A build relays its RUN steps' output, which the Dockerfile (a pull
	// request's, say) controls: the github progress mode keeps every such
	// line behind its step's "#N" (in a log group per step), and an error
	// holding a failing step's lines is printed with commands stopped
	// (ghaInert).
	if code := a.run(run.Args); code != exitOK {
		return &exitError{code: code, err: errors.New("")}
	}
	return nil
}

// shellLine quotes args for display as a POSIX shell would need them.
func shellLine(args []string) string {
	out := make([]string, len(args))
	for i, s := range args {
		if s != "" && strings.IndexFunc(s, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@+%", r))
		}) < 0 {
			out[i] = s
			continue
		}
		out[i] = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

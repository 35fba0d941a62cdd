package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/shellcheck"
	"github.com/hoistci/hoist/internal/ui"
	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/format"
	"github.com/hoistci/hoist/lint/rules"
)

// outputSpec is one -f FORMAT [-o FILE] pair.
type outputSpec struct {
	format string
	file   string // "" = stdout
}

// outputList collects -f/-o in command-line order: -o writes the format of
// the -f just before it.
type outputList struct {
	specs []outputSpec
	err   error
}

type formatFlag struct{ l *outputList }

func (f formatFlag) String() string { return "" }
func (f formatFlag) Type() string   { return "format" }
func (f formatFlag) Set(v string) error {
	if _, err := format.Lookup(v); err != nil {
		return err
	}
	f.l.specs = append(f.l.specs, outputSpec{format: strings.ToLower(v)})
	return nil
}

type outputFlag struct{ l *outputList }

func (f outputFlag) String() string { return "" }
func (f outputFlag) Type() string   { return "file" }
func (f outputFlag) Set(v string) error {
	n := len(f.l.specs)
	if n == 0 {
		return fmt.Errorf("-o %s must follow the -f FORMAT it writes (e.g. -f sarif -o hoist.sarif)", v)
	}
	if f.l.specs[n-1].file != "" {
		return fmt.Errorf("-o %s: format %s already writes to %s; give -f again for another output", v, f.l.specs[n-1].format, f.l.specs[n-1].file)
	}
	f.l.specs[n-1].file = v
	return nil
}

type lintOptions struct {
	outputs             outputList
	config              string
	ignore              []string
	failureThreshold    string
	noFail              bool
	trusted             []string
	overrides           map[lint.Severity][]string
	requireLabels       []string
	strictLabels        bool
	disableIgnorePragma bool
	color               string
	stdinName           string
	fix                 bool
	dryRun              bool
	shellcheck          string
	policy              policyFlags // --var and --var-file for hoist.hcl
}

func (a *app) newLintCmd() *cobra.Command {
	o := &lintOptions{overrides: map[lint.Severity][]string{}}
	var overrideErr, overrideWarn, overrideInfo, overrideStyle []string
	cmd := &cobra.Command{
		Use:   "lint [PATH ...]",
		Short: "Check Dockerfiles (hadolint-compatible rules, BuildKit's checks, and more)",
		Long: `Lint Dockerfiles. PATH may be a file, a directory (searched recursively for
Dockerfile, Dockerfile.*, Dockerfile-*, *.Dockerfile, *.dockerfile and the
same Containerfile names; .git, node_modules and vendor are skipped) or '-'
for stdin.
With no PATH, ./Dockerfile is linted.

Configuration comes from a file, then HOIST_* environment variables
(HADOLINT_* are honoured too), then flags; later sources win. The file is
the lint block of the policy, ./hoist.hcl, when it has one (see
docs/policy.md; --var and --var-file set its variables); otherwise
.hadolint.yaml, read as hadolint reads it and found as hadolint finds it.
-c names either kind.

Inline pragmas: '# hadolint ignore=DL3008', '# hadolint global ignore=...',
'# hadolint stage ignore=...', the same with 'hoist' (a reason may follow
' -- '), and BuildKit's '# check=skip=A,B;error=true' directive.`,
		Example: `  hoist lint                                  # ./Dockerfile
  hoist lint services/ --failure-threshold warning
  hoist lint -f sarif -o hoist.sarif -f tty Dockerfile
  cat Dockerfile | hoist lint -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.outputs.err != nil {
				return badInput("%s", o.outputs.err)
			}
			o.overrides[lint.Error] = overrideErr
			o.overrides[lint.Warning] = overrideWarn
			o.overrides[lint.Info] = overrideInfo
			o.overrides[lint.Style] = overrideStyle
			return a.runLint(cmd, o, args)
		},
	}
	fl := cmd.Flags()
	fl.VarP(formatFlag{&o.outputs}, "format", "f", "report format: "+strings.Join(format.Names(), "|")+" (repeatable, each with its own -o)")
	fl.VarP(outputFlag{&o.outputs}, "output", "o", "write the preceding --format to FILE instead of stdout")
	fl.StringVarP(&o.config, "config", "c", "", "configuration file: a policy (hoist.hcl, its lint block) or a .hadolint.yaml; default: ./hoist.hcl when it has a lint block, else .hadolint.yaml searched as hadolint does")
	fl.StringArrayVar(&o.ignore, "ignore", nil, "ignore a rule (ID, name or BuildKit check name; repeatable)")
	fl.StringVar(&o.failureThreshold, "failure-threshold", "", "fail when a finding is at least this severe: error|warning|info|style|none (default info)")
	fl.BoolVar(&o.noFail, "no-fail", false, "exit 0 whatever is found (unless the input is unusable)")
	fl.StringArrayVar(&o.trusted, "trusted-registry", nil, "allow FROM images only from this registry (repeatable; DL3026)")
	fl.StringArrayVar(&overrideErr, "error", nil, "make a rule's findings errors (repeatable)")
	fl.StringArrayVar(&overrideWarn, "warning", nil, "make a rule's findings warnings (repeatable)")
	fl.StringArrayVar(&overrideInfo, "info", nil, "make a rule's findings info (repeatable)")
	fl.StringArrayVar(&overrideStyle, "style", nil, "make a rule's findings style (repeatable)")
	fl.StringArrayVar(&o.requireLabels, "require-label", nil, "require a label, NAME:TYPE (text|url|spdx|hash|rfc3339|semver|email; repeatable)")
	fl.BoolVar(&o.strictLabels, "strict-labels", false, "report labels that the label schema does not list")
	fl.BoolVar(&o.disableIgnorePragma, "disable-ignore-pragma", false, "make inline ignore pragmas ineffective")
	fl.StringVar(&o.color, "color", "auto", "colour: auto|always|never (NO_COLOR is honoured)")
	fl.StringVar(&o.stdinName, "stdin-filename", "-", "file name to report for the Dockerfile read from stdin")
	fl.StringVar(&o.shellcheck, "shellcheck", "", "run ShellCheck on RUN scripts: auto (when shellcheck is on PATH; the default), on or off")
	fl.BoolVar(&o.fix, "fix", false, "apply the safe automatic fixes of the rules that have one, in place (stdin: the fixed file goes to stdout)")
	fl.BoolVar(&o.dryRun, "dry-run", false, "with --fix: print the changes as a unified diff instead of writing them")
	o.policy.add(cmd, false)

	fixed := func(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return values, cobra.ShellCompDirectiveNoFileComp
		}
	}
	ruleNames := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, r := range rules.All() {
			names = append(names, r.ID+"\t"+r.Name+": "+r.Summary, r.Name+"\t"+r.ID)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
	_ = cmd.RegisterFlagCompletionFunc("format", fixed(format.Names()...))
	_ = cmd.RegisterFlagCompletionFunc("failure-threshold", fixed("error", "warning", "info", "style", "none"))
	_ = cmd.RegisterFlagCompletionFunc("color", fixed("auto", "always", "never"))
	_ = cmd.RegisterFlagCompletionFunc("shellcheck", fixed("auto", "on", "off"))
	for _, name := range []string{"ignore", "error", "warning", "info", "style"} {
		_ = cmd.RegisterFlagCompletionFunc(name, ruleNames)
	}
	return cmd
}

// lintConfig layers the config file, the environment and the flags.
func (a *app) lintConfig(cmd *cobra.Command, o *lintOptions, colorMode ui.ColorMode) (lint.Config, error) {
	cfg := lint.DefaultConfig()
	cfg.ShellCheck = "auto"
	if o.config != "" {
		if _, err := os.Stat(o.config); err != nil {
			return cfg, badInput("config file %s: not found; check the -c path", o.config)
		}
	}
	// The policy (hoist.hcl) is the native configuration: named with -c,
	// or found in the working directory. Its lint block, when it has one,
	// takes the place of .hadolint.yaml. An invalid policy stops the run:
	// a configuration that cannot be read is never half applied.
	path := "" // a .hadolint.yaml to read
	switch {
	case o.config != "" && isPolicyPath(o.config):
		p, err := a.loadPolicyColor([]string{o.config}, o.policy.vars, o.policy.varFiles, colorMode)
		if err != nil {
			return cfg, err
		}
		if p.Lint != nil {
			p.Lint.Settings.Apply(&cfg)
		}
	case o.config != "":
		path = o.config
	default:
		if pp := findPolicyFile(); pp != "" {
			p, err := a.loadPolicyColor([]string{pp}, o.policy.vars, o.policy.varFiles, colorMode)
			if err != nil {
				return cfg, err
			}
			if p.Lint != nil {
				p.Lint.Settings.Apply(&cfg)
				if other := lint.FindConfigFile(); other != "" {
					fmt.Fprintf(a.stderr, "hoist: note: %s is ignored: the lint block of %s configures hoist lint\n", other, pp)
				}
				break
			}
		}
		path = lint.FindConfigFile()
	}
	if path != "" {
		s, warnings, err := lint.LoadConfigFile(path)
		if err != nil {
			return cfg, badInput("%s", err)
		}
		for _, w := range warnings {
			fmt.Fprintf(a.stderr, "hoist: warning: %s\n", w)
		}
		s.Apply(&cfg)
	}
	env, err := lint.EnvSettings(a.getenv)
	if err != nil {
		return cfg, badInput("%s", err)
	}
	env.Apply(&cfg)

	flags := lint.Settings{Source: "flags", Ignored: o.ignore, TrustedRegistries: o.trusted, Overrides: map[string]lint.Severity{}}
	for sev, names := range o.overrides {
		for _, n := range names {
			flags.Overrides[n] = sev
		}
	}
	if o.failureThreshold != "" {
		sev, err := lint.ParseSeverity(o.failureThreshold)
		if err != nil || sev == lint.Ignore {
			return cfg, badInput("invalid --failure-threshold %q: use error, warning, info, style or none", o.failureThreshold)
		}
		flags.FailureThreshold = &sev
	}
	if cmd.Flags().Changed("no-fail") {
		flags.NoFail = &o.noFail
	}
	if cmd.Flags().Changed("strict-labels") {
		flags.StrictLabels = &o.strictLabels
	}
	if cmd.Flags().Changed("disable-ignore-pragma") {
		flags.DisableIgnorePragma = &o.disableIgnorePragma
	}
	if len(o.requireLabels) > 0 {
		flags.LabelSchema = map[string]string{}
		for _, rl := range o.requireLabels {
			name, typ, _ := strings.Cut(rl, ":")
			if typ == "" {
				typ = "text"
			}
			if !isLabelType(typ) {
				return cfg, badInput("--require-label %s: %q is not a label type: use one of %s", rl, typ, strings.Join(lint.LabelTypes, ", "))
			}
			flags.LabelSchema[name] = typ
		}
	}
	if o.shellcheck != "" {
		if err := lint.ValidShellCheckMode(o.shellcheck); err != nil {
			return cfg, badInput("--shellcheck: %s", err)
		}
		flags.ShellCheck = &o.shellcheck
	}
	flags.Apply(&cfg)
	if cfg.ShellCheck == "on" {
		if _, err := shellcheck.LookPath(); err != nil {
			return cfg, badInput("--shellcheck on: no shellcheck binary on PATH; install it (apt-get install shellcheck, brew install shellcheck) or use --shellcheck auto")
		}
	}
	return cfg, nil
}

func isLabelType(t string) bool {
	for _, x := range lint.LabelTypes {
		if x == t {
			return true
		}
	}
	return false
}

func (a *app) runLint(cmd *cobra.Command, o *lintOptions, args []string) error {
	colorMode, err := ui.ParseColorMode(o.color)
	if err != nil {
		return badInput("%s", err)
	}
	cfg, err := a.lintConfig(cmd, o, colorMode)
	if err != nil {
		return err
	}
	reg := rules.Registry()
	for _, n := range cfg.UnknownRuleNames(reg) {
		fmt.Fprintf(a.stderr, "hoist: warning: configuration names unknown rule %q; it has no effect\n", n)
	}

	specs := o.outputs.specs
	if len(specs) == 0 {
		f := cfg.Format
		if f == "" {
			f = "tty"
		}
		if _, err := format.Lookup(f); err != nil {
			return badInput("%s", err)
		}
		specs = []outputSpec{{format: f}}
	}
	toStdout := 0
	for _, s := range specs {
		if s.file == "" {
			toStdout++
		}
	}
	if toStdout > 1 {
		return badInput("%d formats would be written to stdout; give all but one an -o FILE", toStdout)
	}

	if o.dryRun && !o.fix {
		return badInput("--dry-run goes with --fix")
	}
	inputs, err := a.readInputs(args, o.stdinName)
	if err != nil {
		return err
	}
	linter := lint.New(reg, cfg)
	if o.fix {
		redirect, err := a.applyFixes(linter, inputs, args, o)
		if err != nil {
			return err
		}
		if redirect {
			// The fixed Dockerfile went to stdout: the report goes to stderr.
			specs = []outputSpec{{format: "tty"}}
			defer func(w io.Writer) { a.stdout = w }(a.stdout)
			a.stdout = a.stderr
		} else if o.dryRun {
			return nil
		}
	}
	results := linter.LintAll(inputs)

	wd, _ := os.Getwd()
	report := &format.Report{
		Results:   results,
		Rules:     reg,
		Tool:      format.Tool{Name: "hoist", Version: buildVersion().Version, InformationURI: "https://github.com/hoistci/hoist"},
		WorkDir:   wd,
		Threshold: cfg.FailureThreshold,
	}
	for _, s := range specs {
		if err := a.writeReport(s, report, colorMode); err != nil {
			return err
		}
	}
	failed := !cfg.NoFail && lint.Failed(results, cfg.FailureThreshold)
	a.ghaLint(report, specs, failed)
	if failed {
		return errCheckFailed
	}
	return nil
}

// applyFixes fixes every input in place (or prints diffs with --dry-run),
// updating inputs to the fixed content so the report shows what remains.
// It reports whether the fixed stdin Dockerfile was written to stdout.
func (a *app) applyFixes(linter *lint.Linter, inputs []lint.Input, args []string, o *lintOptions) (bool, error) {
	fixedStdin := false
	total, files := 0, 0
	for i, in := range inputs {
		fixed, applied := linter.Fix(in.Path, in.Content)
		isStdin := in.Path == o.stdinName && containsDash(args)
		if len(applied) > 0 {
			total += len(applied)
			files++
			for _, fd := range applied {
				fmt.Fprintf(a.stderr, "%s:%d:%d: fixed %s (%s): %s\n", fd.File, fd.Line, fd.Column, fd.RuleID, fd.RuleName, fd.Fix.Description)
			}
		}
		switch {
		case o.dryRun:
			fmt.Fprint(a.stdout, ui.UnifiedDiff(in.Path, string(in.Content), string(fixed)))
		case isStdin:
			if _, err := a.stdout.Write(fixed); err != nil {
				return false, opFailed(err)
			}
			fixedStdin = true
		case len(applied) > 0:
			if err := writeFileAtomic(in.Path, fixed); err != nil {
				return false, opFailed(err)
			}
		}
		inputs[i].Content = fixed
	}
	verb := "fixed"
	if o.dryRun {
		verb = "would fix"
	}
	fmt.Fprintf(a.stderr, "hoist: %s %d %s in %d %s\n", verb, total, plural(total, "problem", "problems"), files, plural(files, "file", "files"))
	return fixedStdin, nil
}

func containsDash(args []string) bool {
	for _, a := range args {
		if a == "-" {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// writeFileAtomic replaces path's content, keeping its mode, through a
// temporary file and a rename so that nothing is ever half written.
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func (a *app) writeReport(s outputSpec, r *format.Report, mode ui.ColorMode) error {
	if s.file == "" {
		f, _ := a.stdout.(*os.File)
		color := ui.UseColor(mode, f, a.getenv)
		if f == nil && mode == ui.ColorAlways {
			color = true
		}
		return format.Write(s.format, a.stdout, r, format.Options{Color: color})
	}
	if dir := filepath.Dir(s.file); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return opFailed(fmt.Errorf("create directory for %s: %w", s.file, err))
		}
	}
	var buf bytes.Buffer
	if err := format.Write(s.format, &buf, r, format.Options{Color: mode == ui.ColorAlways}); err != nil {
		return opFailed(fmt.Errorf("write %s: %w", s.file, err))
	}
	if err := writeFileAtomic(s.file, buf.Bytes()); err != nil {
		return opFailed(err)
	}
	return nil
}

// readInputs discovers and reads the files to lint.
func (a *app) readInputs(args []string, stdinName string) ([]lint.Input, error) {
	if len(args) == 0 {
		if _, err := os.Stat("Dockerfile"); err != nil {
			return nil, badInput("no Dockerfile in the current directory: give a path (a file, a directory, or - for stdin)")
		}
		args = []string{"Dockerfile"}
	}
	paths, err := lint.Discover(args)
	if err != nil {
		return nil, badInput("%s", err)
	}
	if len(paths) == 0 {
		return nil, badInput("no Dockerfiles found in %s (looked for Dockerfile, Dockerfile.*, Dockerfile-*, *.Dockerfile, *.dockerfile and the same Containerfile names)", strings.Join(args, ", "))
	}
	inputs := make([]lint.Input, 0, len(paths))
	for _, p := range paths {
		if p == "-" {
			data, err := io.ReadAll(a.stdin)
			if err != nil {
				return nil, badInput("read stdin: %s", err)
			}
			inputs = append(inputs, lint.Input{Path: stdinName, Content: data})
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, badInput("cannot read %s: %s", p, unwrapPathError(err))
		}
		inputs = append(inputs, lint.Input{Path: p, Content: data})
	}
	return inputs, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

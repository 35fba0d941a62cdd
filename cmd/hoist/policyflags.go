package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/ui"
)

// defaultPolicyFiles are where the policy is found when no path is given,
// in order.
var defaultPolicyFiles = []string{"hoist.hcl", "hoist.hcl.json"}

// findPolicyFile returns the policy file of the working directory, or "".
func findPolicyFile() string {
	for _, name := range defaultPolicyFiles {
		if st, err := os.Stat(name); err == nil && !st.IsDir() {
			return name
		}
	}
	return ""
}

// isPolicyPath reports whether a path names a policy (a .hcl or .hcl.json
// file, or a directory of them) rather than another configuration file.
func isPolicyPath(path string) bool {
	if strings.HasSuffix(path, ".hcl") || strings.HasSuffix(path, ".hcl.json") {
		return true
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// policyFlags are the flags of every command that reads the policy.
type policyFlags struct {
	vars     []string
	varFiles []string
	color    string
}

// add registers --var and --var-file (and --color unless withColor is
// false, for commands that have their own).
func (f *policyFlags) add(cmd *cobra.Command, withColor bool) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.vars, "var", nil, "set a variable of the policy, NAME=VALUE (repeatable; beats --var-file and HOIST_VAR_NAME)")
	fl.StringArrayVar(&f.varFiles, "var-file", nil, "read variables of the policy from an HCL file of NAME = VALUE lines (repeatable, later files win)")
	if withColor {
		fl.StringVar(&f.color, "color", "auto", "colour: auto|always|never (NO_COLOR is honoured)")
		_ = cmd.RegisterFlagCompletionFunc("color", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp
		})
	}
}

// loadPolicy loads the policy with the CLI's inputs: the files or
// directories in paths (none: ./hoist.hcl, else ./hoist.hcl.json), the
// --var NAME=VALUE values, the --var-file files and HOIST_VAR_NAME from the
// environment, with the real functions and fact types.
//
// Diagnostics (warnings too) are rendered to stderr, coloured as --color
// auto decides for stderr. An invalid policy is a badInput error (exit 2)
// whose message only sums up: the diagnostics are already printed. When
// paths is empty and the working directory has no policy file, loadPolicy
// returns nil, nil: the caller decides what no policy means (an error for
// policy check, the built-in defaults elsewhere).
func (a *app) loadPolicy(paths []string, vars []string, varFiles []string) (*policy.Policy, error) {
	return a.loadPolicyColor(paths, vars, varFiles, ui.ColorAuto)
}

// loadPolicyColor is loadPolicy with the colour mode of the command's
// --color flag.
func (a *app) loadPolicyColor(paths, vars, varFiles []string, color ui.ColorMode) (*policy.Policy, error) {
	if len(paths) == 0 {
		p := findPolicyFile()
		if p == "" {
			return nil, nil
		}
		paths = []string{p}
	}
	values := map[string]string{}
	for _, kv := range vars {
		name, value, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, badInput("--var %q: write NAME=VALUE, such as --var registry=ghcr.io/acme", kv)
		}
		values[name] = value // the last one wins, as in Terraform
	}
	p, diags := policy.Load(paths, policy.LoadOptions{
		Vars:      values,
		VarFiles:  varFiles,
		Env:       a.getenv,
		Functions: policy.Functions(),
		FactTypes: policy.FactTypes(),
	})
	if len(diags) > 0 {
		if err := a.renderDiagnostics(diags, p.Files, color); err != nil {
			return nil, err
		}
	}
	if diags.HasErrors() {
		n := countErrors(diags)
		return nil, badInput("invalid policy %s: %d %s", strings.Join(paths, ", "), n, plural(n, "error", "errors"))
	}
	return p, nil
}

// renderDiagnostics writes policy diagnostics to stderr.
func (a *app) renderDiagnostics(diags hcl.Diagnostics, files map[string]*hcl.File, mode ui.ColorMode) error {
	f, _ := a.stderr.(*os.File)
	color := ui.UseColor(mode, f, a.getenv)
	if f == nil && mode == ui.ColorAlways {
		color = true
	}
	if err := policy.Render(a.stderr, diags, files, color); err != nil {
		return opFailed(fmt.Errorf("write diagnostics: %w", err))
	}
	// a blank line between the last code frame and what follows
	fmt.Fprintln(a.stderr)
	return nil
}

func countErrors(diags hcl.Diagnostics) int {
	n := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			n++
		}
	}
	return n
}

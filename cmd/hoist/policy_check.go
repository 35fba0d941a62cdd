package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/ui"
)

func init() { policySubcommands = append(policySubcommands, (*app).newPolicyCheckCmd) }

func (a *app) newPolicyCheckCmd() *cobra.Command {
	var f policyFlags
	cmd := &cobra.Command{
		Use:   "check [FILE|DIR ...]",
		Short: "Validate the policy file",
		Long: `Load and validate the policy: its syntax, every block and attribute against
the language, the types of expressions (against the types of the facts, which
are not known yet), references to variables, locals, facts and functions,
cycles between locals, and the variables' values and validation rules.

With no argument, ./hoist.hcl is checked (or ./hoist.hcl.json). Several files,
or a directory (its *.hcl and *.hcl.json files), are checked as one policy.
Variables come from their defaults, HOIST_VAR_NAME, --var-file and --var, in
that order of precedence (the last wins).

Every problem is reported with file:line:col, the source line and a marker
under the exact place. Warnings are printed but do not fail the check.
See docs/policy.md for the language.`,
		Example: `  hoist policy check
  hoist policy check deploy/hoist.hcl --var registry=ghcr.io/acme
  HOIST_VAR_registry=ghcr.io/acme hoist policy check policies/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runPolicyCheck(args, &f)
		},
	}
	f.add(cmd, true)
	return cmd
}

func (a *app) runPolicyCheck(args []string, f *policyFlags) error {
	mode, err := ui.ParseColorMode(f.color)
	if err != nil {
		return badInput("%s", err)
	}
	p, err := a.loadPolicyColor(args, f.vars, f.varFiles, mode)
	if err != nil {
		return err
	}
	if p == nil {
		return badInput("no policy file: ./hoist.hcl does not exist; give the path of one, or write one (see docs/policy.md)")
	}
	fmt.Fprintf(a.stdout, "%s: valid (%s)\n", strings.Join(policyFileNames(args), ", "), policySummary(p))
	return nil
}

// policyFileNames are the policy files args stand for, as Load reads
// them: a directory is its *.hcl and *.hcl.json files in name order; no
// argument is the working directory's policy file.
func policyFileNames(args []string) []string {
	if len(args) == 0 {
		return []string{findPolicyFile()}
	}
	var names []string
	for _, arg := range args {
		entries, err := os.ReadDir(arg)
		if err != nil {
			names = append(names, arg)
			continue
		}
		for _, e := range entries {
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".hcl") || strings.HasSuffix(e.Name(), ".hcl.json")) {
				names = append(names, filepath.Join(arg, e.Name()))
			}
		}
	}
	return names
}

// policySummary counts what the policy declares: "1 image, 3 tag rules, ...".
func policySummary(p *policy.Policy) string {
	var parts []string
	count := func(n int, one, many string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, one, many)))
		}
	}
	count(len(p.Variables), "variable", "variables")
	count(len(p.Locals), "local", "locals")
	if p.Lint != nil {
		parts = append(parts, "lint settings")
	}
	count(len(p.Images), "image", "images")
	count(len(p.Tags), "tag rule", "tag rules")
	count(len(p.Checks), "check", "checks")
	count(len(p.Protects), "protect rule", "protect rules")
	count(len(p.Prunes), "prune rule", "prune rules")
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, ", ")
}

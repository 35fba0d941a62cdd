package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/ui"
)

func init() { policySubcommands = append(policySubcommands, (*app).newPolicyFmtCmd) }

type policyFmtOptions struct {
	check bool
	diff  bool
	color string
}

func (a *app) newPolicyFmtCmd() *cobra.Command {
	var o policyFmtOptions
	cmd := &cobra.Command{
		Use:   "fmt [FILE|DIR ...]",
		Short: "Format policy files canonically",
		Long: `Rewrite policy files (and variable files) in canonical form, in place:
two-space indentation, one space around operators, the '=' of consecutive
attributes aligned, no trailing spaces, no runs of blank lines nor blank lines
just inside braces, one newline at the end, and "${var.x}" written as var.x
when it is the whole value. Only layout changes; the policy means the same.

With no argument, ./hoist.hcl is formatted; a directory stands for its *.hcl
files; '-' formats stdin to stdout. JSON files (.hcl.json) are left as they
are. A file with a syntax error is not touched: its errors are reported and
the exit code is 2.

The names of the files that were (or, with --check, would be) changed are
printed. --check changes nothing and exits 1 when a file is not formatted;
--diff prints the changes as a unified diff instead of writing them.`,
		Example: `  hoist policy fmt
  hoist policy fmt --check --diff        # in CI: fail and show what is off
  hoist policy fmt policies/ vars.hcl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runPolicyFmt(args, &o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.check, "check", false, "change nothing; exit 1 when a file is not formatted")
	fl.BoolVar(&o.diff, "diff", false, "print the changes as a unified diff instead of writing them")
	fl.StringVar(&o.color, "color", "auto", "colour of diagnostics: auto|always|never (NO_COLOR is honoured)")
	_ = cmd.RegisterFlagCompletionFunc("color", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func (a *app) runPolicyFmt(args []string, o *policyFmtOptions) error {
	mode, err := ui.ParseColorMode(o.color)
	if err != nil {
		return badInput("%s", err)
	}
	files, err := fmtTargets(args)
	if err != nil {
		return err
	}
	var (
		bad, changed, total int
		writeErr            error
	)
	for _, name := range files {
		if strings.HasSuffix(name, ".json") {
			fmt.Fprintf(a.stderr, "hoist: note: %s: JSON policy files are not formatted; left as it is\n", name)
			continue
		}
		total++
		var src []byte
		if name == "-" {
			src, err = io.ReadAll(a.stdin)
		} else {
			src, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintf(a.stderr, "hoist: cannot read %s: %s\n", name, unwrapPathError(err))
			bad++
			continue
		}
		diagName := name
		if name == "-" {
			diagName = "<stdin>"
		}
		out, diags := policy.Format(src, diagName)
		if diags.HasErrors() {
			if err := a.renderDiagnostics(diags, map[string]*hcl.File{diagName: {Bytes: src}}, mode); err != nil {
				return err
			}
			bad++
			continue
		}
		if name == "-" && !o.check && !o.diff {
			if _, err := a.stdout.Write(out); err != nil {
				return opFailed(err)
			}
			continue
		}
		if bytes.Equal(out, src) {
			continue
		}
		changed++
		switch {
		case o.diff:
			fmt.Fprint(a.stdout, ui.UnifiedDiff(diagName, string(src), string(out)))
		case o.check:
			fmt.Fprintln(a.stdout, diagName)
		default:
			if err := writeFileAtomic(name, out); err != nil {
				writeErr = err
				fmt.Fprintf(a.stderr, "hoist: %s\n", err)
				continue
			}
			fmt.Fprintln(a.stdout, name)
		}
	}
	switch {
	case bad > 0:
		return badInput("%d of %d %s could not be formatted", bad, total, plural(total, "file", "files"))
	case writeErr != nil:
		return opFailed(fmt.Errorf("some files could not be written"))
	case o.check && changed > 0:
		fmt.Fprintf(a.stderr, "hoist: %d of %d %s %s not formatted; run 'hoist policy fmt' to fix\n", changed, total, plural(total, "file", "files"), plural(changed, "is", "are"))
		return errCheckFailed
	}
	return nil
}

// fmtTargets expands the arguments: a directory is its *.hcl and *.hcl.json
// files; no argument is ./hoist.hcl.
func fmtTargets(args []string) ([]string, error) {
	if len(args) == 0 {
		p := findPolicyFile()
		if p == "" {
			return nil, badInput("no policy file: ./hoist.hcl does not exist; give the files to format")
		}
		return []string{p}, nil
	}
	var files []string
	for _, arg := range args {
		if arg == "-" {
			files = append(files, arg)
			continue
		}
		st, err := os.Stat(arg)
		if err != nil {
			return nil, badInput("cannot read %s: %s", arg, unwrapPathError(err))
		}
		if !st.IsDir() {
			files = append(files, arg)
			continue
		}
		entries, err := os.ReadDir(arg)
		if err != nil {
			return nil, badInput("cannot read %s: %s", arg, unwrapPathError(err))
		}
		n := 0
		for _, e := range entries {
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".hcl") || strings.HasSuffix(e.Name(), ".hcl.json")) {
				files = append(files, filepath.Join(arg, e.Name()))
				n++
			}
		}
		if n == 0 {
			return nil, badInput("%s has no .hcl file to format", arg)
		}
	}
	return files, nil
}

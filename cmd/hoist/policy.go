package main

import (
	"github.com/spf13/cobra"
)

// policySubcommands are the `hoist policy` subcommands; each file that
// defines one registers its constructor here in init.
var policySubcommands []func(*app) *cobra.Command

func (a *app) newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check, explain and format the HCL policy file (hoist.hcl)",
		Long: `The policy file (./hoist.hcl, or --policy) decides what is linted how, what gets
pushed under which tags, and what gets removed. These commands validate it,
show every decision it makes for given facts and the rule behind it, and
format it canonically.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	for _, sub := range policySubcommands {
		cmd.AddCommand(sub(a))
	}
	return cmd
}

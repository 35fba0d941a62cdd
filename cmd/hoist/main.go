// Command hoist lints Dockerfiles, builds them into OCI images, computes and
// applies tags, and prunes registries, with an HCL policy deciding.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/build/exec"
	"github.com/hoistci/hoist/internal/gha"
)

// Exit codes: the contract of every command (DESIGN.md §4).
const (
	exitOK       = 0 // success
	exitFailed   = 1 // a check failed: lint findings at or over the threshold, a refused push or prune
	exitBadInput = 2 // bad input: usage, invalid config or policy, unreadable Dockerfile
	exitOpFailed = 3 // an operation failed: registry, network, a RUN step, I/O
)

const exitCodesHelp = `Exit codes:
  0  success
  1  a check failed (lint findings at or over the failure threshold, a
     hard-mandatory policy check, a refused push or prune)
  2  bad input (usage, invalid config or policy file, unreadable Dockerfile)
  3  an operation failed (registry, network, a RUN step, I/O)`

// exitError carries an exit code with an error to print.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func badInput(format string, args ...any) error {
	return &exitError{code: exitBadInput, err: fmt.Errorf(format, args...)}
}

func opFailed(err error) error { return &exitError{code: exitOpFailed, err: err} }

// checkFailed is returned when results were printed and a check failed:
// nothing more to print, exit 1.
var errCheckFailed = &exitError{code: exitFailed, err: errors.New("")}

// app holds the process's streams and environment so commands are testable.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// gha writes outputs, the summary and annotations in GitHub Actions;
	// nil elsewhere (set up by run).
	gha *gha.Actions
}

func main() {
	// A RUN sandbox child re-executes this binary: set it up and run the
	// command (never returns) before anything else.
	if exec.Init() {
		return
	}
	// hoist is a short-lived process whose live heap is small: collecting
	// less often saves a fifth of the lint time (bench/README.md). GOGC
	// still wins when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(a.run(os.Args[1:]))
}

// run executes the command line and returns the exit code.
func (a *app) run(args []string) int {
	a.startActions()
	root := a.newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if msg := ee.err.Error(); msg != "" {
			fmt.Fprintf(a.stderr, "hoist: %s\n", msg)
		}
		return ee.code
	}
	// Anything else comes from cobra: unknown commands, bad flags, wrong arguments.
	fmt.Fprintf(a.stderr, "hoist: %s\nRun 'hoist --help' for usage.\n", err)
	return exitBadInput
}

// commands are the top-level commands defined in files of their own; each
// registers its constructor here in init.
var commands []func(*app) *cobra.Command

func (a *app) newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "hoist",
		Short: "Lint, build, tag, push and prune container images, with a policy deciding",
		Long: `hoist takes a container image from Dockerfile to registry and keeps the
registry clean afterwards: one binary, no daemon.

  hoist lint      check Dockerfiles (hadolint-compatible rules, BuildKit's checks, and more)
  hoist build     build a Dockerfile into an OCI image, daemonless, with layer caching
  hoist tag       compute the right tags from git, CI and the registry, and apply them
  hoist images    list the images of the local store (rmi removes, push pushes them)
  hoist prune     delete what the policy says from registries; --local frees the local store
  hoist release   lint, build, tag, check, push (and prune) in one step, per image of the policy
  hoist policy    check, explain and format the HCL policy file (hoist.hcl)

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return badInput("%s\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	root.AddCommand(a.newLintCmd(), a.newPolicyCmd(), a.newVersionCmd())
	for _, c := range commands {
		root.AddCommand(c(a))
	}
	root.SetHelpTemplate(root.HelpTemplate())
	for _, c := range root.Commands() {
		if !strings.Contains(c.Long, "Exit codes:") && c.Long != "" {
			c.Long += "\n\n" + exitCodesHelp
		}
	}
	return root
}

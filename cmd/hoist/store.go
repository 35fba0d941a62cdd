package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/store"
)

func init() { commands = append(commands, (*app).newStoreCmd) }

// storeSubcommands are the `hoist store` subcommands; files that define one
// register its constructor here in init.
var storeSubcommands = []func(*app) *cobra.Command{(*app).newStoreVerifyCmd}

// openStore opens the local store: $HOIST_HOME, else store.DefaultDir().
func (a *app) openStore() (*store.Store, error) {
	dir := a.getenv("HOIST_HOME")
	if dir == "" {
		d, err := store.DefaultDir()
		if err != nil {
			return nil, opFailed(err)
		}
		dir = d
	}
	s, err := store.Open(dir)
	if err != nil {
		return nil, opFailed(err)
	}
	return s, nil
}

// storeError maps a store error to the exit-code contract: a reference
// that names no image is bad input, a refusal is a failed check, anything
// else (I/O, the lock) a failed operation.
func storeError(err error) error {
	var refErr *store.RefError
	var inUse *store.InUseError
	var names *store.MultipleNamesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &refErr):
		return &exitError{code: exitBadInput, err: err}
	case errors.As(err, &inUse), errors.As(err, &names):
		return &exitError{code: exitFailed, err: err}
	}
	return opFailed(err)
}

func (a *app) newStoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Inspect the local image store",
		Long: `The local store ($HOIST_HOME, default $XDG_DATA_HOME/hoist, i.e.
~/.local/share/hoist) is an OCI image layout (index.json, blobs/sha256/...)
that skopeo (oci:DIR), crane and umoci can read, plus hoist's build cache
records (cache/). See also hoist images, hoist rmi and hoist prune --local.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	for _, sub := range storeSubcommands {
		cmd.AddCommand(sub(a))
	}
	return cmd
}

type verifyJSON struct {
	Store        string        `json:"store"`
	OK           bool          `json:"ok"`
	Images       int           `json:"images"`
	Blobs        int           `json:"blobs"`
	CacheRecords int           `json:"cacheRecords"`
	Problems     []problemJSON `json:"problems"`
}

type problemJSON struct {
	Kind   string `json:"kind"`
	Digest string `json:"digest,omitempty"`
	Path   string `json:"path,omitempty"`
	Ref    string `json:"ref,omitempty"`
	Detail string `json:"detail"`
}

func (a *app) newStoreVerifyCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every blob against its digest and that nothing the store references is missing",
		Long: `Check the local store: every blob's content against its digest, that every
blob an image name or a build cache record needs is present and that every
manifest can be read; report temp files left by interrupted writes and files
that do not belong. Problems are listed one per line, with what to do.

Exit codes:
  0  the store is consistent
  1  problems were found (listed on stdout)
  2  bad input (usage)
  3  the store could not be read`,
		Example: `  hoist store verify
  HOIST_HOME=/tmp/ci-store hoist store verify --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return badInput("invalid --format %q: use text or json", format)
			}
			s, err := a.openStore()
			if err != nil {
				return err
			}
			probs, err := s.Verify(cmd.Context())
			if err != nil {
				return opFailed(err)
			}
			st, err := s.Stats()
			if err != nil {
				return opFailed(err)
			}
			if format == "json" {
				out := verifyJSON{Store: s.Dir(), OK: len(probs) == 0, Images: st.Images, Blobs: st.Blobs, CacheRecords: st.CacheRecords, Problems: []problemJSON{}}
				for _, p := range probs {
					pj := problemJSON{Kind: string(p.Kind), Path: p.Path, Ref: p.Ref, Detail: p.Detail}
					if p.Digest != (v1.Hash{}) {
						pj.Digest = p.Digest.String()
					}
					out.Problems = append(out.Problems, pj)
				}
				if err := writeJSON(a.stdout, out); err != nil {
					return err
				}
			} else {
				for _, p := range probs {
					fmt.Fprintln(a.stdout, p)
				}
				if len(probs) == 0 {
					fmt.Fprintf(a.stdout, "store OK: %d %s, %d %s, %d %s\n", st.Images, plural(st.Images, "image", "images"),
						st.Blobs, plural(st.Blobs, "blob", "blobs"), st.CacheRecords, plural(st.CacheRecords, "cache record", "cache records"))
				}
			}
			if len(probs) > 0 {
				return &exitError{code: exitFailed, err: fmt.Errorf("%d %s in the store %s", len(probs), plural(len(probs), "problem", "problems"), s.Dir())}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion("text", "json"))
	return cmd
}

// writeJSON writes v indented, as every --format json of hoist.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return opFailed(fmt.Errorf("write json: %w", err))
	}
	return nil
}

func fixedCompletion(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

package main

import (
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/store"
	"github.com/hoistci/hoist/internal/ui"
)

func init() { commands = append(commands, (*app).newRmiCmd) }

func (a *app) newRmiCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rmi NAME|ID...",
		Short: "Remove images from the local store",
		Long: `Remove images from the local store, as docker rmi does.

A NAME (repo[:tag], the tag defaults to latest) is untagged; when no other
name points at the image, the image is deleted. An ID (as hoist images prints
it) or a digest deletes the image with all its names; with several names
that needs --force. An image that other local images are built on (they
start with its layers and history) is refused unless --force.

The blobs only the deleted images used are freed right away, except those
written or used within the last hour (a build in another process may still
need them), which hoist prune --local frees later. Layers the build cache
refers to stay until the cache drops them.

With several arguments, each is removed on its own; the exit code is the
worst of their outcomes.`,
		Example: `  hoist rmi app:dev
  hoist rmi 3f2a1b0c9d8e
  hoist rmi --force base:1`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runRmi(cmd, args, force)
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "remove images other local images are built on, and every name of an image given by ID")
	return cmd
}

func (a *app) runRmi(cmd *cobra.Command, refs []string, force bool) error {
	s, err := a.openStore()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	code := exitOK
	fail := func(err error) {
		err = storeError(err)
		var ee *exitError
		if errors.As(err, &ee) {
			fmt.Fprintf(a.stderr, "hoist: %s\n", ee.err)
			code = max(code, ee.code)
		}
	}
	var candidates []v1.Hash
	deleted := false
	for _, ref := range refs {
		// Collected before the removal: afterwards nothing leads to them.
		// A damaged image can still be removed; prune frees its blobs.
		blobs, err := s.BlobsOf(ref)
		var refErr *store.RefError
		if errors.As(err, &refErr) {
			fail(err)
			continue
		}
		res, err := s.Remove(ctx, ref, store.RemoveOptions{Force: force})
		if err != nil {
			fail(err)
			continue
		}
		for _, n := range res.Untagged {
			fmt.Fprintf(a.stdout, "Untagged: %s\n", n)
		}
		if res.Deleted != (v1.Hash{}) {
			fmt.Fprintf(a.stdout, "Deleted: %s\n", res.Deleted)
			candidates = append(candidates, blobs...)
			deleted = true
		}
	}
	if deleted {
		gc, err := s.GC(ctx, store.GCOptions{Candidates: candidates})
		switch {
		case err != nil:
			fmt.Fprintf(a.stderr, "hoist: warning: the images are removed but their blobs were not freed: %s; run `hoist prune --local` later\n", err)
		default:
			msg := fmt.Sprintf("hoist: freed %s (%d %s)", ui.HumanSize(gc.BytesFreed), len(gc.Blobs), plural(len(gc.Blobs), "blob", "blobs"))
			if gc.KeptYoung > 0 {
				msg += fmt.Sprintf("; %d %s (%s) used within the last hour %s kept for now, `hoist prune --local` frees them later",
					gc.KeptYoung, plural(gc.KeptYoung, "blob", "blobs"), ui.HumanSize(gc.KeptYoungBytes), plural(gc.KeptYoung, "is", "are"))
			}
			fmt.Fprintln(a.stderr, msg)
		}
	}
	if code != exitOK {
		return &exitError{code: code, err: errors.New("")}
	}
	return nil
}

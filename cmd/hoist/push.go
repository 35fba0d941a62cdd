package main

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/registry"
)

func init() { commands = append(commands, (*app).newPushCmd) }

func (a *app) newPushCmd() *cobra.Command {
	var insecure []string
	cmd := &cobra.Command{
		Use:   "push NAME [DESTINATION]",
		Short: "Push an image of the local store to a registry",
		Long: `Push the local image NAME (see 'hoist images') to the registry its name
points at, or to DESTINATION (a full reference) when given. Blobs the registry
already has are not uploaded; the tag is written only after every blob and the
manifest are there, so it never points at a half-pushed image.

  hoist build -t registry.example.com/app:1.2 . && hoist push registry.example.com/app:1.2
  hoist push app:dev 127.0.0.1:5000/app:dev`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dest := args[0]
			if len(args) == 2 {
				dest = args[1]
			}
			return a.runPush(cmd.Context(), args[0], dest, registry.Options{Insecure: insecure, UserAgent: "hoist/" + version})
		},
	}
	cmd.Flags().StringArrayVar(&insecure, "insecure-registry", nil, "allow plain HTTP to HOST[:PORT] (localhost and 127.0.0.1 always are)")
	return cmd
}

func (a *app) runPush(ctx context.Context, src, dest string, ro registry.Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if _, err := ro.Reference(dest); err != nil {
		return badInput("%s", err)
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	var digest v1.Hash
	if idx, err := st.ImageIndex(src); err == nil {
		digest, _ = idx.Digest()
		err = ro.WriteIndex(ctx, dest, idx)
		if err != nil {
			return opFailed(err)
		}
	} else {
		img, err := st.Image(src)
		if err != nil {
			return storeError(err)
		}
		digest, _ = img.Digest()
		if err := ro.WriteImage(ctx, dest, img); err != nil {
			return opFailed(err)
		}
	}
	fmt.Fprintf(a.stdout, "%s@%s\n", dest, digest)
	return nil
}

package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/store"
	"github.com/hoistci/hoist/internal/ui"
)

func init() { commands = append(commands, (*app).newImagesCmd) }

// timeNow is the clock of "3 minutes ago"; tests fix it.
var timeNow = time.Now

type imagesOptions struct {
	format  string
	quiet   bool
	digests bool
	noTrunc bool
}

// imageJSON is one element of `hoist images --format json`: a stable API.
type imageJSON struct {
	Repository string   `json:"repository"` // "" for an image without a name
	Tag        string   `json:"tag"`
	ID         string   `json:"id"`     // sha256:..., the config digest (the index digest for an index)
	Digest     string   `json:"digest"` // sha256:..., the manifest or index digest
	MediaType  string   `json:"mediaType"`
	Created    *string  `json:"created"` // RFC 3339 UTC; null when the image does not say
	Size       int64    `json:"size"`    // bytes, compressed config + layers
	Platforms  []string `json:"platforms"`
}

func (a *app) newImagesCmd() *cobra.Command {
	o := &imagesOptions{}
	cmd := &cobra.Command{
		Use:   "images [REPOSITORY[:TAG]]",
		Short: "List the images in the local store",
		Long: `List the images in the local store ($HOIST_HOME, default ~/.local/share/hoist),
newest first, as docker images does: one line per name; an image without a
name shows <none>.

IMAGE ID is the first 12 hex digits of the config digest for a
single-platform image (as docker and podman show it), and of the index
digest for a multi-platform index. hoist rmi, hoist push and FROM accept it,
as well as names and full digests. CREATED is the image config's creation
time (an index shows its newest platform's); SIZE is the compressed size of
the config and layers as stored (an index: all its platforms, a layer they
share counted once).

REPOSITORY[:TAG] filters by name; both parts may use shell patterns
(hoist images 'team/*:v1.*').

--format json prints an array of objects with repository, tag, id, digest,
mediaType, created (RFC 3339, or null), size (bytes) and platforms.`,
		Example: `  hoist images
  hoist images app --digests
  hoist images -q                  # image IDs, once each
  hoist images --format json | jq -r '.[] | select(.repository == "app") | .digest'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			filter := ""
			if len(args) == 1 {
				filter = args[0]
			}
			return a.runImages(o, filter)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.format, "format", "table", "output format: table or json")
	fl.BoolVarP(&o.quiet, "quiet", "q", false, "print only image IDs, each once")
	fl.BoolVar(&o.digests, "digests", false, "show the manifest (or index) digest")
	fl.BoolVar(&o.noTrunc, "no-trunc", false, "show full image IDs (sha256:...)")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion("table", "json"))
	return cmd
}

func (a *app) runImages(o *imagesOptions, filter string) error {
	if o.format != "table" && o.format != "json" {
		return badInput("invalid --format %q: use table or json", o.format)
	}
	s, err := a.openStore()
	if err != nil {
		return err
	}
	all, err := s.Summaries()
	if err != nil {
		return opFailed(err)
	}
	var images []store.ImageSummary
	for _, im := range all {
		if im.MatchName(filter) {
			images = append(images, im)
		}
	}
	id := func(im store.ImageSummary) string {
		if o.noTrunc {
			return im.ID.String()
		}
		return im.ID.Hex[:12]
	}
	switch {
	case o.quiet:
		seen := map[string]bool{}
		for _, im := range images {
			if i := id(im); !seen[i] {
				seen[i] = true
				fmt.Fprintln(a.stdout, i)
			}
		}
		return nil
	case o.format == "json":
		out := []imageJSON{}
		for _, im := range images {
			j := imageJSON{Repository: im.Repository, Tag: im.Tag, ID: im.ID.String(), Digest: im.Digest.String(),
				MediaType: string(im.MediaType), Size: im.Size, Platforms: im.Platforms}
			if !im.Created.IsZero() {
				c := im.Created.UTC().Format(time.RFC3339)
				j.Created = &c
			}
			if j.Platforms == nil {
				j.Platforms = []string{}
			}
			out = append(out, j)
		}
		return writeJSON(a.stdout, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 8, 3, ' ', 0)
	if o.digests {
		fmt.Fprintln(tw, "REPOSITORY\tTAG\tDIGEST\tIMAGE ID\tCREATED\tSIZE")
	} else {
		fmt.Fprintln(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE")
	}
	now := timeNow()
	for _, im := range images {
		repo, tag := im.Repository, im.Tag
		if repo == "" {
			repo, tag = "<none>", "<none>"
		}
		if o.digests {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", repo, tag, im.Digest, id(im), ui.Ago(im.Created, now), ui.HumanSize(im.Size))
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", repo, tag, id(im), ui.Ago(im.Created, now), ui.HumanSize(im.Size))
		}
	}
	if err := tw.Flush(); err != nil {
		return opFailed(fmt.Errorf("write the table: %w", err))
	}
	return nil
}

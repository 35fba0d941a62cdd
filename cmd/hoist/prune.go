package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/store"
	"github.com/hoistci/hoist/internal/ui"
)

func init() { commands = append(commands, (*app).newPruneCmd) }

// pruneOptions are the flags of `hoist prune`, parsed in one place for
// both modes. Registry pruning (DESIGN.md §4.5: REPOSITORY..., --policy,
// --apply) adds its flags to add and its checks to validate.
type pruneOptions struct {
	local  bool
	format string // text (table is a synonym) or json
	dryRun bool

	// registries
	reg registryPruneFlags

	// --local
	all          bool
	cacheMaxAge  string
	cacheMaxSize string
	grace        string
}

func (o *pruneOptions) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&o.local, "local", false, "prune the local store ($HOIST_HOME) instead of registries")
	fl.StringVar(&o.format, "format", "text", "output format: text or json")
	fl.BoolVar(&o.dryRun, "dry-run", false, "with --local: print what would be removed and remove nothing (registries: the default without --apply)")
	fl.BoolVar(&o.all, "all", false, "with --local: drop every build cache record (whatever --cache-max-age and --cache-max-size say) and every RUN snapshot not in use")
	fl.StringVar(&o.cacheMaxAge, "cache-max-age", "168h", "with --local: drop build cache records not used for longer than this (e.g. 168h, 7d; 0 = no limit)")
	fl.StringVar(&o.cacheMaxSize, "keep-storage", "10GB", "with --local: the same as --cache-max-size (docker buildx prune's name)")
	fl.StringVar(&o.cacheMaxSize, "cache-max-size", "10GB", "with --local: drop the least recently used build cache records until the layers only the cache keeps fit in this (e.g. 10GB, 500MB, 2GiB; 0 = no limit)")
	fl.StringVar(&o.grace, "grace", "1h", "with --local: keep unreferenced blobs written or used more recently than this, as a build in another process may still need them (0 = none, which can break builds running at the same time)")
	o.reg.add(cmd)
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion("text", "json"))
}

// localGC validates the flags of --local and turns them into GC options.
func (o *pruneOptions) localGC() (store.GCOptions, error) {
	opts := store.GCOptions{DryRun: o.dryRun, CacheAll: o.all, RemoveCorrupt: true, Snapshots: store.SnapshotPolicy{All: o.all}}
	age, err := ui.ParseDuration(o.cacheMaxAge)
	if err != nil || age < 0 {
		return opts, badInput("--cache-max-age %q: give a duration such as 168h or 7d (0 = no limit)", o.cacheMaxAge)
	}
	size, err := ui.ParseSize(o.cacheMaxSize)
	if err != nil || size < 0 {
		return opts, badInput("--cache-max-size %q: give a size such as 10GB, 500MB or 2GiB (0 = no limit)", o.cacheMaxSize)
	}
	grace, err := ui.ParseDuration(o.grace)
	if err != nil || grace < 0 {
		return opts, badInput("--grace %q: give a duration such as 1h or 10m (0 = none)", o.grace)
	}
	opts.CacheMaxAge, opts.CacheMaxSize = age, size
	opts.GracePeriod = grace
	if grace == 0 {
		opts.GracePeriod = -1 // the store's "no grace"; its zero is the default
	}
	return opts, nil
}

func (a *app) newPruneCmd() *cobra.Command {
	o := &pruneOptions{}
	cmd := &cobra.Command{
		Use:   "prune REPOSITORY... | --local",
		Short: "Delete what the policy says from registries, or free the local store",
		Long: `hoist prune REPOSITORY ... plans, for each repository, what the policy's
protect and prune rules delete, adds the safety no policy can turn off (an
image younger than min_age, a child of a kept index, a referrer (signature,
SBOM) of a kept image, a manifest with a kept tag are kept; more deletions
than max_deletions delete nothing; a repository whose facts could not all be
read is skipped), and prints the plan as a table (or json). Nothing is deleted
without --apply; with it, each image's tags are read again right before its
deletion (an image whose tags moved is skipped), indexes go before their
children, and every deletion is appended to the --audit-log.

hoist prune --local garbage-collects the local store ($HOIST_HOME), after
the policy's protect and prune rules (with --policy, or ./hoist.hcl with
prune rules) have judged its images as they judge a repository's:

  - build cache records not used for --cache-max-age (default 168h), then
    the least recently used ones until the layers only the cache keeps fit
    in --cache-max-size (default 10GB); --all drops every record;
  - blobs no image name and no remaining cache record needs, once older
    than --grace (default 1h: a build running in another process may not
    have committed its image yet);
  - blobs whose content does not match their digest, with the names that
    need them (pull or build those again), and unusable cache records;
  - RUN snapshots (extracted layers) and RUN --mount=type=cache directories
    not used for --cache-max-age and not in use by a build; --all removes
    every one not in use;
  - temp files left by interrupted writes.

A blob an image name reaches is never removed. --dry-run prints the same
report and removes nothing.

ghcr.io repositories are deleted through the GitHub Packages API (set
GITHUB_TOKEN; versions can be restored for 30 days, see docs/ghcr.md).`,
		Example: `  hoist prune ghcr.io/acme/app --policy hoist.hcl
  hoist prune registry.example.com/app --apply --audit-log prune.jsonl
  hoist prune --local
  hoist prune --local --dry-run --cache-max-age 72h --cache-max-size 2GB
  hoist prune --local --all --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runPrune(cmd, o, args)
		},
	}
	o.add(cmd)
	return cmd
}

func (a *app) runPrune(cmd *cobra.Command, o *pruneOptions, args []string) error {
	switch o.format {
	case "text", "table", "json":
	default:
		return badInput("invalid --format %q: use text or json", o.format)
	}
	if !o.local {
		return a.runPruneRegistry(cmd.Context(), o, args)
	}
	if len(args) > 0 {
		return badInput("hoist prune --local cleans the local store and takes no repository (got %s)", strings.Join(args, " "))
	}
	opts, err := o.localGC()
	if err != nil {
		return err
	}
	s, err := a.openStore()
	if err != nil {
		return err
	}
	// The policy's protect and prune rules judge the store's images first
	// (when a policy is given, or ./hoist.hcl has prune rules).
	var images []localPruneImage
	paths := o.reg.policies
	if len(paths) == 0 {
		if p := findPolicyFile(); p != "" {
			paths = []string{p}
		}
	}
	if len(paths) > 0 {
		pol, err := a.loadPolicy(paths, o.reg.vars.vars, o.reg.vars.varFiles)
		if err != nil {
			return err
		}
		if len(pol.Prunes) > 0 {
			images, err = pruneLocalImages(cmd.Context(), s, pol, o.dryRun, time.Now())
			if err != nil {
				var tm *policy.TooManyDeletionsError
				if errors.As(err, &tm) {
					return &exitError{code: exitFailed, err: err}
				}
				return opFailed(err)
			}
		} else if len(o.reg.policies) > 0 {
			return badInput("%s has no prune rule: nothing in the local store is judged by it (the GC below runs without --policy)", strings.Join(paths, ", "))
		}
	}
	res, err := s.GC(cmd.Context(), opts)
	if err != nil {
		return opFailed(err)
	}
	if o.format == "json" {
		out := pruneLocalJSON(res, o.dryRun)
		out.Images = images
		return writeJSON(a.stdout, out)
	}
	verb := "removed"
	if o.dryRun {
		verb = "would remove"
	}
	for _, im := range images {
		switch {
		case im.Decision != string(policy.Delete):
		case im.Result == "removed" || im.Result == "would remove":
			fmt.Fprintf(a.stdout, "%s image %s (%s)\n", verb, im.Name, im.Rule)
		default:
			fmt.Fprintf(a.stdout, "image %s (%s): %s\n", im.Name, im.Rule, im.Result)
		}
	}
	a.printPruneLocal(res, o)
	return nil
}

type pruneLocalResult struct {
	DryRun        bool              `json:"dryRun"`
	RemovedImages []string          `json:"removedImages"` // names dropped because a blob they need was corrupt
	CacheRecords  []pruneCacheEntry `json:"cacheRecords"`
	Blobs         []string          `json:"blobs"`
	TempFiles     []string          `json:"tempFiles"`
	Snapshots     []pruneSnapshot   `json:"snapshots"`
	CacheMounts   []string          `json:"cacheMounts"`
	Images        []localPruneImage `json:"images,omitempty"` // the policy's decisions, with --policy

	BytesFreed     int64 `json:"bytesFreed"`
	KeptYoungBlobs int   `json:"keptYoungBlobs"` // unreferenced, but within --grace
	KeptYoungBytes int64 `json:"keptYoungBytes"`
}

type pruneSnapshot struct {
	ChainID  string `json:"chainID"`
	Size     int64  `json:"size"`
	LastUsed string `json:"lastUsed"`
}

type pruneCacheEntry struct {
	Key      string `json:"key"`
	Layer    string `json:"layer,omitempty"` // empty for an unreadable record
	Size     int64  `json:"size"`
	LastUsed string `json:"lastUsed"`
	Reason   string `json:"reason"` // broken, all, max-age, max-size
}

func pruneLocalJSON(res store.GCResult, dryRun bool) pruneLocalResult {
	out := pruneLocalResult{DryRun: dryRun, RemovedImages: []string{}, CacheRecords: []pruneCacheEntry{}, Blobs: []string{}, TempFiles: []string{},
		BytesFreed: res.BytesFreed, KeptYoungBlobs: res.KeptYoung, KeptYoungBytes: res.KeptYoungBytes}
	out.RemovedImages = append(out.RemovedImages, res.RemovedEntries...)
	for _, c := range res.CacheDropped {
		e := pruneCacheEntry{Key: c.Record.Key, Size: c.Record.Layer.Size, LastUsed: c.Record.LastUsed.UTC().Format(time.RFC3339), Reason: string(c.Reason)}
		if c.Record.Layer.Digest.Hex != "" {
			e.Layer = c.Record.Layer.Digest.String()
		}
		out.CacheRecords = append(out.CacheRecords, e)
	}
	for _, b := range res.Blobs {
		out.Blobs = append(out.Blobs, b.String())
	}
	out.TempFiles = append(out.TempFiles, res.TempFiles...)
	out.CacheMounts = append([]string{}, res.CacheMounts...)
	out.Snapshots = []pruneSnapshot{}
	for _, sn := range res.Snapshots {
		out.Snapshots = append(out.Snapshots, pruneSnapshot{ChainID: sn.ChainID.String(), Size: sn.Size, LastUsed: sn.LastUsed.UTC().Format(time.RFC3339)})
	}
	return out
}

func (a *app) printPruneLocal(res store.GCResult, o *pruneOptions) {
	verb := "deleted"
	if o.dryRun {
		verb = "would delete"
	}
	now := timeNow()
	for _, n := range res.RemovedEntries {
		fmt.Fprintf(a.stdout, "%s image %s: a blob it needs is corrupt; pull or build it again\n", verb, n)
	}
	for _, c := range res.CacheDropped {
		why := map[store.CacheDropReason]string{
			store.CacheDropBroken:  "unusable: unreadable, or its layer is missing or corrupt",
			store.CacheDropAll:     "--all",
			store.CacheDropMaxAge:  "not used for more than " + o.cacheMaxAge,
			store.CacheDropMaxSize: "least recently used beyond --cache-max-size " + o.cacheMaxSize,
		}[c.Reason]
		if c.Record.Layer.Digest.Hex == "" {
			fmt.Fprintf(a.stdout, "%s cache record %s (%s)\n", verb, c.Record.Key[:12], why)
			continue
		}
		fmt.Fprintf(a.stdout, "%s cache record %s (layer %s, %s, used %s): %s\n", verb, c.Record.Key[:12],
			c.Record.Layer.Digest.Hex[:12], ui.HumanSize(c.Record.Layer.Size), ui.Ago(c.Record.LastUsed, now), why)
	}
	for _, b := range res.Blobs {
		fmt.Fprintf(a.stdout, "%s blob %s\n", verb, b)
	}
	for _, sn := range res.Snapshots {
		fmt.Fprintf(a.stdout, "%s snapshot %s (%s, used %s)\n", verb, sn.ChainID.Hex[:12], ui.HumanSize(sn.Size), ui.Ago(sn.LastUsed, now))
	}
	for _, m := range res.CacheMounts {
		fmt.Fprintf(a.stdout, "%s RUN cache mount %s\n", verb, m)
	}
	for _, t := range res.TempFiles {
		fmt.Fprintf(a.stdout, "%s temp file %s\n", verb, t)
	}
	var parts []string
	count := func(n int, one, many string) {
		parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, one, many)))
	}
	count(len(res.Blobs), "blob", "blobs")
	count(res.CacheRecords, "cache record", "cache records")
	if len(res.Snapshots) > 0 {
		count(len(res.Snapshots), "snapshot", "snapshots")
	}
	if len(res.CacheMounts) > 0 {
		count(len(res.CacheMounts), "RUN cache mount", "RUN cache mounts")
	}
	if len(res.TempFiles) > 0 {
		count(len(res.TempFiles), "temp file", "temp files")
	}
	if len(res.RemovedEntries) > 0 {
		count(len(res.RemovedEntries), "corrupt image", "corrupt images")
	}
	reclaimed := "reclaimed"
	if o.dryRun {
		reclaimed = "would reclaim"
	}
	fmt.Fprintf(a.stdout, "Total: %s; %s %s\n", strings.Join(parts, ", "), reclaimed, ui.HumanSize(res.BytesFreed))
	if res.KeptYoung > 0 {
		fmt.Fprintf(a.stderr, "hoist: %d unreferenced %s (%s) written or used within the last %s %s kept: a build in progress may need %s; a later prune removes %s\n",
			res.KeptYoung, plural(res.KeptYoung, "blob", "blobs"), ui.HumanSize(res.KeptYoungBytes), o.grace,
			plural(res.KeptYoung, "is", "are"), plural(res.KeptYoung, "it", "them"), plural(res.KeptYoung, "it", "them"))
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/registry"
	"github.com/hoistci/hoist/prune"
	"github.com/hoistci/hoist/prune/ghcr"
)

// registryPruneFlags are the flags of `hoist prune REPOSITORY ...`.
type registryPruneFlags struct {
	policies []string
	vars     policyFlags
	apply    bool
	auditLog string
	jobs     int
	insecure []string
}

func (f *registryPruneFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.policies, "policy", nil, "the policy file (default ./hoist.hcl)")
	f.vars.add(cmd, false)
	fl.BoolVar(&f.apply, "apply", false, "delete what the plan says (without it, only the plan is printed)")
	fl.StringVar(&f.auditLog, "audit-log", "", "append every deletion as a JSON line to FILE (default hoist-prune-audit.jsonl when --apply)")
	fl.IntVar(&f.jobs, "jobs", 16, "concurrent registry requests")
	fl.StringArrayVar(&f.insecure, "insecure-registry", nil, "allow plain HTTP to HOST[:PORT] (localhost and 127.0.0.1 always are)")
}

// pruneRepoJSON is one repository of `hoist prune --format json`.
type pruneRepoJSON struct {
	Repository string              `json:"repository"`
	Skipped    string              `json:"skipped,omitempty"`
	Decisions  []pruneDecisionJSON `json:"decisions"`
	Deleted    []string            `json:"deleted"`
	Untags     []string            `json:"untags"`
	Untagged   []string            `json:"untagged"`
	Kept       []string            `json:"keptAtApply,omitempty"`
	// PlanMS is the time to gather the facts and plan; ApplyMS the time
	// to apply (0 without --apply).
	PlanMS  int64 `json:"planMs"`
	ApplyMS int64 `json:"applyMs,omitempty"`
}

type pruneDecisionJSON struct {
	Tag      string `json:"tag"`
	Digest   string `json:"digest"`
	Age      string `json:"age"`
	Decision string `json:"decision"`
	Rule     string `json:"rule"`
	Reason   string `json:"reason"`
	Safety   string `json:"safety,omitempty"`
}

func (a *app) runPruneRegistry(ctx context.Context, o *pruneOptions, repos []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if len(repos) == 0 {
		return badInput("name the repositories to prune (hoist prune REGISTRY/NAME ...), or clean the local store with --local")
	}
	paths := o.reg.policies
	if len(paths) == 0 {
		if p := findPolicyFile(); p != "" {
			paths = []string{p}
		}
	}
	if len(paths) == 0 {
		return badInput("hoist prune deletes only what a policy's prune rules say: give --policy FILE (or add ./hoist.hcl); without one nothing would be deleted")
	}
	pol, err := a.loadPolicy(paths, o.reg.vars.vars, o.reg.vars.varFiles)
	if err != nil {
		return err
	}
	now := time.Now()
	out, code, err := a.pruneRepos(ctx, o, pol, repos)
	a.ghaPrune(out, o.reg.apply)
	if o.format == "json" {
		_ = writeJSON(a.stdout, out)
	} else {
		a.printPruneRegistry(out, o.reg.apply, now)
	}
	if err != nil {
		return &exitError{code: code, err: err}
	}
	return nil
}

// pruneRepos plans (and with --apply applies) the prune of each
// repository. The error, with its exit code, sums up what went wrong; the
// details are in the results.
func (a *app) pruneRepos(ctx context.Context, o *pruneOptions, pol *policy.Policy, repos []string) ([]pruneRepoJSON, int, error) {
	popts := prune.Options{Registry: registry.Options{Insecure: o.reg.insecure, UserAgent: "hoist/" + version}, Policy: pol, Jobs: o.reg.jobs}
	var audit io.Writer
	if o.reg.apply {
		name := o.reg.auditLog
		if name == "" {
			name = "hoist-prune-audit.jsonl"
		}
		f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, exitBadInput, fmt.Errorf("--audit-log: %w", err)
		}
		defer f.Close()
		audit = f
	}
	var out []pruneRepoJSON
	failed := false
	var blockErr error
	for _, repo := range repos {
		popts := popts
		if _, _, ok := ghcr.ParseRepository(repo); ok && o.reg.apply {
			// ghcr.io deletes through the GitHub Packages API, one at a time.
			tok := a.getenv("GITHUB_TOKEN")
			if tok == "" {
				return out, exitBadInput, fmt.Errorf("%s: deleting on ghcr.io goes through the GitHub Packages API: set GITHUB_TOKEN to a token with packages write/delete access (in Actions: permissions: packages: write)", repo)
			}
			popts.Deleter = prune.ForGHCR(repo, &ghcr.Client{Token: tok})
			popts.Jobs = 1
		}
		rj := pruneRepoJSON{Repository: repo, Decisions: []pruneDecisionJSON{}, Deleted: []string{}, Untags: []string{}, Untagged: []string{}}
		if o.reg.apply && popts.Deleter == nil {
			if ref, err := popts.Registry.Reference(repo + ":latest"); err == nil {
				if why := prune.DeleteSupport(ref.Context().RegistryStr()); why != "" {
					rj.Skipped = "--apply refused, nothing read or deleted: " + why
					failed = true
					out = append(out, rj)
					continue
				}
			}
		}
		start := time.Now()
		facts, err := prune.Facts(ctx, popts, repo)
		if err != nil {
			rj.Skipped = fmt.Sprintf("its facts could not all be read, so nothing is deleted there: %v", err)
			failed = true
			out = append(out, rj)
			continue
		}
		plan, err := prune.PlanRepo(facts, popts)
		rj.PlanMS = time.Since(start).Milliseconds()
		if err != nil {
			var tm *policy.TooManyDeletionsError
			if errors.As(err, &tm) {
				blockErr = err
			}
			rj.Skipped = err.Error()
			failed = true
			out = append(out, rj)
			continue
		}
		for _, d := range plan.Decisions {
			dj := pruneDecisionJSON{Tag: d.Image.Tag, Digest: d.Image.Digest, Decision: string(d.Action), Rule: d.Rule.Name, Reason: d.Reason, Safety: d.Safety}
			if d.Image.Age != nil {
				dj.Age = d.Image.Age.Round(time.Minute).String()
			}
			if d.Rule.Name != "" {
				dj.Rule = d.Rule.Location()
			}
			rj.Decisions = append(rj.Decisions, dj)
		}
		for _, u := range plan.Untags {
			rj.Untags = append(rj.Untags, u.Tag)
		}
		if o.reg.apply {
			start := time.Now()
			rep, err := prune.Apply(ctx, plan, popts, audit)
			rj.ApplyMS = time.Since(start).Milliseconds()
			if rep != nil {
				for _, u := range rep.Untagged {
					rj.Untagged = append(rj.Untagged, u.Tag)
				}
				for _, d := range rep.Deleted {
					rj.Deleted = append(rj.Deleted, d.Digest)
				}
				for _, s := range rep.Skipped {
					rj.Kept = append(rj.Kept, fmt.Sprintf("%s %v: %s", s.Digest, s.Tags, s.Reason))
				}
				if len(rep.Failed) > 0 {
					failed = true
				}
			}
			if err != nil {
				rj.Skipped = err.Error()
				failed = true
			}
		}
		out = append(out, rj)
	}
	switch {
	case blockErr != nil:
		return out, exitFailed, blockErr
	case failed:
		return out, exitOpFailed, errors.New("some repositories were not pruned (see above); nothing was deleted in them")
	}
	return out, exitOK, nil
}

func (a *app) printPruneRegistry(out []pruneRepoJSON, applied bool, now time.Time) {
	for _, r := range out {
		fmt.Fprintf(a.stdout, "%s\n", r.Repository)
		if r.Skipped != "" {
			fmt.Fprintf(a.stdout, "  skipped: %s\n", r.Skipped)
		}
		fmt.Fprintf(a.stdout, "  %-24s %-14s %-8s %-8s %s\n", "TAG", "DIGEST", "AGE", "DECISION", "RULE")
		deletes := 0
		for _, d := range r.Decisions {
			tag := d.Tag
			if tag == "" {
				tag = "<untagged>"
			}
			dig := strings.TrimPrefix(d.Digest, "sha256:")
			if len(dig) > 12 {
				dig = dig[:12]
			}
			why := d.Rule
			if d.Safety != "" {
				why += " (kept: " + d.Safety + ")"
			}
			fmt.Fprintf(a.stdout, "  %-24s %-14s %-8s %-8s %s\n", tag, dig, d.Age, d.Decision, why)
			if d.Decision == string(policy.Delete) {
				deletes++
			}
		}
		if len(r.Untags) > 0 {
			fmt.Fprintf(a.stdout, "  tags removed from manifests that stay: %s\n", strings.Join(r.Untags, " "))
		}
		if applied {
			fmt.Fprintf(a.stdout, "  deleted %d manifests, removed %d tags\n", len(r.Deleted), len(r.Untagged))
			for _, k := range r.Kept {
				fmt.Fprintf(a.stdout, "  kept at apply: %s\n", k)
			}
		} else {
			fmt.Fprintf(a.stdout, "  plan: %d to delete, %d tags to remove; nothing deleted (add --apply)\n", deletes, len(r.Untags))
		}
	}
}

package prune

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hoistci/hoist/internal/policy"
)

// Untag is a tag to remove from a manifest that stays.
type Untag struct {
	Tag    string
	Digest string
	Rule   string
	Reason string
}

// untags are the tags a prune rule deletes but whose manifest another tag
// keeps. The policy has already held them back for min_age and protect
// rules (same_manifest is decided after both). Referrer-convention tags
// (sha256-<hex>.sig) are left alone: they are how a signature finds its
// image.
func untags(p *Plan) []Untag {
	deleted := map[string]bool{}
	for _, d := range p.Deletes {
		deleted[d.Digest] = true
	}
	var out []Untag
	for _, d := range p.Decisions {
		if d.Safety != policy.SafetySameManifest || d.Image.Tag == "" || deleted[d.Image.Digest] || referrerTagRE.MatchString(d.Image.Tag) {
			continue
		}
		rule := ""
		for _, m := range d.Matches {
			if m.Verdict == policy.VerdictDelete {
				rule = ruleString(m.Rule)
				break
			}
		}
		out = append(out, Untag{Tag: d.Image.Tag, Digest: d.Image.Digest, Rule: rule,
			Reason: fmt.Sprintf("%s deletes the tag; the manifest stays for its other tags", rule)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out
}

// untag removes one tag, after checking it still points where the plan
// saw it: by DELETE of the tag where the registry allows it, else (the
// distribution registry answers 400/405) the way regctl does: the tag is
// pointed at a throw-away manifest of its own, which is then deleted by
// digest, so the original manifest and its other tags are untouched.
func (a *applier) untag(ctx context.Context, u Untag) error {
	if a.o.Deleter != nil && !a.o.Deleter.CanUntag() {
		return errCannotUntag
	}
	ref, err := a.o.Registry.Reference(a.p.Repo + ":" + u.Tag)
	if err != nil {
		return err
	}
	if u.Digest != "" { // "": a dangling tag (repairDangling), nothing to compare
		desc, err := remote.Head(ref, a.remote...)
		if err != nil {
			return fmt.Errorf("re-reading tag %s: %w", u.Tag, err)
		}
		if desc.Digest.String() != u.Digest {
			return errMoved
		}
	}
	err = a.del.Delete(ctx, u.Tag)
	if err == nil {
		return nil
	}
	var te *transport.Error
	if !errors.As(err, &te) || (te.StatusCode != http.StatusBadRequest && te.StatusCode != http.StatusMethodNotAllowed && !hasCode(te, transport.UnsupportedErrorCode)) {
		return err
	}
	// The throw-away manifest: an empty image, unique to this untag.
	base, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: "amd64", RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		return err
	}
	img, ok := mutate.Annotations(mutate.ConfigMediaType(mutate.MediaType(base, types.OCIManifestSchema1), types.OCIConfigJSON), map[string]string{
		"org.opencontainers.image.description": "hoist prune: placeholder that removes tag " + u.Tag,
		"dev.hoist.untag":                      strconv.FormatInt(time.Now().UnixNano(), 10),
	}).(v1.Image)
	if !ok {
		return errors.New("placeholder image")
	}
	// Check again right before moving the tag: the registry API has no
	// conditional write, so this keeps the window as small as it can be.
	if u.Digest != "" {
		if desc, err := remote.Head(ref, a.remote...); err != nil || desc.Digest.String() != u.Digest {
			return errMoved
		}
	}
	if err := remote.Write(ref, img, a.remote...); err != nil {
		return fmt.Errorf("pointing tag %s at a placeholder: %w", u.Tag, err)
	}
	dg, err := img.Digest()
	if err != nil {
		return err
	}
	if err := a.del.Delete(ctx, dg.String()); err != nil {
		return fmt.Errorf("tag %s now points at placeholder %s, which could not be deleted (delete it by hand): %w", u.Tag, dg, err)
	}
	return nil
}

// errCannotUntag: the registry offers no way to remove a single tag.
var errCannotUntag = errors.New("this registry cannot remove a single tag (its API deletes whole package versions): the tag stays")

// errMoved: the tag no longer points where the plan saw it.
var errMoved = errors.New("the tag moved since planning")

// applyUntags removes the plan's tag-only deletions, one at a time, each
// audited.
func (a *applier) applyUntags(ctx context.Context) {
	for _, u := range a.p.Untags {
		err := a.untag(ctx, u)
		d := Deletion{Digest: u.Digest, Tags: []string{u.Tag}, Rule: u.Rule, Reason: u.Reason}
		a.mu.Lock()
		switch {
		case err == nil:
			a.rep.Untagged = append(a.rep.Untagged, u)
			a.recordKeep(d, "untagged", u.Reason)
		case errors.Is(err, errMoved), errors.Is(err, errCannotUntag):
			a.rep.Skipped = append(a.rep.Skipped, Skip{Digest: u.Digest, Tags: d.Tags, Rule: u.Rule, Reason: err.Error()})
			a.recordKeep(d, "skipped", err.Error())
		default:
			a.rep.Failed = append(a.rep.Failed, Failure{Digest: u.Digest, Tags: d.Tags, Rule: u.Rule, Err: err})
			a.recordKeep(d, "failed", err.Error())
		}
		a.mu.Unlock()
	}
}

// repairDangling finds the tags of deleted manifests that are still listed
// but name nothing, and removes them. The distribution registry deletes a
// manifest and then, in the same request, its tags; a request cut off in
// between (a client timeout, retried: the retry finds the manifest gone)
// leaves those tags naming a missing manifest. Each is removed as a
// tag-only removal is (tag DELETE, else a placeholder), and audited.
func (a *applier) repairDangling(ctx context.Context) {
	if a.del == nil || ctx.Err() != nil {
		return
	}
	doomed := map[string]Deletion{}
	a.mu.Lock()
	for _, d := range a.p.Deletes {
		if a.result[d.Digest] {
			for _, t := range d.Tags {
				doomed[t] = d
			}
		}
	}
	a.mu.Unlock()
	if len(doomed) == 0 {
		return
	}
	tags, err := a.o.Registry.ListTags(ctx, a.p.Repo)
	if err != nil {
		return
	}
	for _, t := range tags {
		d, ok := doomed[t]
		if !ok {
			continue
		}
		if _, gone, err := a.head(t); err != nil || !gone {
			continue // it names a manifest: moved or re-pushed, not ours to remove
		}
		err := a.untag(ctx, Untag{Tag: t})
		rd := Deletion{Digest: d.Digest, Tags: []string{t}, Rule: d.Rule}
		a.mu.Lock()
		if err == nil {
			a.recordKeep(rd, "repaired", "the tag was left naming the deleted manifest (the registry's delete was cut off); removed")
		} else {
			a.rep.Failed = append(a.rep.Failed, Failure{Digest: d.Digest, Tags: rd.Tags, Rule: d.Rule,
				Err: fmt.Errorf("tag %s names the deleted manifest and could not be removed: %w", t, err)})
			a.recordKeep(rd, "failed", err.Error())
		}
		a.mu.Unlock()
	}
}

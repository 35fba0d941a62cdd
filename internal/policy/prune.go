package policy

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// PruneAction is what a prune plan does with an image.
type PruneAction string

const (
	Keep   PruneAction = "keep"
	Delete PruneAction = "delete"
)

// PruneVerdict is what one matching rule says about an image.
type PruneVerdict string

const (
	// VerdictProtect: a protect rule matches; the image is kept.
	VerdictProtect PruneVerdict = "protect"
	// VerdictDelete: a prune rule matches and its older_than and
	// keep_latest do not keep the image.
	VerdictDelete PruneVerdict = "delete"
	// VerdictKeepLatest: a prune rule matches but the image is among the
	// rule's keep_latest newest matches in its repository.
	VerdictKeepLatest PruneVerdict = "keep_latest"
	// VerdictNotYet: a prune rule matches but the image is younger than the
	// rule's older_than, or its age is not known.
	VerdictNotYet PruneVerdict = "not_yet"
)

// Safety guards that keep an image a prune rule would delete. No policy can
// turn them off. The prune command adds its own (index children,
// referrers, a tag that moved since planning).
const (
	// SafetyMinAge: the image is younger than policy.min_age, or its age
	// is not known.
	SafetyMinAge = "min_age"
	// SafetySameManifest: the same manifest (digest, in the same
	// repository) is kept under another tag; deleting it would delete that
	// tag too.
	SafetySameManifest = "same_manifest"
)

// PruneMatch is a protect or prune rule that matches an image, and what it
// says about it.
type PruneMatch struct {
	Rule    Rule
	Verdict PruneVerdict
	Reason  string
}

// PruneDecision is the plan for one image.
type PruneDecision struct {
	// Image is the image as it was judged: Age is set from Created when it
	// was nil.
	Image Image
	// Action is Keep or Delete.
	Action PruneAction
	// Rule made the decision: the first matching protect rule, the prune
	// rule that deletes (or keeps, by keep_latest or older_than), the
	// policy block for min_age, the rule that keeps the same manifest for
	// same_manifest; the zero Rule when no rule matches (kept by default).
	Rule Rule
	// Reason says why, in words.
	Reason string
	// Safety is set when a safety guard keeps an image that a prune rule
	// would delete: SafetyMinAge, SafetySameManifest (the prune command adds
	// more). The rule that would delete it is among Matches.
	Safety string
	// Matches are the protect rules, then the prune rules, that match the
	// image, in declaration order.
	Matches []PruneMatch
	// Err is set when a rule could not be evaluated for the image (the
	// whole plan then fails).
	Err *EvalError
}

// PrunePlan is the outcome of PruneDecisions.
type PrunePlan struct {
	// Decisions has one entry per image given, ordered by repository, tag,
	// digest and creation time (whatever the input order).
	Decisions []PruneDecision
	// Deletions is the number of manifests (distinct repository and
	// digest) the plan deletes.
	Deletions int
	// Limits are the policy's guards (min_age, max_deletions) and where
	// they come from.
	Limits Limits
}

// Deletes are the decisions to delete.
func (pl PrunePlan) Deletes() []PruneDecision {
	var out []PruneDecision
	for _, d := range pl.Decisions {
		if d.Action == Delete {
			out = append(out, d)
		}
	}
	return out
}

// ErrTooManyDeletions is wrapped by the *TooManyDeletionsError of a plan
// that would delete more than policy.max_deletions.
var ErrTooManyDeletions = errors.New("too many deletions")

// TooManyDeletionsError: the plan would delete more manifests than
// policy.max_deletions allows, so it fails as a whole.
type TooManyDeletionsError struct {
	Count, Limit int
	// Rule is the policy block (the zero location "default" when the
	// limit is the default).
	Rule Rule
}

func (e *TooManyDeletionsError) Error() string {
	where := "the default"
	if e.Rule.DeclRange.Filename != "" {
		where = "policy block at " + e.Rule.Location()
	}
	return fmt.Sprintf("the plan would delete %d images, more than max_deletions = %d (%s), so it deletes nothing; check the prune rules (hoist policy explain --image REF), and raise max_deletions in the policy block if so many deletions are meant",
		e.Count, e.Limit, where)
}

func (e *TooManyDeletionsError) Is(target error) bool { return target == ErrTooManyDeletions }

// PruneDecisions plans what to do with each image (one entry per
// repository, digest and tag: a manifest with three tags is three Images
// with the same Digest and Tags, each with its Tag; an untagged manifest
// is one Image with Tag ""). now is the time of planning, for ages.
//
// For each image, every protect and prune rule whose repository pattern
// holds (a protect rule without repository applies everywhere; a prune
// rule without one, to the repositories of the image blocks, or everywhere
// when the policy has none) is evaluated, and then:
//
//  1. a protect rule matches: keep (protect beats prune);
//  2. a matching prune rule keeps it among its keep_latest newest matches
//     (by created, per rule and repository; protected images do not
//     count): keep;
//  3. a matching prune rule deletes it (no older_than, or older than it):
//     delete;
//  4. matching prune rules all find it younger than their older_than (or
//     its age unknown): keep;
//  5. no rule matches: keep.
//
// Then the safety guards: an image to delete that is younger than
// policy.min_age, or whose age is not known, is kept (SafetyMinAge); an
// image to delete whose manifest is kept under another tag is kept
// (SafetySameManifest).
//
// It fails closed. A policy without prune rules (or a nil policy) gives
// ErrNoPruneRules. A rule that cannot be evaluated for any image fails the
// plan (an *EvalError). A plan deleting more manifests than
// policy.max_deletions fails (a *TooManyDeletionsError). On error the plan
// is returned for explaining only: nothing may be deleted.
func (p *Policy) PruneDecisions(images []Image, now time.Time) (PrunePlan, error) {
	if err := p.usable(); err != nil {
		return PrunePlan{}, err
	}
	if p == nil || len(p.Prunes) == 0 {
		return PrunePlan{}, ErrNoPruneRules
	}
	plan := PrunePlan{Limits: p.Limits}

	list := make([]Image, len(images))
	copy(list, images)
	for i := range list {
		if list[i].Age == nil && !list[i].Created.IsZero() {
			age := now.Sub(list[i].Created)
			list[i].Age = &age
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return imageLess(list[i], list[j]) })

	blockRepos := map[string]bool{}
	for _, img := range p.Images {
		blockRepos[img.Repository] = true
	}

	// Evaluate every rule for every image.
	type pruneHit struct {
		rule *PruneRule
		pos  int // index into the decision's Matches
	}
	hits := make([][]pruneHit, len(list))
	protected := make([]bool, len(list))
	var errs []*EvalError
	plan.Decisions = make([]PruneDecision, len(list))
	for i := range list {
		d := &plan.Decisions[i]
		d.Image = list[i]
		img := list[i]
		s := p.NewScope(Facts{Image: &img}.Variables())
		var derrs []*EvalError
		for _, r := range p.Protects {
			ok, err := ruleMatches(s, r.Rule, r.Repository, nil, r.Match, img.Repository)
			if err != nil {
				derrs = append(derrs, err)
				continue
			}
			if ok {
				protected[i] = true
				d.Matches = append(d.Matches, PruneMatch{Rule: r.Rule, Verdict: VerdictProtect, Reason: "match holds"})
			}
		}
		for _, r := range p.Prunes {
			ok, err := ruleMatches(s, r.Rule, r.Repository, blockRepos, r.Match, img.Repository)
			if err != nil {
				derrs = append(derrs, err)
				continue
			}
			if ok {
				hits[i] = append(hits[i], pruneHit{rule: r, pos: len(d.Matches)})
				d.Matches = append(d.Matches, PruneMatch{Rule: r.Rule})
			}
		}
		if len(derrs) > 0 {
			e := joinEvalErrors(derrs).(*EvalError)
			d.Err = e
			errs = append(errs, derrs...)
		}
	}

	// keep_latest: rank each rule's unprotected matches per repository,
	// newest first.
	rank := map[[2]int]int{}      // (image, rule index) -> 0-based rank
	groupSize := map[[2]int]int{} // (image, rule index) -> matches in its group
	for ri, r := range p.Prunes {
		if r.KeepLatest == 0 {
			continue
		}
		groups := map[string][]int{}
		var repos []string
		for i := range list {
			if protected[i] || plan.Decisions[i].Err != nil {
				continue
			}
			for _, h := range hits[i] {
				if h.rule == r {
					if _, ok := groups[list[i].Repository]; !ok {
						repos = append(repos, list[i].Repository)
					}
					groups[list[i].Repository] = append(groups[list[i].Repository], i)
				}
			}
		}
		// Places are per manifest: the tags of one digest share one
		// place (keep_latest = 10 keeps ten builds, however many tags
		// each has). An image known only by tag (no digest) is its own.
		for _, repo := range repos {
			g := groups[repo]
			sort.SliceStable(g, func(a, b int) bool { return newer(list[g[a]], list[g[b]], now) })
			place := map[string]int{}
			n := 0
			for _, i := range g {
				key := list[i].Digest
				if key == "" {
					key = "tag:" + list[i].Tag
				}
				if _, seen := place[key]; !seen {
					place[key] = n
					n++
				}
				rank[[2]int{i, ri}] = place[key]
			}
			for _, i := range g {
				groupSize[[2]int{i, ri}] = n
			}
		}
	}
	ruleIndex := map[*PruneRule]int{}
	for ri, r := range p.Prunes {
		ruleIndex[r] = ri
	}

	// Decide.
	for i := range list {
		d := &plan.Decisions[i]
		img := list[i]
		if d.Err != nil {
			d.Action = Keep
			d.Reason = "a rule cannot be evaluated for this image"
			continue
		}
		var firstDelete, firstKeepLatest, firstNotYet *PruneMatch
		for _, h := range hits[i] {
			m := &d.Matches[h.pos]
			m.Verdict, m.Reason = pruneVerdict(h.rule, img, rank, groupSize, [2]int{i, ruleIndex[h.rule]})
			switch m.Verdict {
			case VerdictDelete:
				if firstDelete == nil {
					firstDelete = m
				}
			case VerdictKeepLatest:
				if firstKeepLatest == nil {
					firstKeepLatest = m
				}
			case VerdictNotYet:
				if firstNotYet == nil {
					firstNotYet = m
				}
			}
		}
		switch {
		case protected[i]:
			d.Action, d.Rule, d.Reason = Keep, d.Matches[0].Rule, "protected: match holds"
			if firstDelete != nil {
				d.Reason += fmt.Sprintf(" (%s would delete it: protect beats prune)", firstDelete.Rule)
			}
		case firstKeepLatest != nil:
			d.Action, d.Rule, d.Reason = Keep, firstKeepLatest.Rule, firstKeepLatest.Reason
		case firstDelete != nil:
			d.Action, d.Rule, d.Reason = Delete, firstDelete.Rule, firstDelete.Reason
		case firstNotYet != nil:
			d.Action, d.Rule, d.Reason = Keep, firstNotYet.Rule, firstNotYet.Reason
		default:
			d.Action, d.Reason = Keep, "no protect or prune rule matches: kept by default"
		}
	}

	// Safety: min_age.
	for i := range plan.Decisions {
		d := &plan.Decisions[i]
		if d.Action != Delete {
			continue
		}
		age := d.Image.Age
		var why string
		switch {
		case age == nil && p.Limits.MinAge > 0:
			why = fmt.Sprintf("its age is not known (no created time), so min_age %s cannot be checked", FormatDuration(p.Limits.MinAge))
		case age != nil && *age < p.Limits.MinAge:
			why = fmt.Sprintf("younger than min_age %s (%s old)", FormatDuration(p.Limits.MinAge), FormatDuration(*age))
		default:
			continue
		}
		d.Action, d.Safety = Keep, SafetyMinAge
		d.Reason = fmt.Sprintf("%s; %s would delete it", why, d.Rule)
		d.Rule = p.Limits.Rule
	}

	// Safety: a manifest kept under one tag is kept under all.
	kept := map[string]int{} // repository@digest -> a decision that keeps it
	for i, d := range plan.Decisions {
		if d.Action == Keep && d.Image.Digest != "" {
			key := d.Image.Repository + "@" + d.Image.Digest
			if _, seen := kept[key]; !seen {
				kept[key] = i
			}
		}
	}
	for i := range plan.Decisions {
		d := &plan.Decisions[i]
		if d.Action != Delete || d.Image.Digest == "" {
			continue
		}
		k, ok := kept[d.Image.Repository+"@"+d.Image.Digest]
		if !ok {
			continue
		}
		other := plan.Decisions[k]
		as := "untagged"
		if other.Image.Tag != "" {
			as = fmt.Sprintf("as tag %q", other.Image.Tag)
		}
		by := "by default"
		if other.Rule.Kind != "" {
			by = "by " + other.Rule.String()
		}
		d.Action, d.Safety = Keep, SafetySameManifest
		d.Reason = fmt.Sprintf("the same manifest %s is kept %s %s; %s would delete it", shortDigest(d.Image.Digest), as, by, d.Rule)
		d.Rule = other.Rule
	}

	deleted := map[string]bool{}
	for i, d := range plan.Decisions {
		if d.Action != Delete {
			continue
		}
		key := d.Image.Repository + "@" + d.Image.Digest
		if d.Image.Digest == "" {
			key = fmt.Sprintf("%s:%s#%d", d.Image.Repository, d.Image.Tag, i)
		}
		deleted[key] = true
	}
	plan.Deletions = len(deleted)

	if err := joinEvalErrors(errs); err != nil {
		return plan, err
	}
	if plan.Deletions > p.Limits.MaxDeletions {
		return plan, &TooManyDeletionsError{Count: plan.Deletions, Limit: p.Limits.MaxDeletions, Rule: p.Limits.Rule}
	}
	return plan, nil
}

// ruleMatches evaluates a protect or prune rule's repository pattern and
// match for an image. An empty pattern means every repository, or, when
// blockRepos is not empty, the repositories of the image blocks.
func ruleMatches(s *Scope, r Rule, pattern string, blockRepos map[string]bool, match hcl.Expression, repo string) (bool, *EvalError) {
	switch {
	case pattern != "":
		ok, err := Glob(pattern, repo)
		if err != nil {
			return false, evalError(r, "repository", hcl.Diagnostics{{
				Severity: hcl.DiagError, Summary: "Invalid repository pattern",
				Detail: fmt.Sprintf("%q is not a repository pattern: %s.", pattern, strings.TrimSuffix(err.Error(), ".")), Subject: r.DeclRange.Ptr(),
			}})
		}
		if !ok {
			return false, nil
		}
	case len(blockRepos) > 0:
		if !blockRepos[repo] {
			return false, nil
		}
	}
	v, diags := s.Eval(match, cty.Bool)
	if diags.HasErrors() {
		return false, evalError(r, "match", diags)
	}
	return v.True(), nil
}

// pruneVerdict is what a matching prune rule says about an image.
func pruneVerdict(r *PruneRule, img Image, rank, groupSize map[[2]int]int, key [2]int) (PruneVerdict, string) {
	var parts []string
	// A protected image has no rank: it takes no keep_latest place.
	if n, ranked := rank[key]; ranked && r.KeepLatest > 0 {
		if n < r.KeepLatest {
			return VerdictKeepLatest, fmt.Sprintf("among the %d newest matching images in %s (keep_latest): %s of %d",
				r.KeepLatest, img.Repository, ordinal(n+1), groupSize[key])
		}
		parts = append(parts, fmt.Sprintf("%s newest of %d matching images in %s, not among the %d kept (keep_latest)",
			ordinal(n+1), groupSize[key], img.Repository, r.KeepLatest))
	}
	if r.OlderThan > 0 {
		switch {
		case img.Age == nil:
			return VerdictNotYet, fmt.Sprintf("matches, but its age is not known (no created time), so older_than %s cannot be checked", FormatDuration(r.OlderThan))
		case *img.Age < r.OlderThan:
			return VerdictNotYet, fmt.Sprintf("matches, but %s old, younger than older_than %s", FormatDuration(*img.Age), FormatDuration(r.OlderThan))
		}
		parts = append(parts, fmt.Sprintf("%s old, older than older_than %s", FormatDuration(*img.Age), FormatDuration(r.OlderThan)))
	}
	if len(parts) == 0 {
		return VerdictDelete, "matches"
	}
	return VerdictDelete, "matches; " + strings.Join(parts, "; ")
}

// imageLess is the canonical order of images in a plan.
func imageLess(a, b Image) bool {
	if a.Repository != b.Repository {
		return a.Repository < b.Repository
	}
	if a.Tag != b.Tag {
		return a.Tag < b.Tag
	}
	if a.Digest != b.Digest {
		return a.Digest < b.Digest
	}
	return a.Created.Before(b.Created)
}

// newer orders images newest first for keep_latest; an image whose
// creation time is not known counts as the oldest. Ties go by tag and
// digest, so the order never depends on the input order.
func newer(a, b Image, now time.Time) bool {
	ta, oka := createdAt(a, now)
	tb, okb := createdAt(b, now)
	switch {
	case oka != okb:
		return oka
	case oka && !ta.Equal(tb):
		return ta.After(tb)
	case a.Tag != b.Tag:
		return a.Tag < b.Tag
	default:
		return a.Digest < b.Digest
	}
}

func createdAt(img Image, now time.Time) (time.Time, bool) {
	if !img.Created.IsZero() {
		return img.Created, true
	}
	if img.Age != nil {
		return now.Add(-*img.Age), true
	}
	return time.Time{}, false
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// shortDigest is "sha256:" and the first 12 hex digits.
func shortDigest(d string) string {
	alg, hex, ok := strings.Cut(d, ":")
	if !ok || len(hex) <= 12 {
		return d
	}
	return alg + ":" + hex[:12]
}

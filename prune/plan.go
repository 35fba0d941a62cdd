package prune

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hoistci/hoist/internal/policy"
)

// Safety guards the prune command adds to the policy's (policy.SafetyMinAge,
// policy.SafetySameManifest). No policy can turn them off.
const (
	// SafetyChildOfKeptIndex: the manifest is a child of an index that is
	// kept; deleting it would break the index (a multi-arch image).
	SafetyChildOfKeptIndex = "child_of_kept_index"
	// SafetyReferrerOfKept: the manifest refers to a kept manifest (a
	// signature, an attestation, an SBOM).
	SafetyReferrerOfKept = "referrer_of_kept"
)

// Plan is what to do with one repository.
type Plan struct {
	Repo string
	// Decisions has one entry per image of the Repo (per digest and tag),
	// as the policy decided and the safety guards corrected.
	Decisions []policy.PruneDecision
	// Deletes are the manifests to delete, one per digest, every index
	// before its children (then by digest).
	Deletes []Deletion
	// Tags is every tag of the repository and the digest it pointed at
	// when the facts were gathered: Apply compares it with the registry.
	Tags map[string]string
	// Untags are tags a prune rule deletes from a manifest that another
	// tag keeps (policy.SafetySameManifest): the tag goes, the manifest
	// stays.
	Untags []Untag
}

// Deletion is one manifest to delete.
type Deletion struct {
	Digest string
	// Tags are all the tags of the manifest at planning (all are deleted).
	Tags []string
	// Rule is the rule that deletes it (`prune "ci"`, or the rule of the
	// index or subject it is deleted with).
	Rule string
	// Reason says why, in words.
	Reason string
	// Index is true for an index.
	Index bool
	// Children are the child digests that are deleted after it.
	Children []string
}

// PlanRepo applies the policy to r (policy.PruneDecisions: protect beats
// prune, keep_latest, older_than, min_age, same_manifest) and then the
// built-in safety:
//
//   - a child of an index being deleted that only the default keeps (no rule
//     matches it: typically the untagged children of a multi-arch image) is
//     deleted with the index, after it, unless it is younger than min_age;
//     likewise a referrer (signature) of a manifest being deleted;
//   - a child of a kept index is kept (SafetyChildOfKeptIndex);
//   - a referrer of a kept manifest is kept (SafetyReferrerOfKept);
//   - a manifest is deleted only when all its tags are (a kept tag keeps
//     them all);
//   - more deletions than policy.max_deletions fail the plan as a whole
//     (*policy.TooManyDeletionsError), after all the above.
//
// On error the plan is returned for explaining only: nothing may be deleted.
func PlanRepo(r *Repo, o Options) (*Plan, error) {
	if o.Policy == nil {
		return nil, policy.ErrNoPruneRules
	}
	pp, err := o.Policy.PruneDecisions(r.Images, o.now())
	var tooMany *policy.TooManyDeletionsError
	if err != nil && !errors.As(err, &tooMany) {
		return &Plan{Repo: r.Name, Decisions: pp.Decisions, Tags: r.Tags()}, err
	}
	// The count is made again after the guards below, which may only
	// change it by cascading deletions to children and referrers.
	p := &Plan{Repo: r.Name, Decisions: pp.Decisions, Tags: r.Tags()}
	s := newState(r, p.Decisions)

	// Cascade: children and referrers of deleted manifests that are kept
	// only by default go with them (to a fixpoint: nested indexes).
	minAge := pp.Limits.MinAge
	for changed := true; changed; {
		changed = false
		for _, parent := range s.digests {
			if !s.deleted(parent) {
				continue
			}
			for _, c := range r.Children[parent] {
				if s.cascade(c, minAge, parent, "child of index") {
					changed = true
				}
			}
			for _, c := range r.Referrers[parent] {
				if s.cascade(c, minAge, parent, "referrer of") {
					changed = true
				}
			}
		}
	}

	// Safety: keep children of kept indexes and referrers of kept
	// manifests (to a fixpoint).
	for changed := true; changed; {
		changed = false
		for _, parent := range s.digests {
			if s.deleted(parent) || s.unknown(parent) {
				continue
			}
			for _, c := range r.Children[parent] {
				if s.keep(c, SafetyChildOfKeptIndex, fmt.Sprintf("a child of index %s, which is kept", short(parent))) {
					changed = true
				}
			}
			for _, c := range r.Referrers[parent] {
				if s.keep(c, SafetyReferrerOfKept, fmt.Sprintf("refers to %s, which is kept", short(parent))) {
					changed = true
				}
			}
		}
	}

	// Deletions, ordered: parents (indexes, subjects' referrers) first.
	deleted := map[string]bool{}
	for _, d := range s.digests {
		if s.deleted(d) {
			deleted[d] = true
		}
	}
	depth := map[string]int{}
	var depthOf func(d string, seen map[string]bool) int
	depthOf = func(d string, seen map[string]bool) int {
		if v, ok := depth[d]; ok {
			return v
		}
		if seen[d] {
			return 0
		}
		seen[d] = true
		best := 0
		for parent, cs := range r.Children {
			if !deleted[parent] {
				continue
			}
			for _, c := range cs {
				if c == d {
					if v := depthOf(parent, seen) + 1; v > best {
						best = v
					}
				}
			}
		}
		depth[d] = best
		return best
	}
	for d := range deleted {
		dec := p.Decisions[s.byDigest[d][0]]
		del := Deletion{
			Digest: d,
			Tags:   append([]string(nil), dec.Image.Tags...),
			Rule:   ruleString(dec.Rule),
			Reason: dec.Reason,
			Index:  r.Indexes[d],
		}
		for _, c := range r.Children[d] {
			if deleted[c] {
				del.Children = append(del.Children, c)
			}
		}
		depthOf(d, map[string]bool{})
		p.Deletes = append(p.Deletes, del)
	}
	sort.Slice(p.Deletes, func(i, j int) bool {
		a, b := p.Deletes[i], p.Deletes[j]
		if depth[a.Digest] != depth[b.Digest] {
			return depth[a.Digest] < depth[b.Digest]
		}
		return a.Digest < b.Digest
	})

	p.Untags = untags(p)
	if n := len(p.Deletes) + len(p.Untags); n > pp.Limits.MaxDeletions {
		return p, &policy.TooManyDeletionsError{Count: n, Limit: pp.Limits.MaxDeletions, Rule: pp.Limits.Rule}
	}
	return p, nil
}

func ruleString(r policy.Rule) string {
	if r.Kind == "" {
		return "default"
	}
	return r.String()
}

// short is "sha256:" and 12 hex digits.
func short(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

// state indexes the decisions by digest.
type state struct {
	decisions []policy.PruneDecision
	byDigest  map[string][]int
	digests   []string // sorted
}

func newState(r *Repo, ds []policy.PruneDecision) *state {
	s := &state{decisions: ds, byDigest: map[string][]int{}}
	for i, d := range ds {
		if _, ok := s.byDigest[d.Image.Digest]; !ok {
			s.digests = append(s.digests, d.Image.Digest)
		}
		s.byDigest[d.Image.Digest] = append(s.byDigest[d.Image.Digest], i)
	}
	sort.Strings(s.digests)
	return s
}

// unknown: the digest is not in the repository's facts.
func (s *state) unknown(d string) bool { return len(s.byDigest[d]) == 0 }

// deleted: every decision for the digest deletes it.
func (s *state) deleted(d string) bool {
	is := s.byDigest[d]
	if len(is) == 0 {
		return false
	}
	for _, i := range is {
		if s.decisions[i].Action != policy.Delete {
			return false
		}
	}
	return true
}

// keep keeps every decision of digest d that deletes it, by a safety guard.
func (s *state) keep(d, safety, why string) bool {
	changed := false
	for _, i := range s.byDigest[d] {
		dec := &s.decisions[i]
		if dec.Action != policy.Delete {
			continue
		}
		dec.Action, dec.Safety = policy.Keep, safety
		dec.Reason = fmt.Sprintf("%s; %s would delete it", why, ruleString(dec.Rule))
		changed = true
	}
	return changed
}

// cascade deletes digest d with parent when every decision for it keeps it
// by default only (no rule matches) and it is not younger than min_age.
func (s *state) cascade(d string, minAge time.Duration, parent, rel string) bool {
	is := s.byDigest[d]
	if len(is) == 0 || s.deleted(d) {
		return false
	}
	for _, i := range is {
		dec := s.decisions[i]
		if dec.Action != policy.Keep || dec.Rule.Kind != "" || dec.Safety != "" || dec.Err != nil {
			return false
		}
		if minAge > 0 && (dec.Image.Age == nil || *dec.Image.Age < minAge) {
			return false
		}
	}
	pd := s.decisions[s.byDigest[parent][0]]
	for _, i := range is {
		dec := &s.decisions[i]
		dec.Action, dec.Rule = policy.Delete, pd.Rule
		dec.Reason = fmt.Sprintf("%s %s, which is deleted (%s)", rel, short(parent), ruleString(pd.Rule))
	}
	return true
}

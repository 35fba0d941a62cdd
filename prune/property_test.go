package prune

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/hoistci/hoist/internal/policy"
)

// checkInvariants checks what no policy may break: nothing protected,
// no child of a kept index, no referrer of a kept manifest and nothing
// younger than min_age is deleted; a manifest is deleted under all its
// tags or none; indexes go before their children.
func checkInvariants(t *testing.T, r *Repo, p *Plan, o Options) {
	t.Helper()
	deleted := map[string]bool{}
	pos := map[string]int{}
	for i, d := range p.Deletes {
		if deleted[d.Digest] {
			t.Errorf("%s deleted twice", d.Digest)
		}
		deleted[d.Digest] = true
		pos[d.Digest] = i
	}
	minAge := o.Policy.Limits.MinAge
	for _, d := range p.Decisions {
		dig := d.Image.Digest
		if deleted[dig] != (d.Action == policy.Delete) {
			t.Errorf("%s %q: decision %s but deleted=%v", short(dig), d.Image.Tag, d.Action, deleted[dig])
		}
		if !deleted[dig] {
			continue
		}
		for _, m := range d.Matches {
			if m.Verdict == policy.VerdictProtect {
				t.Errorf("%s %q is protected by %s but deleted", short(dig), d.Image.Tag, m.Rule)
			}
		}
		if minAge > 0 && (d.Image.Age == nil || *d.Image.Age < minAge) {
			t.Errorf("%s %q is younger than min_age %v (or of unknown age) but deleted", short(dig), d.Image.Tag, minAge)
		}
	}
	for parent, cs := range r.Children {
		for _, c := range cs {
			if !deleted[parent] && deleted[c] {
				t.Errorf("child %s of kept index %s is deleted", short(c), short(parent))
			}
			if deleted[parent] && deleted[c] && pos[c] < pos[parent] {
				t.Errorf("child %s is deleted before its index %s", short(c), short(parent))
			}
		}
	}
	known := map[string]bool{}
	for _, img := range r.Images {
		known[img.Digest] = true
	}
	for subject, rs := range r.Referrers {
		for _, ref := range rs {
			if known[subject] && !deleted[subject] && deleted[ref] {
				t.Errorf("referrer %s of kept %s is deleted", short(ref), short(subject))
			}
		}
	}
}

// syntheticRepo is a random repository: releases, CI and PR builds,
// indexes with (sometimes shared, sometimes tagged) children, signatures
// and subjects, some of unknown age.
func syntheticRepo(rng *rand.Rand) *Repo {
	r := &Repo{Name: "registry.test/acme/web", Children: map[string][]string{}, Referrers: map[string][]string{}, Indexes: map[string]bool{}}
	n := 0
	newDigest := func() string { n++; return fmt.Sprintf("sha256:%064x", n) }
	age := func() time.Time {
		if rng.Intn(15) == 0 {
			return time.Time{} // unknown
		}
		return testNow.Add(-time.Duration(rng.Int63n(int64(60 * 24 * time.Hour))))
	}
	add := func(d string, created time.Time, tags ...string) {
		base := policy.Image{Repository: r.Name, Digest: d, Tags: tags, Created: created,
			Labels: map[string]string{"keep": fmt.Sprint(rng.Intn(4) == 0)}}
		if len(tags) == 0 {
			r.Images = append(r.Images, base)
		}
		for _, t := range tags {
			img := base
			img.Tag = t
			r.Images = append(r.Images, img)
		}
	}
	var all []string
	tagFor := func(i int) []string {
		switch rng.Intn(7) {
		case 0:
			return []string{fmt.Sprintf("v1.%d.%d", i, rng.Intn(3))}
		case 1:
			return []string{fmt.Sprintf("sha-%07x", i), fmt.Sprintf("v0.%d.0", i)}
		case 2, 3:
			return []string{fmt.Sprintf("sha-%07x", i)}
		case 4:
			return nil
		default:
			return []string{fmt.Sprintf("pr-%d", i)}
		}
	}
	for i := 0; i < 30+rng.Intn(30); i++ {
		d := newDigest()
		add(d, age(), tagFor(i)...)
		all = append(all, d)
	}
	var shared string
	for i := 0; i < 2+rng.Intn(4); i++ {
		idx := newDigest()
		r.Indexes[idx] = true
		newest := time.Time{}
		for c := 0; c < 2; c++ {
			cd := newDigest()
			if shared != "" && rng.Intn(3) == 0 {
				cd = shared // a child shared with another index
			} else {
				created := age()
				if created.After(newest) {
					newest = created
				}
				var tags []string
				if rng.Intn(5) == 0 {
					tags = []string{fmt.Sprintf("pr-%d", 1000+int(n))}
				}
				add(cd, created, tags...)
				shared = cd
			}
			r.Children[idx] = append(r.Children[idx], cd)
		}
		add(idx, newest, tagFor(100+i)...)
		all = append(all, idx)
	}
	for i := 0; i < 3+rng.Intn(5); i++ {
		subj := all[rng.Intn(len(all))]
		ref := newDigest()
		tags := []string{"sha256-" + strings.TrimPrefix(subj, "sha256:") + ".sig"}
		if rng.Intn(2) == 0 {
			tags = []string{fmt.Sprintf("sbom-%d", i)}
		}
		add(ref, age(), tags...)
		r.Referrers[subj] = append(r.Referrers[subj], ref)
	}
	return r
}

// randomPolicy is one of a few shapes with random parameters.
func randomPolicy(rng *rand.Rand) string {
	var b strings.Builder
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	if rng.Intn(3) > 0 {
		b.WriteString(`protect "releases" { match = semver_valid(image.tag) }` + "\n")
	}
	if rng.Intn(2) == 0 {
		b.WriteString(`protect "labelled" { match = lookup(image.labels, "keep", "false") == "true" }` + "\n")
	}
	fmt.Fprintf(&b, "prune \"prs\" {\n  match = can(regex(\"^pr-\", image.tag))\n  older_than = %q\n}\n", pick("0s", "1h", "3d", "30d"))
	fmt.Fprintf(&b, "prune \"ci\" {\n  match = startswith(image.tag, \"sha-\")\n  keep_latest = %d\n}\n", rng.Intn(6))
	if rng.Intn(2) == 0 {
		fmt.Fprintf(&b, "prune \"untagged\" {\n  match = image.untagged\n  older_than = %q\n}\n", pick("0s", "1d"))
	}
	if rng.Intn(2) == 0 {
		b.WriteString(`prune "everything" { match = true }` + "\n")
	}
	if rng.Intn(3) == 0 {
		b.WriteString(`prune "sigs" { match = endswith(coalesce(image.tag, ""), ".sig") || startswith(image.tag, "sbom-") }` + "\n")
	}
	fmt.Fprintf(&b, "policy {\n  min_age = %q\n  max_deletions = 10000\n}\n", pick("0s", "30m", "24h", "7d"))
	return b.String()
}

func TestPlanProperties(t *testing.T) {
	deletes, safety := 0, map[string]int{}
	defer func() {
		// The generator must exercise the guards, or the test proves nothing.
		if !t.Failed() && (deletes == 0 || safety[SafetyChildOfKeptIndex] == 0 || safety[SafetyReferrerOfKept] == 0 || safety[policy.SafetyMinAge] == 0) {
			t.Errorf("weak generator: %d deletes, safety %v", deletes, safety)
		}
		t.Logf("%d deletes, safety %v", deletes, safety)
	}()
	for seed := int64(0); seed < 300; seed++ {
		rng := rand.New(rand.NewSource(seed))
		src := randomPolicy(rng)
		r := syntheticRepo(rng)
		o := Options{Policy: loadPolicy(t, src), Now: func() time.Time { return testNow }}
		p, err := PlanRepo(r, o)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, src)
		}
		deletes += len(p.Deletes)
		for _, d := range p.Decisions {
			if d.Safety != "" {
				safety[d.Safety]++
			}
		}
		ok := t.Run(fmt.Sprint(seed), func(t *testing.T) { checkInvariants(t, r, p, o) })
		if !ok {
			t.Logf("policy:\n%s\nplan:\n%s", src, planLines(p))
			break
		}
	}
}

// TestPlanMaxDeletions: the limit is checked after the cascades, and
// fails the whole plan.
func TestPlanMaxDeletions(t *testing.T) {
	r := syntheticRepo(rand.New(rand.NewSource(1)))
	src := "prune \"all\" { match = true }\npolicy {\n  min_age = 0\n  max_deletions = 3\n}\n"
	o := Options{Policy: loadPolicy(t, src), Now: func() time.Time { return testNow }}
	_, err := PlanRepo(r, o)
	var tm *policy.TooManyDeletionsError
	if !errorsAs(err, &tm) || tm.Limit != 3 {
		t.Fatalf("err = %v", err)
	}
}

package policy

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// img is an image created age ago (age < 0: creation time not known).
func img(repo, tag string, age time.Duration, digest string) Image {
	im := Image{Repository: repo, Tag: tag, Digest: digest}
	if tag != "" {
		im.Tags = []string{tag}
	}
	if age >= 0 {
		im.Created = testNow.Add(-age)
	}
	return im
}

const prunePolicy = `
image "web" { repository = "ghcr.io/acme/web" }
image "api" { repository = "ghcr.io/acme/api" }

protect "releases" { match = semver_valid(image.tag) }
protect "pinned"   { match = lookup(image.labels, "pin", "") == "yes" }

prune "pr-builds" {
  match      = can(regex("^pr-[0-9]+$", image.tag))
  older_than = "14d"
}
prune "ci-builds" {
  match       = startswith(image.tag, "sha-")
  keep_latest = 2
}
prune "untagged" {
  match      = image.untagged
  older_than = "72h"
}
prune "tmp" {
  repository = "ghcr.io/acme/*"
  match      = startswith(image.tag, "tmp-")
}
prune "old-ci" {
  match      = startswith(image.tag, "sha-")
  older_than = "60d"
}

policy {
  min_age       = "24h"
  max_deletions = 50
}
`

// decisionLine is a decision in one line, for tables.
func decisionLine(d PruneDecision) string {
	s := fmt.Sprintf("%s %s by %s", d.Action, d.Rule.Ref().Kind, d.Rule.Ref().Name)
	if d.Safety != "" {
		s += " safety " + d.Safety
	}
	return strings.Join(strings.Fields(s), " ")
}

func planByRef(plan PrunePlan) map[string]PruneDecision {
	out := map[string]PruneDecision{}
	for _, d := range plan.Decisions {
		out[d.Image.Repository+":"+d.Image.Tag+"@"+d.Image.Digest] = d
	}
	return out
}

// The decision table for protect and prune.
func TestPruneDecisionTable(t *testing.T) {
	p := loadReal(t, prunePolicy)
	const web, api, tools = "ghcr.io/acme/web", "ghcr.io/acme/api", "ghcr.io/acme/tools"
	pinned := img(web, "sha-pinned", 300*day, "sha256:p1")
	pinned.Labels = map[string]string{"pin": "yes"}
	cases := []struct {
		image  Image
		want   string // decisionLine
		reason string // a part of the reason
	}{
		// protect beats prune
		{img(web, "v1.2.3", 400*day, "sha256:r1"), "keep protect by releases", "protected: match holds"},
		{pinned, "keep protect by pinned", `prune "ci-builds" would delete it: protect beats prune`},
		// older_than
		{img(web, "pr-1", 20*day, "sha256:a1"), "delete prune by pr-builds", "20d old, older than older_than 14d"},
		{img(web, "pr-2", 3*day, "sha256:a2"), "keep prune by pr-builds", "3d old, younger than older_than 14d"},
		{img(web, "pr-3", -1, "sha256:a3"), "keep prune by pr-builds", "age is not known"},
		{img(web, "", 100*time.Hour, "sha256:u1"), "delete prune by untagged", "4d4h old, older than older_than 3d"},
		{img(web, "", 10*time.Hour, "sha256:u2"), "keep prune by untagged", "10h old, younger than older_than 3d"},
		// keep_latest, per repository: web has sha-a..d, api has sha-1..3
		{img(web, "sha-a", 10*day, "sha256:w1"), "delete prune by ci-builds", "4th newest of 4 matching images in ghcr.io/acme/web, not among the 2 kept"},
		{img(web, "sha-b", 9*day, "sha256:w2"), "delete prune by ci-builds", "3rd newest of 4"},
		{img(web, "sha-c", 8*day, "sha256:w3"), "keep prune by ci-builds", "among the 2 newest matching images in ghcr.io/acme/web (keep_latest): 2nd of 4"},
		{img(web, "sha-d", 7*day, "sha256:w4"), "keep prune by ci-builds", "1st of 4"},
		{img(api, "sha-1", 30*day, "sha256:b1"), "delete prune by ci-builds", "3rd newest of 4 matching images in ghcr.io/acme/api"},
		{img(api, "sha-2", 20*day, "sha256:b2"), "keep prune by ci-builds", "2nd of 4"},
		{img(api, "sha-3", 10*day, "sha256:b3"), "keep prune by ci-builds", "1st of 4"},
		// keep_latest keeps even when another rule would delete: old-ci
		// deletes sha- tags older than 60d, but ci-builds keeps the newest
		// 2 of api's old ones
		{img("ghcr.io/acme/api", "sha-old", 90*day, "sha256:b4"), "delete prune by ci-builds", "4th newest of 4"},
		// a prune rule's repository pattern; tools is no image block's
		// repository, so rules without repository do not apply there
		{img(tools, "tmp-1", 30*time.Hour, "sha256:t1"), "delete prune by tmp", "matches"},
		{img(tools, "sha-z", 100*day, "sha256:t2"), "keep default by", "no protect or prune rule matches"},
		// min_age: younger, or age unknown, is kept whatever a rule says
		{img(tools, "tmp-2", 2*time.Hour, "sha256:t3"), "keep policy by safety min_age", `younger than min_age 1d (2h old); prune "tmp" would delete it`},
		{img(tools, "tmp-3", -1, "sha256:t4"), "keep policy by safety min_age", "its age is not known (no created time), so min_age 1d cannot be checked"},
		// the same manifest kept under another tag is not deleted
		{img(tools, "tmp-4", 30*day, "sha256:r1"), "delete prune by tmp", "matches"},
		{img(web, "pr-4", 30*day, "sha256:r1"), "keep protect by releases safety same_manifest", `the same manifest sha256:r1 is kept as tag "v1.2.3" by protect "releases"; prune "pr-builds" would delete it`},
	}
	var images []Image
	for _, c := range cases {
		images = append(images, c.image)
	}
	plan, err := p.PruneDecisions(images, testNow)
	if err != nil {
		t.Fatal(err)
	}
	got := planByRef(plan)
	for _, c := range cases {
		key := c.image.Repository + ":" + c.image.Tag + "@" + c.image.Digest
		d, ok := got[key]
		if !ok {
			t.Errorf("%s: no decision", key)
			continue
		}
		if line := decisionLine(d); line != c.want || !strings.Contains(d.Reason, c.reason) {
			t.Errorf("%s:\n got %s: %s\nwant %s: ...%s...", key, line, d.Reason, c.want, c.reason)
		}
	}
	if len(plan.Decisions) != len(cases) {
		t.Errorf("%d decisions for %d images", len(plan.Decisions), len(cases))
	}
	// tmp-4 and pr-4... are different repositories: tools@r1 goes, web@r1
	// stays. Deletions count manifests.
	if plan.Deletions != 8 || len(plan.Deletes()) != 8 {
		t.Errorf("deletions %d (%d decisions)", plan.Deletions, len(plan.Deletes()))
	}
	// Matches list every matching rule with its verdict, protects first.
	m := got[web+":sha-pinned@sha256:p1"].Matches
	if len(m) != 3 || m[0].Verdict != VerdictProtect || m[1].Rule.Name != "ci-builds" || m[1].Verdict != VerdictDelete || m[2].Rule.Name != "old-ci" || m[2].Verdict != VerdictDelete {
		t.Errorf("matches of the pinned image: %+v", m)
	}
	if d := got[api+":sha-old@sha256:b4"]; len(d.Matches) != 2 || d.Matches[1].Verdict != VerdictDelete {
		t.Errorf("sha-old: %+v", d.Matches)
	}
	if plan.Limits.MinAge != day || plan.Limits.Location() != "hoist.hcl:29" {
		t.Errorf("limits: %v %v at %s", plan.Limits.MinAge, plan.Limits.MaxDeletions, plan.Limits.Location())
	}
}

// keep_latest keeps the newest matches even when another matching rule
// would delete them.
func TestPruneKeepLatestBeatsOtherRules(t *testing.T) {
	p := loadReal(t, `
prune "everything-old" {
  match      = true
  older_than = "30d"
}
prune "keep-some" {
  match       = startswith(image.tag, "sha-")
  keep_latest = 1
}
`)
	plan, err := p.PruneDecisions([]Image{
		img("r", "sha-1", 50*day, "sha256:1"),
		img("r", "sha-2", 40*day, "sha256:2"),
		img("r", "sha-3", 5*day, "sha256:3"),
		img("r", "other", 40*day, "sha256:4"),
	}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range plan.Decisions {
		got = append(got, d.Image.Tag+"="+decisionLine(d))
	}
	want := "other=delete prune by everything-old sha-1=delete prune by everything-old sha-2=delete prune by everything-old sha-3=keep prune by keep-some"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

// Protected images do not take keep_latest places.
func TestPruneKeepLatestSkipsProtected(t *testing.T) {
	p := loadReal(t, `
protect "pinned" { match = image.tag == "sha-3" }
prune "ci" {
  match       = startswith(image.tag, "sha-")
  keep_latest = 1
}
policy { min_age = 0 }
`)
	plan, err := p.PruneDecisions([]Image{
		img("r", "sha-1", 3*day, ""), img("r", "sha-2", 2*day, ""), img("r", "sha-3", 1*day, ""),
	}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range plan.Decisions {
		got = append(got, d.Image.Tag+"="+string(d.Action))
	}
	if strings.Join(got, " ") != "sha-1=delete sha-2=keep sha-3=keep" {
		t.Errorf("got %v", got)
	}
	// without digests, each image counts as its own manifest
	if plan.Deletions != 1 {
		t.Errorf("deletions %d", plan.Deletions)
	}
}

func TestPruneMaxDeletionsFailsClosed(t *testing.T) {
	p := loadReal(t, `
prune "all" { match = true }
policy {
  min_age       = "1h"
  max_deletions = 2
}
`)
	images := []Image{
		img("r", "a", 10*day, "sha256:1"),
		img("r", "b", 10*day, "sha256:1"), // the same manifest: one deletion
		img("r", "c", 10*day, "sha256:2"),
	}
	if _, err := p.PruneDecisions(images, testNow); err != nil {
		t.Fatalf("two manifests are within the limit: %v", err)
	}
	images = append(images, img("r", "d", 10*day, "sha256:3"))
	plan, err := p.PruneDecisions(images, testNow)
	var tm *TooManyDeletionsError
	if !errors.As(err, &tm) || !errors.Is(err, ErrTooManyDeletions) || tm.Count != 3 || tm.Limit != 2 {
		t.Fatalf("want too many deletions, got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "would delete 3 images, more than max_deletions = 2 (policy block at hoist.hcl:3)") || !strings.Contains(msg, "deletes nothing") {
		t.Errorf("message: %s", msg)
	}
	if plan.Deletions != 3 {
		t.Errorf("the plan is still returned, for explaining: %+v", plan)
	}

	// the default limit, named as such
	p = loadReal(t, `prune "all" { match = true }`)
	var many []Image
	for i := range DefaultMaxDeletions + 1 {
		many = append(many, img("r", fmt.Sprintf("t%d", i), 10*day, fmt.Sprintf("sha256:%d", i)))
	}
	if _, err := p.PruneDecisions(many, testNow); err == nil || !strings.Contains(err.Error(), "max_deletions = 500 (the default)") {
		t.Errorf("default limit: %v", err)
	}
	// max_deletions = 0 allows no deletion at all
	p = loadReal(t, `
prune "all" { match = true }
policy { max_deletions = 0 }
`)
	if _, err := p.PruneDecisions(images[:1], testNow); !errors.Is(err, ErrTooManyDeletions) {
		t.Errorf("max_deletions 0: %v", err)
	}
}

// An evaluation error for any image fails the whole plan.
func TestPruneEvalErrorFailsClosed(t *testing.T) {
	p := loadReal(t, `
protect "big" { match = image.size > 1000000 }
prune "all" { match = true }
policy { min_age = 0 }
`)
	withSize := img("r", "a", 10*day, "sha256:1")
	withSize.Size = 10
	noSize := img("r", "b", 10*day, "sha256:2") // size unknown: null > 1000000 fails
	plan, err := p.PruneDecisions([]Image{withSize, noSize}, testNow)
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Rule.Name != "big" || ee.Attr != "match" {
		t.Fatalf("want an *EvalError of protect big, got %v", err)
	}
	if out := render(ee.Diags, p.Files); !strings.Contains(out, "hoist.hcl:2:25: error:") || !strings.Contains(out, "with image.size = null") {
		t.Errorf("diagnostics:\n%s", out)
	}
	d := planByRef(plan)
	if d["r:b@sha256:2"].Err == nil || d["r:b@sha256:2"].Action != Keep {
		t.Errorf("the failing image: %+v", d["r:b@sha256:2"])
	}

	// a broken match in a prune rule, for one image of many
	p = loadReal(t, `prune "p" { match = image.tag == "x" || tonumber(image.tag) > 0 }`)
	if _, err := p.PruneDecisions([]Image{img("r", "x", 10*day, "sha256:1"), img("r", "y", 10*day, "sha256:2")}, testNow); !errors.As(err, &ee) {
		t.Errorf("want an *EvalError, got %v", err)
	}
}

func TestPruneNoRules(t *testing.T) {
	p := loadReal(t, `protect "all" { match = true }`)
	for _, pol := range []*Policy{p, nil, DefaultPolicy()} {
		_, err := pol.PruneDecisions([]Image{img("r", "a", day, "")}, testNow)
		if !errors.Is(err, ErrNoPruneRules) {
			t.Fatalf("want ErrNoPruneRules, got %v", err)
		}
		if !strings.Contains(err.Error(), `prune "pr-builds" {`) || !strings.Contains(err.Error(), "hoist policy explain --image") {
			t.Errorf("the message must say how to write a prune rule: %s", err)
		}
	}
}

// DESIGN.md §4.6's example policy.
func TestPruneDesignExample(t *testing.T) {
	p := loadDesign(t)
	const web = "ghcr.io/acme/web"
	var images []Image
	for i := range 12 {
		images = append(images, img(web, fmt.Sprintf("sha-%02d", i), time.Duration(i+2)*day, fmt.Sprintf("sha256:s%02d", i)))
	}
	images = append(images,
		img(web, "pr-12", 20*day, "sha256:p1"),
		img(web, "pr-13", 2*day, "sha256:p2"),
		img(web, "latest", 200*day, "sha256:l"),
		img(web, "1.2.3", 200*day, "sha256:l"),
		img(web, "", 5*day, "sha256:u"),
		img("ghcr.io/other/x", "pr-1", 20*day, "sha256:o"),
	)
	plan, err := p.PruneDecisions(images, testNow)
	if err != nil {
		t.Fatal(err)
	}
	d := planByRef(plan)
	for key, want := range map[string]string{
		web + ":sha-00@sha256:s00":      "keep prune by ci-builds",
		web + ":sha-09@sha256:s09":      "keep prune by ci-builds",
		web + ":sha-10@sha256:s10":      "delete prune by ci-builds",
		web + ":sha-11@sha256:s11":      "delete prune by ci-builds",
		web + ":pr-12@sha256:p1":        "delete prune by pr-builds",
		web + ":pr-13@sha256:p2":        "keep prune by pr-builds",
		web + ":latest@sha256:l":        "keep protect by floating",
		web + ":1.2.3@sha256:l":         "keep protect by releases",
		web + ":@sha256:u":              "delete prune by untagged",
		"ghcr.io/other/x:pr-1@sha256:o": "keep default by",
	} {
		if got := decisionLine(d[key]); got != want {
			t.Errorf("%s: %s (%s), want %s", key, got, d[key].Reason, want)
		}
	}
	if plan.Deletions != 4 {
		t.Errorf("deletions: %d", plan.Deletions)
	}
}

// The same images, in any order, give the same plan.
func TestPruneDeterministic(t *testing.T) {
	p := loadReal(t, prunePolicy)
	var images []Image
	for i := range 40 {
		repo := []string{"ghcr.io/acme/web", "ghcr.io/acme/api", "ghcr.io/acme/tools"}[i%3]
		tag := []string{"sha-%d", "pr-%d", "tmp-%d", "v1.%d.0", ""}[i%5]
		if strings.Contains(tag, "%") {
			tag = fmt.Sprintf(tag, i)
		}
		// some ties in created time, some unknown
		age := time.Duration(i%7) * 5 * day
		if i%11 == 0 {
			age = -1
		}
		images = append(images, img(repo, tag, age, fmt.Sprintf("sha256:%02d", i%17)))
	}
	summary := func(imgs []Image) string {
		plan, err := p.PruneDecisions(imgs, testNow)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, d := range plan.Decisions {
			fmt.Fprintf(&b, "%s:%s@%s %s %s %q %s %v\n", d.Image.Repository, d.Image.Tag, d.Image.Digest, d.Action, d.Rule.Ref(), d.Reason, d.Safety, d.Matches)
		}
		fmt.Fprintf(&b, "deletions %d", plan.Deletions)
		return b.String()
	}
	first := summary(images)
	if !strings.Contains(first, " delete ") || !strings.Contains(first, " keep ") {
		t.Fatalf("a poor test plan:\n%s", first)
	}
	r := rand.New(rand.NewSource(1))
	for range 30 {
		shuffled := append([]Image(nil), images...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := summary(shuffled); got != first {
			t.Fatalf("the plan depends on the input order:\n%s\n---\n%s", first, got)
		}
	}
}

// The caller's images are not changed; the plan's have their age.
func TestPruneAges(t *testing.T) {
	p := loadReal(t, `
prune "old" {
  match = image.age > duration("10d")
}
policy { min_age = 0 }
`)
	images := []Image{img("r", "a", 11*day, ""), img("r", "b", 9*day, "")}
	given := 5 * day
	images = append(images, Image{Repository: "r", Tag: "c", Age: &given})
	plan, err := p.PruneDecisions(images, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if images[0].Age != nil {
		t.Error("the input was changed")
	}
	var got []string
	for _, d := range plan.Decisions {
		got = append(got, fmt.Sprintf("%s=%s/%s", d.Image.Tag, d.Action, FormatDuration(*d.Image.Age)))
	}
	if strings.Join(got, " ") != "a=delete/11d b=keep/9d c=keep/5d" {
		t.Errorf("got %v", got)
	}
}

// TestKeepLatestCountsManifests: keep_latest places are per manifest, so
// a build pushed under five tags takes one place, not five.
func TestKeepLatestCountsManifests(t *testing.T) {
	p := loadReal(t, `
prune "ci" {
  match       = startswith(image.tag, "sha-")
  keep_latest = 2
}
policy {
  min_age = "1h"
}
`)
	const web = "ghcr.io/acme/web"
	var images []Image
	for _, tg := range []string{"sha-a1", "sha-a2", "sha-a3", "sha-a4", "sha-a5"} {
		images = append(images, img(web, tg, 1*day, "sha256:a")) // newest, five tags
	}
	images = append(images, img(web, "sha-b", 2*day, "sha256:b"), img(web, "sha-c", 3*day, "sha256:c"))
	plan, err := p.PruneDecisions(images, testNow)
	if err != nil {
		t.Fatal(err)
	}
	got := planByRef(plan)
	for key, want := range map[string]string{
		web + ":sha-a1@sha256:a": "1st of 3", web + ":sha-a5@sha256:a": "1st of 3",
		web + ":sha-b@sha256:b": "2nd of 3",
	} {
		if d := got[key]; d.Action != Keep || !strings.Contains(d.Reason, want) {
			t.Errorf("%s: %s: %s, want keep (%s)", key, d.Action, d.Reason, want)
		}
	}
	if d := got[web+":sha-c@sha256:c"]; d.Action != Delete || !strings.Contains(d.Reason, "3rd newest of 3 matching images") {
		t.Errorf("sha-c: %s: %s", d.Action, d.Reason)
	}
}

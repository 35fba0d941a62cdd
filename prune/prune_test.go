package prune

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/registry"
)

func testOptions(t testing.TB) Options {
	return Options{Policy: loadPolicy(t, testPolicy), Now: func() time.Time { return testNow }}
}

func checkGolden(t *testing.T, file, got string) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./prune -run %s -update)", err, t.Name())
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

// TestPlanGolden plans the generated repository in an in-process registry
// (fast) and, when HOIST_TEST_REGISTRY answers, in the real one: the plans
// are the same golden.
func TestPlanGolden(t *testing.T) {
	hosts := map[string]string{"inprocess": inProcessRegistry(t)}
	if real := imagetest.RealRegistry(t, false); real != "" {
		hosts["distribution"] = real
	}
	for kind, host := range hosts {
		t.Run(kind, func(t *testing.T) {
			o := testOptions(t)
			repo := uniqueRepo(host, "golden")
			buildRepoSized(t, o.Registry, repo, bigRepo)
			r, err := Facts(context.Background(), o, repo)
			if err != nil {
				t.Fatal(err)
			}
			p, err := PlanRepo(r, o)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "plan.golden", planLines(p))
			checkInvariants(t, r, p, o)
		})
	}
}

// TestApplyRealRegistry plans and applies against the distribution
// registry, then lists the repository: exactly the kept tags remain, every
// deleted manifest is gone, every kept one (children included) is there.
//
// It runs on every real registry the tests have: one that deletes single
// tags (distribution v3: the planned tags go first, by tag) and one that
// does not (distribution 2.8: by digest only, and the tag-only removals
// through a placeholder manifest).
func TestApplyRealRegistry(t *testing.T) {
	for _, host := range imagetest.RealRegistries(t, true) {
		t.Run(host, func(t *testing.T) { testApplyRealRegistry(t, host) })
	}
}

func testApplyRealRegistry(t *testing.T, host string) {
	o, repo, pushed, r, p := plannedRealRepo(t, host, "apply")
	ctx := context.Background()
	byTag := tagDeletes(t, host)
	rec := &imagetest.Recorder{Inner: http.DefaultTransport}
	o.Registry.Transport = rec
	var audit bytes.Buffer
	rep, err := Apply(ctx, p, o, &audit)
	if err != nil {
		t.Fatal(err)
	}
	tagDELETEs := 0
	for _, q := range rec.Requests() {
		if q.Method == http.MethodDelete && strings.Contains(q.Path, "/manifests/") && !strings.Contains(q.Path, "/manifests/sha256:") {
			tagDELETEs++
		}
	}
	if byTag && tagDELETEs < len(p.Untags)+2 {
		t.Errorf("%s deletes single tags, yet apply sent %d DELETEs by tag: the planned tags should go first", host, tagDELETEs)
	}
	kinds := map[string]int{}
	for _, q := range rec.Requests() {
		kinds[q.Method+" "+q.Kind()]++
	}
	t.Logf("%s: tag deletion %v, %d DELETEs by tag; %d deletions, %d untags, %d tags before: requests %v", host, byTag, tagDELETEs, len(p.Deletes), len(p.Untags), len(pushed), kinds)
	if len(rep.Skipped) != 0 || len(rep.Failed) != 0 || len(rep.Deleted) != len(p.Deletes) || len(rep.Untagged) != len(p.Untags) {
		t.Fatalf("report: %d deleted of %d, %d untagged of %d, skipped %v, failed %v", len(rep.Deleted), len(p.Deletes), len(rep.Untagged), len(p.Untags), rep.Skipped, rep.Failed)
	}
	if len(p.Untags) == 0 {
		t.Fatal("the repository has a PR tag on a release manifest: the plan should remove that tag alone")
	}
	all := strings.Split(strings.TrimSpace(audit.String()), "\n")
	if len(all) != len(p.Deletes)+len(p.Untags) {
		t.Fatalf("audit has %d lines, want %d", len(all), len(p.Deletes)+len(p.Untags))
	}
	// Manifest deletions first, then the tag-only removals.
	lines := all[:len(p.Deletes)]
	for _, l := range lines {
		var e AuditEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Result != "deleted" || e.Repository != repo || e.Digest == "" || e.Rule == "" {
			t.Fatalf("audit line %s: %v", l, err)
		}
	}
	untagged := map[string]bool{}
	for _, l := range all[len(p.Deletes):] {
		var e AuditEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Result != "untagged" || len(e.Tags) != 1 {
			t.Fatalf("audit line %s: %v", l, err)
		}
		untagged[e.Tags[0]] = true
	}

	deleted := map[string]bool{}
	for _, d := range p.Deletes {
		deleted[d.Digest] = true
	}
	// Every index was deleted before its children.
	line := map[string]int{}
	for i, l := range lines {
		var e AuditEntry
		_ = json.Unmarshal([]byte(l), &e)
		line[e.Digest] = i
	}
	indexes := 0
	for _, d := range p.Deletes {
		if d.Index {
			indexes++
			if len(d.Children) != 2 {
				t.Errorf("index %s deletes children %v, want 2", d.Digest, d.Children)
			}
		}
		for _, c := range d.Children {
			if line[c] < line[d.Digest] {
				t.Errorf("child %s deleted before its index %s", c, d.Digest)
			}
		}
	}
	if indexes != 1 {
		t.Errorf("%d indexes deleted, want 1 (pr-500)", indexes)
	}
	var wantTags []string
	for tag, d := range pushed {
		if !deleted[d] && !untagged[tag] {
			wantTags = append(wantTags, tag)
		}
	}
	for tag, d := range r.Tags() { // the fallback referrers tag, if any
		if _, ok := pushed[tag]; !ok && !deleted[d] {
			wantTags = append(wantTags, tag)
		}
	}
	sort.Strings(wantTags)
	got, err := o.Registry.ListTags(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if d := cmp.Diff(wantTags, got); d != "" {
		t.Errorf("tags after apply (-want +got):\n%s", d)
	}
	ref, _ := o.Registry.Reference(repo + ":x")
	for _, img := range r.Images {
		_, err := remote.Head(ref.Context().Digest(img.Digest), o.Registry.Remote(ctx)...)
		gone := err != nil
		if gone != deleted[img.Digest] {
			t.Errorf("%s (%q): gone=%v, deleted by the plan=%v (%v)", img.Digest, img.Tag, gone, deleted[img.Digest], err)
		}
	}
}

// TestApplyTagMoved: a tag moved between plan and apply keeps what it
// now points at, and a deleted image's tag moved to a new image skips that
// deletion.
func TestApplyTagMoved(t *testing.T) {
	for _, host := range imagetest.RealRegistries(t, true) {
		t.Run(host, func(t *testing.T) { testApplyTagMoved(t, host) })
	}
}

func testApplyTagMoved(t *testing.T, host string) {
	o, repo, pushed, _, p := plannedRealRepo(t, host, "race")
	ctx := context.Background()
	planned := map[string]bool{}
	for _, d := range p.Deletes {
		planned[d.Digest] = true
	}
	// pr-1, pr-4 and the index pr-500 are to be deleted; "v1.4.0" now also
	// names pr-1's manifest, pr-4 is rebuilt, and a new tag names pr-500.
	if !planned[pushed["pr-1"]] || !planned[pushed["pr-4"]] || !planned[pushed["pr-500"]] {
		t.Fatalf("pr-1 and pr-4 should be planned for deletion:\n%s", planLines(p))
	}
	if err := o.Registry.Tag(ctx, repo+":pr-1", repo+":v1.4.0"); err != nil {
		t.Fatal(err)
	}
	if err := o.Registry.WriteImage(ctx, repo+":pr-4", mkImage(t, 999, testNow, "amd64")); err != nil {
		t.Fatal(err)
	}
	if err := o.Registry.Tag(ctx, repo+":pr-500", repo+":keep-me"); err != nil {
		t.Fatal(err)
	}
	var audit bytes.Buffer
	rep, err := Apply(ctx, p, o, &audit)
	if err != nil {
		t.Fatal(err)
	}
	skipped := map[string]string{}
	for _, s := range rep.Skipped {
		skipped[s.Digest] = s.Reason
	}
	var children []string
	for _, d := range p.Deletes {
		if d.Digest == pushed["pr-500"] {
			children = d.Children
		}
	}
	if len(skipped) != 5 || len(children) != 2 ||
		!strings.Contains(skipped[pushed["pr-1"]], "v1.4.0") ||
		!strings.Contains(skipped[pushed["pr-4"]], "pr-4 moved") ||
		!strings.Contains(skipped[pushed["pr-500"]], "keep-me") ||
		!strings.Contains(skipped[children[0]], "was not deleted") || !strings.Contains(skipped[children[1]], "was not deleted") {
		t.Fatalf("skipped: %v", skipped)
	}
	if len(rep.Deleted) != len(p.Deletes)-5 {
		t.Errorf("%d deleted, want %d", len(rep.Deleted), len(p.Deletes)-5)
	}
	if !strings.Contains(audit.String(), `"result":"skipped"`) {
		t.Errorf("audit has no skip:\n%s", audit.String())
	}
	for _, tag := range []string{"v1.4.0", "pr-4", "keep-me"} {
		if _, err := o.Registry.Head(ctx, repo+":"+tag); err != nil {
			t.Errorf("%s is gone: %v", tag, err)
		}
	}
}

// TestFactsFault: 500s on some manifest GETs (also after the retries) make
// Facts fail, so nothing in the repository can be planned or deleted.
func TestFactsFault(t *testing.T) {
	host := imagetest.Registry(t)
	o := testOptions(t)
	repo := uniqueRepo(host, "fault")
	pushed := buildRepo(t, o.Registry, repo)
	for _, target := range []string{"pr-7", "child-by-digest"} {
		t.Run(target, func(t *testing.T) {
			fo := o
			fo.Registry.Transport = faultTransport{base: o.Registry.HTTPTransport(), fail: func(r *http.Request) bool {
				if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/manifests/") {
					return false
				}
				if target == "pr-7" {
					return strings.HasSuffix(r.URL.Path, "/manifests/pr-7")
				}
				// Any manifest known only by digest (index children).
				return strings.Contains(r.URL.Path, "/manifests/sha256:") && !strings.Contains(r.URL.Path, strings.TrimPrefix(pushed["v2.0.0"], "sha256:"))
			}}
			r, err := Facts(context.Background(), fo, repo)
			if err == nil {
				t.Fatalf("Facts succeeded with %d images despite 500s", len(r.Images))
			}
			if r != nil || !strings.Contains(err.Error(), "nothing in this repository is pruned") || !strings.Contains(err.Error(), "500") {
				t.Errorf("error: %v", err)
			}
			t.Log(err)
		})
	}
	got, err := o.Registry.ListTags(context.Background(), repo)
	if err != nil || len(got) < len(pushed) {
		t.Fatalf("tags after the faults: %d (%v), want at least %d", len(got), err, len(pushed))
	}
}

// TestApplyDeleteUnsupported: a registry answering 405 to DELETE stops
// Apply with a clear error.
func TestApplyDeleteUnsupported(t *testing.T) {
	host := inProcessRegistry(t)
	o := testOptions(t)
	repo := uniqueRepo(host, "nodelete")
	buildRepo(t, o.Registry, repo)
	ctx := context.Background()
	r, err := Facts(ctx, o, repo)
	if err != nil {
		t.Fatal(err)
	}
	p, err := PlanRepo(r, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Registry.Transport = methodNotAllowed{base: o.Registry.HTTPTransport()}
	var audit bytes.Buffer
	rep, err := Apply(ctx, p, o, &audit)
	if !errors.Is(err, ErrDeleteUnsupported) || !strings.Contains(err.Error(), "storage.delete.enabled: true") {
		t.Fatalf("err = %v", err)
	}
	if len(rep.Deleted) != 0 {
		t.Errorf("deleted %d", len(rep.Deleted))
	}
}

type methodNotAllowed struct{ base http.RoundTripper }

func (m methodNotAllowed) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodDelete {
		body := `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`
		return &http.Response{StatusCode: http.StatusMethodNotAllowed, Status: "405 Method Not Allowed",
			Header: http.Header{"Content-Type": {"application/json"}}, Body: ioNopCloser(body), Request: r}, nil
	}
	return m.base.RoundTrip(r)
}

// plannedRealRepo pushes the small generated repository to the real
// registry and plans it.
func plannedRealRepo(t *testing.T, host, name string) (o Options, repo string, pushed map[string]string, r *Repo, p *Plan) {
	t.Helper()
	o = testOptions(t)
	repo = uniqueRepo(host, name)
	pushed = buildRepo(t, o.Registry, repo)
	r, err := Facts(context.Background(), o, repo)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = PlanRepo(r, o); err != nil {
		t.Fatal(err)
	}
	return o, repo, pushed, r, p
}

// tagDeletes probes whether the registry at host deletes a single tag
// (DELETE /v2/<name>/manifests/<tag>).
func tagDeletes(t *testing.T, host string) bool {
	t.Helper()
	ro := registry.Options{}
	repo := uniqueRepo(host, "probe")
	if err := ro.WriteImage(context.Background(), repo+":probe", mkImage(t, 1, testNow, "amd64")); err != nil {
		t.Fatal(err)
	}
	ref, err := ro.Reference(repo + ":probe")
	if err != nil {
		t.Fatal(err)
	}
	return remote.Delete(ref, ro.Remote(context.Background())...) == nil
}

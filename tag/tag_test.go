package tag

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/registry"
)

const sha = "0123456789abcdef0123456789abcdef01234567"

// TestBackports is the table of DESIGN §4.4: floating tags move only to
// the highest release of their line.
func TestBackports(t *testing.T) {
	cases := []struct {
		tag       string
		published []string
		want      string
	}{
		{"v2.0.0", []string{"1.9.0"}, "2.0.0 2.0 2 latest sha-0123456"},
		{"v1.9.1", []string{"2.0.0", "1.9.0"}, "1.9.1 1.9 1 sha-0123456"},
		{"v1.8.5", []string{"2.0.0", "1.9.1", "1.8.4"}, "1.8.5 1.8 sha-0123456"},
		{"v1.9.0", []string{"1.9.1", "2.0.0"}, "1.9.0 sha-0123456"},
		{"v2.1.0-rc.1", []string{"2.0.0"}, "2.1.0-rc.1 sha-0123456"},
		{"v0.3.0", []string{"0.2.9"}, "0.3.0 0.3 latest sha-0123456"},
		{"v1.2.3", []string{"v1.2.2", "not-a-version", "latest"}, "1.2.3 1.2 1 latest sha-0123456"},
	}
	for _, c := range cases {
		t.Run(c.tag, func(t *testing.T) {
			plans, err := Compute(context.Background(), Options{
				Git:          &policy.Git{Tag: c.tag, SHA: sha, Event: "push"},
				Repositories: []string{"registry.example/app"},
				Published:    c.published,
			}, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(plans[0].Names(), " "); got != c.want {
				t.Errorf("tags %q, want %q", got, c.want)
			}
		})
	}
}

// recorder counts requests by method and kind.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []string
	// fail, when it matches a request, answers 500 instead.
	fail func(*http.Request) bool
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	kind := "other"
	switch {
	case strings.Contains(req.URL.Path, "/blobs/"):
		kind = "blob"
	case strings.Contains(req.URL.Path, "/manifests/"):
		kind = "manifest"
	case strings.Contains(req.URL.Path, "/tags/list"):
		kind = "tags"
	case req.URL.Path == "/v2/" || req.URL.Path == "/v2":
		kind = "ping"
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Method+" "+kind)
	r.mu.Unlock()
	if r.fail != nil && r.fail(req) {
		return &http.Response{StatusCode: 500, Body: http.NoBody, Header: http.Header{}, Request: req}, nil
	}
	return r.base.RoundTrip(req)
}

func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.reqs {
		if strings.HasPrefix(q, prefix) {
			n++
		}
	}
	return n
}

// TestApplyOnlyManifests tags an image already in the registry with 5
// tags in 2 repositories: no blob is uploaded, and the request counts are
// what the issue asks to report.
func TestApplyOnlyManifests(t *testing.T) {
	reg := imagetest.Registry(t)
	img, err := random.Image(1024, 3)
	if err != nil {
		t.Fatal(err)
	}
	src := imagetest.Push(t, img, reg+"/tagtest/build:ci")
	rec := &recorder{base: http.DefaultTransport}
	ro := registry.Options{Transport: rec}
	ctx := context.Background()
	plans, err := Compute(ctx, Options{
		Git:          &policy.Git{Tag: "v1.2.3", SHA: sha, Event: "push", Branch: "", DefaultBranch: "main"},
		Repositories: []string{reg + "/tagtest/app", reg + "/tagtest/mirror"},
		Registry:     ro,
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(plans[0].Names(), " "); got != "1.2.3 1.2 1 latest sha-0123456" {
		t.Fatalf("tags %s", got)
	}
	listed := rec.count("GET tags")
	pingsBefore := rec.count("GET ping")
	written, err := Apply(ctx, Source{Ref: src}, plans, ro)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 2 || len(written[1].Tags) != 5 {
		t.Fatalf("written %+v", written)
	}
	uploads := 0
	for _, q := range rec.reqs {
		if q == "PATCH blob" || q == "PUT blob" {
			uploads++
		}
	}
	if uploads != 0 {
		t.Errorf("tagging uploaded %d blob parts: %v", uploads, rec.reqs)
	}
	// One client per repository and scope (three repositories, pull and
	// push): a few pings, each twice on a plain-HTTP registry (HTTPS is
	// tried first), not one per request (38 before clients were shared).
	if pings := rec.count("GET ping") - pingsBefore; pings > 16 {
		t.Errorf("Apply pinged the registry %d times in %d requests: clients are not reused", pings, len(rec.reqs))
	}
	t.Logf("requests for 5 tags in 2 repositories: %d pings, %d tag-list GETs, %d manifest GETs, %d manifest HEADs, %d manifest PUTs, %d blob HEADs, %d blob POSTs (mounts), %d blob uploads",
		rec.count("GET ping")-pingsBefore, listed, rec.count("GET manifest"), rec.count("HEAD manifest"), rec.count("PUT manifest"), rec.count("HEAD blob"), rec.count("POST blob"), uploads)
	for _, repo := range []string{"app", "mirror"} {
		tags, err := ro.ListTags(ctx, reg+"/tagtest/"+repo)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(tags)
		if strings.Join(tags, " ") != "1 1.2 1.2.3 latest sha-0123456" {
			t.Errorf("%s has %v", repo, tags)
		}
	}
}

// TestApplyFaultLeavesNoTag: a failed blob upload leaves no new tag.
func TestApplyFaultLeavesNoTag(t *testing.T) {
	reg := imagetest.Registry(t)
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{base: http.DefaultTransport, fail: func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/blobs/uploads") && (r.Method == http.MethodPatch || r.Method == http.MethodPut)
	}}
	ro := registry.Options{Transport: rec}
	ctx := context.Background()
	plans, err := Compute(ctx, Options{Git: &policy.Git{Branch: "main", SHA: sha, Event: "push"}, Repositories: []string{reg + "/tagtest/faulty"}, Published: []string{}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, Source{Image: img}, plans, ro); err == nil {
		t.Fatal("the push succeeded through failing uploads")
	}
	tags, err := registry.Options{}.ListTags(ctx, reg+"/tagtest/faulty")
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 0 {
		t.Fatalf("tags written after a failed upload: %v", tags)
	}
}

// TestApplyCheckBlocks: a failing hard-mandatory check writes nothing.
func TestApplyCheckBlocks(t *testing.T) {
	reg := imagetest.Registry(t)
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, diags := policy.LoadSources([]policy.Source{{Name: "hoist.hcl", Data: []byte(`
check "no-prerelease-latest" {
  enforcement_level = "hard-mandatory"
  condition         = !contains(push.tags, "latest")
  error_message     = "latest is reserved"
}
`)}}, policy.LoadOptions{Functions: policy.Functions(), FactTypes: policy.FactTypes()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ctx := context.Background()
	ro := registry.Options{}
	plans, err := Compute(ctx, Options{Policy: p, Git: &policy.Git{Tag: "v3.0.0", SHA: sha, Event: "push"}, Repositories: []string{reg + "/tagtest/guarded"}, Registry: ro}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !plans[0].Blocked() {
		t.Fatal("the check did not block")
	}
	if _, err := Apply(ctx, Source{Image: img}, plans, ro); !errors.Is(err, ErrBlocked) {
		t.Fatalf("Apply: %v", err)
	}
	if tags, _ := ro.ListTags(ctx, reg+"/tagtest/guarded"); len(tags) != 0 {
		t.Fatalf("a blocked push wrote %v", tags)
	}
}

func TestLabels(t *testing.T) {
	l := Labels(&policy.Git{SHA: sha, Repository: "acme/app"}, LabelInfo{Version: "1.2.3", SourceURL: "https://github.com/acme/app"})
	want := map[string]string{
		"org.opencontainers.image.version":  "1.2.3",
		"org.opencontainers.image.revision": sha,
		"org.opencontainers.image.source":   "https://github.com/acme/app",
		"org.opencontainers.image.url":      "https://github.com/acme/app",
		"org.opencontainers.image.title":    "app",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %q, want %q", k, l[k], v)
		}
	}
	if len(l) != len(want) {
		t.Errorf("extra labels: %v", l)
	}
}

package ghcr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func tagsEvery3(i int) []string {
	if i%3 == 0 {
		return nil // untagged (e.g. a multi-arch child)
	}
	return []string{fmt.Sprintf("v1.%d", i), fmt.Sprintf("sha-%04d", i)}
}

func TestVersionsPaginatesThreePages(t *testing.T) {
	f := newFakeGitHub(t)
	f.addPackage("orgs", "acme", "web", 250, tagsEvery3)
	c := f.client("good-token")
	c.OwnerType = OwnerOrg

	got, err := c.Versions(context.Background(), "acme", "web")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("got %d versions, want 250", len(got))
	}
	// newest first, every field mapped
	for k, v := range got {
		i := 249 - k
		created := f.now.Add(-time.Duration(250-i) * time.Hour)
		want := Version{ID: int64(1000 + i), Digest: digestOf(i), Tags: tagsEvery3(i), Created: created, Updated: created.Add(time.Minute)}
		if diff := cmp.Diff(want, v); diff != "" {
			t.Fatalf("version %d (-want +got):\n%s", k, diff)
		}
	}
	wantReqs := []string{
		"GET /orgs/acme/packages/container/web/versions?per_page=100",
		"GET /orgs/acme/packages/container/web/versions?page=2&per_page=100",
		"GET /orgs/acme/packages/container/web/versions?page=3&per_page=100",
	}
	if diff := cmp.Diff(wantReqs, f.requestLog()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestVersionsEmptyAndNestedName(t *testing.T) {
	f := newFakeGitHub(t)
	f.addPackage("orgs", "acme", "tools/lint", 2, func(i int) []string { return []string{fmt.Sprint(i)} })
	f.addPackage("orgs", "acme", "empty", 0, nil)
	c := f.client("good-token")

	owner, pkg, ok := ParseRepository("ghcr.io/acme/tools/lint:1")
	if !ok {
		t.Fatal("ParseRepository failed")
	}
	got, err := c.Versions(context.Background(), owner, pkg)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Tags[0] != "1" {
		t.Errorf("got %+v", got)
	}
	if reqs := f.requestLog(); reqs[0] != "GET /orgs/acme/packages/container/tools%2Flint/versions?per_page=100" {
		t.Errorf("nested name not escaped as one segment: %s", reqs[0])
	}
	empty, err := c.Versions(context.Background(), "acme", "empty")
	if err != nil || len(empty) != 0 {
		t.Errorf("empty package: %v, %v", empty, err)
	}
}

func TestOwnerFallback(t *testing.T) {
	f := newFakeGitHub(t)
	f.addPackage("users", "octocat", "hello_docker", 3, func(i int) []string { return []string{fmt.Sprint("t", i)} })
	c := f.client("good-token")
	ctx := context.Background()

	if _, err := c.Versions(ctx, "octocat", "hello_docker"); err != nil {
		t.Fatal(err)
	}
	// the owner type is remembered: the delete goes straight to /users
	if err := c.Delete(ctx, "octocat", "hello_docker", 1000); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /orgs/octocat/packages/container/hello_docker/versions?per_page=100",
		"GET /users/octocat/packages/container/hello_docker/versions?per_page=100",
		"DELETE /users/octocat/packages/container/hello_docker/versions/1000?",
	}
	if diff := cmp.Diff(want, f.requestLog()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	// a fresh client deleting first also falls back
	c2 := f.client("good-token")
	if err := c2.Delete(ctx, "octocat", "hello_docker", 1001); err != nil {
		t.Fatal(err)
	}
	log := f.requestLog()
	if diff := cmp.Diff([]string{
		"DELETE /orgs/octocat/packages/container/hello_docker/versions/1001?",
		"DELETE /users/octocat/packages/container/hello_docker/versions/1001?",
	}, log[3:]); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	// /user (the token's own account)
	c3 := f.client("good-token")
	c3.OwnerType = OwnerSelf
	vs, err := c3.Versions(ctx, "", "hello_docker")
	if err != nil || len(vs) != 1 {
		t.Fatalf("/user: %v %v", vs, err)
	}
	if last := f.requestLog()[5]; last != "GET /user/packages/container/hello_docker/versions?per_page=100" {
		t.Errorf("request = %s", last)
	}
}

func TestErrors(t *testing.T) {
	f := newFakeGitHub(t)
	f.addPackage("orgs", "acme", "web", 3, func(i int) []string { return []string{fmt.Sprint(i)} })
	ctx := context.Background()

	tests := []struct {
		name     string
		token    string
		call     func(c *Client) error
		status   int
		contains []string
		is       func(error) bool
	}{
		{
			name:     "missing package",
			token:    "good-token",
			call:     func(c *Client) error { _, err := c.Versions(ctx, "acme", "nope"); return err },
			status:   404,
			contains: []string{"Package not found.", `package "nope" of "acme" not found`, "/orgs/acme/", "/users/acme/", "token can read it"},
			is:       IsNotFound,
		},
		{
			name:     "bad token",
			token:    "wrong",
			call:     func(c *Client) error { _, err := c.Versions(ctx, "acme", "web"); return err },
			status:   401,
			contains: []string{"Bad credentials", "token was rejected", "GITHUB_TOKEN", "read:packages"},
		},
		{
			name:     "no token",
			token:    "",
			call:     func(c *Client) error { _, err := c.Versions(ctx, "acme", "web"); return err },
			status:   401,
			contains: []string{"Bad credentials"},
		},
		{
			name:     "delete without delete:packages",
			token:    "read-token",
			call:     func(c *Client) error { return c.Delete(ctx, "acme", "web", 1000) },
			status:   403,
			contains: []string{`token scopes: "read:packages"`, `accepted: "delete:packages, read:packages"`, "read:packages and delete:packages", "packages: write"},
		},
		{
			name:     "restore without write:packages",
			token:    "read-token",
			call:     func(c *Client) error { return c.Restore(ctx, "acme", "web", 1000) },
			status:   403,
			contains: []string{"read:packages and write:packages"},
		},
		{
			name:     "delete missing version",
			token:    "good-token",
			call:     func(c *Client) error { return c.Delete(ctx, "acme", "web", 42) },
			status:   404,
			contains: []string{"version 42 of package \"web\""},
			is:       IsNotFound,
		},
		{
			name:     "restore a version that is not deleted",
			token:    "good-token",
			call:     func(c *Client) error { return c.Restore(ctx, "acme", "web", 1000) },
			status:   404,
			contains: []string{"last 30 days"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.client(tt.token)
			err := tt.call(c)
			var e *APIError
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if e.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", e.StatusCode, tt.status)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if tt.is != nil && !tt.is(err) {
				t.Errorf("predicate false for %v", err)
			}
			if IsRateLimited(err) {
				t.Errorf("not a rate limit: %v", err)
			}
		})
	}
}

func TestDeleteRestoreAndLastVersion(t *testing.T) {
	f := newFakeGitHub(t)
	// 0: untagged child, 1: tagged, 2: tagged
	f.addPackage("orgs", "acme", "web", 3, func(i int) []string {
		if i == 0 {
			return nil
		}
		return []string{fmt.Sprint("v", i)}
	})
	c := f.client("good-token")
	ctx := context.Background()

	if err := c.Delete(ctx, "acme", "web", 1001); err != nil {
		t.Fatal(err)
	}
	err := c.Delete(ctx, "acme", "web", 1002)
	if !IsLastVersion(err) || !strings.Contains(err.Error(), "last tagged version") || !strings.Contains(err.Error(), "delete the whole package") {
		t.Fatalf("deleting the last tagged version: %v", err)
	}
	if err := c.Delete(ctx, "acme", "web", 1000); err != nil { // untagged may go
		t.Fatal(err)
	}
	active, err := c.Versions(ctx, "acme", "web")
	if err != nil || len(active) != 1 || active[0].ID != 1002 {
		t.Fatalf("active = %+v, %v", active, err)
	}
	deleted, err := c.DeletedVersions(ctx, "acme", "web")
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 2 || deleted[0].ID != 1001 || deleted[1].ID != 1000 || !deleted[0].Deleted.Equal(f.now) {
		t.Fatalf("deleted = %+v", deleted)
	}
	if err := c.Restore(ctx, "acme", "web", 1001); err != nil {
		t.Fatal(err)
	}
	active, err = c.Versions(ctx, "acme", "web")
	if err != nil || len(active) != 2 || active[1].ID != 1001 || active[1].Tags[0] != "v1" {
		t.Fatalf("after restore: %+v, %v", active, err)
	}
	for _, r := range f.requestLog() {
		if strings.HasPrefix(r, "POST") && r != "POST /orgs/acme/packages/container/web/versions/1001/restore?" {
			t.Errorf("restore request = %s", r)
		}
	}
}

// recordSleeps replaces the client's sleeping with a recorder.
func recordSleeps(c *Client, now time.Time) *[]time.Duration {
	var mu sync.Mutex
	var sleeps []time.Duration
	c.now = func() time.Time { return now }
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		sleeps = append(sleeps, d)
		return ctx.Err()
	}
	return &sleeps
}

func TestRateLimits(t *testing.T) {
	tests := []struct {
		name      string
		modes     []rateLimitMode
		maxRetry  int
		maxWait   time.Duration
		wantSleep []time.Duration
		wantErr   []string
	}{
		{"primary waits until reset", []rateLimitMode{rlPrimary}, 0, 0, []time.Duration{31 * time.Second}, nil},
		{"secondary honours retry-after", []rateLimitMode{rlSecondary}, 0, 0, []time.Duration{7 * time.Second}, nil},
		{"429 honours retry-after", []rateLimitMode{rl429, rlSecondary}, 0, 0, []time.Duration{3 * time.Second, 7 * time.Second}, nil},
		{"bounded retries", []rateLimitMode{rlSecondary, rlSecondary, rlSecondary, rlSecondary}, 0, 0,
			[]time.Duration{7 * time.Second, 7 * time.Second, 7 * time.Second}, []string{"rate limit", "gave up after 3 retries", "retry in 7s"}},
		{"wait longer than MaxWait fails at once", []rateLimitMode{rlPrimary}, 0, 10 * time.Second, nil,
			[]string{"API rate limit exceeded", "retry after 2026-11-29T12:00:30Z"}},
		{"no retries", []rateLimitMode{rl429}, -1, 0, nil, []string{"429 Too Many Requests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			f.addPackage("orgs", "acme", "web", 5, tagsEvery3)
			f.rateLimit = tt.modes
			c := f.client("good-token")
			c.MaxRetries, c.MaxWait = tt.maxRetry, tt.maxWait
			sleeps := recordSleeps(c, f.now)
			vs, err := c.Versions(context.Background(), "acme", "web")
			if diff := cmp.Diff(tt.wantSleep, *sleeps); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if tt.wantErr == nil {
				if err != nil || len(vs) != 5 {
					t.Fatalf("got %d versions, %v", len(vs), err)
				}
				return
			}
			if !IsRateLimited(err) {
				t.Fatalf("err = %v, want a rate limit", err)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestRateLimitWaitHonoursContext(t *testing.T) {
	f := newFakeGitHub(t)
	f.addPackage("orgs", "acme", "web", 1, tagsEvery3)
	f.rateLimit = []rateLimitMode{rlSecondary}
	c := f.client("good-token")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Versions(ctx, "acme", "web")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestForeignLinkRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("token sent to a foreign host: %s", r.Header.Get("Authorization"))
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<"+other.URL+"/steal?page=2>; rel=\"next\"")
		fmt.Fprint(w, "[]")
	}))
	defer api.Close()
	c := &Client{BaseURL: api.URL, Token: "t", OwnerType: OwnerOrg}
	_, err := c.Versions(context.Background(), "acme", "web")
	if err == nil || !strings.Contains(err.Error(), "refusing to send the token") {
		t.Fatalf("err = %v", err)
	}
}

func TestMalformedAnswers(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"not json", "<html>", "not a JSON list"},
		{"not a digest", `[{"id":1,"name":"latest","metadata":{"package_type":"container"}}]`, "not a manifest digest"},
		{"other package type", `[{"id":1,"name":"sha256:` + strings.Repeat("a", 64) + `","metadata":{"package_type":"npm"}}]`, "not container"},
		{"no id", `[{"name":"sha256:` + strings.Repeat("a", 64) + `"}]`, "has no id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tt.body) }))
			defer api.Close()
			c := &Client{BaseURL: api.URL, Token: "t", OwnerType: OwnerOrg}
			_, err := c.Versions(context.Background(), "acme", "web")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestConcurrentDeletes(t *testing.T) {
	f := newFakeGitHub(t)
	f.addPackage("users", "octocat", "web", 40, func(i int) []string { return []string{fmt.Sprint(i)} })
	c := f.client("good-token")
	var wg sync.WaitGroup
	errs := make(chan error, 39)
	for i := 0; i < 39; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.Delete(context.Background(), "octocat", "web", int64(1000+i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	vs, err := c.Versions(context.Background(), "octocat", "web")
	if err != nil || len(vs) != 1 || vs[0].ID != 1039 {
		t.Fatalf("left: %+v, %v", vs, err)
	}
}

func TestArgs(t *testing.T) {
	c := &Client{BaseURL: "http://127.0.0.1:1", Token: "t"}
	ctx := context.Background()
	if _, err := c.Versions(ctx, "", "web"); err == nil || !strings.Contains(err.Error(), "empty owner") {
		t.Errorf("empty owner: %v", err)
	}
	if _, err := c.Versions(ctx, "acme", ""); err == nil || !strings.Contains(err.Error(), "empty package") {
		t.Errorf("empty package: %v", err)
	}
	if err := c.Delete(ctx, "acme", "web", 0); err == nil || !strings.Contains(err.Error(), "invalid version id") {
		t.Errorf("id 0: %v", err)
	}
	bad := &Client{OwnerType: "org"}
	if _, err := bad.Versions(ctx, "acme", "web"); err == nil || !strings.Contains(err.Error(), "not one of orgs, users, user") {
		t.Errorf("bad owner type: %v", err)
	}
}

func TestParseRepository(t *testing.T) {
	tests := []struct {
		in         string
		owner, pkg string
		ok         bool
	}{
		{"ghcr.io/acme/web", "acme", "web", true},
		{"GHCR.IO/Acme/web", "Acme", "web", true},
		{"ghcr.io/acme/tools/lint", "acme", "tools/lint", true},
		{"ghcr.io/acme/web:1.2", "acme", "web", true},
		{"ghcr.io/acme/web@sha256:" + strings.Repeat("a", 64), "acme", "web", true},
		{"ghcr.io/acme/web:1@sha256:" + strings.Repeat("a", 64), "acme", "web", true},
		{"ghcr.io/my-org/a__b.c-d", "my-org", "a__b.c-d", true},
		{"ghcr.io/acme", "", "", false},
		{"ghcr.io/acme/", "", "", false},
		{"ghcr.io//web", "", "", false},
		{"ghcr.io/acme//web", "", "", false},
		{"ghcr.io/acme/Web", "", "", false},
		{"ghcr.io/acme/web%2fx", "", "", false},
		{"ghcr.io/-acme/web", "", "", false},
		{"ghcr.io/ac--me/web", "", "", false},
		{"ghcr.io/acme/a___b", "", "", false},
		{"ghcr.io/acme/.web", "", "", false},
		{"docker.io/acme/web", "", "", false},
		{"ghcr.io.evil.com/acme/web", "", "", false},
		{"ghcr.io:443/acme/web", "", "", false},
		{"acme/web", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		owner, pkg, ok := ParseRepository(tt.in)
		if owner != tt.owner || pkg != tt.pkg || ok != tt.ok {
			t.Errorf("ParseRepository(%q) = %q, %q, %v; want %q, %q, %v", tt.in, owner, pkg, ok, tt.owner, tt.pkg, tt.ok)
		}
	}
}

func TestParseLinkNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"`, "https://api.github.com/x?page=2"},
		{`<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"`, "https://a/x?page=3"},
		{`<https://a/x?page=3>; rel="first", <https://a/x?page=3>; rel="last"`, ""},
		{`<https://a/x?p=2>; title="a, b"; rel="next"`, "https://a/x?p=2"},
		{`<https://a/x?p=2>; rel="last next"`, "https://a/x?p=2"},
		{`<https://a/x?p=2>;rel=next`, "https://a/x?p=2"},
		{`garbage`, ""},
		{`<unterminated; rel="next"`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		if got := parseLinkNext(tt.in); got != tt.want {
			t.Errorf("parseLinkNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParseRepository(f *testing.F) {
	for _, s := range []string{"ghcr.io/acme/web", "ghcr.io/acme/a/b:1", "ghcr.io/a/b@sha256:00", "docker.io/x/y", "ghcr.io/a__b/c", "ghcr.io/x/y:z/w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		owner, pkg, ok := ParseRepository(s)
		if !ok {
			if owner != "" || pkg != "" {
				t.Fatalf("not ok but %q %q", owner, pkg)
			}
			return
		}
		o2, p2, ok2 := ParseRepository("ghcr.io/" + owner + "/" + pkg)
		if !ok2 || o2 != owner || p2 != pkg {
			t.Fatalf("%q -> %q %q does not round-trip: %q %q %v", s, owner, pkg, o2, p2, ok2)
		}
		if strings.ContainsAny(pkg, "%?#:@ ") || strings.Contains(pkg, "//") {
			t.Fatalf("package %q has unsafe characters", pkg)
		}
	})
}

func FuzzParseLinkNext(f *testing.F) {
	for _, s := range []string{`<https://a/x?page=2>; rel="next", <https://a/x?page=5>; rel="last"`, `<a>; rel=next`, `<a>;title=",";rel="next"`, `<`, `,,,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := parseLinkNext(s)
		if got != "" && !strings.Contains(s, "<"+got+">") {
			t.Fatalf("parseLinkNext(%q) = %q, not a link target of the header", s, got)
		}
	})
}

func TestDeletePopularPublicVersion(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete {
			t.Errorf("method %s", r.Method)
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"message":"Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.","documentation_url":"https://docs.github.com/rest/packages/packages","status":"400"}`)
	}))
	defer api.Close()
	c := &Client{BaseURL: api.URL, Token: "t", OwnerType: OwnerOrg}
	err := c.Delete(context.Background(), "acme", "web", 7)
	if err == nil || IsLastVersion(err) || !strings.Contains(err.Error(), "contact GitHub Support") {
		t.Fatalf("err = %v", err)
	}
}

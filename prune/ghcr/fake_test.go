package ghcr

// A fake of the GitHub Packages REST API (version 2022-11-28) for container packages, strict
// about what the real API requires and faithful to its documented answers: JSON shapes from
// the docs' examples, Link pagination (per_page default 30, max 100), GitHub's error JSON,
// x-oauth-scopes / x-accepted-oauth-scopes on classic tokens, rate-limit headers, 204 on
// DELETE and restore, 30-day soft deletion with state=deleted, and the refusal to delete a
// package's last tagged version. This is the one fake in the project: ghcr.io is not reachable
// from the test environment.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeVersion struct {
	id      int64
	digest  string
	tags    []string
	created time.Time
	updated time.Time
	deleted time.Time // zero while active
}

type fakePackage struct {
	ownerType string // "orgs" or "users": where the owner's login lives
	owner     string
	name      string // unescaped, e.g. "a/b"
	versions  []*fakeVersion
}

type rateLimitMode int

const (
	rlPrimary   rateLimitMode = iota // 403, x-ratelimit-remaining: 0, x-ratelimit-reset
	rlSecondary                      // 403, retry-after, "secondary rate limit" message
	rl429                            // 429, retry-after
)

type fakeGitHub struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	tokens    map[string]string // token -> comma-separated classic scopes
	orgs      map[string]bool
	users     map[string]bool
	self      string // the login the tokens belong to (for /user)
	packages  map[string]*fakePackage
	now       time.Time
	rateLimit []rateLimitMode // answers to give before serving the next requests
	requests  []string        // "METHOD escaped-path?query"
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{
		t:        t,
		tokens:   map[string]string{"good-token": "delete:packages, read:packages, write:packages", "read-token": "read:packages"},
		orgs:     map[string]bool{"acme": true},
		users:    map[string]bool{"octocat": true},
		self:     "octocat",
		packages: map[string]*fakePackage{},
		now:      time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) client(token string) *Client {
	return &Client{BaseURL: f.srv.URL, Token: token, HTTP: f.srv.Client()}
}

func key(owner, name string) string { return strings.ToLower(owner) + "\x00" + name }

// addPackage adds a package with n versions: version i has digest sha256 of i, tags from
// tagsOf(i), ids 1000+i; listed newest first as GitHub does.
func (f *fakeGitHub) addPackage(ownerType, owner, name string, n int, tagsOf func(i int) []string) *fakePackage {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := &fakePackage{ownerType: ownerType, owner: owner, name: name}
	for i := 0; i < n; i++ {
		created := f.now.Add(-time.Duration(n-i) * time.Hour)
		p.versions = append(p.versions, &fakeVersion{
			id: int64(1000 + i), digest: digestOf(i), tags: tagsOf(i),
			created: created, updated: created.Add(time.Minute),
		})
	}
	f.packages[key(owner, name)] = p
	return p
}

func digestOf(i int) string { return fmt.Sprintf("sha256:%064x", i+1) }

func (f *fakeGitHub) requestLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func (f *fakeGitHub) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		f.t.Errorf("fake: encoding answer: %v", err)
	}
}

// writeError writes GitHub's error JSON.
func (f *fakeGitHub) writeError(w http.ResponseWriter, status int, message, doc string) {
	f.writeJSON(w, status, map[string]string{
		"message":           message,
		"documentation_url": doc,
		"status":            strconv.Itoa(status),
	})
}

const docBase = "https://docs.github.com/rest/packages/packages"

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := r.URL.EscapedPath()
	f.requests = append(f.requests, r.Method+" "+path+"?"+r.URL.RawQuery)

	// What the real API requires of every client.
	if got := r.Header.Get("Accept"); got != "application/vnd.github+json" {
		f.t.Errorf("fake: %s %s: Accept = %q, want application/vnd.github+json", r.Method, path, got)
	}
	if got := r.Header.Get("X-GitHub-Api-Version"); got != "2022-11-28" {
		f.t.Errorf("fake: %s %s: X-GitHub-Api-Version = %q, want 2022-11-28", r.Method, path, got)
		f.writeError(w, http.StatusBadRequest, "Invalid API version", "https://docs.github.com/rest/about-the-rest-api/api-versions")
		return
	}
	if r.Header.Get("User-Agent") == "" {
		f.writeError(w, http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header", "")
		return
	}
	if r.ContentLength > 0 {
		f.t.Errorf("fake: %s %s: unexpected request body", r.Method, path)
	}

	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Resource", "core")
	if len(f.rateLimit) > 0 {
		mode := f.rateLimit[0]
		f.rateLimit = f.rateLimit[1:]
		reset := strconv.FormatInt(f.now.Add(30*time.Second).Unix(), 10)
		switch mode {
		case rlPrimary:
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", reset)
			f.writeError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
		case rlSecondary:
			w.Header().Set("X-RateLimit-Remaining", "4000")
			w.Header().Set("Retry-After", "7")
			f.writeError(w, http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
		case rl429:
			w.Header().Set("X-RateLimit-Remaining", "4000")
			w.Header().Set("Retry-After", "3")
			f.writeError(w, http.StatusTooManyRequests, "Too many requests", "")
		}
		return
	}
	w.Header().Set("X-RateLimit-Remaining", "4999")

	auth := r.Header.Get("Authorization")
	token, isBearer := strings.CutPrefix(auth, "Bearer ")
	scopes, known := f.tokens[token]
	if !isBearer || !known {
		f.writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
		return
	}
	w.Header().Set("X-OAuth-Scopes", scopes)

	// Route: /orgs/{org}/..., /users/{user}/..., /user/...
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var ownerType, owner string
	switch {
	case len(segs) >= 2 && (segs[0] == "orgs" || segs[0] == "users"):
		ownerType, owner, segs = segs[0], segs[1], segs[2:]
	case len(segs) >= 1 && segs[0] == "user":
		ownerType, owner, segs = "user", f.self, segs[1:]
	default:
		f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	// {package_name} is one escaped path segment: nested names arrive as a%2Fb.
	if len(segs) < 4 || segs[0] != "packages" || segs[1] != "container" || segs[3] != "versions" {
		f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	name, err := url.PathUnescape(segs[2])
	if err != nil || name == "" {
		f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	segs = segs[4:]

	// An owner of the wrong kind is 404 Not Found, as on GitHub (an org is no user and v.v.).
	switch ownerType {
	case "orgs":
		if !f.orgs[strings.ToLower(owner)] {
			f.writeError(w, http.StatusNotFound, "Not Found", docBase)
			return
		}
	case "users":
		if !f.users[strings.ToLower(owner)] {
			f.writeError(w, http.StatusNotFound, "Not Found", docBase)
			return
		}
	}
	pkg := f.packages[key(owner, name)]
	if pkg == nil || (ownerType != "user" && pkg.ownerType != ownerType) || (ownerType == "user" && pkg.ownerType != "users") {
		f.writeError(w, http.StatusNotFound, "Package not found.", docBase)
		return
	}

	need := "read:packages"
	switch {
	case len(segs) == 0 && r.Method == http.MethodGet:
	case len(segs) == 1 && r.Method == http.MethodDelete:
		need = "delete:packages"
	case len(segs) == 2 && segs[1] == "restore" && r.Method == http.MethodPost:
		need = "write:packages"
	default:
		f.writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	have := strings.Split(scopes, ", ")
	if !slices.Contains(have, "read:packages") || !slices.Contains(have, need) {
		accepted := "read:packages"
		if need != "read:packages" {
			accepted = need + ", read:packages"
		}
		w.Header().Set("X-Accepted-OAuth-Scopes", accepted)
		f.writeError(w, http.StatusForbidden, "Resource not accessible by personal access token", docBase)
		return
	}

	if len(segs) == 0 {
		f.list(w, r, ownerType, owner, pkg)
		return
	}
	id, err := strconv.ParseInt(segs[0], 10, 64)
	if err != nil {
		f.writeError(w, http.StatusNotFound, "Not Found", docBase)
		return
	}
	idx := slices.IndexFunc(pkg.versions, func(v *fakeVersion) bool { return v.id == id })
	if r.Method == http.MethodDelete {
		if idx < 0 || !pkg.versions[idx].deleted.IsZero() {
			f.writeError(w, http.StatusNotFound, "Package version not found.", docBase)
			return
		}
		v := pkg.versions[idx]
		active, activeTagged := 0, 0
		for _, o := range pkg.versions {
			if o.deleted.IsZero() {
				active++
				if len(o.tags) > 0 {
					activeTagged++
				}
			}
		}
		if active == 1 {
			f.writeError(w, http.StatusBadRequest, "You cannot delete the last version of a package. You must delete the package instead.", docBase)
			return
		}
		if len(v.tags) > 0 && activeTagged == 1 {
			f.writeError(w, http.StatusBadRequest, "You cannot delete the last tagged version of a package. You must delete the package instead.", docBase)
			return
		}
		v.deleted = f.now
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// restore
	if idx < 0 || pkg.versions[idx].deleted.IsZero() || f.now.Sub(pkg.versions[idx].deleted) > 30*24*time.Hour {
		f.writeError(w, http.StatusNotFound, "Package version not found.", docBase)
		return
	}
	pkg.versions[idx].deleted = time.Time{}
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeGitHub) list(w http.ResponseWriter, r *http.Request, ownerType, owner string, pkg *fakePackage) {
	q := r.URL.Query()
	perPage, page := 30, 1
	if s := q.Get("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			f.writeError(w, http.StatusUnprocessableEntity, "Invalid request.", docBase)
			return
		}
		perPage = min(n, 100)
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			f.writeError(w, http.StatusUnprocessableEntity, "Invalid request.", docBase)
			return
		}
		page = n
	}
	state := q.Get("state")
	if state == "" {
		state = "active"
	}
	if state != "active" && state != "deleted" {
		f.writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nstate must be active or deleted", docBase)
		return
	}
	var sel []*fakeVersion
	for i := len(pkg.versions) - 1; i >= 0; i-- { // newest first
		v := pkg.versions[i]
		if v.deleted.IsZero() == (state == "active") {
			sel = append(sel, v)
		}
	}
	last := max(1, (len(sel)+perPage-1)/perPage)
	lo, hi := min((page-1)*perPage, len(sel)), min(page*perPage, len(sel))

	apiPrefix := "/" + ownerType + "/" + url.PathEscape(owner)
	htmlPrefix := "https://github.com/" + ownerType + "/" + owner
	if ownerType == "user" {
		apiPrefix, htmlPrefix = "/user", "https://github.com/users/"+owner
	}
	escName := url.PathEscape(pkg.name)
	out := []map[string]any{}
	for _, v := range sel[lo:hi] {
		// The shape of the docs' example for a container package version.
		obj := map[string]any{
			"id":               v.id,
			"name":             v.digest,
			"url":              f.srv.URL + apiPrefix + "/packages/container/" + escName + "/versions/" + strconv.FormatInt(v.id, 10),
			"package_html_url": htmlPrefix + "/packages/container/package/" + escName,
			"created_at":       v.created.Format(time.RFC3339),
			"updated_at":       v.updated.Format(time.RFC3339),
			"html_url":         htmlPrefix + "/packages/container/" + escName + "/" + strconv.FormatInt(v.id, 10),
			"metadata": map[string]any{
				"package_type": "container",
				"container":    map[string]any{"tags": append([]string{}, v.tags...)},
			},
		}
		if !v.deleted.IsZero() {
			obj["deleted_at"] = v.deleted.Format(time.RFC3339)
		}
		out = append(out, obj)
	}

	// Link: <...page=2>; rel="next", <...page=3>; rel="last" (and prev/first past page 1).
	link := func(p int) string {
		lq := url.Values{}
		lq.Set("per_page", strconv.Itoa(perPage))
		lq.Set("page", strconv.Itoa(p))
		if q.Get("state") != "" {
			lq.Set("state", q.Get("state"))
		}
		u := *r.URL
		u.RawQuery = lq.Encode()
		return "<" + f.srv.URL + u.RequestURI() + ">"
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1)+`; rel="prev"`)
	}
	if page < last {
		links = append(links, link(page+1)+`; rel="next"`, link(last)+`; rel="last"`)
	}
	if page > 1 {
		links = append(links, link(1)+`; rel="first"`)
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	f.writeJSON(w, http.StatusOK, out)
}

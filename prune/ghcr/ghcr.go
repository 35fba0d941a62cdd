// Package ghcr deletes container images on ghcr.io through the GitHub Packages REST API.
//
// ghcr.io does not implement the registry API's manifest DELETE (it answers 405), so images
// there are removed as "package versions": one version per manifest digest, carrying every tag
// that points at that digest. The API (version 2022-11-28) is:
//
//	GET    {owner}/packages/container/{package}/versions?per_page=100[&state=deleted]  (Link: rel="next")
//	DELETE {owner}/packages/container/{package}/versions/{id}          -> 204
//	POST   {owner}/packages/container/{package}/versions/{id}/restore  -> 204
//
// where {owner} is /orgs/ORG, /users/USER or /user (the token's own account), and {package} is
// the repository path after ghcr.io/OWNER/, path-escaped (ghcr.io/acme/a/b is package "a/b",
// sent as a%2Fb).
//
// Deletion is soft: GitHub keeps a deleted version for 30 days, during which DeletedVersions
// lists it and Restore brings it back (unless the package namespace and version have been
// reused since). After 30 days it is gone. See docs/ghcr.md for what a pruning plan must respect (a version holds all
// of a digest's tags; multi-arch children appear as separate untagged versions and must be
// kept while their index is kept; GitHub refuses to delete a package's last tagged version).
//
// Tokens: a classic personal access token needs read:packages to list, read:packages and
// delete:packages to delete, read:packages and write:packages to restore. In GitHub Actions,
// GITHUB_TOKEN needs `permissions: packages: write`, and the workflow's repository needs the
// Admin role on the package (package settings, "Manage Actions access") to delete versions.
//
// Rate limits (403 or 429 with x-ratelimit-remaining: 0, or with retry-after, or a "secondary
// rate limit" message) are waited out as GitHub's documentation asks, a bounded number of
// times and never longer than MaxWait per wait; beyond that the call fails and says when to
// retry.
package ghcr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
)

// DefaultBaseURL is the GitHub REST API root used when Client.BaseURL is empty.
const DefaultBaseURL = "https://api.github.com"

// APIVersion is the REST API version sent in X-GitHub-Api-Version.
const APIVersion = "2022-11-28"

// Owner types for Client.OwnerType.
const (
	OwnerOrg  = "orgs"  // /orgs/{owner}/...
	OwnerUser = "users" // /users/{owner}/...
	OwnerSelf = "user"  // /user/... (the token's own account; owner is ignored)
)

const (
	defaultMaxRetries = 3
	defaultMaxWait    = 2 * time.Minute
	maxBody           = 32 << 20
	maxPages          = 10000
)

// Client talks to the GitHub Packages REST API. The zero value (with a Token) is usable; a
// Client is safe for concurrent use and must not be copied after first use.
type Client struct {
	// BaseURL is the API root; "" means DefaultBaseURL (GitHub Enterprise: https://HOST/api/v3).
	BaseURL string
	// Token is sent as "Authorization: Bearer TOKEN" (GITHUB_TOKEN in Actions, or a PAT).
	Token string
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
	// OwnerType is "orgs", "users" or "user"; "" tries orgs, then users (on 404), and
	// remembers the answer per owner. Logins are unique across users and organizations, so
	// the fallback cannot reach someone else's package.
	OwnerType string
	// MaxRetries bounds how often one request is retried after a rate limit; 0 means 3,
	// negative means never.
	MaxRetries int
	// MaxWait bounds one rate-limit wait; a longer wait fails at once instead. 0 means 2m.
	MaxWait time.Duration

	mu       sync.Mutex
	resolved map[string]string // owner -> owner type, when OwnerType is ""

	// test hooks
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// Version is one package version: one manifest digest of the repository.
type Version struct {
	ID      int64
	Digest  string   // the manifest digest, "sha256:..."
	Tags    []string // every tag on the digest; empty for untagged manifests (e.g. multi-arch children)
	Created time.Time
	Updated time.Time
	Deleted time.Time // set only by DeletedVersions
}

// APIError is a non-success answer from the API.
type APIError struct {
	Method     string
	URL        string
	StatusCode int
	// Message and DocumentationURL are GitHub's error JSON fields.
	Message          string
	DocumentationURL string
	// TokenScopes and AcceptedScopes are the x-oauth-scopes and x-accepted-oauth-scopes
	// headers (classic tokens only).
	TokenScopes    string
	AcceptedScopes string
	// RateLimited is set when the answer was a rate limit that could not be waited out;
	// Reset is when GitHub said the limit resets (zero if unknown).
	RateLimited bool
	Reset       time.Time
	// Hint says what to do.
	Hint string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ghcr: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.StatusCode == http.StatusForbidden && (e.TokenScopes != "" || e.AcceptedScopes != "") {
		fmt.Fprintf(&b, " (token scopes: %q; accepted: %q)", e.TokenScopes, e.AcceptedScopes)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "; %s", e.Hint)
	}
	return b.String()
}

// IsNotFound reports whether err is a 404 from the API (missing package or version, or one
// the token cannot see: GitHub answers 404 for private packages it will not show).
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// IsLastVersion reports whether err is GitHub refusing to delete a package's last (tagged)
// version; only deleting the whole package removes it.
func IsLastVersion(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(e.Message), "last") &&
		strings.Contains(strings.ToLower(e.Message), "version")
}

// IsRateLimited reports whether err is a rate limit that was not waited out.
func IsRateLimited(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.RateLimited
}

// operation describes a call for error messages.
type operation struct {
	what   string // "list versions of", "delete version 12 of", ...
	scopes string // classic PAT scopes needed
}

var (
	opList    = operation{"list versions", "read:packages"}
	opDelete  = operation{"delete a version", "read:packages and delete:packages"}
	opRestore = operation{"restore a version", "read:packages and write:packages"}
)

// Versions lists all active versions of the container package (all pages, 100 per page), in
// the API's order (newest first).
func (c *Client) Versions(ctx context.Context, owner, pkg string) ([]Version, error) {
	return c.list(ctx, owner, pkg, "")
}

// DeletedVersions lists the versions deleted in the last 30 days, which Restore can bring back.
func (c *Client) DeletedVersions(ctx context.Context, owner, pkg string) ([]Version, error) {
	return c.list(ctx, owner, pkg, "deleted")
}

// Delete deletes one version (the manifest digest and all its tags). GitHub keeps it 30 days
// for Restore. A missing version is an error (IsNotFound); the last tagged version of a package
// cannot be deleted (IsLastVersion).
func (c *Client) Delete(ctx context.Context, owner, pkg string, id int64) error {
	return c.versionCall(ctx, http.MethodDelete, owner, pkg, id, "", opDelete)
}

// Restore restores a version deleted within the last 30 days.
func (c *Client) Restore(ctx context.Context, owner, pkg string, id int64) error {
	return c.versionCall(ctx, http.MethodPost, owner, pkg, id, "/restore", opRestore)
}

// ParseRepository splits "ghcr.io/owner/name[/more]" (optionally with ":tag" or "@digest",
// which are dropped) into the owner and the package name ("name/more", unescaped; the Client
// escapes it). Other hosts, and names that are not valid repository paths, give ok=false.
func ParseRepository(repo string) (owner, pkg string, ok bool) {
	host, rest, found := strings.Cut(repo, "/")
	if !found || !strings.EqualFold(host, "ghcr.io") {
		return "", "", false
	}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[i:], "/") {
		rest = rest[:i]
	}
	owner, pkg, found = strings.Cut(rest, "/")
	if !found || !validOwner(owner) {
		return "", "", false
	}
	for _, comp := range strings.Split(pkg, "/") {
		if !validComponent(comp) {
			return "", "", false
		}
	}
	return owner, pkg, true
}

// validOwner: a GitHub login (letters, digits, single hyphens, not at the ends).
func validOwner(s string) bool {
	if s == "" || len(s) > 39 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case ch == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// validComponent: a distribution path component, [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*.
func validComponent(s string) bool {
	if s == "" {
		return false
	}
	alnum := func(ch byte) bool { return ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' }
	if !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		ch := s[i]
		if alnum(ch) || ch == '-' {
			continue
		}
		switch {
		case ch == '.' && alnum(s[i-1]) && alnum(s[i+1]):
		case ch == '_' && alnum(s[i-1]) && (alnum(s[i+1]) || s[i+1] == '_' && i+2 < len(s) && alnum(s[i+2])):
		case ch == '_' && s[i-1] == '_' && i >= 2 && alnum(s[i-2]) && alnum(s[i+1]):
		default:
			return false
		}
	}
	return true
}

func (c *Client) base() string {
	if c.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimRight(c.BaseURL, "/")
}

// ownerTypes gives the owner types to try, in order.
func (c *Client) ownerTypes(owner string) ([]string, error) {
	switch c.OwnerType {
	case OwnerOrg, OwnerUser, OwnerSelf:
		return []string{c.OwnerType}, nil
	case "":
	default:
		return nil, fmt.Errorf("ghcr: owner type %q is not one of orgs, users, user", c.OwnerType)
	}
	c.mu.Lock()
	t, ok := c.resolved[owner]
	c.mu.Unlock()
	if ok {
		return []string{t}, nil
	}
	return []string{OwnerOrg, OwnerUser}, nil
}

func (c *Client) remember(owner, ownerType string) {
	if c.OwnerType != "" {
		return
	}
	c.mu.Lock()
	if c.resolved == nil {
		c.resolved = map[string]string{}
	}
	c.resolved[owner] = ownerType
	c.mu.Unlock()
}

func (c *Client) packageURL(ownerType, owner, pkg string) string {
	prefix := "/user"
	if ownerType != OwnerSelf {
		prefix = "/" + ownerType + "/" + url.PathEscape(owner)
	}
	return c.base() + prefix + "/packages/container/" + url.PathEscape(pkg)
}

func checkArgs(ownerType, owner, pkg string) error {
	if pkg == "" {
		return errors.New("ghcr: empty package name; give the repository as ghcr.io/OWNER/NAME")
	}
	if owner == "" && ownerType != OwnerSelf {
		return errors.New("ghcr: empty owner; give the repository as ghcr.io/OWNER/NAME")
	}
	return nil
}

func (c *Client) list(ctx context.Context, owner, pkg, state string) ([]Version, error) {
	types, err := c.ownerTypes(owner)
	if err != nil {
		return nil, err
	}
	if err := checkArgs(types[0], owner, pkg); err != nil {
		return nil, err
	}
	q := "?per_page=100"
	if state != "" {
		q += "&state=" + state
	}
	var first []byte
	var next string
	var tried []string
	var firstNotFound error
	for i, t := range types {
		u := c.packageURL(t, owner, pkg) + "/versions" + q
		body, hdr, err := c.do(ctx, http.MethodGet, u, opList)
		if IsNotFound(err) && i+1 < len(types) {
			tried = append(tried, u)
			firstNotFound = err
			continue
		}
		if err != nil {
			if IsNotFound(err) {
				var e *APIError
				errors.As(err, &e)
				// "Not Found" is the answer for an owner of the other kind; an earlier
				// "Package not found." from the right kind of owner says more.
				var fe *APIError
				if errors.As(firstNotFound, &fe) && e.Message == "Not Found" && fe.Message != "Not Found" {
					err, e = fe, fe
				}
				tried = append(tried, u)
				e.Hint = fmt.Sprintf("package %q of %q not found (tried %s); check the name, that the "+
					"package is a container, and that the token can read it (GitHub answers 404 for "+
					"private packages the token cannot see)", pkg, owner, strings.Join(tried, ", "))
			}
			return nil, err
		}
		c.remember(owner, t)
		first = body
		if next, err = c.nextLink(u, hdr); err != nil {
			return nil, err
		}
		break
	}
	out, err := decodeVersions(first)
	if err != nil {
		return nil, fmt.Errorf("ghcr: versions of %q of %q: %w", pkg, owner, err)
	}
	seen := map[string]bool{}
	for pages := 1; next != ""; pages++ {
		if seen[next] || pages >= maxPages {
			return nil, fmt.Errorf("ghcr: versions of %q of %q: pagination does not end (Link %q seen twice or %d pages)", pkg, owner, next, maxPages)
		}
		seen[next] = true
		body, hdr, err := c.do(ctx, http.MethodGet, next, opList)
		if err != nil {
			return nil, err
		}
		vs, err := decodeVersions(body)
		if err != nil {
			return nil, fmt.Errorf("ghcr: versions of %q of %q (%s): %w", pkg, owner, next, err)
		}
		out = append(out, vs...)
		if next, err = c.nextLink(next, hdr); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Client) versionCall(ctx context.Context, method, owner, pkg string, id int64, suffix string, op operation) error {
	types, err := c.ownerTypes(owner)
	if err != nil {
		return err
	}
	if err := checkArgs(types[0], owner, pkg); err != nil {
		return err
	}
	if id <= 0 {
		return fmt.Errorf("ghcr: %s of %q: invalid version id %d", op.what, pkg, id)
	}
	for i, t := range types {
		u := c.packageURL(t, owner, pkg) + "/versions/" + strconv.FormatInt(id, 10) + suffix
		_, _, err := c.do(ctx, method, u, op)
		if IsNotFound(err) && i+1 < len(types) {
			continue
		}
		if err == nil {
			c.remember(owner, t)
		} else if IsNotFound(err) {
			var e *APIError
			errors.As(err, &e)
			e.Hint = fmt.Sprintf("version %d of package %q of %q not found; list the versions again", id, pkg, owner)
			if method == http.MethodPost {
				e.Hint += " (only versions deleted in the last 30 days can be restored)"
			}
		} else if IsLastVersion(err) {
			var e *APIError
			errors.As(err, &e)
			e.Hint = "GitHub keeps a package's last (tagged) version; delete the whole package in its settings if it is really to go"
		} else if e := (*APIError)(nil); errors.As(err, &e) && e.StatusCode == http.StatusBadRequest && strings.Contains(e.Message, "downloads") {
			e.Hint = "GitHub does not delete public versions with more than 5,000 downloads; contact GitHub Support to remove it"
		}
		return err
	}
	return nil
}

// versionJSON is the documented "package-version" object (container packages).
type versionJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	DeletedAt time.Time `json:"deleted_at"`
	Metadata  struct {
		PackageType string `json:"package_type"`
		Container   struct {
			Tags []string `json:"tags"`
		} `json:"container"`
	} `json:"metadata"`
}

func decodeVersions(body []byte) ([]Version, error) {
	var raw []versionJSON
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("answer is not a JSON list of package versions: %w", err)
	}
	out := make([]Version, 0, len(raw))
	for _, r := range raw {
		if r.Metadata.PackageType != "" && r.Metadata.PackageType != "container" {
			return nil, fmt.Errorf("version %d has package_type %q, not container", r.ID, r.Metadata.PackageType)
		}
		if _, err := digest.Parse(r.Name); err != nil {
			return nil, fmt.Errorf("version %d: name %q is not a manifest digest: %v", r.ID, r.Name, err)
		}
		if r.ID <= 0 {
			return nil, fmt.Errorf("version %q has no id", r.Name)
		}
		v := Version{ID: r.ID, Digest: r.Name, Created: r.CreatedAt, Updated: r.UpdatedAt, Deleted: r.DeletedAt}
		if len(r.Metadata.Container.Tags) > 0 {
			v.Tags = append([]string(nil), r.Metadata.Container.Tags...)
		}
		out = append(out, v)
	}
	return out, nil
}

// nextLink returns the absolute rel="next" URL of a response, or "". It must stay on the API
// host, so the token is never sent elsewhere.
func (c *Client) nextLink(current string, hdr http.Header) (string, error) {
	var next string
	for _, v := range hdr.Values("Link") {
		if n := parseLinkNext(v); n != "" {
			next = n
			break
		}
	}
	if next == "" {
		return "", nil
	}
	cur, err := url.Parse(current)
	if err != nil {
		return "", err
	}
	nu, err := cur.Parse(next)
	if err != nil {
		return "", fmt.Errorf("ghcr: GET %s: bad Link next %q: %v", current, next, err)
	}
	base, err := url.Parse(c.base())
	if err != nil {
		return "", fmt.Errorf("ghcr: bad BaseURL %q: %v", c.base(), err)
	}
	if nu.Scheme != base.Scheme || nu.Host != base.Host {
		return "", fmt.Errorf("ghcr: GET %s: Link next %q leaves the API host %s; refusing to send the token there", current, next, base.Host)
	}
	return nu.String(), nil
}

// parseLinkNext returns the target of rel="next" in one Link header value (RFC 8288):
// `<url>; rel="next", <url>; rel="last"`.
func parseLinkNext(h string) string {
	for h != "" {
		h = strings.TrimLeft(h, " \t,")
		if !strings.HasPrefix(h, "<") {
			return ""
		}
		end := strings.IndexByte(h, '>')
		if end < 0 {
			return ""
		}
		target := h[1:end]
		h = h[end+1:]
		// parameters up to the next link (a ',' outside quotes)
		inQuote := false
		cut := len(h)
	scan:
		for i := 0; i < len(h); i++ {
			switch h[i] {
			case '"':
				inQuote = !inQuote
			case ',':
				if !inQuote {
					cut = i
					break scan
				}
			}
		}
		var params string
		params, h = h[:cut], h[cut:]
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
				continue
			}
			for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
				if strings.EqualFold(rel, "next") {
					return target
				}
			}
		}
	}
	return ""
}

// do sends one request, waiting out rate limits, and returns the body of a 2xx answer.
func (c *Client) do(ctx context.Context, method, u string, op operation) ([]byte, http.Header, error) {
	maxRetries := c.MaxRetries
	if maxRetries == 0 {
		maxRetries = defaultMaxRetries
	}
	maxWait := c.MaxWait
	if maxWait == 0 {
		maxWait = defaultMaxWait
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("ghcr: %s %s: %v", method, u, err)
		}
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("X-GitHub-Api-Version", APIVersion)
		req.Header.Set("User-Agent", "hoist-prune")
		if c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.Token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, nil, fmt.Errorf("ghcr: %s %s: %w", method, u, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		resp.Body.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("ghcr: %s %s: reading the answer: %w", method, u, err)
		}
		if len(body) > maxBody {
			return nil, nil, fmt.Errorf("ghcr: %s %s: answer larger than %d bytes", method, u, maxBody)
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return body, resp.Header, nil
		}
		e := &APIError{Method: method, URL: u, StatusCode: resp.StatusCode,
			TokenScopes: resp.Header.Get("X-OAuth-Scopes"), AcceptedScopes: resp.Header.Get("X-Accepted-OAuth-Scopes")}
		var ej struct {
			Message          string `json:"message"`
			DocumentationURL string `json:"documentation_url"`
		}
		if json.Unmarshal(body, &ej) == nil {
			e.Message, e.DocumentationURL = ej.Message, ej.DocumentationURL
		} else {
			e.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
		}
		if wait, limited := c.rateLimitWait(resp, e, attempt); limited {
			e.RateLimited = true
			if attempt < maxRetries && maxRetries > 0 && wait <= maxWait {
				if err := c.wait(ctx, wait); err != nil {
					return nil, nil, fmt.Errorf("ghcr: %s %s: waiting %s for the rate limit: %w", method, u, wait, err)
				}
				continue
			}
			when := "later"
			if !e.Reset.IsZero() {
				when = "after " + e.Reset.UTC().Format(time.RFC3339)
			} else if wait > 0 {
				when = "in " + wait.String()
			}
			e.Hint = fmt.Sprintf("GitHub's API rate limit was hit (gave up after %d retries, max wait %s); retry %s", attempt, maxWait, when)
			return nil, nil, e
		}
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			e.Hint = "the token was rejected (missing, expired or revoked); set a valid token: GITHUB_TOKEN in GitHub Actions, or a personal access token (classic) with " + op.scopes
		case http.StatusForbidden:
			e.Hint = fmt.Sprintf("the token may not %s: a personal access token (classic) needs %s; in GitHub Actions give GITHUB_TOKEN `permissions: packages: write` and the repository the Admin role on the package (package settings > Manage Actions access)", op.what, op.scopes)
		}
		return nil, nil, e
	}
}

// rateLimitWait decides whether an answer is a rate limit and how long to wait, following
// GitHub's documentation: retry-after seconds if present; else, with x-ratelimit-remaining: 0,
// until x-ratelimit-reset (UTC epoch seconds); else at least a minute, doubling per retry.
func (c *Client) rateLimitWait(resp *http.Response, e *APIError, attempt int) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	retryAfter := resp.Header.Get("Retry-After")
	remaining := resp.Header.Get("X-RateLimit-Remaining")
	secondary := strings.Contains(strings.ToLower(e.Message), "rate limit")
	if resp.StatusCode == http.StatusForbidden && retryAfter == "" && remaining != "0" && !secondary {
		return 0, false // a permission problem
	}
	if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil && remaining == "0" {
		e.Reset = time.Unix(reset, 0)
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if !e.Reset.IsZero() {
		d := e.Reset.Sub(c.clock()) + time.Second
		return max(d, time.Second), true
	}
	return time.Minute << min(attempt, 10), true
}

func (c *Client) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if c.sleep != nil {
		return c.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

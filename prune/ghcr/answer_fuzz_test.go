package ghcr

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

// answerTransport answers every request with the same fuzzed response and
// records where the requests went.
type answerTransport struct {
	status  int
	header  http.Header
	body    []byte
	reqs    []*http.Request
	maxReqs int
}

func (a *answerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	a.reqs = append(a.reqs, req)
	if len(a.reqs) > a.maxReqs {
		return nil, io.ErrUnexpectedEOF // bounds a run; the property check reports it
	}
	return &http.Response{
		StatusCode: a.status,
		Header:     a.header.Clone(),
		Body:       io.NopCloser(bytes.NewReader(a.body)),
		Request:    req,
	}, nil
}

// FuzzAPIAnswer feeds the GitHub Packages API client hostile answers
// (status, body, Link, Location and rate-limit headers) for a listing and a
// deletion. It must never panic, never send the token to another host
// (Link and redirects are attacker-controlled), stop after a bounded number
// of requests, and return only well-formed versions.
func FuzzAPIAnswer(f *testing.F) {
	page := `[{"id":7,"name":"sha256:` + strings.Repeat("a", 64) + `","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z",` +
		`"metadata":{"package_type":"container","container":{"tags":["v1","latest"]}}}]`
	f.Add(uint16(200), []byte(page), `<https://api.example/orgs/acme/packages/container/web/versions?page=2>; rel="next"`, "", "", "", "", false)
	f.Add(uint16(200), []byte(page), `<https://evil.example/steal>; rel="next"`, "", "", "", "", false)
	f.Add(uint16(200), []byte(`[{"id":0,"name":"x"}]`), "", "", "", "", "", false)
	f.Add(uint16(200), []byte(`[{"id":1,"name":"sha256:zz","metadata":{"package_type":"npm"}}]`), "", "", "", "", "", false)
	f.Add(uint16(404), []byte(`{"message":"Package not found.","documentation_url":"https://docs.github.com"}`), "", "", "", "", "", false)
	f.Add(uint16(403), []byte(`{"message":"You have exceeded a secondary rate limit"}`), "", "60", "", "", "", false)
	f.Add(uint16(429), []byte(`{}`), "", "", "0", "1798000000", "", true)
	f.Add(uint16(403), []byte(`not json`), "", "", "0", "-1", "", true)
	f.Add(uint16(302), []byte{}, "", "", "", "", "https://evil.example/x", false)
	f.Add(uint16(307), []byte{}, "", "", "", "", "/orgs/acme/packages/container/web/versions", true)
	f.Add(uint16(400), []byte(`{"message":"Publicly visible package versions with more than 5000 downloads cannot be deleted."}`), "", "", "", "", "", true)

	f.Fuzz(func(t *testing.T, status uint16, body []byte, link, retryAfter, remaining, reset, location string, del bool) {
		st := int(status)%500 + 100
		h := http.Header{}
		for k, v := range map[string]string{"Link": link, "Retry-After": retryAfter, "X-RateLimit-Remaining": remaining,
			"X-RateLimit-Reset": reset, "Location": location, "Content-Type": "application/json"} {
			if v != "" {
				h.Set(k, v)
			}
		}
		at := &answerTransport{status: st, header: h, body: body, maxReqs: 64}
		c := &Client{BaseURL: "https://api.example", Token: "SECRET-TOKEN", HTTP: &http.Client{Transport: at}}
		c.sleep = func(ctx context.Context, d time.Duration) error {
			if d < 0 {
				t.Errorf("negative wait %s", d)
			}
			return nil
		}
		c.now = func() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }
		ctx := context.Background()
		var vs []Version
		var err error
		if del {
			err = c.Delete(ctx, "acme", "web", 7)
		} else {
			vs, err = c.Versions(ctx, "acme", "web")
		}
		if len(at.reqs) > at.maxReqs {
			t.Fatalf("%d requests for one call: the client does not stop", len(at.reqs))
		}
		for _, r := range at.reqs {
			if r.Header.Get("Authorization") != "" && (r.URL.Scheme != "https" || r.URL.Host != "api.example") {
				t.Fatalf("token sent to %s", r.URL)
			}
		}
		if err != nil {
			if vs != nil {
				t.Fatalf("versions with error %v", err)
			}
			if strings.Contains(err.Error(), "SECRET-TOKEN") {
				t.Fatalf("error shows the token: %v", err)
			}
			return
		}
		for _, v := range vs {
			if v.ID <= 0 {
				t.Fatalf("version without id: %+v", v)
			}
			if _, err := digest.Parse(v.Digest); err != nil {
				t.Fatalf("version %d digest %q: %v", v.ID, v.Digest, err)
			}
		}
	})
}

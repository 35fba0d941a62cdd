package imagetest

import (
	"net/http"
	"strings"
	"sync"
)

// Request is one registry request a Recorder saw.
type Request struct{ Method, Path, Query string }

// Kind classifies a registry API path: ping, manifest, upload, blob or
// other.
func (r Request) Kind() string {
	switch {
	case r.Path == "/v2/" || r.Path == "/v2":
		return "ping"
	case strings.Contains(r.Path, "/manifests/"):
		return "manifest"
	case strings.Contains(r.Path, "/blobs/uploads"):
		return "upload"
	case strings.Contains(r.Path, "/blobs/"):
		return "blob"
	}
	return "other"
}

// Recorder records registry requests, in front of a handler (Next, as a
// server) or of a transport (Inner, as a client's RoundTripper), so tests
// can count what an operation asked of a registry.
type Recorder struct {
	Next  http.Handler
	Inner http.RoundTripper

	mu   sync.Mutex
	reqs []Request
}

func (rec *Recorder) add(r *http.Request) {
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, Request{r.Method, r.URL.Path, r.URL.RawQuery})
	rec.mu.Unlock()
}

// ServeHTTP records and passes the request to Next.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.add(r)
	rec.Next.ServeHTTP(w, r)
}

// RoundTrip records and sends the request through Inner.
func (rec *Recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	rec.add(r)
	return rec.Inner.RoundTrip(r)
}

// Reset forgets the requests seen so far.
func (rec *Recorder) Reset() {
	rec.mu.Lock()
	rec.reqs = nil
	rec.mu.Unlock()
}

// Count counts requests by method and kind ("" = any); pings are left out
// unless kind is "ping".
func (rec *Recorder) Count(method, kind string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, r := range rec.reqs {
		if r.Kind() == "ping" && kind != "ping" {
			continue
		}
		if (method == "" || r.Method == method) && (kind == "" || r.Kind() == kind) {
			n++
		}
	}
	return n
}

// Requests are the requests seen, in order.
func (rec *Recorder) Requests() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.reqs...)
}

// Package faultproxy is an HTTP reverse proxy for tests, placed between a
// registry client and a real registry, that injects the failures registries
// and the networks in front of them produce: 5xx answers, 429 with
// Retry-After, connection resets, stalls, truncated bodies and bodies whose
// bytes no longer match their digest. Rules choose the requests (method,
// path pattern, which occurrences, a seeded probability); the proxy records
// every request and what it did to it, so tests can assert on both the
// outcome and the faults that led to it.
package faultproxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Kind is a kind of fault.
type Kind string

const (
	// Status answers with Fault.Status (500, 502, 503 ...) without asking
	// the registry.
	Status Kind = "status"
	// RateLimit answers 429 Too Many Requests with Fault.RetryAfter.
	RateLimit Kind = "rate-limit"
	// Reset closes the connection with a TCP reset instead of answering;
	// with Fault.AfterUpstream the registry handles the request first (its
	// effect happens, the answer is lost).
	Reset Kind = "reset"
	// Stall holds the request for Fault.Stall (bounded by Options.MaxStall)
	// or until the client gives up, then forwards it if the client is still
	// there. (A client that gives up on a request whose body the proxy has
	// not read is not noticed: that request reaches the registry late, as
	// over a slow network.)
	Stall Kind = "stall"
	// Truncate forwards the request and sends the registry's headers
	// (Content-Length kept) but only part of the body, then closes the
	// connection. Only responses with a body are truncated.
	Truncate Kind = "truncate"
	// Corrupt changes one byte of a content-addressed body in flight, so it
	// no longer matches its digest: a blob or manifest downloaded (GET), or
	// a blob uploaded (PATCH/PUT to /blobs/uploads/). In a manifest a hex
	// digit of its first digest is changed (the JSON stays valid); in a
	// blob the middle byte is inverted. Other requests pass unchanged.
	Corrupt Kind = "corrupt"
)

// Fault is what happens to a request a rule chose.
type Fault struct {
	Kind Kind
	// Status is the answer of a Status fault (default 503).
	Status int
	// RetryAfter is the Retry-After header of a RateLimit fault: seconds
	// ("1") or an HTTP-date (RetryAfterDate). "" sends "1"; "-" sends none.
	RetryAfter string
	// Stall is how long a Stall fault holds the request (default
	// Options.MaxStall).
	Stall time.Duration
	// AfterUpstream makes a Reset happen after the registry has handled
	// the request.
	AfterUpstream bool
	// Keep is how many body bytes a Truncate fault sends (default half).
	Keep int
}

// Rule chooses requests and the fault they get. A request is matched
// against the rules in order; the first rule whose Method and Path match
// counts it, whether or not it then injects its fault.
type Rule struct {
	// Name labels the rule in events (default "rule N").
	Name string
	// Method matches the request method ("" any).
	Method string
	// Path is a regular expression matched against the URL path ("" any),
	// e.g. "/manifests/", "/blobs/uploads/", "/tags/list$".
	Path string
	// Skip lets the first Skip matching requests through. The nth
	// matching request alone is Skip: n-1, Times: 1.
	Skip int
	// Times is how many matching requests (after Skip) get the fault; 0 is
	// every one (a permanent fault).
	Times int
	// Probability, when in (0, 1), injects the fault into a matching
	// request with this probability (drawn from Options.Seed); others are
	// let through and do not count against Times.
	Probability float64
	Fault       Fault

	re      *regexp.Regexp
	matched int
	fired   int
}

// Options configure a Proxy.
type Options struct {
	// Seed seeds the probabilities (default 1): a run with the same
	// requests in the same order injects the same faults.
	Seed int64
	// MaxStall bounds every stall (default 10s).
	MaxStall time.Duration
}

// Event is one request the proxy saw and what it did.
type Event struct {
	// Seq numbers requests from 1 in arrival order.
	Seq    int
	Method string
	Path   string
	// Rule is the name of the rule whose fault was injected, "" if none.
	Rule string
	// Fault is the kind of fault injected, "" if the request passed.
	Fault Kind
	// Upstream is the registry's status code, 0 when the request did not
	// reach it.
	Upstream int
	// Detail says what exactly was done ("sent 512 of 1024 bytes").
	Detail string
}

func (e Event) String() string {
	s := fmt.Sprintf("#%d %s %s", e.Seq, e.Method, e.Path)
	if e.Fault != "" {
		s += fmt.Sprintf(" [%s: %s", e.Rule, e.Fault)
		if e.Detail != "" {
			s += ", " + e.Detail
		}
		s += "]"
	}
	if e.Upstream != 0 {
		s += fmt.Sprintf(" -> %d", e.Upstream)
	}
	return s
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	target string
	opts   Options
	srv    *httptest.Server
	up     *http.Transport

	mu     sync.Mutex
	rules  []*Rule
	rnd    *rand.Rand
	events []Event
}

// New starts a proxy in front of the registry at target (host:port, plain
// HTTP) with the given rules.
func New(target string, opts Options, rules ...Rule) (*Proxy, error) {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.MaxStall <= 0 {
		opts.MaxStall = 10 * time.Second
	}
	p := &Proxy{
		target: strings.TrimPrefix(strings.TrimPrefix(target, "http://"), "https://"),
		opts:   opts,
		up: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			DisableCompression:  true,
			MaxIdleConnsPerHost: 16,
		},
	}
	if err := p.SetRules(rules...); err != nil {
		return nil, err
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	return p, nil
}

// Host is the proxy's host:port: use it where the registry's would be.
func (p *Proxy) Host() string { return strings.TrimPrefix(p.srv.URL, "http://") }

// Close stops the proxy.
func (p *Proxy) Close() {
	p.srv.CloseClientConnections()
	p.srv.Close()
	p.up.CloseIdleConnections()
}

// SetRules replaces the rules (and restarts their counts and the random
// sequence); the events recorded so far are kept.
func (p *Proxy) SetRules(rules ...Rule) error {
	rs := make([]*Rule, len(rules))
	for i := range rules {
		r := rules[i]
		if r.Name == "" {
			r.Name = fmt.Sprintf("rule %d", i+1)
		}
		if r.Path != "" {
			re, err := regexp.Compile(r.Path)
			if err != nil {
				return fmt.Errorf("faultproxy: rule %s: path pattern: %w", r.Name, err)
			}
			r.re = re
		}
		switch r.Fault.Kind {
		case Status, RateLimit, Reset, Stall, Truncate, Corrupt:
		default:
			return fmt.Errorf("faultproxy: rule %s: unknown fault kind %q", r.Name, r.Fault.Kind)
		}
		if r.Probability < 0 || r.Probability > 1 {
			return fmt.Errorf("faultproxy: rule %s: probability %v is not in [0, 1]", r.Name, r.Probability)
		}
		r.matched, r.fired = 0, 0
		rs[i] = &r
	}
	p.mu.Lock()
	p.rules = rs
	p.rnd = rand.New(rand.NewSource(p.opts.Seed))
	p.mu.Unlock()
	return nil
}

// Events returns every request seen so far, in arrival order.
func (p *Proxy) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

// Faults returns the requests that got a fault.
func (p *Proxy) Faults() []Event {
	var out []Event
	for _, e := range p.Events() {
		if e.Fault != "" {
			out = append(out, e)
		}
	}
	return out
}

// ClearEvents forgets the events recorded so far.
func (p *Proxy) ClearEvents() {
	p.mu.Lock()
	p.events = nil
	p.mu.Unlock()
}

// RetryAfterDate formats t as an HTTP-date for Fault.RetryAfter.
func RetryAfterDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// choose counts r against the rules and returns the fault to inject (nil
// for none) and the event index.
func (p *Proxy) choose(r *http.Request) (*Rule, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev := Event{Seq: len(p.events) + 1, Method: r.Method, Path: r.URL.Path}
	var chosen *Rule
	for _, rule := range p.rules {
		if rule.Method != "" && !strings.EqualFold(rule.Method, r.Method) {
			continue
		}
		if rule.re != nil && !rule.re.MatchString(r.URL.Path) {
			continue
		}
		rule.matched++
		if rule.matched <= rule.Skip || (rule.Times > 0 && rule.fired >= rule.Times) {
			break
		}
		if rule.Probability > 0 && rule.Probability < 1 && p.rnd.Float64() >= rule.Probability {
			break
		}
		rule.fired++
		chosen = rule
		ev.Rule, ev.Fault = rule.Name, rule.Fault.Kind
		break
	}
	p.events = append(p.events, ev)
	return chosen, len(p.events) - 1
}

func (p *Proxy) note(i, upstream int, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if upstream != 0 {
		p.events[i].Upstream = upstream
	}
	if format != "" {
		p.events[i].Detail = fmt.Sprintf(format, args...)
	}
}

// unfault marks an event whose fault did not apply to the request.
func (p *Proxy) unfault(i int, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events[i].Detail = "not applied: " + why
	p.events[i].Fault = ""
	p.events[i].Rule = ""
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	rule, ev := p.choose(r)
	if rule == nil {
		p.forward(w, r, ev, nil)
		return
	}
	f := rule.Fault
	switch f.Kind {
	case Status:
		code := f.Status
		if code == 0 {
			code = http.StatusServiceUnavailable
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(code)
		fmt.Fprintf(w, "%d %s (injected by faultproxy)\n", code, http.StatusText(code))
		p.note(ev, 0, "answered %d", code)
	case RateLimit:
		_, _ = io.Copy(io.Discard, r.Body)
		ra := f.RetryAfter
		if ra == "" {
			ra = "1"
		}
		if ra != "-" {
			w.Header().Set("Retry-After", ra)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"errors":[{"code":"TOOMANYREQUESTS","message":"injected by faultproxy"}]}`))
		p.note(ev, 0, "answered 429, Retry-After %q", ra)
	case Reset:
		if f.AfterUpstream {
			resp, err := p.roundTrip(r, nil)
			if err != nil {
				p.note(ev, 0, "upstream: %v", err)
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				p.note(ev, resp.StatusCode, "reset after the registry answered")
			}
		} else {
			_, _ = io.Copy(io.Discard, r.Body)
			p.note(ev, 0, "reset before the registry saw it")
		}
		resetConn(w)
	case Stall:
		d := f.Stall
		if d <= 0 || d > p.opts.MaxStall {
			d = p.opts.MaxStall
		}
		start := time.Now()
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			p.note(ev, 0, "client gave up after %s", time.Since(start).Round(time.Millisecond))
			return
		}
		p.note(ev, 0, "held %s", d)
		p.forward(w, r, ev, nil)
	case Truncate, Corrupt:
		p.forward(w, r, ev, &f)
	}
}

// resetConn closes the client connection with a TCP RST.
func resetConn(w http.ResponseWriter) { closeConn(w, true) }

// closeConn takes the connection from the server and closes it, with a
// TCP RST when reset is set, else with a FIN after the data already
// written (the client reads a short body, then EOF).
func closeConn(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// roundTrip sends r to the registry, with body instead of r.Body when
// body is not nil. The Host header stays the proxy's, so the registry's
// absolute URLs (upload locations) point back at the proxy.
func (p *Proxy) roundTrip(r *http.Request, body []byte) (*http.Response, error) {
	u := "http://" + p.target + r.URL.RequestURI()
	var rb io.Reader = r.Body
	if body != nil {
		rb = bytes.NewReader(body)
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u, rb)
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	out.Host = r.Host
	out.ContentLength = r.ContentLength
	if body != nil {
		out.ContentLength = int64(len(body))
	}
	if out.ContentLength == 0 {
		out.Body = http.NoBody
	}
	return p.up.RoundTrip(out)
}

func (p *Proxy) copyHeader(w http.ResponseWriter, resp *http.Response) {
	for k, vs := range resp.Header {
		for _, v := range vs {
			if k == "Location" {
				v = strings.Replace(v, "//"+p.target, "//"+p.Host(), 1)
			}
			w.Header().Add(k, v)
		}
	}
	for _, h := range hopHeaders {
		w.Header().Del(h)
	}
}

// uploadBody reports whether r carries blob bytes to the registry.
func uploadBody(r *http.Request) bool {
	return (r.Method == http.MethodPatch || r.Method == http.MethodPut) && strings.Contains(r.URL.Path, "/blobs/uploads/") && r.ContentLength != 0
}

// contentAddressed reports whether the answer to r is a manifest or blob.
func contentAddressed(r *http.Request) bool {
	return r.Method == http.MethodGet && (strings.Contains(r.URL.Path, "/manifests/") || (strings.Contains(r.URL.Path, "/blobs/") && !strings.Contains(r.URL.Path, "/blobs/uploads")))
}

// forward proxies r, applying a Truncate or Corrupt fault when f is set.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, ev int, f *Fault) {
	var reqBody []byte
	if f != nil && f.Kind == Corrupt {
		switch {
		case uploadBody(r):
			b, err := io.ReadAll(r.Body)
			if err != nil {
				p.note(ev, 0, "reading the request body: %v", err)
				panic(http.ErrAbortHandler)
			}
			if len(b) == 0 {
				p.unfault(ev, "empty upload")
				f = nil
				break
			}
			reqBody = corrupt(b, false)
			p.note(ev, 0, "changed byte of the %d-byte upload", len(b))
			f = nil // the answer passes unchanged
		case contentAddressed(r):
		default:
			p.unfault(ev, "not a manifest or blob transfer")
			f = nil
		}
	}
	if f != nil && f.Kind == Truncate && r.Method == http.MethodHead {
		p.unfault(ev, "HEAD has no body")
		f = nil
	}
	resp, err := p.roundTrip(r, reqBody)
	if err != nil {
		if errors.Is(err, r.Context().Err()) || r.Context().Err() != nil {
			return
		}
		p.note(ev, 0, "upstream: %v", err)
		http.Error(w, "faultproxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	p.note(ev, resp.StatusCode, "")
	if f == nil || resp.StatusCode/100 != 2 {
		if f != nil {
			p.unfault(ev, fmt.Sprintf("the registry answered %d", resp.StatusCode))
		}
		p.copyHeader(w, resp)
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		return
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		p.note(ev, 0, "reading the registry's answer: %v", err)
		panic(http.ErrAbortHandler)
	}
	if len(body) == 0 {
		p.unfault(ev, "empty body")
		p.copyHeader(w, resp)
		w.WriteHeader(resp.StatusCode)
		return
	}
	p.copyHeader(w, resp)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	switch f.Kind {
	case Corrupt:
		manifest := strings.Contains(r.URL.Path, "/manifests/")
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(corrupt(body, manifest))
		p.note(ev, 0, "changed one byte of the %d-byte body", len(body))
	case Truncate:
		keep := f.Keep
		if keep <= 0 || keep >= len(body) {
			keep = len(body) / 2
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body[:keep])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		p.note(ev, 0, "sent %d of %d bytes", keep, len(body))
		closeConn(w, false)
	}
}

var digestRE = regexp.MustCompile(`sha256:[a-f0-9]{64}`)

// corrupt returns a copy of b with one byte changed: in a manifest a hex
// digit of its first digest (the JSON stays valid and well-formed, only
// the content is wrong), elsewhere the middle byte inverted.
func corrupt(b []byte, manifest bool) []byte {
	out := bytes.Clone(b)
	if manifest {
		if loc := digestRE.FindIndex(out); loc != nil {
			i := loc[0] + len("sha256:") + 10
			if out[i] == '0' {
				out[i] = '1'
			} else {
				out[i] = '0'
			}
			return out
		}
	}
	out[len(out)/2] ^= 0xff
	return out
}

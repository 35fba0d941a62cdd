package faultproxy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// upstream is an in-process registry holding one image at app:1; it
// returns the registry's host and the image's manifest and first layer
// digests.
func upstream(t *testing.T) (host, manifest, layer string) {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host = strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(4096, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host+"/app:1", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	ls, _ := img.Layers()
	ld, _ := ls[0].Digest()
	return host, d.String(), ld.String()
}

func newProxy(t *testing.T, target string, rules ...Rule) *Proxy {
	t.Helper()
	p, err := New(target, Options{MaxStall: 2 * time.Second}, rules...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// client sends each request on a new connection, so a fault on one
// cannot affect the next.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}

func get(t *testing.T, p *Proxy, path string) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := client.Get("http://" + p.Host() + path)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

func TestPassThrough(t *testing.T) {
	host, manifest, layer := upstream(t)
	p := newProxy(t, host)
	resp, b, err := get(t, p, "/v2/app/manifests/1")
	if err != nil || resp.StatusCode != 200 || sum(b) != manifest {
		t.Fatalf("manifest through the proxy: %v %v %s", err, resp, sum(b))
	}
	resp, b, err = get(t, p, "/v2/app/blobs/"+layer)
	if err != nil || resp.StatusCode != 200 || sum(b) != layer {
		t.Fatalf("blob through the proxy: %v %v", err, resp)
	}
	// A client pushes through it: upload locations point back at the proxy.
	img, _ := random.Image(1000, 2)
	ref, _ := name.ParseReference(p.Host()+"/pushed:1", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push through the proxy: %v", err)
	}
	evs := p.Events()
	if len(evs) < 5 || len(p.Faults()) != 0 {
		t.Fatalf("events: %v", evs)
	}
	for i, e := range evs {
		if e.Seq != i+1 || e.Upstream == 0 {
			t.Errorf("event %d: %v", i, e)
		}
	}
}

func TestStatusSkipTimes(t *testing.T) {
	host, manifest, _ := upstream(t)
	// The 2nd and 3rd GET of a manifest get a 502; blobs are not matched.
	p := newProxy(t, host, Rule{Method: "GET", Path: "/manifests/", Skip: 1, Times: 2, Fault: Fault{Kind: Status, Status: 502}})
	var codes []int
	for range 5 {
		resp, b, err := get(t, p, "/v2/app/manifests/1")
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 200 && sum(b) != manifest {
			t.Errorf("manifest changed")
		}
	}
	if fmt.Sprint(codes) != "[200 502 502 200 200]" {
		t.Errorf("codes %v", codes)
	}
	// HEAD does not match the rule's method.
	resp, err := client.Head("http://" + p.Host() + "/v2/app/manifests/1")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("HEAD: %v %v", err, resp)
	}
	f := p.Faults()
	if len(f) != 2 || f[0].Seq != 2 || f[1].Seq != 3 || f[0].Fault != Status || f[0].Upstream != 0 || f[0].Rule != "rule 1" {
		t.Errorf("faults: %v", f)
	}
}

func TestPermanentAndSetRules(t *testing.T) {
	host, _, _ := upstream(t)
	p := newProxy(t, host, Rule{Name: "down", Fault: Fault{Kind: Status, Status: 500}})
	for range 3 {
		resp, _, err := get(t, p, "/v2/")
		if err != nil || resp.StatusCode != 500 {
			t.Fatalf("permanent 500: %v %v", err, resp)
		}
	}
	if err := p.SetRules(); err != nil {
		t.Fatal(err)
	}
	if resp, _, err := get(t, p, "/v2/"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after SetRules(): %v %v", err, resp)
	}
	if n := len(p.Faults()); n != 3 {
		t.Errorf("%d faults recorded, want 3", n)
	}
	p.ClearEvents()
	if len(p.Events()) != 0 {
		t.Error("ClearEvents kept events")
	}
}

func TestRateLimit(t *testing.T) {
	host, _, _ := upstream(t)
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	p := newProxy(t, host,
		Rule{Path: "/tags/list$", Times: 1, Fault: Fault{Kind: RateLimit, RetryAfter: "3"}},
		Rule{Path: "/manifests/", Times: 1, Fault: Fault{Kind: RateLimit, RetryAfter: RetryAfterDate(at)}},
		Rule{Path: "/blobs/", Times: 1, Fault: Fault{Kind: RateLimit, RetryAfter: "-"}},
	)
	resp, b, _ := get(t, p, "/v2/app/tags/list")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" || !strings.Contains(string(b), "TOOMANYREQUESTS") {
		t.Errorf("429 with seconds: %v %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	resp, _, _ = get(t, p, "/v2/app/manifests/1")
	if got, err := http.ParseTime(resp.Header.Get("Retry-After")); resp.StatusCode != 429 || err != nil || !got.Equal(at) {
		t.Errorf("429 with a date: %v %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	resp, _, _ = get(t, p, "/v2/app/blobs/sha256:"+strings.Repeat("0", 64))
	if resp.StatusCode != 429 || resp.Header.Values("Retry-After") != nil {
		t.Errorf("429 without Retry-After: %v %v", resp.StatusCode, resp.Header)
	}
	// Times: 1 each, so the next ones pass.
	if resp, _, _ := get(t, p, "/v2/app/tags/list"); resp.StatusCode != 200 {
		t.Errorf("second tags/list: %d", resp.StatusCode)
	}
}

func TestReset(t *testing.T) {
	host, _, _ := upstream(t)
	p := newProxy(t, host,
		Rule{Method: "GET", Path: "/tags/list$", Fault: Fault{Kind: Reset}},
		Rule{Method: "PUT", Path: "/manifests/", Fault: Fault{Kind: Reset, AfterUpstream: true}},
	)
	_, _, err := get(t, p, "/v2/app/tags/list")
	if err == nil || !(errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)) {
		t.Fatalf("reset: %v", err)
	}
	// After the registry: the tag is written, the client sees a reset.
	_, raw, err := get(t, p, "/v2/app/manifests/1")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", "http://"+p.Host()+"/v2/app/manifests/2", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
	if _, err := client.Do(req); err == nil {
		t.Fatal("PUT through a reset succeeded")
	}
	resp, err := http.Get("http://" + host + "/v2/app/manifests/2")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the registry did not get the PUT: %v %v", err, resp)
	}
	resp.Body.Close()
	f := p.Faults()
	if len(f) != 2 || f[0].Upstream != 0 || f[1].Upstream != 201 {
		t.Errorf("faults: %v", f)
	}
}

func TestStall(t *testing.T) {
	host, _, _ := upstream(t)
	p := newProxy(t, host, Rule{Path: "/tags/list$", Times: 1, Fault: Fault{Kind: Stall, Stall: time.Hour}})
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 200 * time.Millisecond}
	_, err := c.Get("http://" + p.Host() + "/v2/app/tags/list")
	if err == nil {
		t.Fatal("a stalled request was answered within the client's timeout")
	}
	// The next one passes.
	if resp, _, err := get(t, p, "/v2/app/tags/list"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the stall: %v %v", err, resp)
	}
	// A patient client gets the answer once the stall (bounded by
	// MaxStall, 2s here) is over.
	if err := p.SetRules(Rule{Path: "/tags/list$", Times: 1, Fault: Fault{Kind: Stall, Stall: 100 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	if resp, _, err := get(t, p, "/v2/app/tags/list"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after a short stall: %v %v", err, resp)
	}
	evs := p.Events()
	if e := evs[0]; e.Fault != Stall || e.Upstream != 0 || !strings.Contains(e.Detail, "client gave up") {
		t.Errorf("first stall: %v", e)
	}
	if e := evs[len(evs)-1]; e.Fault != Stall || e.Upstream != 200 || !strings.Contains(e.Detail, "held") {
		t.Errorf("short stall: %v", e)
	}
}

func TestTruncate(t *testing.T) {
	host, _, layer := upstream(t)
	p := newProxy(t, host,
		Rule{Method: "GET", Path: "/blobs/", Times: 1, Fault: Fault{Kind: Truncate}},
		Rule{Method: "HEAD", Fault: Fault{Kind: Truncate}},
	)
	resp, b, err := get(t, p, "/v2/app/blobs/"+layer)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated body: err %v", err)
	}
	if resp.ContentLength <= 0 || int64(len(b)) != resp.ContentLength/2 {
		t.Errorf("got %d bytes of a declared %d", len(b), resp.ContentLength)
	}
	// HEAD has no body: not truncated, and not counted as a fault.
	hr, err := client.Head("http://" + p.Host() + "/v2/app/blobs/" + layer)
	if err != nil || hr.StatusCode != 200 {
		t.Fatalf("HEAD: %v %v", err, hr)
	}
	f := p.Faults()
	if len(f) != 1 || !strings.Contains(f[0].Detail, "sent") {
		t.Errorf("faults: %v", f)
	}
}

func TestCorrupt(t *testing.T) {
	host, manifest, layer := upstream(t)
	p := newProxy(t, host, Rule{Fault: Fault{Kind: Corrupt}})
	resp, b, err := get(t, p, "/v2/app/blobs/"+layer)
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err, resp)
	}
	if int64(len(b)) != resp.ContentLength || sum(b) == layer {
		t.Errorf("blob: %d bytes (declared %d), digest %s (original %s)", len(b), resp.ContentLength, sum(b), layer)
	}
	_, m, err := get(t, p, "/v2/app/manifests/1")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(m, &v); err != nil {
		t.Errorf("a corrupted manifest is no longer JSON: %v", err)
	}
	if sum(m) == manifest {
		t.Error("the manifest was not changed")
	}
	// Tag lists have no digest: they pass unchanged.
	if resp, _, err := get(t, p, "/v2/app/tags/list"); err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	evs := p.Events()
	if evs[2].Fault != "" || !strings.Contains(evs[2].Detail, "not applied") {
		t.Errorf("tags/list: %v", evs[2])
	}
	// An upload damaged on the way: the registry refuses the commit.
	img, _ := random.Image(1000, 1)
	ref, _ := name.ParseReference(p.Host()+"/pushed:1", name.Insecure)
	if err := remote.Write(ref, img, remote.WithRetryBackoff(remote.Backoff{Steps: 1})); err == nil {
		t.Error("a damaged upload was accepted")
	}
}

func TestProbabilityIsSeeded(t *testing.T) {
	host, _, _ := upstream(t)
	run := func(seed int64) string {
		p, err := New(host, Options{Seed: seed}, Rule{Path: "^/v2/$", Probability: 0.5, Fault: Fault{Kind: Status, Status: 500}})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		var s strings.Builder
		for range 30 {
			resp, _, err := get(t, p, "/v2/")
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode == 500 {
				s.WriteByte('x')
			} else {
				s.WriteByte('.')
			}
		}
		return s.String()
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c || !strings.Contains(a, "x") || !strings.Contains(a, ".") {
		t.Errorf("seed 7 %s, seed 8 %s", a, c)
	}
}

func TestBadRules(t *testing.T) {
	for _, r := range []Rule{
		{Path: "(", Fault: Fault{Kind: Status}},
		{Fault: Fault{Kind: "explode"}},
		{Probability: 2, Fault: Fault{Kind: Status}},
	} {
		if _, err := New("127.0.0.1:1", Options{}, r); err == nil {
			t.Errorf("rule %+v accepted", r)
		}
	}
}

func TestInspect(t *testing.T) {
	host, manifest, layer := upstream(t)
	put := func(tag, mt, body string) {
		t.Helper()
		req, _ := http.NewRequest("PUT", "http://"+host+"/v2/app/manifests/"+tag, strings.NewReader(body))
		req.Header.Set("Content-Type", mt)
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("PUT %s: %v %v", tag, err, resp)
		}
	}
	_, raw, err := get(t, newProxy(t, host), "/v2/app/manifests/1")
	if err != nil {
		t.Fatal(err)
	}
	missing := "sha256:" + strings.Repeat("ab", 32)
	broken := strings.Replace(string(raw), layer, missing, 1)
	put("broken", "application/vnd.docker.distribution.manifest.v2+json", broken)
	// An index whose second child is deleted afterwards.
	child, _ := random.Image(100, 1)
	cd, _ := child.Digest()
	cref, _ := name.ParseReference(host+"/app@"+cd.String(), name.Insecure)
	if err := remote.Write(cref, child); err != nil {
		t.Fatal(err)
	}
	put("idx", "application/vnd.oci.image.index.v1+json", `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[`+
		`{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"`+manifest+`","size":1},`+
		`{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"`+cd.String()+`","size":1}]}`)
	if err := remote.Delete(cref); err != nil {
		t.Fatal(err)
	}
	st, probs, err := Inspect(context.Background(), host, "app")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Tags) != 3 || st.Tags["1"] != manifest || len(st.Digests()) != 3 {
		t.Errorf("tags %v", st.Tags)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := []string{"tag broken: layer blob missing: " + missing, "tag idx: child manifest missing (404): " + cd.String()}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	st, probs, err = Inspect(context.Background(), host, "nothing/here")
	if err != nil || len(st.Tags) != 0 || len(probs) != 0 {
		t.Errorf("absent repository: %v %v %v", st, probs, err)
	}
}

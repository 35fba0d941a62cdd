package registry

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/hoistci/hoist/internal/faultproxy"
)

// waits records the retry waits instead of sleeping them.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// faultRegistry is an in-process registry behind a fault proxy, and
// options that reach it through the proxy with recorded waits.
func faultRegistry(t *testing.T, rules ...faultproxy.Rule) (upstream string, p *faultproxy.Proxy, o Options, w *waits) {
	t.Helper()
	upstream, _ = newRegistry(t)
	p, err := faultproxy.New(upstream, faultproxy.Options{MaxStall: 3 * time.Second}, rules...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	w = &waits{}
	o = testOptions()
	o.Retry = RetryOptions{Attempts: 4, Backoff: 100 * time.Millisecond, MaxBackoff: 400 * time.Millisecond, MaxRetryAfter: 5 * time.Second, AttemptTimeout: 500 * time.Millisecond}
	o.sleep = w.sleep
	return upstream, p, o, w
}

func pushed(t *testing.T, o Options, ref string, size int64) v1.Image {
	t.Helper()
	img, err := random.Image(size, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.WriteImage(context.Background(), ref, img); err != nil {
		t.Fatal(err)
	}
	return img
}

func TestRetryTransientFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault faultproxy.Fault
	}{
		{"500", faultproxy.Fault{Kind: faultproxy.Status, Status: 500}},
		{"502", faultproxy.Fault{Kind: faultproxy.Status, Status: 502}},
		{"503", faultproxy.Fault{Kind: faultproxy.Status, Status: 503}},
		{"429", faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: "-"}},
		{"reset", faultproxy.Fault{Kind: faultproxy.Reset}},
		{"stall", faultproxy.Fault{Kind: faultproxy.Stall}},
		{"truncate", faultproxy.Fault{Kind: faultproxy.Truncate}},
		{"corrupt", faultproxy.Fault{Kind: faultproxy.Corrupt}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up, p, o, _ := faultRegistry(t)
			img := pushed(t, testOptions(), up+"/app:1", 2048)
			ctx := context.Background()
			// Two faults on every kind of read a pull makes.
			if err := p.SetRules(
				faultproxy.Rule{Name: "manifest", Method: "GET", Path: "/manifests/", Times: 2, Fault: tc.fault},
				faultproxy.Rule{Name: "blob", Method: "GET", Path: "/blobs/sha256:", Times: 2, Fault: tc.fault},
				faultproxy.Rule{Name: "tags", Method: "GET", Path: "/tags/list$", Times: 2, Fault: tc.fault},
			); err != nil {
				t.Fatal(err)
			}
			got, _, err := o.Image(ctx, p.Host()+"/app:1", v1.Platform{OS: "linux", Architecture: "amd64"})
			if err != nil {
				t.Fatalf("Image: %v\n%v", err, p.Events())
			}
			if digest(t, got) != digest(t, img) {
				t.Errorf("digest %s, want %s", digest(t, got), digest(t, img))
			}
			ls, _ := got.Layers()
			rc, err := ls[0].Compressed()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				t.Fatalf("reading the layer: %v\n%v", err, p.Events())
			}
			rc.Close()
			if _, err := got.RawConfigFile(); err != nil {
				t.Fatalf("config: %v", err)
			}
			tags, err := o.ListTags(ctx, p.Host()+"/app")
			if err != nil || len(tags) != 1 {
				t.Fatalf("ListTags: %v %v", tags, err)
			}
			// Each rule fired twice (config and layer share the blob rule);
			// a tag list has no digest to corrupt.
			want := 6
			if tc.fault.Kind == faultproxy.Corrupt {
				want = 4
			}
			if n := len(p.Faults()); n != want {
				t.Errorf("%d faults, want %d:\n%v", n, want, p.Faults())
			}
		})
	}
}

func TestRetryUploads(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule faultproxy.Rule
	}{
		{"open upload 503", faultproxy.Rule{Method: "POST", Path: "/blobs/uploads/$", Times: 2, Fault: faultproxy.Fault{Kind: faultproxy.Status, Status: 503}}},
		{"upload data 500", faultproxy.Rule{Method: "PATCH", Times: 2, Fault: faultproxy.Fault{Kind: faultproxy.Status, Status: 500}}},
		{"upload data reset", faultproxy.Rule{Method: "PATCH", Times: 2, Fault: faultproxy.Fault{Kind: faultproxy.Reset}}},
		{"upload damaged", faultproxy.Rule{Method: "PATCH", Times: 2, Fault: faultproxy.Fault{Kind: faultproxy.Corrupt}}},
		{"commit 502", faultproxy.Rule{Method: "PUT", Path: "/blobs/uploads/", Times: 2, Fault: faultproxy.Fault{Kind: faultproxy.Status, Status: 502}}},
		{"commit lost", faultproxy.Rule{Method: "PUT", Path: "/blobs/uploads/", Times: 2, Fault: faultproxy.Fault{Kind: faultproxy.Reset, AfterUpstream: true}}},
		{"manifest put 429", faultproxy.Rule{Method: "PUT", Path: "/manifests/", Times: 2, Fault: faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: "1"}}},
		{"manifest put stall", faultproxy.Rule{Method: "PUT", Path: "/manifests/", Times: 1, Fault: faultproxy.Fault{Kind: faultproxy.Stall}}},
		{"blob head reset", faultproxy.Rule{Method: "HEAD", Path: "/blobs/", Times: 2, Fault: faultproxy.Fault{Kind: faultproxy.Reset}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up, p, o, _ := faultRegistry(t, tc.rule)
			img, _ := random.Image(3000, 2)
			if err := o.WriteImage(context.Background(), p.Host()+"/app:1", img); err != nil {
				t.Fatalf("WriteImage: %v\n%v", err, p.Events())
			}
			if len(p.Faults()) == 0 {
				t.Fatalf("no fault injected:\n%v", p.Events())
			}
			d, err := testOptions().Head(context.Background(), up+"/app:1")
			if err != nil || d.Digest != digest(t, img) {
				t.Fatalf("the registry has %v (%v), want %s", d, err, digest(t, img))
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	_, p, o, w := faultRegistry(t)
	date := faultproxy.RetryAfterDate(time.Now().Add(3 * time.Second))
	// One 429 per listing: seconds, an HTTP-date, and more than the cap.
	ctx := context.Background()
	var got []time.Duration
	for i, ra := range []string{"2", date, "3600"} {
		if err := p.SetRules(faultproxy.Rule{Path: "/tags/list$", Times: 1, Fault: faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: ra}}); err != nil {
			t.Fatal(err)
		}
		before := len(w.all())
		if _, err := o.ListTags(ctx, p.Host()+"/app"); err != nil {
			t.Fatalf("list %d: %v", i, err)
		}
		ws := w.all()[before:]
		if len(ws) != 1 {
			t.Fatalf("list %d: waits %v", i, ws)
		}
		got = append(got, ws[0])
	}
	if got[0] != 2*time.Second {
		t.Errorf("Retry-After: 2 -> waited %v", got[0])
	}
	if got[1] < 1*time.Second || got[1] > 3*time.Second {
		t.Errorf("Retry-After: %s (3s from now) -> waited %v", date, got[1])
	}
	if got[2] != o.Retry.MaxRetryAfter {
		t.Errorf("Retry-After: 3600 -> waited %v, want the cap %v", got[2], o.Retry.MaxRetryAfter)
	}
}

func TestRetryBackoffJitter(t *testing.T) {
	ro := RetryOptions{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second}.withDefaults()
	seen := map[time.Duration]bool{}
	for n := 1; n <= 6; n++ {
		full := min(100*time.Millisecond<<(n-1), time.Second)
		for range 50 {
			d := ro.wait(n)
			if d < full/2 || d > full {
				t.Fatalf("wait(%d) = %v, want within [%v, %v]", n, d, full/2, full)
			}
			seen[d] = true
		}
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct waits in 300: no jitter?", len(seen))
	}

	// Through a registry: the waits before each retry grow.
	_, p, o, w := faultRegistry(t, faultproxy.Rule{Path: "/tags/list$", Times: 3, Fault: faultproxy.Fault{Kind: faultproxy.Status, Status: 503}})
	if _, err := o.ListTags(context.Background(), p.Host()+"/app"); err != nil {
		t.Fatal(err)
	}
	ws := w.all()
	if len(ws) != 3 || ws[0] > 100*time.Millisecond || ws[1] < 100*time.Millisecond || ws[2] < 200*time.Millisecond {
		t.Errorf("waits %v, want about 100ms, 200ms, 400ms (jittered down to half)", ws)
	}
}

func TestRetryGivesUp(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		fault faultproxy.Fault
		kind  Kind
		text  string
	}{
		{"503", faultproxy.Fault{Kind: faultproxy.Status, Status: 503}, KindServer, "also after retries"},
		{"429", faultproxy.Fault{Kind: faultproxy.RateLimit}, KindRateLimited, "rate-limited"},
		{"reset", faultproxy.Fault{Kind: faultproxy.Reset}, KindUnreachable, "cannot reach"},
		{"stall", faultproxy.Fault{Kind: faultproxy.Stall}, KindUnreachable, "did not answer in time"},
		{"truncate", faultproxy.Fault{Kind: faultproxy.Truncate}, KindCorrupt, "cut short"},
		{"corrupt", faultproxy.Fault{Kind: faultproxy.Corrupt}, KindCorrupt, "does not match its digest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up, p, o, _ := faultRegistry(t)
			pushed(t, testOptions(), up+"/app:1", 100)
			if err := p.SetRules(faultproxy.Rule{Method: "GET", Path: "/manifests/", Fault: tc.fault}); err != nil {
				t.Fatal(err)
			}
			_, _, err := o.Image(ctx, p.Host()+"/app:1", v1.Platform{})
			if err == nil {
				t.Fatal("a permanent fault did not fail")
			}
			if KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.text) || !strings.Contains(err.Error(), "gave up after 4 attempts") {
				t.Errorf("error %q (kind %v), want kind %v mentioning %q and the attempts", err, KindOf(err), tc.kind, tc.text)
			}
			t.Logf("%s: %v", tc.name, err)
			var re *RetryError
			if !errors.As(err, &re) || re.Attempts != 4 {
				t.Errorf("no *RetryError with 4 attempts in %#v", err)
			}
			// Go's transport itself repeats an idempotent request once when
			// a reused connection breaks before any answer: a reset may
			// cost one more request, never a multiple.
			if n := len(p.Faults()); n != 4 && !(tc.fault.Kind == faultproxy.Reset && n == 5) {
				t.Errorf("%d requests faulted, want 4 (no multiplied retries)", n)
			}
		})
	}
}

func TestRetryTimeBudget(t *testing.T) {
	up, p, o, _ := faultRegistry(t)
	pushed(t, testOptions(), up+"/app:1", 100)
	o.sleep = nil // real waits
	o.Retry = RetryOptions{Attempts: 1000, Backoff: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, MaxTime: 300 * time.Millisecond}
	if err := p.SetRules(faultproxy.Rule{Path: "/manifests/", Fault: faultproxy.Fault{Kind: faultproxy.Status, Status: 500}}); err != nil {
		t.Fatal(err)
	}
	_, err := o.Head(context.Background(), p.Host()+"/app:1")
	// MaxTime, not Attempts, ended it.
	var re *RetryError
	if !errors.As(err, &re) || re.Attempts >= 1000 || re.Attempts < 2 || KindOf(err) != KindServer {
		t.Fatalf("err %v", err)
	}
}

func TestNoRetryOnDefiniteAnswers(t *testing.T) {
	up, p, o, w := faultRegistry(t)
	pushed(t, testOptions(), up+"/app:1", 100)
	_, _, err := o.Image(context.Background(), p.Host()+"/app:nope", v1.Platform{})
	if KindOf(err) != KindNotFound {
		t.Fatalf("err %v", err)
	}
	if len(w.all()) != 0 {
		t.Errorf("a 404 was retried: %v", w.all())
	}
	// A canceled operation stops at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.Head(ctx, p.Host()+"/app:1"); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

// A large blob whose download breaks off is resumed with a Range request;
// a damaged one fails with a clear error.
func TestLargeBlobResumes(t *testing.T) {
	up, p, o, _ := faultRegistry(t)
	img := pushed(t, testOptions(), up+"/big:1", blobBufferLimit+(1<<20))
	ls, _ := img.Layers()
	ld, _ := ls[0].Digest()
	read := func() error {
		got, _, err := o.Image(context.Background(), p.Host()+"/big:1", v1.Platform{})
		if err != nil {
			return err
		}
		l, err := got.LayerByDigest(ld)
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(io.Discard, rc)
		return err
	}
	if err := p.SetRules(faultproxy.Rule{Method: "GET", Path: "/blobs/" + ld.String(), Times: 2, Fault: faultproxy.Fault{Kind: faultproxy.Truncate}}); err != nil {
		t.Fatal(err)
	}
	if err := read(); err != nil {
		t.Fatalf("truncated twice: %v\n%v", err, p.Events())
	}
	n := 0
	for _, e := range p.Events() {
		if strings.HasSuffix(e.Path, ld.String()) {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d GETs of the layer, want 3 (two cut short, then the rest):\n%v", n, p.Events())
	}

	if err := p.SetRules(faultproxy.Rule{Method: "GET", Path: "/blobs/" + ld.String(), Fault: faultproxy.Fault{Kind: faultproxy.Corrupt}}); err != nil {
		t.Fatal(err)
	}
	err := read()
	if err == nil {
		t.Fatal("a damaged large blob was read without error")
	}
	if e := Explain(err, p.Host()+"/big:1"); KindOf(e) != KindCorrupt || !strings.Contains(e.Error(), "arrived damaged") {
		t.Errorf("Explain(%v) = %v", err, e)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"Thu, 01 Jan 2026 00:00:09 GMT", 9 * time.Second, true},
		{"Wed, 31 Dec 2025 23:59:00 GMT", 0, true},
		{"99999999999", 24 * time.Hour, true},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// The ggcr-level predicate never repeats what the transport retried.
func TestUploadRetryPredicate(t *testing.T) {
	if uploadRetry(&RetryError{Err: io.ErrUnexpectedEOF}) {
		t.Error("a RetryError was retried again")
	}
	if !uploadRetry(io.ErrUnexpectedEOF) || uploadRetry(nil) || uploadRetry(context.Canceled) {
		t.Error("predicate")
	}
}

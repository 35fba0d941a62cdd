package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// RetryOptions say how hoist retries registry requests. The zero value
// is hoist's defaults.
//
// Requests that can be sent again without changing the outcome (GET,
// HEAD, DELETE, a manifest PUT, the POST that opens a blob upload) are
// retried on network errors, on 408, 429 and 5xx answers, on a stall (no
// answer within AttemptTimeout), and, for manifests and small blobs, on a
// body that is cut short or does not match its digest. A large blob whose
// download breaks off is resumed from where it stopped (HTTP Range). The
// other upload requests cannot be repeated on their own: the whole blob
// upload is started again instead. Waits grow exponentially, with jitter,
// and are at least what a Retry-After header asks (up to MaxRetryAfter).
type RetryOptions struct {
	// Attempts is how often one request is tried, the first included
	// (default 5; 1 turns retries off).
	Attempts int
	// Backoff is the wait before the first retry (default 500ms); each
	// further wait doubles, up to MaxBackoff (default 8s). Each wait is
	// jittered: drawn between half and all of it, so that clients that
	// failed together do not retry together.
	Backoff, MaxBackoff time.Duration
	// MaxRetryAfter caps the wait a Retry-After header asks for (default
	// 30s): a registry asking for an hour does not stall a build for one.
	MaxRetryAfter time.Duration
	// MaxTime bounds the time one request spends retrying: no retry starts
	// later than this after the first attempt (default 2m).
	MaxTime time.Duration
	// AttemptTimeout bounds the wait for an answer's headers once the
	// request is sent (default 2m): a registry that accepted a request but
	// never answers is tried again rather than waited for.
	AttemptTimeout time.Duration
}

const (
	defaultAttempts       = 5
	defaultBackoff        = 500 * time.Millisecond
	defaultMaxBackoff     = 8 * time.Second
	defaultMaxRetryAfter  = 30 * time.Second
	defaultMaxRetryTime   = 2 * time.Minute
	defaultAttemptTimeout = 2 * time.Minute

	// manifestLimit bounds the manifests verified in memory (the largest
	// go-containerregistry accepts is 100 MiB; real ones are kilobytes).
	manifestLimit = 16 << 20
	// blobBufferLimit: blobs up to this size (configs, small layers) are
	// read whole and verified before they are handed on, so a damaged one
	// is fetched again; larger ones stream, resume where a download breaks
	// off, and are verified by go-containerregistry as they are read.
	blobBufferLimit = 8 << 20
)

func (r RetryOptions) withDefaults() RetryOptions {
	if r.Attempts <= 0 {
		r.Attempts = defaultAttempts
	}
	if r.Backoff <= 0 {
		r.Backoff = defaultBackoff
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = defaultMaxBackoff
	}
	if r.MaxBackoff < r.Backoff {
		r.MaxBackoff = r.Backoff
	}
	if r.MaxRetryAfter <= 0 {
		r.MaxRetryAfter = defaultMaxRetryAfter
	}
	if r.MaxTime <= 0 {
		r.MaxTime = defaultMaxRetryTime
	}
	if r.AttemptTimeout <= 0 {
		r.AttemptTimeout = defaultAttemptTimeout
	}
	return r
}

// wait is the jittered backoff before retry n (1-based): between half
// and all of Backoff*2^(n-1), capped at MaxBackoff.
func (r RetryOptions) wait(n int) time.Duration {
	d := r.Backoff
	for i := 1; i < n && d < r.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.MaxBackoff)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(d-half+1)
}

// ggcrBackoff is the backoff go-containerregistry uses to start a failed
// blob upload or manifest write over.
func (r RetryOptions) ggcrBackoff() remote.Backoff {
	return remote.Backoff{Duration: r.Backoff, Factor: 2, Jitter: 0.5, Steps: r.Attempts, Cap: r.MaxBackoff}
}

// RetryError is the last failure of a request hoist retried until its
// attempts or its time ran out. Err is a *transport.Error for an HTTP
// answer, a *DigestError for a damaged body, else the network error.
type RetryError struct {
	Method   string
	URL      string
	Attempts int
	Elapsed  time.Duration
	Err      error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%v (gave up after %d %s in %s)", e.Err, e.Attempts,
		plural(e.Attempts, "attempt", "attempts"), e.Elapsed.Round(time.Millisecond))
}

func (e *RetryError) Unwrap() error { return e.Err }

// DigestError says that a manifest or blob the registry sent does not
// match its digest, or was cut short: damaged on the way or in the
// registry.
type DigestError struct {
	URL       string
	Want, Got string
	// Short is set when the body ended before its Content-Length.
	Short bool
	Err   error
}

func (e *DigestError) Error() string {
	if e.Short {
		return fmt.Sprintf("the body of %s was cut short: %v", e.URL, e.Err)
	}
	return fmt.Sprintf("the content of %s does not match its digest: got %s, want %s", e.URL, e.Got, e.Want)
}

func (e *DigestError) Unwrap() error { return e.Err }

// attemptTimeoutError: no answer within RetryOptions.AttemptTimeout.
type attemptTimeoutError struct{ d time.Duration }

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("no answer within %s of sending the request", e.d)
}
func (e *attemptTimeoutError) Timeout() bool   { return true }
func (e *attemptTimeoutError) Temporary() bool { return true }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// retryTransport retries the requests it may repeat (see RetryOptions).
type retryTransport struct {
	inner http.RoundTripper
	ro    RetryOptions
	// sleep waits d or until ctx ends (tests replace it).
	sleep func(ctx context.Context, d time.Duration) error
}

func newRetryTransport(inner http.RoundTripper, ro RetryOptions) *retryTransport {
	return &retryTransport{inner: inner, ro: ro.withDefaults(), sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// requestClass says what may be done with a request.
type requestClass int

const (
	classOnce        requestClass = iota // sent once: blob upload data and commit
	classRepeat                          // repeatable, answer passed on as it comes
	classManifestGet                     // repeatable; the body is read and verified
	classBlobGet                         // repeatable; verified when small, resumable when large
)

func classify(req *http.Request) (requestClass, string) {
	p := req.URL.Path
	switch req.Method {
	case http.MethodGet:
		if i := strings.LastIndex(p, "/manifests/"); i >= 0 {
			ref := p[i+len("/manifests/"):]
			if strings.HasPrefix(ref, "sha256:") {
				return classManifestGet, ref
			}
			return classManifestGet, ""
		}
		if i := strings.LastIndex(p, "/blobs/"); i >= 0 && !strings.Contains(p, "/blobs/uploads") {
			if d := p[i+len("/blobs/"):]; strings.HasPrefix(d, "sha256:") && len(d) == len("sha256:")+64 {
				return classBlobGet, d
			}
		}
		return classRepeat, ""
	case http.MethodHead, http.MethodDelete, http.MethodOptions:
		return classRepeat, ""
	case http.MethodPut:
		if strings.Contains(p, "/manifests/") {
			return classRepeat, ""
		}
	case http.MethodPost:
		// Opening a blob upload (or mounting a blob): a repeat opens
		// another session; the unused one expires on the registry.
		if strings.HasSuffix(p, "/blobs/uploads/") || strings.HasSuffix(p, "/blobs/uploads") {
			return classRepeat, ""
		}
	}
	return classOnce, ""
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	class, digest := classify(req)
	if class != classOnce && req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		class = classOnce // the body cannot be sent twice
	}
	if class == classOnce {
		resp, err := t.attempt(req)
		if err == nil && retryStatus(resp.StatusCode) {
			// Not repeated here (go-containerregistry starts the upload
			// over), but the registry's Retry-After is still honoured.
			if ra, ok := t.retryAfter(resp); ok {
				if err := t.sleep(req.Context(), ra); err != nil {
					resp.Body.Close()
					return nil, err
				}
			}
		}
		return resp, err
	}
	return t.repeat(req, class, digest, resume{})
}

// resume says where a broken-off blob download goes on: from byte off
// (of size bytes, -1 if unknown), by a Range request, or, when the
// registry refused the range, by reading the blob again from its start.
type resume struct {
	off, size int64
	noRange   bool
}

// repeat sends a repeatable request until it succeeds, fails for good or
// runs out of attempts or time. at.off > 0 asks for the rest of a blob (a
// resumed download).
func (t *retryTransport) repeat(req *http.Request, class requestClass, digest string, at resume) (*http.Response, error) {
	ctx := req.Context()
	start := time.Now()
	for n := 1; ; n++ {
		r := req
		if n > 1 || at.off > 0 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = b
			}
			switch {
			case at.off > 0 && at.noRange:
			case at.off > 0 && at.size > at.off:
				// A closed range: some registries refuse "bytes=N-".
				r.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", at.off, at.size-1))
			case at.off > 0:
				r.Header.Set("Range", fmt.Sprintf("bytes=%d-", at.off))
			}
		}
		resp, err := t.attempt(r)
		if err == nil && resp.StatusCode/100 == 2 {
			switch class {
			case classManifestGet:
				resp, err = verifyManifest(resp, digest)
			case classBlobGet:
				resp, err = t.blobBody(r, resp, digest, at.off)
			case classRepeat:
				if r.Method == http.MethodGet {
					resp, err = readJSONBody(resp)
				}
			}
		}
		if ctx.Err() != nil {
			if resp != nil {
				resp.Body.Close()
			}
			if err == nil {
				err = ctx.Err()
			}
			return nil, err
		}
		var wait time.Duration
		switch {
		case err != nil:
			if !retryableErr(err) {
				return nil, err
			}
			wait = t.ro.wait(n)
		case retryStatus(resp.StatusCode):
			wait = t.ro.wait(n)
			if ra, ok := t.retryAfter(resp); ok && ra > wait {
				wait = ra
			}
		default:
			return resp, nil
		}
		elapsed := time.Since(start)
		if n >= t.ro.Attempts || elapsed+wait > t.ro.MaxTime {
			if err == nil {
				err = transport.CheckError(resp, http.StatusOK)
				resp.Body.Close()
			}
			return nil, &RetryError{Method: req.Method, URL: redactURL(req.URL), Attempts: n, Elapsed: elapsed, Err: err}
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// attempt sends req once. The wait for the answer's headers is bounded by
// AttemptTimeout, counted from when the request body has been sent.
func (t *retryTransport) attempt(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	var (
		mu       sync.Mutex
		timer    *time.Timer
		timedOut bool
		stopped  bool
	)
	startTimer := func() {
		mu.Lock()
		defer mu.Unlock()
		if timer == nil && !stopped {
			timer = time.AfterFunc(t.ro.AttemptTimeout, func() {
				mu.Lock()
				timedOut = true
				mu.Unlock()
				cancel()
			})
		}
	}
	r := req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		r.Body = &sentBody{ReadCloser: req.Body, done: startTimer}
	} else {
		startTimer()
	}
	resp, err := t.inner.RoundTrip(r)
	mu.Lock()
	stopped = true
	if timer != nil {
		timer.Stop()
	}
	to := timedOut
	mu.Unlock()
	if err != nil {
		cancel()
		if to && req.Context().Err() == nil {
			return nil, &attemptTimeoutError{t.ro.AttemptTimeout}
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// sentBody calls done once the request body has been read to its end.
type sentBody struct {
	io.ReadCloser
	done func()
	once sync.Once
}

func (b *sentBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(b.done)
	}
	return n, err
}

func (b *sentBody) Close() error {
	b.once.Do(b.done)
	return b.ReadCloser.Close()
}

// cancelBody ends the attempt's context when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// retryAfter is the wait a 429 or 503's Retry-After header asks for, capped.
func (t *retryTransport) retryAfter(resp *http.Response) (time.Duration, bool) {
	d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if !ok {
		return 0, false
	}
	return min(d, t.ro.MaxRetryAfter), true
}

// parseRetryAfter reads a Retry-After value: delay seconds or an
// HTTP-date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// retryStatus are the answers worth another try.
func retryStatus(code int) bool {
	for _, c := range retryStatusCodes {
		if c == code {
			return true
		}
	}
	return false
}

// retryableErr says whether a failed attempt may succeed when repeated:
// network failures and timeouts, damaged bodies; not TLS and certificate
// errors, nor a canceled operation.
func retryableErr(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var (
		unknownCA   x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidCert x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
		dnsErr      *net.DNSError
		de          *DigestError
		te          *attemptTimeoutError
	)
	switch {
	case errors.As(err, &de), errors.As(err, &te):
		return true
	case errors.As(err, &unknownCA), errors.As(err, &hostnameErr), errors.As(err, &invalidCert), errors.As(err, &verifyErr), errors.As(err, &recordErr):
		return false
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return false
	case errors.As(err, &dnsErr):
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	case errors.Is(err, context.DeadlineExceeded):
		// The operation's own deadline, not an attempt's.
		return false
	}
	var ne net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &ne)
}

// verifyManifest reads a manifest answer whole and checks it against the
// digest asked for, or else against the registry's Docker-Content-Digest
// header (go-containerregistry checks neither for a tag). A body cut short
// or that does not match is a *DigestError, and the request is repeated.
func verifyManifest(resp *http.Response, want string) (*http.Response, error) {
	u := redactURL(resp.Request.URL)
	if resp.ContentLength > manifestLimit {
		return resp, nil // go-containerregistry refuses it with a clear error
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, manifestLimit+1))
	resp.Body.Close()
	if err != nil {
		return nil, &DigestError{URL: u, Short: true, Err: err}
	}
	if resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		return nil, &DigestError{URL: u, Short: true, Err: fmt.Errorf("%d of %d bytes", len(body), resp.ContentLength)}
	}
	if want == "" {
		mt := resp.Header.Get("Content-Type")
		// Docker schema 1 manifests are signed: their digest is not the
		// body's, and registries' headers for them disagree.
		schema1 := strings.Contains(mt, "application/vnd.docker.distribution.manifest.v1")
		if h := resp.Header.Get("Docker-Content-Digest"); strings.HasPrefix(h, "sha256:") && !schema1 {
			want = h
		}
	}
	if want != "" {
		if got := sha256Digest(body); got != want {
			return nil, &DigestError{URL: u, Want: want, Got: got}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// readJSONBody reads a registry API answer (tag lists, tokens,
// referrers: JSON, or anything small) whole, so that one cut short is
// fetched again rather than handed on broken.
func readJSONBody(resp *http.Response) (*http.Response, error) {
	p := resp.Request.URL.Path
	api := strings.Contains(resp.Header.Get("Content-Type"), "json") || strings.HasSuffix(p, "/tags/list") ||
		strings.HasSuffix(p, "/_catalog") || strings.Contains(p, "/referrers/") || (resp.ContentLength >= 0 && resp.ContentLength <= 1<<20)
	if !api || resp.ContentLength > manifestLimit {
		return resp, nil
	}
	u := redactURL(resp.Request.URL)
	body, err := io.ReadAll(io.LimitReader(resp.Body, manifestLimit))
	if err == nil && resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		err = fmt.Errorf("%d of %d bytes", len(body), resp.ContentLength)
	}
	if err != nil {
		resp.Body.Close()
		return nil, &DigestError{URL: u, Short: true, Err: err}
	}
	if len(body) == manifestLimit {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// blobBody checks a blob answer: read whole and verified when small,
// wrapped to resume where it breaks off when large.
func (t *retryTransport) blobBody(req *http.Request, resp *http.Response, digest string, offset int64) (*http.Response, error) {
	u := redactURL(req.URL)
	if offset > 0 {
		// A resumed download: it must start where the last one stopped.
		if resp.StatusCode == http.StatusPartialContent {
			if !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", offset)) {
				resp.Body.Close()
				return nil, &DigestError{URL: u, Short: true, Err: fmt.Errorf("asked for bytes %d-, got range %q", offset, resp.Header.Get("Content-Range"))}
			}
			return resp, nil
		}
		// 200: the whole blob again; skip what was read already.
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			resp.Body.Close()
			return nil, &DigestError{URL: u, Short: true, Err: err}
		}
		return resp, nil
	}
	if resp.StatusCode != http.StatusOK {
		return resp, nil
	}
	if resp.ContentLength >= 0 && resp.ContentLength <= blobBufferLimit {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && int64(len(body)) != resp.ContentLength {
			err = fmt.Errorf("%d of %d bytes", len(body), resp.ContentLength)
		}
		if err != nil {
			return nil, &DigestError{URL: u, Short: true, Err: err}
		}
		if got := sha256Digest(body); got != digest {
			return nil, &DigestError{URL: u, Want: digest, Got: got}
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	resp.Body = &resumeBody{t: t, req: req, digest: digest, size: resp.ContentLength, rc: resp.Body, start: time.Now()}
	return resp, nil
}

// resumeBody is a large blob's body that, when the connection breaks off,
// asks for the rest (Range) and goes on. The content is verified by the
// reader (go-containerregistry checks the digest at the end).
type resumeBody struct {
	t       *retryTransport
	req     *http.Request
	digest  string
	size    int64 // -1 if unknown
	rc      io.ReadCloser
	off     int64
	resumes int
	start   time.Time
	closed  bool
}

func (b *resumeBody) Read(p []byte) (int, error) {
	for {
		if b.rc == nil {
			return 0, io.ErrClosedPipe
		}
		n, err := b.rc.Read(p)
		b.off += int64(n)
		if err == io.EOF && (b.size < 0 || b.off == b.size) {
			return n, io.EOF
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err == nil || n > 0 {
			if err != nil {
				// Report the bytes now; the failure comes back on the next
				// Read, and is resumed then.
				b.rc = &failedReader{err: err, rc: b.rc}
			}
			return n, nil
		}
		if !retryableErr(err) || b.req.Context().Err() != nil {
			return 0, err
		}
		b.rc.Close()
		b.rc = nil
		b.resumes++
		if b.resumes >= b.t.ro.Attempts || time.Since(b.start) > b.t.ro.MaxTime {
			return 0, &RetryError{Method: b.req.Method, URL: redactURL(b.req.URL), Attempts: b.resumes, Elapsed: time.Since(b.start),
				Err: &DigestError{URL: redactURL(b.req.URL), Short: true, Err: err}}
		}
		if serr := b.t.sleep(b.req.Context(), b.t.ro.wait(b.resumes)); serr != nil {
			return 0, serr
		}
		resp, rerr := b.t.repeat(b.req, classBlobGet, b.digest, resume{off: b.off, size: b.size})
		if rerr == nil && resp.StatusCode/100 != 2 {
			// The registry does not serve ranges: read it all again and
			// skip what was read.
			resp.Body.Close()
			resp, rerr = b.t.repeat(b.req, classBlobGet, b.digest, resume{off: b.off, size: b.size, noRange: true})
		}
		if rerr != nil {
			return 0, rerr
		}
		if resp.StatusCode/100 != 2 {
			resp.Body.Close()
			return 0, &DigestError{URL: redactURL(b.req.URL), Short: true, Err: fmt.Errorf("resuming at byte %d: %s", b.off, resp.Status)}
		}
		b.rc = resp.Body
	}
}

func (b *resumeBody) Close() error {
	if b.rc == nil {
		return nil
	}
	err := b.rc.Close()
	b.rc = nil
	return err
}

// failedReader returns a failure a previous Read saw along with data.
type failedReader struct {
	err error
	rc  io.ReadCloser
}

func (f *failedReader) Read([]byte) (int, error) { return 0, f.err }
func (f *failedReader) Close() error             { return f.rc.Close() }

func sha256Digest(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// redactURL is u without its query (upload state, signed URLs' keys).
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}

// uploadRetry is the predicate go-containerregistry asks before it starts
// a failed blob upload or manifest write over, and before it repeats a
// request itself. Requests this transport repeats come back as a
// *RetryError when they ran out (or as a final answer): they are not
// repeated again, so attempts never multiply.
func uploadRetry(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var re *RetryError
	if errors.As(err, &re) {
		return false
	}
	var te *transport.Error
	if errors.As(err, &te) {
		if retryStatus(te.StatusCode) {
			return true
		}
		for _, d := range te.Errors {
			switch d.Code {
			case transport.BlobUploadInvalidErrorCode, transport.BlobUploadUnknownErrorCode, transport.DigestInvalidErrorCode,
				transport.UnavailableErrorCode, transport.TooManyRequestsErrorCode:
				// DIGEST_INVALID at an upload's commit: the bytes were
				// damaged on the way; send them again.
				return true
			}
		}
		return false
	}
	if strings.Contains(err.Error(), "error verifying sha256 checksum") {
		return true // a source blob read from a registry arrived damaged
	}
	return retryableErr(err)
}

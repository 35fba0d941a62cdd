package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Kind classifies a registry failure by what the user has to do about it.
type Kind int

const (
	// KindOther is a failure Explain has no advice for.
	KindOther Kind = iota
	// KindUnreachable: DNS failure, connection refused or reset, timeout.
	KindUnreachable
	// KindAuth: the registry refused the credentials, or there were none
	// (401), or they lack the right (403).
	KindAuth
	// KindNotFound: no such manifest, repository or blob.
	KindNotFound
	// KindTLS: certificate not trusted, or TLS spoken to a plain-HTTP
	// registry (or the reverse).
	KindTLS
	// KindRateLimited: 429 after the retries.
	KindRateLimited
	// KindServer: 5xx after the retries.
	KindServer
	// KindCorrupt: a manifest or blob arrived cut short or did not match
	// its digest, also when fetched again.
	KindCorrupt
)

func (k Kind) String() string {
	switch k {
	case KindUnreachable:
		return "unreachable"
	case KindAuth:
		return "auth"
	case KindNotFound:
		return "not found"
	case KindTLS:
		return "tls"
	case KindRateLimited:
		return "rate limited"
	case KindServer:
		return "server error"
	case KindCorrupt:
		return "corrupt"
	}
	return "other"
}

// Error is a registry failure explained for users. The original error stays
// reachable through errors.Is/As.
type Error struct {
	Kind Kind
	Ref  string // the reference the operation was about
	Host string // the registry
	msg  string
	Err  error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of an explained error, KindOther for others.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// Explain turns an error from a registry operation on ref into one that
// says what happened and what to do. Errors it cannot classify are returned
// with the reference added; errors already explained are returned as they
// are. The original error stays wrapped.
func Explain(err error, ref string) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	var perr *PlatformError
	if errors.As(err, &perr) || errors.Is(err, context.Canceled) {
		return err
	}
	host := registryOf(ref)
	// A request hoist retried until it ran out says so, with how often
	// and how long it tried.
	gaveUp := ""
	var rerr *RetryError
	if errors.As(err, &rerr) {
		gaveUp = fmt.Sprintf(" (gave up after %d %s in %s)", rerr.Attempts, plural(rerr.Attempts, "attempt", "attempts"), rerr.Elapsed.Round(time.Millisecond))
	}
	mk := func(k Kind, format string, args ...any) error {
		return &Error{Kind: k, Ref: ref, Host: host, msg: fmt.Sprintf(format, args...) + gaveUp, Err: err}
	}
	insecureHint := ""
	if h, _ := splitHostPort(host); !isLoopbackName(h) {
		insecureHint = fmt.Sprintf(" (for a plain-HTTP registry, use --insecure-registry %s)", host)
	}

	var terr *transport.Error
	if errors.As(err, &terr) {
		detail := diagnostic(terr)
		switch {
		case terr.StatusCode == http.StatusUnauthorized || hasCode(terr, transport.UnauthorizedErrorCode):
			return mk(KindAuth, "authentication to %s failed (%s): run `docker login %s` (or `podman login %s`), or set credentials%s",
				host, detail, host, host, actionsHint(host))
		case terr.StatusCode == http.StatusForbidden || hasCode(terr, transport.DeniedErrorCode):
			return mk(KindAuth, "authentication to %s failed: access to %s denied (%s): run `docker login %s` (or `podman login %s`) with an account allowed to use this repository, or set credentials%s",
				host, ref, detail, host, host, actionsHint(host))
		case hasCode(terr, transport.ManifestUnknownErrorCode), hasCode(terr, transport.NameUnknownErrorCode),
			terr.StatusCode == http.StatusNotFound && !hasCode(terr, transport.BlobUnknownErrorCode):
			return mk(KindNotFound, "image %s not found (%s): check the repository, the tag or digest, and that it was pushed", ref, detail)
		case hasCode(terr, transport.DigestInvalidErrorCode), hasCode(terr, transport.BlobUploadInvalidErrorCode):
			return mk(KindCorrupt, "registry %s refused an upload for %s (%s): the data arrived damaged, also when sent again: retry; if it persists, check the local copy (`hoist store verify`) and any proxy on the way", host, ref, detail)
		case hasCode(terr, transport.BlobUnknownErrorCode):
			return mk(KindNotFound, "a blob of %s is missing from %s (%s): the image in the registry is incomplete; push it again", ref, host, detail)
		case terr.StatusCode == http.StatusTooManyRequests || hasCode(terr, transport.TooManyRequestsErrorCode):
			return mk(KindRateLimited, "registry %s rate-limited the requests for %s (%s) and still did after retries: wait and retry, or log in (`docker login %s`) for a higher limit",
				host, ref, detail, host)
		case terr.StatusCode >= 500:
			return mk(KindServer, "registry %s failed for %s (%s), also after retries: retry later, or check the registry's logs", host, ref, detail)
		}
		return mk(KindOther, "registry %s, %s: %s", host, ref, detail)
	}

	var derr *DigestError
	if errors.As(err, &derr) || strings.Contains(err.Error(), "error verifying sha256 checksum") {
		what := innermost(err)
		if derr != nil {
			what = derr.Error()
		}
		return mk(KindCorrupt, "data from registry %s for %s arrived damaged (%s): retry; if it persists, a proxy on the way alters it or the registry's copy is damaged (push the image again)", host, ref, what)
	}

	msg := err.Error()
	var (
		unknownCA   x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidCert x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
	)
	switch {
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return mk(KindTLS, "registry %s answered plain HTTP to an HTTPS request: if it is a plain-HTTP registry, use --insecure-registry %s", host, host)
	case errors.As(err, &unknownCA), errors.As(err, &hostnameErr), errors.As(err, &invalidCert), errors.As(err, &verifyErr):
		return mk(KindTLS, "the TLS certificate of registry %s is not trusted (%s): add its CA to the system trust store (or SSL_CERT_FILE), or use --insecure-registry %s to skip verification",
			host, innermost(err), host)
	case errors.As(err, &recordErr):
		return mk(KindTLS, "registry %s does not speak TLS on that port (%s): check the port%s", host, innermost(err), insecureHint)
	}

	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return mk(KindUnreachable, "cannot reach registry %s: %s; is the host name right and the network up?", host, innermost(err))
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ETIMEDOUT) {
		return mk(KindUnreachable, "cannot reach registry %s: %s; is it running?%s", host, innermost(err), insecureHint)
	}
	var nerr net.Error
	var stalled *attemptTimeoutError
	if errors.As(err, &stalled) {
		return mk(KindUnreachable, "registry %s did not answer in time for %s (%s); is it overloaded or a proxy on the way stuck?", host, ref, stalled.Error())
	}
	if errors.As(err, &nerr) && nerr.Timeout() || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return mk(KindUnreachable, "registry %s did not answer in time: %s; is it running and reachable?", host, innermost(err))
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return mk(KindUnreachable, "cannot reach registry %s: %s; is it running?%s", host, innermost(err), insecureHint)
	}
	return fmt.Errorf("%s: %w", ref, err)
}

func hasCode(e *transport.Error, code transport.ErrorCode) bool {
	for _, d := range e.Errors {
		if d.Code == code {
			return true
		}
	}
	return false
}

// diagnostic is the registry's own words, without the request line (which
// may carry long URLs).
func diagnostic(e *transport.Error) string {
	if len(e.Errors) > 0 {
		parts := make([]string, 0, len(e.Errors))
		for _, d := range e.Errors {
			parts = append(parts, d.String())
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// innermost returns the most specific message: the net.OpError ("dial tcp
// 127.0.0.1:5000: connect: connection refused") rather than the URL wrapper.
func innermost(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.Error()
	}
	var verifyErr *tls.CertificateVerificationError
	if errors.As(err, &verifyErr) {
		return verifyErr.Err.Error()
	}
	return err.Error()
}

func actionsHint(host string) string {
	if host == "ghcr.io" && os.Getenv("GITHUB_ACTIONS") == "true" {
		return "; in GitHub Actions, give the job `permissions: packages: write` and make GITHUB_TOKEN available to hoist"
	}
	return ""
}

// Package registry is hoist's glue over go-containerregistry: how hoist
// parses references, authenticates, dials (plain HTTP for localhost and
// --insecure-registry hosts), retries, resolves base images per platform,
// writes images and explains registry failures to users. build, tag and prune
// talk to registries only through it.
package registry

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Options say how to reach registries. The zero value is usable: default
// keychain, default transport, plain HTTP only for loopback registries.
type Options struct {
	// Insecure lists --insecure-registry entries: "host" (any port),
	// "host:port" or a CIDR ("10.0.0.0/8"). Such registries may be reached
	// over plain HTTP, and their TLS certificates are not verified.
	// localhost, 127.0.0.1 and [::1] (any port) are always insecure.
	Insecure []string
	// Keychain resolves credentials. nil means authn.DefaultKeychain (docker
	// config.json and credential helpers), then podman's auth.json files, then
	// GITHUB_TOKEN for ghcr.io when GITHUB_ACTIONS=true.
	Keychain authn.Keychain
	// Transport is the HTTP transport. nil means a shared clone of
	// remote.DefaultTransport with bounded timeouts, which skips TLS
	// verification for insecure registries only.
	Transport http.RoundTripper
	// UserAgent is sent with every request (default "hoist").
	UserAgent string
	// Jobs bounds concurrent blob uploads (default: go-containerregistry's 4).
	Jobs int
	// Retry says how failed requests are retried (see RetryOptions); the
	// zero value is hoist's defaults.
	Retry RetryOptions

	// sleep replaces the retry waits (tests).
	sleep func(ctx context.Context, d time.Duration) error
	// shared, when set (Reusing), is one puller and one pusher every
	// operation of these options goes through.
	shared *sharedClients
}

// retryStatusCodes are the answers worth retrying: timeouts, rate limits and
// transient server errors. 501 and 505 are not transient.
var retryStatusCodes = []int{
	http.StatusRequestTimeout,
	http.StatusTooManyRequests,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
	499, // nginx: client closed request
	522, // Cloudflare: origin connection timed out
	524, // Cloudflare: origin timeout
}

// Reference parses an image reference (tag or digest). References to
// insecure registries are parsed with name.Insecure so that plain HTTP is
// allowed for them.
func (o Options) Reference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, diagnoseReference(s, err)
	}
	// go-containerregistry accepts some names registries refuse ("a..b",
	// tag "-x"); say so now rather than after an upload.
	if err := checkReference(s, ref); err != nil {
		return nil, err
	}
	if o.insecure(ref.Context().RegistryStr()) {
		ref, err = name.ParseReference(s, name.Insecure)
		if err != nil {
			return nil, diagnoseReference(s, err)
		}
	}
	return ref, nil
}

// Remote returns the remote options for one operation: credentials,
// transport, retries (RetryOptions: backoff with jitter, Retry-After,
// bounded attempts and time, damaged bodies fetched again), context, user
// agent and upload concurrency.
//
// Retries happen in hoist's transport, per request; go-containerregistry
// only starts a failed blob upload or manifest write over (its predicate
// refuses what the transport already retried, so attempts never
// multiply) and does no retrying of its own otherwise.
func (o Options) Remote(ctx context.Context) []remote.Option {
	ro := o.Retry.withDefaults()
	kc := o.Keychain
	if kc == nil {
		kc = DefaultKeychain()
	}
	ua := o.UserAgent
	if ua == "" {
		ua = "hoist"
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(kc),
		remote.WithTransport(o.retryTransport(ro)),
		remote.WithRetryBackoff(ro.ggcrBackoff()),
		remote.WithRetryPredicate(uploadRetry),
		remote.WithRetryStatusCodes(),
		remote.WithUserAgent(ua),
	}
	if o.Jobs > 0 {
		opts = append(opts, remote.WithJobs(o.Jobs))
	}
	if o.shared != nil {
		opts = append(opts, remote.Reuse(o.shared.puller), remote.Reuse(o.shared.pusher))
	}
	return opts
}

type sharedClients struct {
	puller *remote.Puller
	pusher *remote.Pusher
}

// Reusing returns these options with one client per repository shared by
// all their operations: the registry is pinged and a token fetched once
// per repository and scope, not once per request (go-containerregistry
// makes a new client for each call otherwise). For a command that makes
// many requests: tag, prune.
func (o Options) Reusing() Options {
	if o.shared != nil {
		return o
	}
	opts := o.Remote(context.Background())
	puller, err := remote.NewPuller(opts...)
	if err != nil {
		return o
	}
	pusher, err := remote.NewPusher(opts...)
	if err != nil {
		return o
	}
	o.shared = &sharedClients{puller: puller, pusher: pusher}
	return o
}

func (o Options) retryTransport(ro RetryOptions) *retryTransport {
	t := newRetryTransport(o.HTTPTransport(), ro)
	if o.sleep != nil {
		t.sleep = o.sleep
	}
	return t
}

// Head returns the descriptor of the manifest REF points at (one HEAD
// request; no body is downloaded).
func (o Options) Head(ctx context.Context, ref string) (*v1.Descriptor, error) {
	r, err := o.Reference(ref)
	if err != nil {
		return nil, err
	}
	d, err := remote.Head(r, o.Remote(ctx)...)
	if err != nil {
		return nil, Explain(err, ref)
	}
	return d, nil
}

// WriteImage pushes img to ref (a tag or a digest). Blobs the repository
// already has are skipped after a HEAD, layers read from another repository
// of the same registry are mounted, and the manifest is written last so the
// tag never points at a half-pushed image.
func (o Options) WriteImage(ctx context.Context, ref string, img v1.Image) error {
	r, err := o.Reference(ref)
	if err != nil {
		return err
	}
	if err := remote.Write(r, img, o.Remote(ctx)...); err != nil {
		return Explain(err, ref)
	}
	return nil
}

// WriteIndex pushes an image index and all its children to ref, children
// before the index.
func (o Options) WriteIndex(ctx context.Context, ref string, idx v1.ImageIndex) error {
	r, err := o.Reference(ref)
	if err != nil {
		return err
	}
	if err := remote.WriteIndex(r, idx, o.Remote(ctx)...); err != nil {
		return Explain(err, ref)
	}
	return nil
}

// Tag makes dst point at the manifest src points at. Within src's
// repository that is one manifest GET and one PUT: no blob is read or
// written. In another repository the blobs are mounted (same registry) or
// copied first, then the manifest is written.
func (o Options) Tag(ctx context.Context, src, dst string) error {
	s, err := o.Reference(src)
	if err != nil {
		return err
	}
	d, err := o.Reference(dst)
	if err != nil {
		return err
	}
	opts := o.Remote(ctx)
	desc, err := remote.Get(s, opts...)
	if err != nil {
		return Explain(err, src)
	}
	if s.Context() == d.Context() {
		err = remote.Put(d, desc, opts...)
	} else {
		err = remote.Push(d, desc, opts...)
	}
	if err != nil {
		return Explain(err, dst)
	}
	return nil
}

// insecure reports whether host (a registry host, optionally with a port)
// may be reached over plain HTTP and without TLS verification.
func (o Options) insecure(host string) bool {
	h, port := splitHostPort(host)
	if isLoopbackName(h) {
		return true
	}
	for _, e := range o.Insecure {
		if insecureEntryMatches(e, h, port) {
			return true
		}
	}
	return false
}

// isLoopbackName is the set of registries Docker and podman treat as
// insecure without configuration.
func isLoopbackName(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// splitHostPort splits "host", "host:port", "[v6]" and "[v6]:port", and
// lower-cases the host.
func splitHostPort(s string) (host, port string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if h, p, err := net.SplitHostPort(s); err == nil {
		return strings.Trim(h, "[]"), p
	}
	return strings.Trim(s, "[]"), ""
}

func insecureEntryMatches(entry, host, port string) bool {
	e := strings.ToLower(strings.TrimSpace(entry))
	e = strings.TrimPrefix(strings.TrimPrefix(e, "http://"), "https://")
	e = strings.TrimSuffix(e, "/")
	if e == "" {
		return false
	}
	if _, cidr, err := net.ParseCIDR(e); err == nil {
		ip := net.ParseIP(host)
		return ip != nil && cidr.Contains(ip)
	}
	eh, ep := splitHostPort(e)
	if eh != host {
		return false
	}
	return ep == "" || ep == port
}

// Shared transports: one connection pool for the whole process, whatever
// the number of Options values and operations.
var (
	transportsOnce              sync.Once
	secureTransport, skipVerify *http.Transport
)

func transports() (*http.Transport, *http.Transport) {
	transportsOnce.Do(func() {
		base, ok := remote.DefaultTransport.(*http.Transport)
		if !ok {
			base = http.DefaultTransport.(*http.Transport)
		}
		t := base.Clone()
		t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = 10 * time.Second
		// A registry that accepted a request but never answers must not hang
		// a build; two minutes leaves room for a slow blob commit.
		t.ResponseHeaderTimeout = 2 * time.Minute
		t.IdleConnTimeout = 90 * time.Second
		t.ExpectContinueTimeout = time.Second
		secureTransport = t

		iv := t.Clone()
		if iv.TLSClientConfig == nil {
			iv.TLSClientConfig = &tls.Config{}
		}
		iv.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // only for --insecure-registry hosts
		skipVerify = iv
	})
	return secureTransport, skipVerify
}

// hostTransport sends requests for insecure registries through a transport
// that does not verify certificates, and everything else (token servers
// included) through the verifying one.
type hostTransport struct {
	insecure []string
}

func (t hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	secure, insecure := transports()
	if req.URL != nil && (Options{Insecure: t.insecure}).insecure(req.URL.Host) {
		return insecure.RoundTrip(req)
	}
	return secure.RoundTrip(req)
}

// HTTPTransport is the transport Remote uses: o.Transport, else the shared
// default (one connection pool per process, bounded timeouts, no
// certificate verification for insecure registries only). A caller that
// wraps the transport (to count bytes, say) wraps this one:
//
//	o.Transport = &counting{base: o.HTTPTransport()}
func (o Options) HTTPTransport() http.RoundTripper {
	if o.Transport != nil {
		return o.Transport
	}
	return hostTransport{insecure: o.Insecure}
}

var (
	tagRE    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestRE = regexp.MustCompile(`^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$`)
	repoRE   = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
)

func checkReference(s string, ref name.Reference) error {
	if repo := ref.Context().RepositoryStr(); !repoRE.MatchString(repo) {
		return fmt.Errorf("image reference %q: repository %q is invalid: path components are lower-case letters and digits separated by '.', '_', '__', '-' or '/'", s, repo)
	}
	if tag, ok := ref.(name.Tag); ok && !tagRE.MatchString(tag.TagStr()) {
		return fmt.Errorf("image reference %q: tag %q is invalid: a tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'", s, tag.TagStr())
	}
	return nil
}

// diagnoseReference turns go-containerregistry's parse error into one that
// says which part of the reference is wrong and how it should look.
func diagnoseReference(s string, err error) error {
	const form = "write [HOST[:PORT]/]REPOSITORY[:TAG][@sha256:DIGEST]"
	switch {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("empty image reference: %s: %w", form, err)
	case strings.ContainsAny(s, " \t\r\n"):
		return fmt.Errorf("image reference %q contains white space: %w", s, err)
	case strings.Contains(s, "://"):
		return fmt.Errorf("image reference %q must not contain a URL scheme: %s, and use --insecure-registry HOST for a plain-HTTP registry: %w", s, form, err)
	}
	rest := s
	if i := strings.Index(rest, "@"); i >= 0 {
		dg := rest[i+1:]
		rest = rest[:i]
		if !digestRE.MatchString(dg) {
			return fmt.Errorf("image reference %q: digest %q is invalid: want sha256: followed by 64 lower-case hex digits: %w", s, dg, err)
		}
	}
	repo := rest
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		tag := rest[i+1:]
		repo = rest[:i]
		if !tagRE.MatchString(tag) {
			return fmt.Errorf("image reference %q: tag %q is invalid: a tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-': %w", s, tag, err)
		}
	}
	path := repo
	if i := strings.Index(repo, "/"); i >= 0 {
		first := repo[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" {
			path = repo[i+1:]
		}
	}
	if path == "" {
		return fmt.Errorf("image reference %q has no repository: %s: %w", s, form, err)
	}
	if strings.ToLower(path) != path {
		return fmt.Errorf("image reference %q: repository %q must be lower case: %w", s, path, err)
	}
	if !repoRE.MatchString(path) {
		return fmt.Errorf("image reference %q: repository %q is invalid: path components are lower-case letters and digits separated by '.', '_', '__', '-' or '/': %w", s, path, err)
	}
	return fmt.Errorf("image reference %q is invalid: %s: %w", s, form, err)
}

// TagAll points every dst (references in src's repository) at the
// manifest src points at: one manifest GET, then one PUT per tag.
func (o Options) TagAll(ctx context.Context, src string, dsts []string) error {
	s, err := o.Reference(src)
	if err != nil {
		return err
	}
	opts := o.Remote(ctx)
	desc, err := remote.Get(s, opts...)
	if err != nil {
		return Explain(err, src)
	}
	for _, dst := range dsts {
		d, err := o.Reference(dst)
		if err != nil {
			return err
		}
		if d.Context() != s.Context() {
			return fmt.Errorf("TagAll: %s is not in %s's repository", dst, src)
		}
		if err := remote.Put(d, desc, opts...); err != nil {
			return Explain(err, dst)
		}
	}
	return nil
}

package buildkit

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DefaultAddress is buildkitd's default socket (rootful).
const DefaultAddress = "unix:///run/buildkit/buildkitd.sock"

// Scheme prefixes a BuildKit address in --builder.
const Scheme = "buildkit://"

// Address returns the buildkitd address a --builder value names, or "" for
// the native builder: "native" (or "") is the native builder;
// "buildkit://unix:///path.sock" and "buildkit://tcp://host:port" name a
// daemon; "buildkit" or "buildkit://" alone use buildkitHost (the
// BUILDKIT_HOST environment variable, as buildctl), else DefaultAddress.
func Address(builder, buildkitHost string) (string, error) {
	switch builder {
	case "", "native":
		return "", nil
	case "buildkit", Scheme:
		if buildkitHost == "" {
			return DefaultAddress, nil
		}
		if err := checkAddress(buildkitHost); err != nil {
			return "", fmt.Errorf("BUILDKIT_HOST=%s: %w", buildkitHost, err)
		}
		return buildkitHost, nil
	}
	addr, ok := strings.CutPrefix(builder, Scheme)
	if !ok {
		return "", fmt.Errorf("unknown builder %q: use native, or buildkit://unix:///run/buildkit/buildkitd.sock | buildkit://tcp://HOST:PORT (buildkit alone reads BUILDKIT_HOST)", builder)
	}
	if err := checkAddress(addr); err != nil {
		return "", fmt.Errorf("--builder %s: %w", builder, err)
	}
	return addr, nil
}

// checkAddress accepts unix:///path and tcp://host:port.
func checkAddress(addr string) error {
	u, err := url.Parse(addr)
	if err != nil {
		return fmt.Errorf("%q is not an address: %v; want unix:///path.sock or tcp://host:port", addr, err)
	}
	switch u.Scheme {
	case "unix":
		if u.Path == "" || u.Host != "" {
			return fmt.Errorf("%q: want unix:///absolute/path.sock (three slashes)", addr)
		}
	case "tcp":
		if u.Host == "" || u.Port() == "" {
			return fmt.Errorf("%q: want tcp://host:port", addr)
		}
	default:
		return fmt.Errorf("%q: unsupported address scheme %q; want unix:///path.sock or tcp://host:port", addr, u.Scheme)
	}
	return nil
}

// ConnectError says that buildkitd could not be reached.
type ConnectError struct {
	Addr string
	// TLS says whether the connection was tried with TLS.
	TLS bool
	Err error
}

func (e *ConnectError) Error() string {
	switch {
	case !e.TLS && tlsFailure(e.Err):
		return fmt.Sprintf("cannot reach buildkitd at %s: %v; the daemon closed the connection as a TLS listener does to a plain-text "+
			"client: if it speaks TLS, give its CA (--builder-tls-ca, or --builder-tls-dir with ca.pem, cert.pem and key.pem as "+
			"buildctl's --tlsdir) and, when it asks for one, a client certificate", e.Addr, e.Err)
	case e.TLS && (tlsFailure(e.Err) || closedEarly(e.Err)):
		// A daemon that refuses the client's certificate (or its absence)
		// closes the connection after TLS 1.3's handshake: the client sees
		// a broken pipe or a reset, not a TLS error.
		return fmt.Sprintf("cannot reach buildkitd at %s over TLS: %v; check that --builder-tls-ca signed the daemon's certificate, that "+
			"the certificate names the host (or give --builder-tls-server-name), and that a daemon run with --tlscacert gets a client "+
			"certificate that CA signed (--builder-tls-cert and --builder-tls-key)", e.Addr, e.Err)
	}
	return fmt.Sprintf("cannot reach buildkitd at %s: %v; start it with `buildkitd` (as root, with runc installed; "+
		"`buildkitd --addr %s`), or point hoist at a running daemon with --builder buildkit://ADDRESS or BUILDKIT_HOST "+
		"(unix:///path.sock or tcp://host:port)", e.Addr, e.Err, e.Addr)
}

func (e *ConnectError) Unwrap() error { return e.Err }

// tlsFailure reports whether err is a failed TLS handshake, or a plain-text
// client talking to a TLS listener (gRPC's words for both). A TLS listener
// closes on the plain-text client's first bytes: reading the server's
// preface then fails with an EOF, a reset or a TLS alert read as a frame,
// depending on timing.
func tlsFailure(err error) bool {
	return errorSays(err, "x509:", "tls:", "authentication handshake failed", "first record does not look like a TLS handshake",
		"error reading server preface")
}

// closedEarly reports whether err is a connection the other end closed.
func closedEarly(err error) bool {
	return errorSays(err, "broken pipe", "connection reset", "EOF")
}

func errorSays(err error, words ...string) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	for _, w := range words {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

// isUnavailable reports whether err is gRPC's "the server cannot be
// reached" (a missing socket, a refused connection).
func isUnavailable(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if s, ok := status.FromError(e); ok && s.Code() == codes.Unavailable {
			return true
		}
	}
	return false
}

package buildkit

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/moby/buildkit/client"
)

// TLS is the client side of a buildkitd TLS listener (buildctl's
// --tlscacert, --tlscert, --tlskey, --tlsservername). A non-nil TLS
// connects with TLS even when every field is empty: the daemon's
// certificate is then checked against the system's CAs.
type TLS struct {
	// CACert is a PEM file of the CAs that sign the daemon's certificate
	// ("" trusts the system's CAs).
	CACert string
	// Cert and Key are the client's certificate and key (PEM), for a
	// daemon that asks for one (buildkitd --tlscacert).
	Cert, Key string
	// ServerName is the name the daemon's certificate must carry (""
	// is the address's host).
	ServerName string
}

// TLS file names in a buildctl --tlsdir directory.
const (
	TLSDirCA   = "ca.pem"
	TLSDirCert = "cert.pem"
	TLSDirKey  = "key.pem"
)

// TLSFromDir returns the TLS of a directory laid out as buildctl's
// --tlsdir: ca.pem, cert.pem and key.pem, each used where it exists.
func TLSFromDir(dir string) (*TLS, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory (it should hold %s, %s and %s)", dir, TLSDirCA, TLSDirCert, TLSDirKey)
	}
	t := &TLS{}
	for name, field := range map[string]*string{TLSDirCA: &t.CACert, TLSDirCert: &t.Cert, TLSDirKey: &t.Key} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			*field = p
		}
	}
	if *t == (TLS{}) {
		return nil, fmt.Errorf("%s holds none of %s, %s and %s", dir, TLSDirCA, TLSDirCert, TLSDirKey)
	}
	return t, nil
}

// Check reports what is wrong with t for a daemon at addr before any
// connection is tried: TLS needs tcp://, a certificate needs its key, and
// the files must read and parse. The errors name the file and say what to
// give instead.
func (t *TLS) Check(addr string) error {
	if t == nil {
		return nil
	}
	if u, err := url.Parse(addr); err == nil && u.Scheme != "tcp" {
		return fmt.Errorf("TLS applies to a tcp:// daemon; %s is %s://", addr, u.Scheme)
	}
	if (t.Cert == "") != (t.Key == "") {
		return errors.New("a client certificate needs its key, and a key its certificate: give both")
	}
	if t.CACert != "" {
		pem, err := os.ReadFile(t.CACert)
		if err != nil {
			return fmt.Errorf("CA certificate: %w", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return fmt.Errorf("CA certificate %s: no PEM certificate in it", t.CACert)
		}
	}
	if t.Cert != "" {
		if _, err := tls.LoadX509KeyPair(t.Cert, t.Key); err != nil {
			return fmt.Errorf("client certificate %s and key %s: %w", t.Cert, t.Key, err)
		}
	}
	return nil
}

// clientOpts are t as BuildKit client options.
func (t *TLS) clientOpts() []client.ClientOpt {
	if t == nil {
		return nil
	}
	var opts []client.ClientOpt
	if t.CACert != "" {
		opts = append(opts, client.WithServerConfig(t.ServerName, t.CACert))
	} else {
		opts = append(opts, client.WithServerConfigSystem(t.ServerName))
	}
	if t.Cert != "" {
		opts = append(opts, client.WithCredentials(t.Cert, t.Key))
	}
	return opts
}

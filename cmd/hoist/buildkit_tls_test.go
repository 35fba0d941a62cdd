package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hoistci/hoist/internal/buildkittest"
)

// testCA is a certificate authority for TLS tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a certificate and key (PEM) for name (a DNS name, plus
// 127.0.0.1), for a server or a client.
func (ca *testCA) issue(t *testing.T, name string, client bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	usage := x509.ExtKeyUsageServerAuth
	if client {
		usage = x509.ExtKeyUsageClientAuth
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// tlsFront is a TLS listener on 127.0.0.1 that asks for a client
// certificate signed by its CA and forwards each connection, decrypted, to
// backend (a buildkitd address, unix:// or tcp://): buildkitd as it runs
// with --tlscacert, --tlscert and --tlskey.
func tlsFront(t *testing.T, ca *testCA, serverName, backend string) string {
	t.Helper()
	certPEM, keyPEM := ca.issue(t, serverName, false)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
		NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	network, address := "unix", u.Path
	if u.Scheme == "tcp" {
		network, address = "tcp", u.Host
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if err := c.(*tls.Conn).Handshake(); err != nil {
					return
				}
				b, err := net.Dial(network, address)
				if err != nil {
					return
				}
				defer b.Close()
				done := make(chan struct{}, 2)
				go func() { _, _ = io.Copy(b, c); done <- struct{}{} }()
				go func() { _, _ = io.Copy(c, b); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	return "tcp://" + l.Addr().String()
}

// writeTLSDir writes ca.pem (caPEM) and, when given, a client cert.pem and
// key.pem into a new directory, as buildctl's --tlsdir.
func writeTLSDir(t *testing.T, caPEM, certPEM, keyPEM []byte) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ca.pem"), string(caPEM))
	if certPEM != nil {
		writeFile(t, filepath.Join(dir, "cert.pem"), string(certPEM))
		writeFile(t, filepath.Join(dir, "key.pem"), string(keyPEM))
	}
	return dir
}

// TestBuildKitTLSFlags: what the --builder-tls flags refuse before any
// connection, and what a failed TLS connection says. The daemon behind the
// TLS listener is never reached, so none is needed.
func TestBuildKitTLSFlags(t *testing.T) {
	_, env := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\n")
	ca := newTestCA(t, "hoist test CA")
	cert, key := ca.issue(t, "hoist-client", true)
	tlsDir := writeTLSDir(t, ca.pem, cert, key)
	front := tlsFront(t, ca, "buildkitd.test", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, notPEM, "not a certificate\n")

	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"TLS needs a daemon", []string{"--builder-tls-dir", tlsDir}, 2, "apply to a buildkitd: add --builder buildkit://tcp://"},
		{"TLS needs tcp", []string{"--builder", "buildkit://unix:///run/x.sock", "--builder-tls"}, 2, "TLS applies to a tcp:// daemon"},
		{"a certificate needs its key", []string{"--builder", "buildkit://" + front, "--builder-tls-cert", filepath.Join(tlsDir, "cert.pem")}, 2, "give both"},
		{"a missing directory", []string{"--builder", "buildkit://" + front, "--builder-tls-dir", filepath.Join(dir, "nope")}, 2, "--builder-tls-dir: "},
		{"an empty directory", []string{"--builder", "buildkit://" + front, "--builder-tls-dir", t.TempDir()}, 2, "holds none of ca.pem, cert.pem and key.pem"},
		{"a CA that is not PEM", []string{"--builder", "buildkit://" + front, "--builder-tls-ca", notPEM}, 2, "no PEM certificate in it"},
		{"a missing CA file", []string{"--builder", "buildkit://" + front, "--builder-tls-ca", filepath.Join(dir, "nope.pem")}, 2, "nope.pem"},
		{"a key that is not the certificate's", []string{"--builder", "buildkit://" + front, "--builder-tls-cert", filepath.Join(tlsDir, "cert.pem"), "--builder-tls-key", notPEM}, 2, "client certificate"},
		// the listener speaks TLS: a plain-text client is told so
		{"plain text to a TLS daemon", []string{"--builder", "buildkit://" + front}, 3, "if it speaks TLS, give its CA"},
		// the listener asks for a client certificate
		{"no client certificate", []string{"--builder", "buildkit://" + front, "--builder-tls-ca", filepath.Join(tlsDir, "ca.pem")}, 3, "over TLS: "},
		// the daemon's certificate is signed by another CA
		{"another CA", []string{"--builder", "buildkit://" + front, "--builder-tls-ca", writeTLSDir(t, newTestCA(t, "other").pem, nil, nil) + "/ca.pem",
			"--builder-tls-cert", filepath.Join(tlsDir, "cert.pem"), "--builder-tls-key", filepath.Join(tlsDir, "key.pem")}, 3, "over TLS: "},
		// the certificate names buildkitd.test and 127.0.0.1, not this name
		{"another server name", []string{"--builder", "buildkit://" + front, "--builder-tls-dir", tlsDir, "--builder-tls-server-name", "elsewhere.test"}, 3, "over TLS: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := hoist(t, dir, "", env, append([]string{"build", "--progress", "quiet"}, append(c.args, ".")...)...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", r.code, c.code, c.want, r.stderr)
			}
			if c.code == 3 && strings.Contains(r.stderr, "start it with `buildkitd`") {
				t.Errorf("a TLS failure is not a missing daemon:\n%s", r.stderr)
			}
		})
	}
	// release shares the flags and their checks
	r := hoist(t, dir, "", env, "release", "--dry-run", "-r", "127.0.0.1:5000/x", "--builder-tls-ca", notPEM, "--builder", "buildkit://"+front, ".")
	if r.code != 2 || !strings.Contains(r.stderr, "no PEM certificate in it") {
		t.Errorf("release: exit %d:\n%s", r.code, r.stderr)
	}
}

// TestBuildKitTLS builds on a buildkitd reached over mutual TLS, with the
// TLS files given as a directory (as buildctl's --tlsdir) and one by one.
func TestBuildKitTLS(t *testing.T) {
	addr := buildkittest.Addr(t)
	_, env := buildEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\nCOPY hello.txt /\n")
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello over TLS\n")
	ca := newTestCA(t, "hoist test CA")
	cert, key := ca.issue(t, "hoist-client", true)
	tlsDir := writeTLSDir(t, ca.pem, cert, key)
	front := tlsFront(t, ca, "buildkitd.test", addr)

	for _, c := range []struct {
		name string
		args []string
	}{
		{"directory", []string{"--builder-tls-dir", tlsDir}},
		{"files and a server name", []string{"--builder-tls-ca", filepath.Join(tlsDir, "ca.pem"), "--builder-tls-cert", filepath.Join(tlsDir, "cert.pem"),
			"--builder-tls-key", filepath.Join(tlsDir, "key.pem"), "--builder-tls-server-name", "buildkitd.test"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"build", "--builder", "buildkit://" + front, "--progress", "plain", "--output", "type=local,dest=" + out}, c.args...)
			r := hoist(t, dir, "", env, append(args, ".")...)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			got, err := os.ReadFile(filepath.Join(out, "hello.txt"))
			if err != nil || string(got) != "hello over TLS\n" {
				t.Errorf("the build's output: %q, %v", got, err)
			}
		})
	}
}

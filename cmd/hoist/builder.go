package main

import (
	"github.com/spf13/pflag"

	"github.com/hoistci/hoist/build/buildkit"
)

// builderFlags are the flags that choose the builder, shared by build and
// release: --builder and, for a buildkitd on tcp://, its TLS.
type builderFlags struct {
	builder    string
	tls        bool
	tlsDir     string
	tlsCA      string
	tlsCert    string
	tlsKey     string
	serverName string
}

func (b *builderFlags) register(f *pflag.FlagSet) {
	f.StringVar(&b.builder, "builder", "native", "native (in-process), or a buildkitd: buildkit://unix:///run/buildkit/buildkitd.sock | buildkit://tcp://HOST:PORT (buildkit alone: $BUILDKIT_HOST)")
	f.BoolVar(&b.tls, "builder-tls", false, "connect to a tcp:// buildkitd with TLS, checking its certificate against the system's CAs (implied by the other --builder-tls flags)")
	f.StringVar(&b.tlsDir, "builder-tls-dir", "", "directory with the buildkitd TLS files as buildctl's --tlsdir: ca.pem, cert.pem, key.pem (each used where present)")
	f.StringVar(&b.tlsCA, "builder-tls-ca", "", "PEM file of the CA that signed the buildkitd's certificate")
	f.StringVar(&b.tlsCert, "builder-tls-cert", "", "client certificate (PEM) for a buildkitd that asks for one")
	f.StringVar(&b.tlsKey, "builder-tls-key", "", "the client certificate's key (PEM)")
	f.StringVar(&b.serverName, "builder-tls-server-name", "", "the name the buildkitd's certificate must carry (default: the address's host)")
}

// daemon is the buildkitd a build runs on; its zero value is the native
// builder.
type daemon struct {
	addr string
	tls  *buildkit.TLS // nil: plain text
}

// resolve returns the daemon the flags name (the zero daemon for the native
// builder), or a bad-input error that names the flag.
func (b *builderFlags) resolve(getenv func(string) string) (daemon, error) {
	addr, err := buildkit.Address(b.builder, getenv("BUILDKIT_HOST"))
	if err != nil {
		return daemon{}, badInput("%s", err)
	}
	var t *buildkit.TLS
	if b.tlsDir != "" {
		if t, err = buildkit.TLSFromDir(b.tlsDir); err != nil {
			return daemon{}, badInput("--builder-tls-dir: %s", err)
		}
	}
	if b.tls || b.tlsCA != "" || b.tlsCert != "" || b.tlsKey != "" || b.serverName != "" {
		if t == nil {
			t = &buildkit.TLS{}
		}
		// the single-file flags win over the directory's files
		for _, f := range []struct {
			to *string
			v  string
		}{{&t.CACert, b.tlsCA}, {&t.Cert, b.tlsCert}, {&t.Key, b.tlsKey}, {&t.ServerName, b.serverName}} {
			if f.v != "" {
				*f.to = f.v
			}
		}
	}
	if t == nil {
		return daemon{addr: addr}, nil
	}
	if addr == "" {
		return daemon{}, badInput("the --builder-tls flags apply to a buildkitd: add --builder buildkit://tcp://HOST:PORT")
	}
	if err := t.Check(addr); err != nil {
		return daemon{}, badInput("--builder-tls: %s", err)
	}
	return daemon{addr, t}, nil
}

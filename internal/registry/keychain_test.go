package registry

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// isolate points every credential location at empty temp directories.
func isolate(t *testing.T) (home, runtime string) {
	t.Helper()
	home, runtime = t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", "")
	t.Setenv("REGISTRY_AUTH_FILE", "")
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("GITHUB_ACTIONS", "")
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GITHUB_ACTOR", "")
	return home, runtime
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func resolveBasic(t *testing.T, kc authn.Keychain, ref string) (string, string) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	a, err := kc.Resolve(r.Context())
	if err != nil {
		t.Fatalf("Resolve(%s): %v", ref, err)
	}
	cfg, err := a.Authorization()
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Username, cfg.Password
}

func TestDefaultKeychain(t *testing.T) {
	home, runtime := isolate(t)
	// docker knows one registry, podman others: both are used.
	writeFile(t, filepath.Join(home, ".docker", "config.json"),
		`{"auths":{"docker.example":{"auth":"`+b64("dock:er")+`"}}}`)
	writeFile(t, filepath.Join(runtime, "containers", "auth.json"),
		`{"auths":{"podman.example":{"auth":"`+b64("pod:man")+`"},`+
			`"podman.example/team/app":{"auth":"`+b64("repo:scoped")+`"},`+
			`"https://index.docker.io/v1/":{"auth":"`+b64("hub:user")+`"}}}`)
	writeFile(t, filepath.Join(home, ".config", "containers", "auth.json"),
		`{"auths":{"config.example":{"username":"cfg","password":"pw"}}}`)

	kc := DefaultKeychain()
	for _, tc := range []struct{ ref, user, pass string }{
		{"docker.example/a", "dock", "er"},
		{"podman.example/other", "pod", "man"},
		{"podman.example/team/app:1", "repo", "scoped"},
		{"podman.example/team/app/sub", "repo", "scoped"},
		{"config.example/x", "cfg", "pw"},
		{"alpine", "hub", "user"},
		{"unknown.example/x", "", ""},
		{"ghcr.io/o/r", "", ""}, // not in Actions
	} {
		u, p := resolveBasic(t, kc, tc.ref)
		if u != tc.user || p != tc.pass {
			t.Errorf("%s: credentials %q/%q, want %q/%q", tc.ref, u, p, tc.user, tc.pass)
		}
	}

	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_TOKEN", "ghs_secret")
	t.Setenv("GITHUB_ACTOR", "octocat")
	if u, p := resolveBasic(t, kc, "ghcr.io/o/r"); u != "octocat" || p != "ghs_secret" {
		t.Errorf("ghcr.io in Actions: %q/%q, want octocat/ghs_secret", u, p)
	}
	if u, _ := resolveBasic(t, kc, "docker.example/a"); u != "dock" {
		t.Errorf("GITHUB_TOKEN leaked to another registry: %q", u)
	}
	if u, _ := resolveBasic(t, kc, "quay.io/a"); u != "" {
		t.Errorf("GITHUB_TOKEN leaked to quay.io: %q", u)
	}
}

func TestKeychainBadAuthFile(t *testing.T) {
	_, runtime := isolate(t)
	f := filepath.Join(runtime, "containers", "auth.json")
	writeFile(t, f, `{"auths":`)
	r, _ := name.NewRepository("podman.example/x")
	_, err := DefaultKeychain().Resolve(r)
	if err == nil || !strings.Contains(err.Error(), f) {
		t.Errorf("broken auth.json: %v, want an error naming the file", err)
	}
}

// A registry with basic auth, credentials from podman's auth.json only:
// the whole path (ping, challenge, credentials) works.
func TestPodmanCredentialsReachRegistry(t *testing.T) {
	_, runtime := isolate(t)
	reg := quietRegistry()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()
	img, _ := random.Image(100, 1)

	o := Options{Retry: fastRetry} // default keychain
	err := o.WriteImage(ctx, host+"/app:1", img)
	if KindOf(err) != KindAuth {
		t.Fatalf("push without credentials: %v (kind %v), want KindAuth", err, KindOf(err))
	}

	writeFile(t, filepath.Join(runtime, "containers", "auth.json"), `{"auths":{"`+host+`":{"auth":"`+b64("alice:s3cret")+`"}}}`)
	if err := o.WriteImage(ctx, host+"/app:1", img); err != nil {
		t.Fatalf("push with podman credentials: %v", err)
	}
	if _, h, err := o.Image(ctx, host+"/app:1", v1.Platform{}); err != nil || h != digest(t, img) {
		t.Fatalf("pull with podman credentials: %s, %v", h, err)
	}
}

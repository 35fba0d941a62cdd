package registry

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// DefaultKeychain is the keychain used when Options.Keychain is nil: the
// first of these with a credential for the registry wins.
//
//   - authn.DefaultKeychain: docker's config.json and credential helpers;
//   - podman's auth.json ($REGISTRY_AUTH_FILE,
//     $XDG_RUNTIME_DIR/containers/auth.json,
//     $XDG_CONFIG_HOME/containers/auth.json, ~/.config/containers/auth.json),
//     read even when a docker config exists (authn.DefaultKeychain only
//     falls back to it when there is none);
//   - GITHUB_TOKEN for ghcr.io when GITHUB_ACTIONS=true.
//
// The environment is read at each resolution, so a login during the
// process is seen.
func DefaultKeychain() authn.Keychain {
	return authn.NewMultiKeychain(dockerKeychain{}, podmanKeychain{}, githubKeychain{})
}

// dockerKeychain is authn.DefaultKeychain with errors that say which files
// it read: its own errors are bare JSON or helper errors.
type dockerKeychain struct{}

func (dockerKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	a, err := authn.DefaultKeychain.Resolve(target)
	if err != nil {
		files := "$DOCKER_CONFIG/config.json or ~/.docker/config.json"
		if fs := podmanAuthFiles(); len(fs) > 0 {
			files += ", else " + strings.Join(fs, " or ")
		}
		return nil, fmt.Errorf("read registry credentials for %s (%s): %w; fix the file or its credential helper", target.RegistryStr(), files, err)
	}
	return a, nil
}

// podmanKeychain reads containers-auth.json(5) files.
type podmanKeychain struct{}

func podmanAuthFiles() []string {
	var files []string
	if f := os.Getenv("REGISTRY_AUTH_FILE"); f != "" {
		files = append(files, f)
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		files = append(files, filepath.Join(d, "containers", "auth.json"))
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		files = append(files, filepath.Join(d, "containers", "auth.json"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".config", "containers", "auth.json"))
	}
	return files
}

type authFile struct {
	Auths map[string]authEntry `json:"auths"`
}

type authEntry struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
}

func (podmanKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	seen := map[string]bool{}
	for _, f := range podmanAuthFiles() {
		if seen[f] {
			continue
		}
		seen[f] = true
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read registry credentials %s: %w", f, err)
		}
		var af authFile
		if err := json.Unmarshal(b, &af); err != nil {
			return nil, fmt.Errorf("registry credentials %s are not valid JSON: %w; fix or remove the file (podman login rewrites it)", f, err)
		}
		entries := map[string]authEntry{}
		for k, v := range af.Auths {
			entries[normalizeAuthKey(k)] = v
		}
		for _, key := range authKeys(target) {
			e, ok := entries[key]
			if !ok {
				continue
			}
			cfg, err := e.config()
			if err != nil {
				return nil, fmt.Errorf("registry credentials %s for %s: %w", f, key, err)
			}
			return authn.FromConfig(cfg), nil
		}
	}
	return authn.Anonymous, nil
}

func (e authEntry) config() (authn.AuthConfig, error) {
	cfg := authn.AuthConfig{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken}
	if e.Auth != "" {
		raw, err := base64.StdEncoding.DecodeString(e.Auth)
		if err != nil {
			return cfg, fmt.Errorf(`"auth" is not base64: %w`, err)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return cfg, errors.New(`"auth" is not base64 of user:password`)
		}
		cfg.Username, cfg.Password = user, pass
	}
	return cfg, nil
}

// normalizeAuthKey maps the spellings found in auth files
// ("https://host/v1/", "host/") to host[/path].
func normalizeAuthKey(k string) string {
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	k = strings.TrimSuffix(k, "/")
	k = strings.TrimSuffix(k, "/v1")
	k = strings.TrimSuffix(k, "/v2")
	if k == "index.docker.io" || k == "registry-1.docker.io" {
		k = "docker.io"
	}
	return strings.ToLower(k)
}

// authKeys lists the keys to try, most specific first: podman allows
// per-repository and per-namespace credentials (host/ns/repo, host/ns),
// then the registry.
func authKeys(target authn.Resource) []string {
	reg := normalizeAuthKey(target.RegistryStr())
	var keys []string
	var path string
	switch r := target.(type) {
	case name.Repository:
		path = r.RepositoryStr()
	case *name.Repository:
		path = r.RepositoryStr()
	}
	{
		for path != "" {
			keys = append(keys, reg+"/"+path)
			i := strings.LastIndex(path, "/")
			if i < 0 {
				break
			}
			path = path[:i]
		}
	}
	return append(keys, reg)
}

// githubKeychain lends GITHUB_TOKEN to ghcr.io inside GitHub Actions, where
// a workflow with `permissions: packages: write` can push without a login
// step.
type githubKeychain struct{}

func (githubKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	if os.Getenv("GITHUB_ACTIONS") != "true" || target.RegistryStr() != "ghcr.io" {
		return authn.Anonymous, nil
	}
	token := os.Getenv("GITHUB_TOKEN")
	if token == "" {
		return authn.Anonymous, nil
	}
	user := os.Getenv("GITHUB_ACTOR")
	if user == "" {
		user = "github-actions"
	}
	return authn.FromConfig(authn.AuthConfig{Username: user, Password: token}), nil
}

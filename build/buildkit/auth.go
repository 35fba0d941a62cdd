package buildkit

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"

	"github.com/hoistci/hoist/internal/registry"
)

// authProvider answers buildkitd's credential requests (pulls, pushes,
// registry caches) from the keychain hoist's registry code uses: docker's
// config.json and credential helpers, podman's auth.json, GITHUB_TOKEN for
// ghcr.io in Actions.
func authProvider(o registry.Options) session.Attachable {
	kc := o.Keychain
	if kc == nil {
		kc = registry.DefaultKeychain()
	}
	return authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: func(_ context.Context, host string, _ []string, _ authprovider.ExpireCachedAuthCheck) (types.AuthConfig, error) {
			return authConfig(kc, host)
		},
	})
}

// authConfig resolves host's credentials; none is an empty config
// (anonymous), as docker's config file answers.
func authConfig(kc authn.Keychain, host string) (types.AuthConfig, error) {
	if host == authprovider.DockerHubRegistryHost {
		host = name.DefaultRegistry
	}
	reg, err := name.NewRegistry(host, name.WeakValidation)
	if err != nil {
		return types.AuthConfig{}, nil
	}
	a, err := kc.Resolve(reg)
	if err != nil {
		return types.AuthConfig{}, err
	}
	c, err := authn.Authorization(context.Background(), a)
	if err != nil {
		return types.AuthConfig{}, err
	}
	user, pass := c.Username, c.Password
	if user == "" && pass == "" && c.Auth != "" {
		// BuildKit reads only the user and password fields.
		if raw, err := base64.StdEncoding.DecodeString(c.Auth); err == nil {
			user, pass, _ = strings.Cut(string(raw), ":")
		}
	}
	return types.AuthConfig{
		ServerAddress: host,
		Username:      user,
		Password:      pass,
		IdentityToken: c.IdentityToken,
		RegistryToken: c.RegistryToken,
	}, nil
}

package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ManifestDeleter deletes manifests (by digest) and tags of one repository
// over one authenticated client. go-containerregistry's remote.Delete
// makes a new client, and so pings the registry (twice on a plain-HTTP
// one: HTTPS first) and exchanges a token, for every single DELETE; a
// prune of thousands of deletions spent half its requests on pings.
type ManifestDeleter struct {
	repo   name.Repository
	client *http.Client
}

// ManifestDeleter returns a deleter for repo: the registry is pinged and
// the token for the delete scope fetched once, here. Requests are retried
// as every registry operation of hoist is (Options.Retry).
func (o Options) ManifestDeleter(ctx context.Context, repo name.Repository) (*ManifestDeleter, error) {
	kc := o.Keychain
	if kc == nil {
		kc = DefaultKeychain()
	}
	auth, err := authn.Resolve(ctx, kc, repo)
	if err != nil {
		return nil, err
	}
	ua := o.UserAgent
	if ua == "" {
		ua = "hoist"
	}
	// The retrying transport of every registry operation: DELETE is
	// repeatable, so it is retried as GET and HEAD are.
	tr := transport.NewUserAgent(o.retryTransport(o.Retry.withDefaults()), ua)
	t, err := transport.NewWithContext(ctx, repo.Registry, auth, tr, []string{repo.Scope(transport.DeleteScope)})
	if err != nil {
		return nil, err
	}
	return &ManifestDeleter{repo: repo, client: &http.Client{Transport: t}}, nil
}

// Delete sends DELETE /v2/<name>/manifests/<identifier>: a digest deletes
// the manifest (and, on most registries, the tags pointing at it), a tag
// only that tag where the registry allows it (OCI distribution spec 1.1).
// The error is a *transport.Error for an HTTP answer other than 200/202.
func (d *ManifestDeleter) Delete(ctx context.Context, identifier string) error {
	u := url.URL{
		Scheme: d.repo.Scheme(),
		Host:   d.repo.RegistryStr(),
		Path:   fmt.Sprintf("/v2/%s/manifests/%s", d.repo.RepositoryStr(), identifier),
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return transport.CheckError(resp, http.StatusOK, http.StatusAccepted)
}

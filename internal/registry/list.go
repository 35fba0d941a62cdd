package registry

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ListTags lists every tag of a repository, following the registry's
// pagination (Link headers, n/last). A repository that does not exist yet
// has no tags: that is not an error (the first push creates it).
func (o Options) ListTags(ctx context.Context, repo string) ([]string, error) {
	r, err := o.Reference(repo + ":latest")
	if err != nil {
		return nil, err
	}
	tags, err := remote.List(r.Context(), o.Remote(ctx)...)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && (te.StatusCode == http.StatusNotFound || hasCode(te, transport.NameUnknownErrorCode)) {
			return nil, nil
		}
		return nil, Explain(err, repo)
	}
	return tags, nil
}

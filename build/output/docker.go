package output

import (
	"context"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// WriteDocker writes img as a docker-archive tarball at dest, loadable by
// `docker load` and `podman load`, tagged with names (none: an untagged
// image, loaded by ID). dest appears only once complete.
func WriteDocker(ctx context.Context, dest string, img v1.Image, names []string) error {
	refs, err := dockerRefs(img, names)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(dest, func(w io.Writer) error {
		return tarball.MultiRefWrite(refs, ctxWriter{ctx, w})
	}); err != nil {
		return fmt.Errorf("write docker archive %s: %w", dest, err)
	}
	return nil
}

// WriteDockerTo streams the docker-archive tarball of img to w (standard
// output for dest "-").
func WriteDockerTo(ctx context.Context, w io.Writer, img v1.Image, names []string) error {
	refs, err := dockerRefs(img, names)
	if err != nil {
		return err
	}
	if err := tarball.MultiRefWrite(refs, ctxWriter{ctx, w}); err != nil {
		return fmt.Errorf("write docker archive: %w", err)
	}
	return nil
}

// dockerRefs maps names to img. A docker archive names images by tag
// (manifest.json's RepoTags), so a digest reference is refused. Without
// names, a digest reference makes go-containerregistry write the image
// with no tags.
func dockerRefs(img v1.Image, names []string) (map[name.Reference]v1.Image, error) {
	refs := map[name.Reference]v1.Image{}
	for _, n := range names {
		tag, err := name.NewTag(n)
		if err != nil {
			return nil, fmt.Errorf("write docker archive: image name %q: a docker archive names images by tag (NAME[:TAG]): %v", n, err)
		}
		refs[tag] = img
	}
	if len(refs) == 0 {
		d, err := img.Digest()
		if err != nil {
			return nil, fmt.Errorf("write docker archive: %w", err)
		}
		ref, err := name.NewDigest("untagged@" + d.String())
		if err != nil {
			return nil, fmt.Errorf("write docker archive: %w", err)
		}
		refs[ref] = img
	}
	return refs, nil
}

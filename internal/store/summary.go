package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ImageSummary is one local image name as `hoist images` shows it.
type ImageSummary struct {
	Repository string // "" for an image without a name (dangling)
	Tag        string
	Digest     v1.Hash // what the name points at: the manifest or index digest
	// ID is the config digest of a single-platform image (as docker and
	// podman show it) and the index digest of a multi-platform index.
	ID        v1.Hash
	MediaType types.MediaType
	Created   time.Time // config "created"; for an index, its newest platform's; zero when unknown
	// Size is the compressed size of the config and layers; for an index,
	// of all its platforms', a blob they share counted once.
	Size      int64
	Platforms []string // os/arch[/variant]: the image's, or each of the index's (sorted)
}

// Name returns "repo:tag", or "" for a nameless image.
func (e ImageSummary) Name() string {
	if e.Repository == "" {
		return ""
	}
	return e.Repository + ":" + e.Tag
}

// IsIndex reports whether the name points at a multi-platform index.
func (e ImageSummary) IsIndex() bool { return e.MediaType.IsIndex() }

// Summaries describes every index entry, newest first, then by name. A
// digest named several times is read once. Damaged images are listed with
// what can be read (see summarize).
func (s *Store) Summaries() ([]ImageSummary, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	seen := map[v1.Hash]ImageSummary{}
	var out []ImageSummary
	for _, d := range idx.Manifests {
		sum, ok := seen[d.Digest]
		if !ok {
			sum = s.summarize(d)
			seen[d.Digest] = sum
		}
		sum.Repository, sum.Tag = splitName(refName(d))
		out = append(out, sum)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].Name() < out[j].Name()
	})
	return out, nil
}

// summarize reads what it can: a damaged image (a blob missing or
// unreadable) is summarized from the blobs that remain, and `hoist store
// verify` says what is wrong with it.
func (s *Store) summarize(d v1.Descriptor) ImageSummary {
	sum := ImageSummary{Digest: d.Digest, ID: d.Digest, MediaType: d.MediaType}
	counted := map[v1.Hash]bool{}
	platforms := map[string]bool{}
	var visit func(d v1.Descriptor, plat *v1.Platform)
	visit = func(d v1.Descriptor, plat *v1.Platform) {
		switch {
		case d.MediaType.IsIndex():
			b, err := s.readBlob(d.Digest)
			if err != nil {
				return
			}
			im, err := v1.ParseIndexManifest(bytes.NewReader(b))
			if err != nil {
				return
			}
			for _, c := range im.Manifests {
				visit(c, c.Platform)
			}
		case d.MediaType.IsImage():
			b, err := s.readBlob(d.Digest)
			if err != nil {
				return
			}
			m, err := v1.ParseManifest(bytes.NewReader(b))
			if err != nil {
				return
			}
			if d.Digest == sum.Digest {
				sum.ID = m.Config.Digest
			}
			for _, c := range append([]v1.Descriptor{m.Config}, m.Layers...) {
				if !counted[c.Digest] {
					counted[c.Digest] = true
					sum.Size += c.Size
				}
			}
			cb, err := s.readBlob(m.Config.Digest)
			if err != nil {
				return
			}
			cf, err := v1.ParseConfigFile(bytes.NewReader(cb))
			if err != nil {
				// Not an image config (an attestation, an artifact):
				// it has no platform and no creation time to show.
				return
			}
			if cf.Created.After(sum.Created) {
				sum.Created = cf.Created.Time
			}
			p := plat
			if p == nil || p.OS == "" {
				p = &v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
			}
			if s := platformString(p); s != "" {
				platforms[s] = true
			}
		}
	}
	visit(d, d.Platform)
	for p := range platforms {
		sum.Platforms = append(sum.Platforms, p)
	}
	sort.Strings(sum.Platforms)
	return sum
}

// platformString is "os/arch[/variant]", or "" when unknown (attestation
// manifests are "unknown/unknown").
func platformString(p *v1.Platform) string {
	if p == nil || p.OS == "" || p.Architecture == "" || p.OS == "unknown" {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// MatchName reports whether a summary matches a `hoist images` filter,
// REPOSITORY[:TAG], where both parts may use shell patterns (* ? [...]).
func (e ImageSummary) MatchName(filter string) bool {
	if filter == "" {
		return true
	}
	if e.Repository == "" {
		return false
	}
	repo, tag := splitName(filter)
	if ok, _ := path.Match(repo, e.Repository); !ok {
		return false
	}
	if tag == "" {
		return true
	}
	ok, _ := path.Match(tag, e.Tag)
	return ok
}

// RefError reports a reference that does not name exactly one local image.
type RefError struct {
	Ref string
	msg string
}

func (e *RefError) Error() string { return e.msg }

// InUseError reports an image that other local images are built on.
type InUseError struct {
	Ref        string
	ID         v1.Hash
	Dependents []string // names (or short IDs) of the images built on it
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s is the base of %s: they share its layers; remove those first, or remove it anyway with --force",
		e.Ref, strings.Join(e.Dependents, ", "))
}

// MultipleNamesError reports an image given by ID or digest that several
// names point at: removing it would remove them all.
type MultipleNamesError struct {
	Ref   string
	ID    v1.Hash
	Names []string
}

func (e *MultipleNamesError) Error() string {
	return fmt.Sprintf("image %s has %d names (%s); remove them by name, or all at once with --force",
		e.Ref, len(e.Names), strings.Join(e.Names, ", "))
}

// resolveSummary finds the index entry a reference means: a name, a
// manifest or index digest, or an ID (a prefix of at least 4 hex digits of
// a manifest, index or config digest, as `hoist images` prints).
func (s *Store) resolveSummary(idx *v1.IndexManifest, ref string) (v1.Descriptor, error) {
	d, err := resolve(idx, ref)
	if err == nil {
		return d, nil
	}
	prefix := strings.TrimPrefix(ref, "sha256:")
	if len(prefix) >= 4 && len(prefix) <= 64 && isHex(prefix) {
		var found []v1.Descriptor
		seen := map[v1.Hash]bool{}
		for _, d := range idx.Manifests {
			if seen[d.Digest] || !d.MediaType.IsImage() {
				continue
			}
			seen[d.Digest] = true
			m, merr := s.manifestOf(d.Digest)
			if merr == nil && strings.HasPrefix(m.Config.Digest.Hex, prefix) {
				found = append(found, d)
			}
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
		default:
			return v1.Descriptor{}, &RefError{Ref: ref, msg: fmt.Sprintf("image ID %q is ambiguous (%d images match); give more digits", ref, len(found))}
		}
	}
	return v1.Descriptor{}, &RefError{Ref: ref, msg: err.Error()}
}

func (s *Store) manifestOf(h v1.Hash) (*v1.Manifest, error) {
	b, err := s.readBlob(h)
	if err != nil {
		return nil, err
	}
	return v1.ParseManifest(bytes.NewReader(b))
}

// RemoveOptions tunes Remove.
type RemoveOptions struct {
	// Force removes an image other local images are built on, and every
	// name of an image given by ID.
	Force bool
}

// RemoveResult reports what Remove did.
type RemoveResult struct {
	Untagged []string // names removed
	Deleted  v1.Hash  // the image (manifest or index digest) no name points at any more; zero when only a name went
}

// Remove is `hoist rmi`: a name is untagged, and when nothing names the
// image any more the image is deleted; an ID or digest deletes the image
// with all its names (with several names only with Force, as docker). An
// image other local images are built on is refused with an *InUseError
// unless Force; a reference that matches no image, or several, is a
// *RefError. Blobs are freed by GC (see BlobsOf).
func (s *Store) Remove(ctx context.Context, ref string, opts RemoveOptions) (RemoveResult, error) {
	var res RemoveResult
	idx, err := s.readIndex()
	if err != nil {
		return res, err
	}
	target, err := s.resolveSummary(idx, ref)
	if err != nil {
		return res, err
	}
	var names []string
	for _, d := range idx.Manifests {
		if d.Digest == target.Digest && refName(d) != "" {
			names = append(names, refName(d))
		}
	}
	sort.Strings(names)
	byName := false
	if n, nerr := NormalizeName(ref); nerr == nil && refName(target) == n {
		byName = true
	}
	if byName && len(names) > 1 {
		if err := s.Untag(ctx, refName(target)); err != nil {
			return res, err
		}
		res.Untagged = []string{refName(target)}
		return res, nil
	}
	if !byName && len(names) > 1 && !opts.Force {
		return res, &MultipleNamesError{Ref: ref, ID: target.Digest, Names: names}
	}
	removed, err := s.Delete(ctx, target.Digest.String(), DeleteOptions{Force: opts.Force})
	if err != nil {
		if !opts.Force {
			if fresh, ierr := s.readIndex(); ierr == nil {
				if users := s.builtOn(fresh, target); len(users) > 0 {
					return res, &InUseError{Ref: ref, ID: target.Digest, Dependents: users}
				}
			}
		}
		return res, err
	}
	res.Untagged = removed
	res.Deleted = target.Digest
	return res, nil
}

// BlobsOf returns every blob an image (by name, digest or ID) reaches:
// what GCOptions.Candidates needs to free just that image after Remove.
func (s *Store) BlobsOf(ref string) ([]v1.Hash, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	d, err := s.resolveSummary(idx, ref)
	if err != nil {
		return nil, err
	}
	var out []v1.Hash
	err = s.walk([]v1.Descriptor{d}, func(c v1.Descriptor) error {
		out = append(out, c.Digest)
		return nil
	})
	var ce *CorruptBlobError
	if err != nil && !errors.As(err, &ce) {
		return nil, err
	}
	return out, nil
}

// Stats counts what the store holds.
type Stats struct {
	Images       int // index entries (names, and nameless images)
	Blobs        int
	BlobBytes    int64
	CacheRecords int
}

// Stats counts index entries, blobs and cache record files.
func (s *Store) Stats() (Stats, error) {
	var st Stats
	idx, err := s.readIndex()
	if err != nil {
		return st, err
	}
	st.Images = len(idx.Manifests)
	blobs, err := s.listBlobs()
	if err != nil {
		return st, fmt.Errorf("count blobs: %w", err)
	}
	st.Blobs = len(blobs)
	for _, b := range blobs {
		st.BlobBytes += b.size
	}
	files, _, err := s.scanCache()
	if err != nil {
		return st, fmt.Errorf("count cache records: %w", err)
	}
	st.CacheRecords = len(files)
	return st, nil
}

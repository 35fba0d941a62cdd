package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// readIndex reads index.json without the lock: it is always replaced by
// rename, so a reader sees either the old or the new file, never a mix.
func (s *Store) readIndex() (*v1.IndexManifest, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, indexFile))
	if errors.Is(err, os.ErrNotExist) {
		return emptyIndex(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", indexFile, err)
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("read %s: %w (the store index is damaged; restore it or move the store away)", filepath.Join(s.dir, indexFile), err)
	}
	if idx.Manifests == nil {
		idx.Manifests = []v1.Descriptor{}
	}
	return &idx, nil
}

// updateIndex runs fn on the current index under the store lock and writes
// the result atomically when fn reports a change (or when index.json does
// not exist yet).
func (s *Store) updateIndex(ctx context.Context, fn func(*v1.IndexManifest) (bool, error)) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	_, statErr := os.Stat(filepath.Join(s.dir, indexFile))
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	changed, err := fn(idx)
	if err != nil {
		return err
	}
	if !changed && statErr == nil {
		return nil
	}
	return s.writeIndexFile(idx)
}

func (s *Store) writeIndexFile(idx *v1.IndexManifest) error {
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	if err := s.writeFileAtomic(indexFile, append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", indexFile, err)
	}
	return nil
}

// NormalizeName validates an image name and adds the default tag:
// "app" -> "app:latest". The name is kept as the user wrote it otherwise
// ("app", not "index.docker.io/library/app"), like `docker images` shows it.
func NormalizeName(ref string) (string, error) {
	if strings.Contains(ref, "@") {
		return "", fmt.Errorf("image name %q: a name cannot contain a digest; use repo:tag", ref)
	}
	if !hasTag(ref) {
		ref += ":latest"
	}
	if _, err := name.NewTag(ref, name.WeakValidation); err != nil {
		return "", fmt.Errorf("image name %q: %w", ref, err)
	}
	return ref, nil
}

func hasTag(ref string) bool {
	i := strings.LastIndex(ref, ":")
	return i > strings.LastIndex(ref, "/")
}

// splitName splits "repo:tag" into repository and tag.
func splitName(ref string) (repo, tag string) {
	if !hasTag(ref) {
		return ref, ""
	}
	i := strings.LastIndex(ref, ":")
	return ref[:i], ref[i+1:]
}

func refName(d v1.Descriptor) string { return d.Annotations[RefNameAnnotation] }

// setNames points every name at desc, moving names away from other entries.
// Entries left with no name and no other entry for their digest are removed
// (their blobs become garbage for GC). With no names, desc is kept as a
// nameless (dangling) entry unless its digest already has an entry.
func setNames(idx *v1.IndexManifest, desc v1.Descriptor, names []string) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	kept := idx.Manifests[:0]
	hasDigest := false
	for _, d := range idx.Manifests {
		if want[refName(d)] {
			continue // re-added below
		}
		if d.Digest == desc.Digest {
			if refName(d) == "" && len(names) > 0 {
				continue // a dangling entry gets named now
			}
			hasDigest = true
		}
		kept = append(kept, d)
	}
	idx.Manifests = kept
	for _, n := range names {
		d := desc
		d.Annotations = map[string]string{}
		for k, v := range desc.Annotations {
			d.Annotations[k] = v
		}
		d.Annotations[RefNameAnnotation] = n
		idx.Manifests = append(idx.Manifests, d)
	}
	if len(names) == 0 && !hasDigest {
		d := desc
		delete(d.Annotations, RefNameAnnotation)
		idx.Manifests = append(idx.Manifests, d)
	}
}

// resolve finds the descriptor for a name, a full digest ("sha256:..."), or
// an unambiguous digest prefix (an image ID as `hoist images` prints it).
func resolve(idx *v1.IndexManifest, ref string) (v1.Descriptor, error) {
	if h, err := v1.NewHash(ref); err == nil {
		for _, d := range idx.Manifests {
			if d.Digest == h {
				return d, nil
			}
		}
		return v1.Descriptor{}, fmt.Errorf("no local image with digest %s; see `hoist images`", h)
	}
	if n, err := NormalizeName(ref); err == nil {
		for _, d := range idx.Manifests {
			if refName(d) == n {
				return d, nil
			}
		}
	}
	prefix := strings.TrimPrefix(ref, "sha256:")
	if len(prefix) >= 4 && isHex(prefix) {
		var found []v1.Descriptor
		seen := map[v1.Hash]bool{}
		for _, d := range idx.Manifests {
			if strings.HasPrefix(d.Digest.Hex, prefix) && !seen[d.Digest] {
				seen[d.Digest] = true
				found = append(found, d)
			}
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
		default:
			return v1.Descriptor{}, fmt.Errorf("image ID %q is ambiguous (%d images match); give more digits", ref, len(found))
		}
	}
	return v1.Descriptor{}, fmt.Errorf("no local image named %q; see `hoist images`", ref)
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

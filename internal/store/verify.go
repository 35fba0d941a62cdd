package store

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ProblemKind classifies a Verify finding.
type ProblemKind string

const (
	ProblemCorrupt  ProblemKind = "corrupt"   // content does not match the digest
	ProblemMissing  ProblemKind = "missing"   // reachable from the index but absent
	ProblemTempFile ProblemKind = "temp-file" // left by an interrupted write
	ProblemStray    ProblemKind = "stray"     // a file in blobs/ that is not a blob
	ProblemManifest ProblemKind = "manifest"  // a reachable manifest that cannot be parsed
)

// Problem is one Verify finding.
type Problem struct {
	Kind   ProblemKind
	Digest v1.Hash // zero for temp and stray files
	Path   string  // relative to the store
	Ref    string  // the index entry that reaches a missing blob, if any
	Detail string
}

func (p Problem) String() string {
	switch {
	case p.Path != "" && p.Digest == (v1.Hash{}):
		return fmt.Sprintf("%s: %s: %s", p.Kind, p.Path, p.Detail)
	default:
		return fmt.Sprintf("%s: %s: %s", p.Kind, p.Digest, p.Detail)
	}
}

// Verify checks every blob against its digest, that every blob the index
// or a cache record reaches is present, and reports temp files left by
// interrupted writes (GC removes those once they are older than its grace
// period) and unreadable cache records.
func (s *Store) Verify(ctx context.Context) ([]Problem, error) {
	var probs []Problem
	blobs, strays, err := s.scanBlobs()
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	corrupt := map[v1.Hash]bool{}
	for _, b := range blobs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		got, err := verifyBlobFile(s.blobPath(b.h))
		if err != nil {
			probs = append(probs, Problem{Kind: ProblemCorrupt, Digest: b.h, Detail: err.Error()})
			corrupt[b.h] = true
			continue
		}
		if got != b.h {
			probs = append(probs, Problem{Kind: ProblemCorrupt, Digest: b.h, Detail: (&CorruptBlobError{Digest: b.h, Got: got}).Error()})
			corrupt[b.h] = true
		}
	}
	for _, p := range strays {
		probs = append(probs, Problem{Kind: ProblemStray, Path: p, Detail: "not a sha256 blob; remove it"})
	}
	idx, err := s.readIndex()
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	seen := map[v1.Hash]bool{}
	for _, d := range idx.Manifests {
		ref := refName(d)
		if ref == "" {
			ref = d.Digest.String()
		}
		_ = s.walk([]v1.Descriptor{d}, func(c v1.Descriptor) error {
			if seen[c.Digest] {
				return nil
			}
			if !s.HasBlob(c.Digest) {
				seen[c.Digest] = true
				probs = append(probs, Problem{Kind: ProblemMissing, Digest: c.Digest, Ref: ref, Detail: fmt.Sprintf("needed by %s; pull or build it again", ref)})
				return nil
			}
			if corrupt[c.Digest] {
				return errStop // already reported; its children cannot be trusted
			}
			if c.MediaType.IsImage() || c.MediaType.IsIndex() {
				if _, err := s.children(c); err != nil {
					seen[c.Digest] = true
					probs = append(probs, Problem{Kind: ProblemManifest, Digest: c.Digest, Ref: ref, Detail: err.Error()})
				}
			}
			return nil
		})
	}
	cacheProbs, err := s.verifyCache()
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	probs = append(probs, cacheProbs...)
	temps, err := s.listTemp()
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	for _, t := range temps {
		probs = append(probs, Problem{Kind: ProblemTempFile, Path: t.rel, Detail: "left by an interrupted write; `hoist prune --local` removes it"})
	}
	snapProbs, err := s.verifySnapshots(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: snapshots: %w", err)
	}
	probs = append(probs, snapProbs...)
	return probs, nil
}

package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// CorruptBlobError reports a blob whose content does not match its digest.
type CorruptBlobError struct {
	Digest v1.Hash
	Got    v1.Hash
}

func (e *CorruptBlobError) Error() string {
	return fmt.Sprintf("blob %s in the local store is corrupt (its content hashes to %s); run `hoist prune --local` to remove corrupt blobs, then pull or build the image again", e.Digest, e.Got)
}

// WriteBlob stores the content of r. When want is non-zero the content must
// hash to it: a mismatch is an error and leaves nothing behind. When want is
// already present, r is not read. It returns the digest and size.
func (s *Store) WriteBlob(ctx context.Context, r io.Reader, want v1.Hash) (v1.Hash, int64, error) {
	if want != (v1.Hash{}) {
		if want.Algorithm != "sha256" {
			return v1.Hash{}, 0, fmt.Errorf("write blob %s: unsupported digest algorithm %q", want, want.Algorithm)
		}
		if fi, err := s.touch(want); err == nil {
			return want, fi.Size(), nil
		}
	}
	f, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), tmpPrefix+"blob-")
	if err != nil {
		return v1.Hash{}, 0, fmt.Errorf("write blob: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return v1.Hash{}, 0, fmt.Errorf("write blob %s: %w", want, err)
	}
	got := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
	if want != (v1.Hash{}) && got != want {
		return v1.Hash{}, 0, fmt.Errorf("write blob: content hashes to %s, expected %s (the source is corrupt or changed while reading)", got, want)
	}
	if _, err := s.touch(got); err == nil {
		return got, n, nil
	}
	if err := os.Chmod(tmp, 0o444); err != nil {
		return v1.Hash{}, 0, fmt.Errorf("write blob %s: %w", got, err)
	}
	if err := os.Rename(tmp, s.blobPath(got)); err != nil {
		return v1.Hash{}, 0, fmt.Errorf("write blob %s: %w", got, err)
	}
	if err := syncDir(filepath.Dir(s.blobPath(got))); err != nil {
		return v1.Hash{}, 0, fmt.Errorf("write blob %s: %w", got, err)
	}
	return got, n, nil
}

// touch refreshes the mtime of an existing blob: a blob about to be
// referenced again must look recent to a concurrent GC's grace period.
func (s *Store) touch(h v1.Hash) (os.FileInfo, error) {
	p := s.blobPath(h)
	now := time.Now()
	if err := os.Chtimes(p, now, now); err != nil {
		return nil, err
	}
	return os.Stat(p)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// HasBlob reports whether the blob is present (without verifying it).
func (s *Store) HasBlob(h v1.Hash) bool {
	if h.Algorithm != "sha256" || len(h.Hex) != 64 {
		return false
	}
	_, err := os.Stat(s.blobPath(h))
	return err == nil
}

// Blob opens a blob. The reader verifies the digest as it is read: reading
// to EOF a blob whose content does not match returns a *CorruptBlobError
// instead of io.EOF.
func (s *Store) Blob(h v1.Hash) (io.ReadCloser, error) {
	if h.Algorithm != "sha256" || len(h.Hex) != 64 {
		return nil, fmt.Errorf("blob %s: unsupported digest", h)
	}
	f, err := os.Open(s.blobPath(h))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("blob %s is missing from the local store; pull or build the image again: %w", h, err)
		}
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	return &verifyingReader{f: f, h: sha256.New(), want: h}, nil
}

// readBlob reads a whole (small) blob, verified.
func (s *Store) readBlob(h v1.Hash) ([]byte, error) {
	rc, err := s.Blob(h)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

type verifyingReader struct {
	f    *os.File
	h    hash.Hash
	want v1.Hash
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		got := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(v.h.Sum(nil))}
		if got != v.want {
			return n, &CorruptBlobError{Digest: v.want, Got: got}
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.f.Close() }

// verifyBlobFile hashes a blob file; used by Verify and GC.
func verifyBlobFile(path string) (v1.Hash, error) {
	f, err := os.Open(path)
	if err != nil {
		return v1.Hash{}, err
	}
	defer f.Close()
	h, _, err := v1.SHA256(f)
	return h, err
}

//go:build !linux

package layer

import (
	"context"
	"errors"
	"fmt"

	"github.com/hoistci/hoist/build/buildfs"
)

var errFallbackUnsupported = fmt.Errorf("the snapshot-and-compare fallback needs Linux: %w", errors.ErrUnsupported)

// ExtractTree writes fsys into dir as a writable root file system for a
// RUN; it needs Linux (see the Linux implementation's documentation).
func ExtractTree(ctx context.Context, fsys buildfs.FS, dir string) error {
	return fmt.Errorf("extract the root file system to %s: %w", dir, errFallbackUnsupported)
}

// DiffDir compares a root file system after a RUN with the tree it was
// extracted from; it needs Linux.
func DiffDir(ctx context.Context, before buildfs.FS, dir string) ([]*buildfs.Entry, error) {
	return nil, fmt.Errorf("compare %s with the image: %w", dir, errFallbackUnsupported)
}

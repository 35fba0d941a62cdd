//go:build !linux

package layer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hoistci/hoist/build/buildfs"
)

var errOverlayUnsupported = fmt.Errorf("overlay snapshots need Linux: %w", errors.ErrUnsupported)

// ExtractOverlay extracts one layer into dir in overlay form; it needs
// Linux (see the Linux implementation's documentation).
func ExtractOverlay(ctx context.Context, r io.Reader, dir string) error {
	return fmt.Errorf("extract layer to %s: %w", dir, errOverlayUnsupported)
}

// DiffEntries reads an overlay upper directory as layer entries; it needs
// Linux.
func DiffEntries(upperDir string) ([]*buildfs.Entry, error) {
	return nil, fmt.Errorf("read overlay upper directory %s: %w", upperDir, errOverlayUnsupported)
}

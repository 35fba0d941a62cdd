//go:build !linux

package layer

import (
	"errors"
	"os"
	"time"

	"github.com/hoistci/hoist/build/buildfs"
)

// lutimes is a no-op here: os.Root has no way to set a symlink's own times.
func lutimes(*os.Root, string, time.Time) error { return nil }

// mknod is unsupported here; Extract skips such entries.
func mknod(*os.Root, string, *buildfs.Entry) error { return errors.ErrUnsupported }

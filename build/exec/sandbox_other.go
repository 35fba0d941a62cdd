//go:build !linux

package exec

import (
	"context"
	"runtime"
)

// Run reports that the sandbox needs Linux.
func (Sandbox) Run(ctx context.Context, s Spec) error {
	return &UnavailableError{
		What: "the built-in sandbox needs Linux namespaces and overlayfs (this is " + runtime.GOOS + ")",
		Hint: "run the build on Linux, or use --builder buildkit://ADDRESS",
	}
}

// Init returns false: there is no sandbox init outside Linux.
func Init() bool { return false }

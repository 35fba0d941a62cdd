//go:build !linux

package exec

import (
	"context"
	"fmt"
	"runtime"
)

// Run fails: OCI runtimes run Linux containers, on Linux.
func (r *Runtime) Run(ctx context.Context, s Spec) error {
	return &UnavailableError{
		What: fmt.Sprintf("%s runs Linux containers only (this is %s)", r.name(), runtime.GOOS),
		Hint: "run hoist build on Linux, or use --builder buildkit://...",
	}
}

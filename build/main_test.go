package build_test

import (
	"os"
	"testing"

	"github.com/hoistci/hoist/build/exec"
)

// TestMain lets the RUN sandbox re-execute the test binary as its child.
func TestMain(m *testing.M) {
	if exec.Init() {
		return
	}
	os.Exit(m.Run())
}

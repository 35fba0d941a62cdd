package exec

import (
	"os"
	"testing"
)

// TestMain lets the test binary be the sandbox's init (Sandbox re-executes
// /proc/self/exe).
func TestMain(m *testing.M) {
	if Init() {
		return
	}
	os.Exit(m.Run())
}

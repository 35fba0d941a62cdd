//go:build !linux

package exec

// OverlaySupported reports false: overlay roots need Linux.
func OverlaySupported() bool { return false }

// OverlaySupportedAt reports false: overlay roots need Linux.
func OverlaySupportedAt(dir string) bool { return false }

package exec

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// Sandbox is the built-in Linux executor: the command runs in new mount,
// PID, UTS and IPC namespaces (and a new network namespace with only
// loopback up for Network "none") on an overlay of Spec.Lower and
// Spec.Upper, without a daemon or an OCI runtime.
//
// Run re-executes the current binary (/proc/self/exe) as the namespaces'
// init, so every binary that uses Sandbox must call Init first thing in
// main (and test binaries in TestMain).
//
// Mount points that the image lacks (/proc, /dev, /sys, /etc/hosts,
// /etc/resolv.conf, the targets of Spec.Mounts) are created in a private
// tmpfs layer stacked above the image's lowers, never in Spec.Upper: the
// upper directory, which becomes the layer, receives only what the command
// changed (plus Cwd when it had to be created, as BuildKit does).
//
// With Spec.Rootfs the root is that directory, bind-mounted, instead of an
// overlay (for where overlayfs cannot be mounted; see OverlaySupported):
// the missing mount points are then created in it for the run and
// removed afterwards.
//
// Run returns an *ExitError when the command exits non-zero, an
// *UnavailableError when namespaces cannot be created (and one that also
// matches ErrNoOverlay when overlayfs cannot be mounted, so the caller can
// fall back to snapshot-and-compare).
type Sandbox struct{}

var _ Executor = Sandbox{}

// ErrNoOverlay matches (errors.Is) the *UnavailableError that Sandbox.Run
// returns when overlayfs cannot be mounted here, e.g. inside a container
// whose own root is an overlay.
var ErrNoOverlay = errors.New("overlayfs cannot be mounted")

// noOverlayError is an *UnavailableError that also matches ErrNoOverlay.
type noOverlayError struct{ *UnavailableError }

func (e noOverlayError) Unwrap() []error { return []error{e.UnavailableError, ErrNoOverlay} }

// tailLines is how many lines of output an ExitError carries.
const tailLines = 20

// tail keeps the last lines written to it by one or more streams.
type tail struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.partial = append(t.partial, p...)
			// A line without end must not grow without bound.
			if len(t.partial) > 4096 {
				t.partial = t.partial[len(t.partial)-4096:]
			}
			break
		}
		t.partial = append(t.partial, p[:i]...)
		t.push(string(bytes.TrimSuffix(t.partial, []byte("\r"))))
		t.partial = t.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (t *tail) push(line string) {
	if len(t.lines) == tailLines {
		copy(t.lines, t.lines[1:])
		t.lines = t.lines[:tailLines-1]
	}
	t.lines = append(t.lines, line)
}

// Lines returns the kept lines, the unterminated last one included.
func (t *tail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.lines...)
	if len(t.partial) > 0 {
		out = append(out, string(t.partial))
		if len(out) > tailLines {
			out = out[1:]
		}
	}
	return out
}

// teeWriter writes to w (if any) and to the tail; a failing w does not stop
// the command (its output is then only kept in the tail).
type teeWriter struct {
	w    io.Writer
	tail *tail
}

func (t teeWriter) Write(p []byte) (int, error) {
	if t.w != nil {
		_, _ = t.w.Write(p)
	}
	return t.tail.Write(p)
}

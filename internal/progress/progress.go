// Package progress carries build progress from the builder to the user: the
// builder reports Events to a Reporter, and cmd/hoist picks the renderer
// that turns them into output (--progress auto|tty|plain|json|quiet).
package progress

import (
	"fmt"
	"io"
	"time"
)

// Kind says what an Event reports.
type Kind string

const (
	// KindStart: a vertex (a step, "#4") begins; Name describes it.
	KindStart Kind = "start"
	// KindCached: the vertex was answered by the cache.
	KindCached Kind = "cached"
	// KindDone: the vertex finished; Duration is how long it took (when
	// zero, renderers measure from its start event).
	KindDone Kind = "done"
	// KindError: the vertex failed with Error.
	KindError Kind = "error"
	// KindLog: Message is a line of output of the vertex.
	KindLog Kind = "log"
	// KindStatus: bytes progress of an item of the vertex (an upload or a
	// download): Message names the item, Current and Total count bytes.
	KindStatus Kind = "status"
	// KindWarning: Message is a warning, of the vertex or (ID 0) of the build.
	KindWarning Kind = "warning"
	// KindSummary: Message is the build's final line (digest, time, hits).
	KindSummary Kind = "summary"
)

// Event is one thing that happened during a build. Its JSON form is the
// --progress=json API: field names are stable.
type Event struct {
	Time time.Time `json:"time"`
	Kind Kind      `json:"kind"`
	// ID is the vertex number ("#4" in the plain output), stable per step.
	ID int `json:"id"`
	// Name describes the vertex, e.g. "[build 2/6] COPY src/ /app/src/".
	Name string `json:"name,omitempty"`
	// Duration is in nanoseconds in the JSON form.
	Duration time.Duration `json:"duration,omitempty"`
	Current  int64         `json:"current,omitempty"`
	Total    int64         `json:"total,omitempty"`
	Message  string        `json:"message,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// Reporter receives events. Implementations are safe for concurrent use:
// the stages of a build report from their own goroutines.
type Reporter interface {
	Report(Event)
}

// Nop discards events.
type Nop struct{}

// Report discards e.
func (Nop) Report(Event) {}

// Close does nothing.
func (Nop) Close() error { return nil }

// Renderer is a Reporter that writes to a terminal or a file. Close must be
// called once the build ends: it draws the final view and the summary.
type Renderer interface {
	Reporter
	io.Closer
}

// Modes lists the valid --progress values.
var Modes = []string{"auto", "tty", "plain", "json", "quiet", "github"}

// New returns the renderer for a --progress mode writing to w. isTTY says
// whether w is a terminal: auto means tty when it is and plain when it is
// not, and tty degrades to plain on a non-terminal (redrawing in place
// would garble a file). color enables ANSI colours in the tty view.
func New(mode string, w io.Writer, isTTY bool, color bool) (Renderer, error) {
	return newRenderer(mode, w, isTTY, color, options{})
}

// options are the seams tests use: a fake clock, no background ticker, a
// fixed terminal size.
type options struct {
	now      func() time.Time
	interval time.Duration // tty redraw period; <0 disables the ticker
	width    int
	height   int
}

func (o options) clock() func() time.Time {
	if o.now != nil {
		return o.now
	}
	return time.Now
}

func newRenderer(mode string, w io.Writer, isTTY, color bool, o options) (Renderer, error) {
	switch mode {
	case "auto", "tty":
		if isTTY {
			return newTTY(w, color, o), nil
		}
		return newPlain(w, o), nil
	case "plain":
		return newPlain(w, o), nil
	case "github":
		// The plain output with each step's lines in a GitHub Actions log
		// group (every line still starts with "#N", so no line the
		// Dockerfile controls can be taken for a workflow command).
		pl := newPlain(w, o)
		pl.groups = true
		return pl, nil
	case "json":
		return newJSON(w, o), nil
	case "quiet":
		return Nop{}, nil
	}
	return nil, fmt.Errorf("invalid --progress %q: use auto, tty, plain, json, quiet or github", mode)
}

// formatBytes renders a byte count as BuildKit does (binary multiples,
// two decimals): 1.50kB, 54.53MB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	f := float64(n)
	suffixes := []string{"kB", "MB", "GB", "TB", "PB", "EB"}
	i := -1
	for f >= unit && i < len(suffixes)-1 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.2f%s", f, suffixes[i])
}

// formatSeconds renders a duration as BuildKit's "0.4s".
func formatSeconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

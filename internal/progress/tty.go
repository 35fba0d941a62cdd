package progress

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	// ttyInterval throttles redraws to about 10 per second.
	ttyInterval = 100 * time.Millisecond
	// ttyLogLines is how many recent log lines a running vertex shows.
	ttyLogLines = 5
	// defaultWidth is used when the terminal's size cannot be read.
	defaultWidth = 80
)

// ANSI sequences of the live view.
const (
	ansiUp         = "\x1b[%dA"
	ansiEraseLine  = "\x1b[K"
	ansiEraseBelow = "\x1b[J"
	ansiHideCursor = "\x1b[?25l"
	ansiShowCursor = "\x1b[?25h"
	ansiBlue       = "\x1b[34m"
	ansiRed        = "\x1b[31m"
	ansiYellow     = "\x1b[33m"
	ansiBold       = "\x1b[1m"
	ansiReset      = "\x1b[0m"
)

type vertexState int

const (
	stateRunning vertexState = iota
	stateCached
	stateDone
	stateError
)

type ttyVertex struct {
	id       int
	name     string
	state    vertexState
	started  time.Time
	duration time.Duration // of a finished vertex
	err      string
	logs     []string // the last ttyLogLines lines
	statuses []*ttyStatus
}

type ttyStatus struct {
	item           string
	current, total int64
}

// tty is the live view: the frame (a header and one line per vertex, with
// the transfers and last log lines of running vertices) is redrawn in
// place by a ticker; warnings and the summary follow the final frame.
type tty struct {
	mu       sync.Mutex
	w        io.Writer
	color    bool
	now      func() time.Time
	width    int
	height   int
	autoSize bool // re-read the terminal's size at each redraw
	sync     bool // redraw on every event (tests), no ticker
	started  time.Time
	vertices map[int]*ttyVertex
	order    []*ttyVertex
	warnings []string
	errors   []string
	summary  []string
	lines    int // lines of the frame on screen
	dirty    bool
	closed   bool
	stop     chan struct{}
	stopped  chan struct{}
	buf      bytes.Buffer
}

func newTTY(w io.Writer, color bool, o options) *tty {
	t := &tty{
		w: w, color: color, now: o.clock(),
		width: o.width, height: o.height,
		vertices: map[int]*ttyVertex{},
	}
	if t.width <= 0 {
		t.autoSize = true
		t.resize()
	}
	interval := o.interval
	if interval == 0 {
		interval = ttyInterval
	}
	if interval < 0 {
		t.sync = true
		return t
	}
	t.stop, t.stopped = make(chan struct{}), make(chan struct{})
	go t.tick(interval)
	return t
}

// resize follows the terminal's size (the user may resize the window).
func (t *tty) resize() {
	if cols, rows := terminalSize(t.w); cols > 0 {
		t.width, t.height = cols, rows
	} else {
		t.width, t.height = defaultWidth, 0
	}
}

func (t *tty) tick(interval time.Duration) {
	defer close(t.stopped)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-ticker.C:
			t.mu.Lock()
			if t.dirty || t.running() {
				t.draw(false)
			}
			t.mu.Unlock()
		}
	}
}

func (t *tty) running() bool {
	for _, v := range t.order {
		if v.state == stateRunning {
			return true
		}
	}
	return false
}

func (t *tty) Report(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	if e.Time.IsZero() {
		e.Time = t.now()
	}
	if t.started.IsZero() {
		t.started = e.Time
	}
	t.update(e)
	t.dirty = true
	if t.sync {
		t.draw(false)
	}
}

func (t *tty) update(e Event) {
	switch e.Kind {
	case KindSummary:
		t.summary = append(t.summary, oneLine(e.Message))
		return
	case KindWarning:
		msg := oneLine(e.Message)
		if v := t.vertices[e.ID]; v != nil && v.name != "" {
			msg = v.name + ": " + msg
		}
		t.warnings = append(t.warnings, msg)
		return
	}
	if e.ID == 0 && e.Kind == KindError {
		t.errors = append(t.errors, oneLine(firstNonEmpty(e.Error, e.Message)))
		return
	}
	v := t.vertices[e.ID]
	if v == nil {
		v = &ttyVertex{id: e.ID, started: e.Time}
		t.vertices[e.ID] = v
		t.order = append(t.order, v)
	}
	if e.Name != "" {
		v.name = e.Name
	}
	switch e.Kind {
	case KindStart:
		v.state, v.started = stateRunning, e.Time
	case KindCached:
		v.state = stateCached
	case KindDone:
		v.state, v.duration = stateDone, e.Duration
		if v.duration == 0 {
			v.duration = e.Time.Sub(v.started)
		}
	case KindError:
		v.state, v.err = stateError, firstNonEmpty(e.Error, e.Message)
		v.duration = e.Duration
		if v.duration == 0 {
			v.duration = e.Time.Sub(v.started)
		}
	case KindLog:
		v.logs = append(v.logs, splitLines(e.Message)...)
		if n := len(v.logs); n > ttyLogLines {
			v.logs = append(v.logs[:0], v.logs[n-ttyLogLines:]...)
		}
	case KindStatus:
		for _, s := range v.statuses {
			if s.item == e.Message {
				s.current, s.total = e.Current, e.Total
				return
			}
		}
		v.statuses = append(v.statuses, &ttyStatus{item: e.Message, current: e.Current, total: e.Total})
	}
}

// Close stops the ticker, draws the final frame and prints the warnings,
// errors and summary below it.
func (t *tty) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	if t.stop != nil {
		close(t.stop)
		<-t.stopped
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.order) > 0 || t.lines > 0 {
		t.draw(true)
	}
	t.buf.Reset()
	if n := len(t.warnings); n > 0 {
		t.buf.WriteString(t.paint(ansiYellow, fmt.Sprintf("%d %s found:", n, plural(n, "warning", "warnings"))) + "\n")
		for _, w := range t.warnings {
			t.buf.WriteString(t.paint(ansiYellow, " - "+w) + "\n")
		}
	}
	for _, e := range t.errors {
		t.buf.WriteString(t.paint(ansiRed, "ERROR: "+e) + "\n")
	}
	for _, s := range t.summary {
		t.buf.WriteString(s + "\n")
	}
	if t.buf.Len() > 0 {
		_, err := t.w.Write(t.buf.Bytes())
		return err
	}
	return nil
}

// draw replaces the frame on screen with the current one. Lines are
// overwritten in place (erasing each one's tail) rather than cleared
// first, so the view does not flicker.
func (t *tty) draw(final bool) {
	if t.autoSize {
		t.resize()
	}
	frame := t.frame(final)
	t.buf.Reset()
	if t.lines == 0 && !final {
		t.buf.WriteString(ansiHideCursor)
	}
	if t.lines > 0 {
		fmt.Fprintf(&t.buf, ansiUp, t.lines)
		t.buf.WriteByte('\r')
	}
	for _, l := range frame {
		t.buf.WriteString(l)
		t.buf.WriteString(ansiEraseLine)
		t.buf.WriteByte('\n')
	}
	t.buf.WriteString(ansiEraseBelow)
	if final {
		t.buf.WriteString(ansiShowCursor)
	}
	_, _ = t.w.Write(t.buf.Bytes())
	t.lines = len(frame)
	t.dirty = false
}

// frame renders the view: each line fits the terminal's width. A live
// frame must stay shorter than the terminal (a line scrolled off the screen
// cannot be redrawn in place): finished steps give way first, then the
// oldest log lines, then the oldest steps.
func (t *tty) frame(final bool) []string {
	now := t.now()
	finished := 0
	for _, v := range t.order {
		if v.state != stateRunning {
			finished++
		}
	}
	header := fmt.Sprintf("[+] Building %s (%d/%d)", formatSeconds(now.Sub(t.started)), finished, len(t.order))
	if final {
		header += " FINISHED"
	}
	blocks := make([]vertexBlock, 0, len(t.order))
	total := 1
	for _, v := range t.order {
		b := t.vertexBlock(v, now)
		blocks = append(blocks, b)
		total += len(b.head) + len(b.logs)
	}
	limit := t.height - 1
	if !final && t.height > 1 {
		for i := range blocks {
			if total <= limit {
				break
			}
			if b := &blocks[i]; b.finished {
				total -= len(b.head) + len(b.logs)
				b.head, b.logs = nil, nil
			}
		}
		for i := 0; i < len(blocks) && total > limit; {
			if b := &blocks[i]; len(b.logs) > 0 {
				b.logs = b.logs[1:]
				total--
				continue
			}
			i++
		}
	}
	out := []string{t.paint(ansiBold, fit(header, t.width))}
	for _, b := range blocks {
		out = append(out, b.head...)
		out = append(out, b.logs...)
	}
	if !final && t.height > 1 && len(out) > limit {
		out = append(out[:1], out[len(out)-(limit-1):]...)
	}
	return out
}

// vertexBlock is a vertex's lines in the view: head (the step and its
// transfers) and its recent log lines.
type vertexBlock struct {
	head, logs []string
	finished   bool
}

func (t *tty) vertexBlock(v *ttyVertex, now time.Time) vertexBlock {
	var b vertexBlock
	switch v.state {
	case stateCached:
		b.finished = true
		b.head = append(b.head, t.paint(ansiBlue, fit(" => CACHED "+v.name, t.width)))
	case stateDone:
		b.finished = true
		b.head = append(b.head, t.paint(ansiBlue, columns(" => DONE "+v.name, formatSeconds(v.duration), t.width)))
	case stateError:
		b.head = append(b.head, t.paint(ansiRed, columns(" => ERROR "+v.name, formatSeconds(v.duration), t.width)))
		for _, l := range v.logs {
			b.logs = append(b.logs, t.paint(ansiRed, fit(" => # "+l, t.width)))
		}
		b.logs = append(b.logs, t.paint(ansiRed, fit(" => # ERROR: "+oneLine(v.err), t.width)))
	case stateRunning:
		b.head = append(b.head, columns(" => "+v.name, formatSeconds(now.Sub(v.started)), t.width))
		for _, s := range v.statuses {
			text := " => => " + oneLine(s.item)
			switch {
			case s.total > 0:
				text += fmt.Sprintf(" %s / %s", formatBytes(s.current), formatBytes(s.total))
			case s.current > 0:
				text += " " + formatBytes(s.current)
			}
			b.head = append(b.head, fit(text, t.width))
		}
		for _, l := range v.logs {
			b.logs = append(b.logs, fit(" => # "+l, t.width))
		}
	}
	return b
}

func (t *tty) paint(color, s string) string {
	if !t.color {
		return s
	}
	return color + s + ansiReset
}

// fit cuts s to width-1 runes: writing into a terminal's last column wraps
// on some terminals, which would break the redraw's line count.
func fit(s string, width int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	limit := width - 1
	if limit < 1 || utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	if limit > 3 {
		return string(r[:limit-3]) + "..."
	}
	return string(r[:limit])
}

// columns puts right at the right edge of a line holding left, cutting
// left when both do not fit.
func columns(left, right string, width int) string {
	room := width - 1 - utf8.RuneCountInString(right) - 1
	if room < 1 {
		return fit(left+" "+right, width)
	}
	left = fit(left, room+1)
	pad := room - utf8.RuneCountInString(left)
	return left + strings.Repeat(" ", pad+1) + right
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

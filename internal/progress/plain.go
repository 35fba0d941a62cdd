package progress

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Status lines of an unfinished transfer are printed when they moved by at
// least this share of the total or this much time passed (as BuildKit).
const (
	minStatusDelta = 0.05
	minStatusTime  = 5 * time.Second
)

// plain writes BuildKit's plain progress: a vertex's lines are grouped
// under its "#N name" header; when events of another vertex interrupt an
// unfinished one, "#N ..." marks the break and the header is repeated on
// return. Every line is written whole, in one Write.
type plain struct {
	mu       sync.Mutex
	w        io.Writer
	now      func() time.Time
	vertices map[int]*plainVertex
	current  int // the vertex whose header is open; -1 none
	notFirst bool
	buf      bytes.Buffer
	// groups folds each vertex's lines into a GitHub Actions log group
	// (the "github" mode): the group ends when the vertex does, or when
	// another vertex's lines interrupt it (its lines then continue in a
	// new group, as the plain output repeats the header).
	groups bool
}

type plainVertex struct {
	name    string
	started time.Time
	status  map[string]lastStatus
}

type lastStatus struct {
	current int64
	first   time.Time
	printed time.Time
}

func newPlain(w io.Writer, o options) *plain {
	return &plain{w: w, now: o.clock(), vertices: map[int]*plainVertex{}, current: -1}
}

func (p *plain) Report(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = p.now()
	}
	p.buf.Reset()
	p.render(e)
	if p.buf.Len() > 0 {
		// A failing writer (a closed pipe) must not fail the build.
		_, _ = p.w.Write(p.buf.Bytes())
	}
}

func (p *plain) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Reset()
	p.interrupt()
	if p.buf.Len() > 0 {
		_, _ = p.w.Write(p.buf.Bytes())
	}
	return nil
}

func (p *plain) vertex(e Event) *plainVertex {
	v := p.vertices[e.ID]
	if v == nil {
		v = &plainVertex{started: e.Time}
		p.vertices[e.ID] = v
	}
	if e.Name != "" {
		v.name = e.Name
	}
	return v
}

// open makes id the current vertex, printing its header when it is not.
func (p *plain) open(id int, v *plainVertex) {
	if p.current == id {
		return
	}
	p.interrupt()
	if p.groups {
		fmt.Fprintf(&p.buf, "::group::#%d %s\n", id, groupEscaper.Replace(oneLine(v.name)))
	} else {
		p.paragraph()
		fmt.Fprintf(&p.buf, "#%d %s\n", id, v.name)
	}
	p.current = id
}

// interrupt closes the open vertex's lines, if any.
func (p *plain) interrupt() {
	if p.current < 0 {
		return
	}
	if p.groups {
		p.buf.WriteString("::endgroup::\n")
	} else {
		fmt.Fprintf(&p.buf, "#%d ...\n", p.current)
	}
	p.current = -1
}

// end closes the vertex id, which just printed its last line.
func (p *plain) end() {
	if p.groups && p.current >= 0 {
		p.buf.WriteString("::endgroup::\n")
	}
	p.current = -1
}

// groupEscaper escapes a group title as GitHub's workflow command data.
var groupEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")

// paragraph starts a block of lines, separated from the previous one by a
// blank line.
func (p *plain) paragraph() {
	if p.notFirst {
		p.buf.WriteByte('\n')
	}
	p.notFirst = true
}

// standalone prints lines that belong to no vertex (ID 0 warnings and
// errors, the summary), closing any open vertex first.
func (p *plain) standalone(line string) {
	p.interrupt()
	p.paragraph()
	p.buf.WriteString(line)
	p.buf.WriteByte('\n')
}

func (p *plain) render(e Event) {
	if e.ID == 0 {
		switch e.Kind {
		case KindWarning:
			p.standalone("WARN: " + oneLine(e.Message))
			return
		case KindError:
			p.standalone("ERROR: " + oneLine(firstNonEmpty(e.Error, e.Message)))
			return
		case KindSummary:
			p.standalone(oneLine(e.Message))
			return
		}
	}
	if e.Kind == KindSummary {
		p.standalone(oneLine(e.Message))
		return
	}
	v := p.vertex(e)
	switch e.Kind {
	case KindStart:
		v.started = e.Time
		p.open(e.ID, v)
	case KindCached:
		p.open(e.ID, v)
		fmt.Fprintf(&p.buf, "#%d CACHED\n", e.ID)
		p.end()
	case KindDone:
		p.open(e.ID, v)
		d := e.Duration
		if d == 0 {
			d = e.Time.Sub(v.started)
		}
		fmt.Fprintf(&p.buf, "#%d DONE %s\n", e.ID, formatSeconds(d))
		p.end()
	case KindError:
		p.open(e.ID, v)
		fmt.Fprintf(&p.buf, "#%d ERROR: %s\n", e.ID, oneLine(firstNonEmpty(e.Error, e.Message)))
		p.end()
	case KindLog:
		p.open(e.ID, v)
		offset := fmt.Sprintf("%.3f", max(e.Time.Sub(v.started), 0).Seconds())
		for _, line := range splitLines(e.Message) {
			fmt.Fprintf(&p.buf, "#%d %s %s\n", e.ID, offset, line)
		}
	case KindWarning:
		p.open(e.ID, v)
		fmt.Fprintf(&p.buf, "#%d WARN: %s\n", e.ID, oneLine(e.Message))
	case KindStatus:
		if !v.statusDue(e) {
			return
		}
		p.open(e.ID, v)
		fmt.Fprintf(&p.buf, "#%d %s\n", e.ID, statusLine(e, v.status[e.Message].first))
	default:
		p.open(e.ID, v)
		fmt.Fprintf(&p.buf, "#%d %s: %s\n", e.ID, e.Kind, oneLine(e.Message))
	}
}

// statusDue throttles the status lines of one item: the first, the last
// (Current reached Total) and those that moved enough are printed.
func (v *plainVertex) statusDue(e Event) bool {
	if v.status == nil {
		v.status = map[string]lastStatus{}
	}
	last, seen := v.status[e.Message]
	if !seen {
		v.status[e.Message] = lastStatus{current: e.Current, first: e.Time, printed: e.Time}
		return true
	}
	complete := e.Total > 0 && e.Current >= e.Total
	if !complete {
		var delta float64
		if e.Total > 0 {
			delta = float64(e.Current-last.current) / float64(e.Total)
		}
		if delta < minStatusDelta && e.Time.Sub(last.printed) < minStatusTime {
			return false
		}
	}
	last.current, last.printed = e.Current, e.Time
	v.status[e.Message] = last
	return true
}

// statusLine renders "pushing layer 1.20MB / 5.00MB 0.3s done".
func statusLine(e Event, first time.Time) string {
	var b strings.Builder
	b.WriteString(oneLine(e.Message))
	switch {
	case e.Total > 0:
		fmt.Fprintf(&b, " %s / %s", formatBytes(e.Current), formatBytes(e.Total))
	case e.Current > 0:
		fmt.Fprintf(&b, " %s", formatBytes(e.Current))
	}
	if d := e.Time.Sub(first); d > 10*time.Millisecond {
		fmt.Fprintf(&b, " %s", formatSeconds(d))
	}
	if e.Total > 0 && e.Current >= e.Total {
		b.WriteString(" done")
	}
	return b.String()
}

// splitLines splits a log message into its lines, without the final
// newline; a carriage return (a progress bar redrawing itself) starts a
// new line too.
func splitLines(s string) []string {
	s = strings.TrimRight(s, "\r\n")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

// oneLine keeps a message on its line: newlines become spaces.
func oneLine(s string) string {
	s = strings.TrimRight(s, "\r\n")
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

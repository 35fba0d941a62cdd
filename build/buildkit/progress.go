package buildkit

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
	digest "github.com/opencontainers/go-digest"

	"github.com/hoistci/hoist/internal/progress"
)

// display renders BuildKit's status stream for a --progress mode: auto and
// tty through BuildKit's own console view (plain when out is not a
// terminal), plain as BuildKit prints it, json as hoist's progress events
// (the stable --progress=json API, the same for both builders), quiet not
// at all.
type display interface {
	run(ctx context.Context, ch chan *client.SolveStatus) ([]client.VertexWarning, error)
}

func newDisplay(mode string, out io.Writer) (display, error) {
	if out == nil {
		mode = "quiet"
	}
	var m progressui.DisplayMode
	switch mode {
	case "", "auto", "tty":
		m = progressui.AutoMode
	case "plain":
		m = progressui.PlainMode
	case "quiet":
		m = progressui.QuietMode
	case "json":
		r, err := progress.New("json", out, false, false)
		if err != nil {
			return nil, err
		}
		return &eventDisplay{rep: r, ids: map[digest.Digest]int{}, seen: map[digest.Digest]progress.Kind{}}, nil
	case "rawjson":
		m = progressui.RawJSONMode
	default:
		return nil, fmt.Errorf("unknown progress mode %q: use %s", mode, strings.Join(progress.Modes, ", "))
	}
	d, err := progressui.NewDisplay(out, m)
	if err != nil {
		return nil, err
	}
	return uiDisplay{d}, nil
}

type uiDisplay struct{ d progressui.Display }

func (u uiDisplay) run(ctx context.Context, ch chan *client.SolveStatus) ([]client.VertexWarning, error) {
	return u.d.UpdateFrom(ctx, ch)
}

// eventDisplay turns BuildKit's statuses into hoist's progress events:
// vertex start, cached, done and error, log lines, byte counts, warnings.
type eventDisplay struct {
	rep  progress.Renderer
	ids  map[digest.Digest]int
	seen map[digest.Digest]progress.Kind
}

func (e *eventDisplay) id(d digest.Digest) int {
	if n, ok := e.ids[d]; ok {
		return n
	}
	n := len(e.ids) + 1
	e.ids[d] = n
	return n
}

func (e *eventDisplay) run(ctx context.Context, ch chan *client.SolveStatus) ([]client.VertexWarning, error) {
	defer e.rep.Close()
	var warnings []client.VertexWarning
	names := map[digest.Digest]string{}
	for ss := range ch {
		for _, v := range ss.Vertexes {
			names[v.Digest] = v.Name
			id := e.id(v.Digest)
			ev := progress.Event{ID: id, Name: v.Name}
			switch {
			case v.Error != "":
				ev.Kind, ev.Error = progress.KindError, v.Error
			case v.Cached:
				ev.Kind = progress.KindCached
			case v.Completed != nil:
				ev.Kind = progress.KindDone
				if v.Started != nil {
					ev.Duration = v.Completed.Sub(*v.Started)
				}
			case v.Started != nil:
				ev.Kind = progress.KindStart
			default:
				continue
			}
			prev := e.seen[v.Digest]
			if prev == ev.Kind || (prev != "" && prev != progress.KindStart && ev.Kind != progress.KindError) {
				// BuildKit sends a vertex again when it runs a part of it
				// again (loading the Dockerfile, cache lookups): the first
				// end of a vertex is its end.
				continue
			}
			if ev.Kind != progress.KindStart && prev == "" {
				// A vertex seen finished first still gets its start.
				e.rep.Report(progress.Event{Time: eventTime(v.Started), Kind: progress.KindStart, ID: id, Name: v.Name})
			}
			e.seen[v.Digest] = ev.Kind
			ev.Time = eventTime(v.Completed)
			if ev.Kind == progress.KindStart {
				ev.Time = eventTime(v.Started)
			}
			e.rep.Report(ev)
		}
		for _, s := range ss.Statuses {
			if s.Total == 0 && s.Current == 0 {
				continue
			}
			e.rep.Report(progress.Event{Time: s.Timestamp, Kind: progress.KindStatus, ID: e.id(s.Vertex), Name: names[s.Vertex], Message: s.ID, Current: s.Current, Total: s.Total})
		}
		for _, l := range ss.Logs {
			for line := range strings.SplitSeq(strings.TrimRight(string(l.Data), "\n"), "\n") {
				e.rep.Report(progress.Event{Time: l.Timestamp, Kind: progress.KindLog, ID: e.id(l.Vertex), Name: names[l.Vertex], Message: line})
			}
		}
		for _, w := range ss.Warnings {
			warnings = append(warnings, *w)
			id := 0
			if w.Vertex != "" {
				id = e.id(w.Vertex)
			}
			e.rep.Report(progress.Event{Time: time.Now(), Kind: progress.KindWarning, ID: id, Message: string(w.Short)})
		}
	}
	return warnings, nil
}

func eventTime(t *time.Time) time.Time {
	if t == nil {
		return time.Now()
	}
	return *t
}

// stats counts, from the status stream, what hoist's result reports: the
// Dockerfile steps that make a layer answered by the cache or run, and
// the bytes of blob downloads.
type stats struct {
	mu       sync.Mutex
	vertices map[digest.Digest]*client.Vertex
	// cached are the vertices ever reported cached: BuildKit may report a
	// cached step again, not cached, while it loads its layers.
	cached map[digest.Digest]bool
	// transfers are the byte counts of layer downloads ("sha256:..."
	// statuses), by vertex and blob: the last count of each.
	transfers map[digest.Digest]map[string]int64
}

func newStats() *stats {
	return &stats{vertices: map[digest.Digest]*client.Vertex{}, cached: map[digest.Digest]bool{}, transfers: map[digest.Digest]map[string]int64{}}
}

func (s *stats) add(ss *client.SolveStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range ss.Vertexes {
		s.vertices[v.Digest] = v
		if v.Cached {
			s.cached[v.Digest] = true
		}
	}
	for _, st := range ss.Statuses {
		if !strings.HasPrefix(st.ID, "sha256:") {
			continue
		}
		m := s.transfers[st.Vertex]
		if m == nil {
			m = map[string]int64{}
			s.transfers[st.Vertex] = m
		}
		m[st.ID] = st.Current
	}
}

// stepName matches the Dockerfile frontend's step vertices:
// "[2/4] COPY ...", "[build 3/5] RUN ...", "[linux/arm64 build 2/3] RUN ...".
var stepName = regexp.MustCompile(`^\[(?:[^\]]* )?\d+/\d+\] ([A-Z]+)`)

// layerSteps are the instructions whose vertices make a layer.
var layerSteps = map[string]bool{"RUN": true, "COPY": true, "ADD": true, "WORKDIR": true}

// cache counts the layer steps answered by a cache (reported cached, or
// whose own layers were downloaded: an imported cache's hit that must be
// materialised) and those that ran.
func (s *stats) cache() (hits, misses int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for d, v := range s.vertices {
		m := stepName.FindStringSubmatch(v.Name)
		if m == nil || !layerSteps[m[1]] {
			continue
		}
		switch {
		case s.cached[d] || len(s.transfers[d]) > 0:
			hits++
		case v.Completed != nil && v.Error == "":
			misses++
		}
	}
	return hits, misses
}

// downloaded sums the layer bytes downloaded (base images, imported
// caches).
func (s *stats) downloaded() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, m := range s.transfers {
		for _, c := range m {
			n += c
		}
	}
	return n
}

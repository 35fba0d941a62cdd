package progress

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// writeRecorder keeps each Write separately, to check that no renderer
// splits a line across writes (which would interleave with other stages).
type writeRecorder struct {
	mu     sync.Mutex
	writes [][]byte
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, append([]byte(nil), p...))
	return len(p), nil
}

func (w *writeRecorder) all() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Join(w.writes, nil)
}

const (
	workers = 8
	logsPer = 50
)

func reportConcurrently(r Reporter) {
	var wg sync.WaitGroup
	for i := 1; i <= workers; i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			r.Report(Event{Kind: KindStart, ID: id, Name: fmt.Sprintf("[stage%d 1/1] COPY . /", id)})
			for j := 0; j < logsPer; j++ {
				r.Report(Event{Kind: KindLog, ID: id, Message: fmt.Sprintf("stage %d line %d", id, j)})
				r.Report(Event{Kind: KindStatus, ID: id, Message: "layer", Current: int64(j), Total: logsPer})
			}
			r.Report(Event{Kind: KindDone, ID: id})
		}(i)
	}
	wg.Wait()
}

func TestPlainConcurrent(t *testing.T) {
	var w writeRecorder
	r := newPlain(&w, options{})
	reportConcurrently(r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for _, wr := range w.writes {
		if !bytes.HasSuffix(wr, []byte("\n")) {
			t.Fatalf("a write ends mid-line: %q", wr)
		}
	}
	line := regexp.MustCompile(`^#(\d+) (.*)$`)
	logLine := regexp.MustCompile(`^\d+\.\d{3} stage (\d+) line (\d+)$`)
	next := map[int]int{}
	done := map[int]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(string(w.all()), "\n"), "\n") {
		if l == "" {
			continue
		}
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("unexpected line %q", l)
		}
		id, _ := strconv.Atoi(m[1])
		if lm := logLine.FindStringSubmatch(m[2]); lm != nil {
			if lm[1] != m[1] {
				t.Fatalf("line of stage %s under #%d: %q", lm[1], id, l)
			}
			n, _ := strconv.Atoi(lm[2])
			if n != next[id] {
				t.Fatalf("#%d: line %d after %d", id, n, next[id]-1)
			}
			next[id]++
		}
		if strings.HasPrefix(m[2], "DONE ") {
			done[id] = true
		}
	}
	for id := 1; id <= workers; id++ {
		if next[id] != logsPer || !done[id] {
			t.Errorf("#%d: %d log lines (want %d), done=%v", id, next[id], logsPer, done[id])
		}
	}
}

func TestJSONConcurrent(t *testing.T) {
	var w writeRecorder
	r := newJSON(&w, options{})
	reportConcurrently(r)
	count := 0
	for _, wr := range w.writes {
		var e Event
		if err := json.Unmarshal(wr, &e); err != nil {
			t.Fatalf("write %q is not one event: %v", wr, err)
		}
		count++
	}
	if want := workers * (2 + 2*logsPer); count != want {
		t.Errorf("%d events written, want %d", count, want)
	}
}

func TestTTYConcurrent(t *testing.T) {
	var w writeRecorder
	clock := &fakeClock{now: at(0)}
	// A fast ticker redraws while the stages report.
	r := newTTY(&w, true, options{now: clock.Now, interval: 1, width: 100})
	reportConcurrently(r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	screen := emulate(w.all(), 100)
	if !strings.HasPrefix(screen[0], "[+] Building 0.0s (8/8) FINISHED") {
		t.Errorf("final header %q", screen[0])
	}
	// Stages appear in the order they started, which the scheduler picks.
	var got, want []string
	for id := 1; id <= workers; id++ {
		want = append(want, fmt.Sprintf(" => DONE [stage%d 1/1] COPY . /", id))
	}
	for _, l := range screen[1:] {
		got = append(got, strings.TrimRight(strings.TrimSuffix(strings.TrimRight(l, " "), "0.0s"), " "))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("final frame:\n%s\nwant the lines\n%s", strings.Join(screen, "\n"), strings.Join(want, "\n"))
	}
}

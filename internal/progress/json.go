package progress

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// jsonRenderer writes one Event per line as a JSON object: the API for
// tools (field names are those of Event's tags).
type jsonRenderer struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

func newJSON(w io.Writer, o options) *jsonRenderer {
	return &jsonRenderer{w: w, now: o.clock()}
}

func (j *jsonRenderer) Report(e Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = j.now()
	}
	b, err := json.Marshal(e)
	if err != nil {
		// An Event holds only strings, numbers and a time: only a time
		// outside years 0-9999 fails, and then the event is dropped.
		return
	}
	b = append(b, '\n')
	_, _ = j.w.Write(b)
}

func (j *jsonRenderer) Close() error { return nil }

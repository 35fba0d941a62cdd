package progress

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// The JSON form is an API: these exact names and encodings are what tools
// parse.
func TestJSONFieldNames(t *testing.T) {
	var out bytes.Buffer
	r := newJSON(&out, options{})
	r.Report(Event{
		Time: t0, Kind: KindStatus, ID: 4, Name: "pushing 127.0.0.1:5000/app:1",
		Duration: 1500 * time.Millisecond, Current: 10, Total: 20,
		Message: "sha256:abc", Error: "boom",
	})
	r.Report(Event{Time: t0, Kind: KindCached, ID: 2})
	want := `{"time":"2025-01-02T03:04:05Z","kind":"status","id":4,"name":"pushing 127.0.0.1:5000/app:1","duration":1500000000,"current":10,"total":20,"message":"sha256:abc","error":"boom"}
{"time":"2025-01-02T03:04:05Z","kind":"cached","id":2}
`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestJSONRoundTripAndClock(t *testing.T) {
	var out bytes.Buffer
	clock := &fakeClock{now: at(42)}
	r := newJSON(&out, options{now: clock.Now})
	r.Report(Event{Kind: KindLog, ID: 7, Message: "hello \"world\"\n"})
	var e Event
	if err := json.Unmarshal(out.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	want := Event{Time: at(42), Kind: KindLog, ID: 7, Message: "hello \"world\"\n"}
	if e != want {
		t.Errorf("decoded %+v, want %+v", e, want)
	}
	if bytes.Count(out.Bytes(), []byte("\n")) != 1 {
		t.Errorf("an event must be exactly one line: %q", out.String())
	}
}

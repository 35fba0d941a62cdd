package progress

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// fakeClock is the renderers' clock in tests: it only moves when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

const mib = 1024 * 1024

// sequence is a build as the builder reports it: parallel vertices
// interleave, a transfer reports progress, a step fails, the build warns.
func sequence() []Event {
	return []Event{
		{Time: at(0), Kind: KindStart, ID: 1, Name: "[internal] load build definition from Dockerfile"},
		{Time: at(30), Kind: KindDone, ID: 1},
		{Time: at(40), Kind: KindStart, ID: 2, Name: "[internal] load build context"},
		{Time: at(50), Kind: KindStatus, ID: 2, Message: "transferring context", Current: 2 * mib},
		{Time: at(60), Kind: KindStart, ID: 3, Name: "[build 1/3] FROM docker.io/library/busybox@sha256:0123456789abcdef"},
		{Time: at(70), Kind: KindCached, ID: 3},
		{Time: at(900), Kind: KindStatus, ID: 2, Message: "transferring context", Current: 54 * mib},
		{Time: at(1240), Kind: KindDone, ID: 2, Duration: 1200 * time.Millisecond},
		{Time: at(1250), Kind: KindStart, ID: 4, Name: "[build 2/3] COPY src/ /app/src/"},
		{Time: at(1260), Kind: KindStart, ID: 5, Name: "[build 3/3] RUN make"},
		{Time: at(1383), Kind: KindLog, ID: 5, Message: "compiling\n"},
		{Time: at(1500), Kind: KindLog, ID: 5, Message: "line a\nline b"},
		{Time: at(1650), Kind: KindDone, ID: 4, Duration: 400 * time.Millisecond},
		{Time: at(1700), Kind: KindWarning, ID: 5, Message: "make: no rule for target all"},
		{Time: at(1800), Kind: KindError, ID: 5, Error: "RUN execution is not available yet"},
		{Time: at(1900), Kind: KindStart, ID: 6, Name: "pushing 127.0.0.1:5000/app:1"},
		{Time: at(1910), Kind: KindStatus, ID: 6, Message: "sha256:abc", Total: 5 * mib},
		{Time: at(2000), Kind: KindStatus, ID: 6, Message: "sha256:abc", Current: mib, Total: 5 * mib},
		{Time: at(2010), Kind: KindStatus, ID: 6, Message: "sha256:abc", Current: mib + 1000, Total: 5 * mib},
		{Time: at(2500), Kind: KindStatus, ID: 6, Message: "sha256:abc", Current: 5 * mib, Total: 5 * mib},
		{Time: at(2600), Kind: KindDone, ID: 6},
		{Time: at(2610), Kind: KindWarning, Message: "FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)"},
		{Kind: KindSummary, Message: "built sha256:feedface in 2.7s: 6 steps, 1 cached"},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func render(t *testing.T, mode string, w *bytes.Buffer) {
	t.Helper()
	clock := &fakeClock{now: at(2700)}
	r, err := newRenderer(mode, w, false, false, options{now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sequence() {
		r.Report(e)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPlainGolden(t *testing.T) {
	var out bytes.Buffer
	render(t, "plain", &out)
	golden(t, "plain.golden", out.Bytes())
}

func TestJSONGolden(t *testing.T) {
	var out bytes.Buffer
	render(t, "json", &out)
	golden(t, "json.golden", out.Bytes())
}

func TestNewModes(t *testing.T) {
	cases := []struct {
		mode  string
		isTTY bool
		want  string
	}{
		{"auto", true, "*progress.tty"},
		{"auto", false, "*progress.plain"},
		{"tty", true, "*progress.tty"},
		{"tty", false, "*progress.plain"}, // a file cannot be redrawn in place
		{"plain", true, "*progress.plain"},
		{"json", true, "*progress.jsonRenderer"},
		{"quiet", true, "progress.Nop"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		r, err := New(c.mode, &out, c.isTTY, false)
		if err != nil {
			t.Fatalf("New(%q): %v", c.mode, err)
		}
		if got := typeName(r); got != c.want {
			t.Errorf("New(%q, isTTY=%v) = %s, want %s", c.mode, c.isTTY, got, c.want)
		}
		if err := r.Close(); err != nil {
			t.Errorf("Close of %s: %v", c.mode, err)
		}
	}
	_, err := New("fancy", nil, true, false)
	if err == nil {
		t.Fatal("New accepted an unknown mode")
	}
	for _, m := range Modes {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not list %q", err, m)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *tty:
		return "*progress.tty"
	case *plain:
		return "*progress.plain"
	case *jsonRenderer:
		return "*progress.jsonRenderer"
	case Nop:
		return "progress.Nop"
	}
	return "unknown"
}

func TestQuietWritesNothing(t *testing.T) {
	var out bytes.Buffer
	render(t, "quiet", &out)
	if out.Len() != 0 {
		t.Errorf("quiet wrote %q", out.String())
	}
}

func TestFormatBytes(t *testing.T) {
	cases := map[int64]string{
		0:              "0B",
		1023:           "1023B",
		1536:           "1.50kB",
		54 * mib:       "54.00MB",
		3 * 1024 * mib: "3.00GB",
	}
	for n, want := range cases {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestGitHubGolden: the github mode folds each step's lines into a log
// group, ending it when the step ends or another step interrupts.
func TestGitHubGolden(t *testing.T) {
	var out bytes.Buffer
	render(t, "github", &out)
	golden(t, "github.golden", out.Bytes())
}

// TestGitHubNoInjection: nothing a Dockerfile controls (a step's name,
// its output) becomes a workflow command: every line is ours or starts
// with "#N".
func TestGitHubNoInjection(t *testing.T) {
	var out bytes.Buffer
	r, err := newRenderer("github", &out, false, false, options{now: func() time.Time { return at(0) }})
	if err != nil {
		t.Fatal(err)
	}
	r.Report(Event{Kind: KindStart, ID: 1, Name: "[1/1] RUN echo x\n::error::from the name %0A"})
	r.Report(Event{Kind: KindLog, ID: 1, Message: "::error::from the output\n  ::warning::indented\r::notice::cr"})
	r.Report(Event{Kind: KindError, ID: 1, Error: "failed\n::error::from the error"})
	r.Report(Event{Kind: KindWarning, Message: "w\n::error::from a warning"})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "::") && !strings.HasPrefix(l, "::group::#1 ") && l != "::endgroup::" {
			t.Errorf("a workflow command from input: %q\n%s", line, out.String())
		}
		if strings.HasPrefix(l, "::group::") && strings.ContainsAny(strings.TrimPrefix(l, "::group::"), "\r\n") {
			t.Errorf("group title spans lines: %q", l)
		}
	}
	if !strings.Contains(out.String(), "%250A") {
		t.Errorf("%% in a group title is not escaped:\n%s", out.String())
	}
}

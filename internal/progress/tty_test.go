package progress

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// emulate replays what a renderer wrote on a terminal of the given width
// and returns the screen's lines (trailing blank lines dropped). It knows
// the sequences the tty renderer uses: cursor up, erase to the end of the
// line, erase below, carriage return, newline; SGR colours and cursor
// visibility are ignored. Anything else fails the test through the panic.
func emulate(out []byte, width int) []string {
	var screen [][]rune
	row, col := 0, 0
	ensure := func() {
		for len(screen) <= row {
			screen = append(screen, nil)
		}
	}
	csi := regexp.MustCompile(`^\x1b\[(\??)(\d*)([A-Za-z])`)
	s := string(out)
	for len(s) > 0 {
		if m := csi.FindStringSubmatch(s[:min(len(s), 16)]); s[0] == '\x1b' && m != nil {
			s = s[len(m[0]):]
			n, _ := strconv.Atoi(m[2])
			switch {
			case m[1] == "?" && (m[3] == "l" || m[3] == "h"):
			case m[3] == "m":
			case m[3] == "A":
				row = max(row-max(n, 1), 0)
			case m[3] == "K":
				ensure()
				if col < len(screen[row]) {
					screen[row] = screen[row][:col]
				}
			case m[3] == "J":
				ensure()
				if col < len(screen[row]) {
					screen[row] = screen[row][:col]
				}
				screen = screen[:row+1]
			default:
				panic("unexpected escape sequence " + strconv.Quote(m[0]))
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch r {
		case '\r':
			col = 0
		case '\n':
			row++
			col = 0
		case '\x1b':
			panic("unexpected escape in " + strconv.Quote(s))
		default:
			if col >= width {
				panic("a line wider than the terminal: it would wrap and break the redraw")
			}
			ensure()
			for len(screen[row]) <= col {
				screen[row] = append(screen[row], ' ')
			}
			screen[row][col] = r
			col++
		}
	}
	lines := make([]string, len(screen))
	for i, l := range screen {
		lines[i] = string(l)
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func TestTTYFinalFrame(t *testing.T) {
	for _, color := range []bool{false, true} {
		var out bytes.Buffer
		clock := &fakeClock{}
		// Redraw at each event so every intermediate frame is replaced in
		// place by the next one.
		r := newTTY(&out, color, options{now: clock.Now, interval: -1, width: 72})
		for _, e := range sequence() {
			if !e.Time.IsZero() {
				clock.Set(e.Time)
			}
			r.Report(e)
		}
		clock.Set(at(2700))
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if color && !bytes.Contains(out.Bytes(), []byte(ansiBlue)) {
			t.Error("color=true wrote no colour")
		}
		if !color && regexp.MustCompile(`\x1b\[\d*m`).Match(out.Bytes()) {
			t.Error("color=false wrote colours")
		}
		got := strings.Join(emulate(out.Bytes(), 72), "\n") + "\n"
		golden(t, "tty.golden", []byte(got))
	}
}

// A live frame shows the running steps: on a short terminal finished
// steps and then the oldest log lines give way, because a frame taller
// than the screen cannot be redrawn in place.
func TestTTYLiveFrame(t *testing.T) {
	var out bytes.Buffer
	clock := &fakeClock{now: at(0)}
	r := newTTY(&out, false, options{now: clock.Now, interval: -1, width: 60, height: 6})
	for id := 1; id <= 6; id++ {
		r.Report(Event{Time: at(0), Kind: KindStart, ID: id, Name: "step " + strconv.Itoa(id)})
		if id < 5 {
			r.Report(Event{Time: at(100 * id), Kind: KindDone, ID: id})
		}
	}
	r.Report(Event{Time: at(700), Kind: KindLog, ID: 6, Message: "one\ntwo"})
	r.Report(Event{Time: at(700), Kind: KindStatus, ID: 5, Message: "sha256:abc", Current: 512, Total: 2048})
	clock.Set(at(1500))
	r.Report(Event{Time: at(1500), Kind: KindLog, ID: 6, Message: "three"})
	screen := emulate(out.Bytes(), 60)
	want := []string{
		"[+] Building 1.5s (4/6)",
		" => step 5                                             1.5s",
		" => => sha256:abc 512B / 2.00kB",
		" => step 6                                             1.5s",
		" => # three",
	}
	if strings.Join(screen, "\n") != strings.Join(want, "\n") {
		t.Errorf("live frame:\n%s\nwant:\n%s", strings.Join(screen, "\n"), strings.Join(want, "\n"))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// The final frame lists everything, however tall.
	final := emulate(out.Bytes(), 60)
	if len(final) != 1+6+1+3 { // header, 6 steps, a status, 3 log lines
		t.Errorf("final frame has %d lines:\n%s", len(final), strings.Join(final, "\n"))
	}
}

func TestFit(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 80, "short"},
		{"0123456789", 8, "0123..."},
		{"tab\there", 80, "tab here"},
		{"héllo wörld", 8, "héll..."},
	}
	for _, c := range cases {
		if got := fit(c.in, c.width); got != c.want {
			t.Errorf("fit(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
	if got := columns(" => step", "1.2s", 20); got != " => step       1.2s" || len(got) != 19 {
		t.Errorf("columns = %q", got)
	}
}

package gha

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// env is a workflow environment with fresh output and summary files.
func env(t *testing.T) (map[string]string, func(string) string) {
	t.Helper()
	dir := t.TempDir()
	e := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}
	return e, func(k string) string { return e[k] }
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// parseOutputs reads a $GITHUB_OUTPUT file as the runner does
// (actions/runner FileCommandManager: lines split on LF; NAME=VALUE when
// '=' comes before any '<<'; NAME<<DELIMITER otherwise, the value being
// every line up to the first line equal to DELIMITER; a missing delimiter,
// an empty name or an empty delimiter is an error). It returns every
// (name, value) set, in order, so that an extra or repeated output shows.
func parseOutputs(text string) ([][2]string, error) {
	var out [][2]string
	index := 0
	readLine := func() (line string, nl int, ok bool) {
		if index >= len(text) {
			return "", 0, false
		}
		start := index
		lf := strings.IndexByte(text[index:], '\n')
		if lf < 0 {
			index = len(text)
			return text[start:], 0, true
		}
		index = start + lf + 1
		return text[start : start+lf], 1, true
	}
	for {
		line, _, ok := readLine()
		if !ok {
			return out, nil
		}
		if line == "" {
			continue
		}
		eq := strings.Index(line, "=")
		hd := strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			out = append(out, [2]string{line[:eq], line[eq+1:]})
		case hd >= 0 && (eq < 0 || hd < eq):
			name, delim := line[:hd], line[hd+2:]
			if name == "" || delim == "" {
				return out, fmt.Errorf("invalid format %q", line)
			}
			start, end := index, index
			for {
				l, nl, ok := readLine()
				if !ok {
					return out, fmt.Errorf("matching delimiter not found %q", delim)
				}
				if l == delim {
					break
				}
				end = index - nl
			}
			value := ""
			if end > start {
				value = text[start:end]
			}
			out = append(out, [2]string{name, value})
		default:
			return out, fmt.Errorf("invalid format %q", line)
		}
	}
}

func TestNewOnlyInActions(t *testing.T) {
	for _, v := range []string{"", "false", "1", "TRUE"} {
		if a := New(os.Stderr, func(string) string { return v }); a != nil {
			t.Errorf("GITHUB_ACTIONS=%q: active", v)
		}
	}
	if New(os.Stderr, nil) != nil {
		t.Error("nil getenv: active")
	}
	_, getenv := env(t)
	if a := New(os.Stderr, getenv); !a.Enabled() {
		t.Error("GITHUB_ACTIONS=true: not active")
	}
}

// TestNilIsSafe: every method of a nil *Actions does nothing.
func TestNilIsSafe(t *testing.T) {
	var a *Actions
	if a.Enabled() || a.GetInput("x") != "" {
		t.Error("nil is enabled")
	}
	for _, err := range []error{
		a.SetOutput("digest", "x"), a.SetOutputs(map[string]string{"a": "b"}), a.AddSummary("x"),
		a.Annotate([]Annotation{{Message: "x"}}), a.AddMask("x"),
	} {
		if err != nil {
			t.Error(err)
		}
	}
	a.Group("x")()
	resume, err := a.StopCommands()
	if err != nil || resume() != nil {
		t.Error(err)
	}
}

// hostile are output values that try to end the heredoc early, add
// outputs or issue commands.
var hostile = map[string]string{
	"branch":    "feature/x\ndigest=evil",
	"delimiter": "a\nghadelimiter_00000000000000000000000000000000\ndigest=evil\nghadelimiter_00000000000000000000000000000000",
	"fixed":     "x\n_GitHubActionsFileCommandDelimeter_\ndigest=evil",
	"command":   "::set-output name=digest::evil\n::add-mask::x",
	"eof":       "EOF\ndigest=evil\nEOF",
	"line":      "digest=evil",
	"escaped":   "%0Adigest=evil%0D%25",
	"heredoc":   "x<<y\nz<<w",
	"crlf":      "one\r\ntwo\r\n",
	"trailing":  "a\n",
	"blanks":    "\n\n",
	"empty":     "",
	"unicode":   "tag\u2028digest=evil\u0085",
}

func TestSetOutputHostileValues(t *testing.T) {
	e, getenv := env(t)
	a := New(&bytes.Buffer{}, getenv)
	for name, v := range hostile {
		if err := a.SetOutput(name, v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := parseOutputs(read(t, e["GITHUB_OUTPUT"]))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, kv := range got {
		if _, dup := m[kv[0]]; dup {
			t.Errorf("output %s set twice", kv[0])
		}
		m[kv[0]] = kv[1]
	}
	if !reflect.DeepEqual(m, hostile) {
		t.Errorf("parsed back:\n%q\nwant:\n%q", m, hostile)
	}
}

// TestDelimiterChosenAgain: a delimiter that occurs in the value is never
// used; another random one is drawn.
func TestDelimiterChosenAgain(t *testing.T) {
	e, getenv := env(t)
	a := New(&bytes.Buffer{}, getenv)
	draws := 0
	a.random = func(b []byte) (int, error) {
		for i := range b {
			b[i] = byte(draws)
		}
		draws++
		return len(b), nil
	}
	first := delimiterPrefix + strings.Repeat("00", 16)
	second := delimiterPrefix + strings.Repeat("01", 16)
	value := "x\n" + first + "\ndigest=evil\n" + first
	if err := a.SetOutput("tags", value); err != nil {
		t.Fatal(err)
	}
	text := read(t, e["GITHUB_OUTPUT"])
	if draws != 2 || !strings.HasPrefix(text, "tags<<"+second+"\n") {
		t.Errorf("%d draws, file:\n%s", draws, text)
	}
	got, err := parseOutputs(text)
	if err != nil || len(got) != 1 || got[0] != [2]string{"tags", value} {
		t.Errorf("parsed %q, %v", got, err)
	}
	// A source of randomness that keeps failing is an error, not a
	// predictable delimiter.
	a.random = func([]byte) (int, error) { return 0, errors.New("no entropy") }
	if err := a.SetOutput("tags", "x"); err == nil {
		t.Error("no error without randomness")
	}
}

func TestSetOutputsAndErrors(t *testing.T) {
	e, getenv := env(t)
	a := New(&bytes.Buffer{}, getenv)
	want := map[string]string{OutputDigest: "sha256:abc", OutputTags: "r/a:1\nr/a:latest", OutputSARIFFile: "hoist.sarif"}
	if err := a.SetOutputs(want); err != nil {
		t.Fatal(err)
	}
	got, err := parseOutputs(read(t, e["GITHUB_OUTPUT"]))
	if err != nil || len(got) != 3 || got[0][0] != OutputDigest || got[1][0] != OutputSARIFFile || got[2] != [2]string{OutputTags, want[OutputTags]} {
		t.Errorf("%q %v", got, err)
	}
	for _, bad := range []string{"", "a<<b", "a=b", "a\nb", "1x"} {
		if err := a.SetOutput(bad, "v"); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	delete(e, "GITHUB_OUTPUT")
	if err := a.SetOutput("digest", "x"); err == nil || !strings.Contains(err.Error(), "GITHUB_OUTPUT") {
		t.Errorf("unset GITHUB_OUTPUT: %v", err)
	}
	e["GITHUB_OUTPUT"] = filepath.Join(t.TempDir(), "missing", "dir", "output")
	if err := a.SetOutput("digest", "x"); err == nil {
		t.Error("unwritable GITHUB_OUTPUT: no error")
	}
}

func TestAddSummaryAppends(t *testing.T) {
	e, getenv := env(t)
	a := New(&bytes.Buffer{}, getenv)
	if err := a.AddSummary("### one\n"); err != nil {
		t.Fatal(err)
	}
	if err := a.AddSummary("### two\n"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, e["GITHUB_STEP_SUMMARY"]); got != "### one\n\n### two\n\n" {
		t.Errorf("summary %q", got)
	}
	delete(e, "GITHUB_STEP_SUMMARY")
	if err := a.AddSummary("x"); err == nil {
		t.Error("unset GITHUB_STEP_SUMMARY: no error")
	}
}

// command is a workflow command as the runner parses it
// (ActionCommand.TryParseV2): ::NAME [k=v,...]::DATA, unescaped.
type command struct {
	name  string
	props map[string]string
	data  string
}

func parseCommands(t *testing.T, log string) []command {
	t.Helper()
	unescape := func(s string, prop bool) string {
		r := []string{"%0D", "\r", "%0A", "\n"}
		if prop {
			r = append(r, "%3A", ":", "%2C", ",")
		}
		r = append(r, "%25", "%")
		return strings.NewReplacer(r...).Replace(s)
	}
	var out []command
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if !strings.HasPrefix(line, "::") {
			t.Errorf("a line that is not a command: %q", line)
			continue
		}
		end := strings.Index(line[2:], "::")
		if end < 0 {
			t.Errorf("unterminated command %q", line)
			continue
		}
		info := line[2 : 2+end]
		c := command{props: map[string]string{}, data: unescape(line[2+end+2:], false)}
		name, props, _ := strings.Cut(info, " ")
		c.name = name
		if props != "" {
			for _, kv := range strings.Split(props, ",") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Errorf("property %q in %q", kv, line)
				}
				c.props[k] = unescape(v, true)
			}
		}
		out = append(out, c)
	}
	return out
}

// TestAnnotationsCannotInject: messages and properties carrying newlines,
// "::" and escapes produce exactly one command each, which parses back to
// the original text.
func TestAnnotationsCannotInject(t *testing.T) {
	_, getenv := env(t)
	var log bytes.Buffer
	a := New(&log, getenv)
	list := []Annotation{
		{Level: LevelError, File: "Dockerfile", Line: 2, Column: 1, EndLine: 2, EndColumn: 9, Title: "DL3006 tag-image-version", Message: "pin it\n::error::x"},
		{Level: LevelWarning, File: "dir,a:b/Dockerfile", Line: 3, Column: 5, EndLine: 6, EndColumn: 2, Title: "t,i:t\nle", Message: "100%0A done\r\n::add-mask::x"},
		{Level: "style", File: "", Line: 4, Column: 1, Message: "::set-output name=digest::evil"},
	}
	if err := a.Annotate(list); err != nil {
		t.Fatal(err)
	}
	cmds := parseCommands(t, log.String())
	if len(cmds) != 3 {
		t.Fatalf("%d commands from 3 annotations:\n%s", len(cmds), log.String())
	}
	want := []command{
		{"error", map[string]string{"file": "Dockerfile", "line": "2", "col": "1", "endColumn": "9", "title": "DL3006 tag-image-version"}, "pin it\n::error::x"},
		// several lines: no columns (GitHub ignores them there)
		{"warning", map[string]string{"file": "dir,a:b/Dockerfile", "line": "3", "endLine": "6", "title": "t,i:t\nle"}, "100%0A done\r\n::add-mask::x"},
		{"notice", map[string]string{}, "::set-output name=digest::evil"},
	}
	if !reflect.DeepEqual(cmds, want) {
		t.Errorf("commands\n%#v\nwant\n%#v\nlog:\n%s", cmds, want, log.String())
	}
	if n := strings.Count(log.String(), "\n"); n != 3 {
		t.Errorf("%d lines for 3 annotations", n)
	}
}

// TestAnnotationLimits: at most 10 per level; each level that is cut gets
// one notice saying how many more, and those notices never exceed the
// notice limit themselves.
func TestAnnotationLimits(t *testing.T) {
	_, getenv := env(t)
	var log bytes.Buffer
	a := New(&log, getenv)
	var list []Annotation
	add := func(l Level, n int) {
		for i := range n {
			list = append(list, Annotation{Level: l, File: "Dockerfile", Line: i + 1, Message: fmt.Sprintf("%s %d", l, i)})
		}
	}
	add(LevelError, 15)
	add(LevelWarning, 3)
	add(LevelNotice, 12)
	if err := a.Annotate(list); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	var more []string
	for _, c := range parseCommands(t, log.String()) {
		count[c.name]++
		if strings.HasPrefix(c.data, "and ") {
			more = append(more, c.data)
		}
	}
	if count["error"] != 10 || count["warning"] != 3 || count["notice"] != 10 {
		t.Errorf("counts %v", count)
	}
	want := []string{"and 5 more errors, see the job summary", "and 4 more notices, see the job summary"}
	if !reflect.DeepEqual(more, want) {
		t.Errorf("summaries %q", more)
	}
	// The first ones are kept, in order.
	if first, _, _ := strings.Cut(log.String(), "\n"); first != "::error file=Dockerfile,line=1::error 0" {
		t.Errorf("first line %q", first)
	}
}

func TestFindingAnnotations(t *testing.T) {
	got := FindingAnnotations([]Finding{
		{File: "Dockerfile", Line: 1, Column: 1, EndLine: 1, EndColumn: 12, RuleID: "DL3006", RuleName: "tag-image-version", Severity: "warning", Message: "m"},
		{File: "a/Dockerfile", Line: 2, RuleID: "DL3000", Severity: "error", Message: "e"},
		{File: "", Line: 3, Column: 4, RuleID: "DL3059", Severity: "info", Message: "i"},
		{File: "x", RuleID: "HS001", Severity: "style", Message: "s"},
	})
	want := []Annotation{
		{Level: LevelWarning, File: "Dockerfile", Line: 1, Column: 1, EndLine: 1, EndColumn: 12, Title: "DL3006 tag-image-version", Message: "m"},
		{Level: LevelError, File: "a/Dockerfile", Line: 2, Title: "DL3000", Message: "e"},
		{Level: LevelNotice, Line: 3, Column: 4, Title: "DL3059", Message: "stdin:3:4: i"},
		{Level: LevelNotice, File: "x", Title: "HS001", Message: "s"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestGroupMaskStopCommands(t *testing.T) {
	_, getenv := env(t)
	var log bytes.Buffer
	a := New(&log, getenv)
	end := a.Group("stage build\n::error::x")
	end()
	if err := a.AddMask("line-one\r\nline-two\n\n  \n%0A"); err != nil {
		t.Fatal(err)
	}
	if err := a.AddMask("   "); err != nil {
		t.Fatal(err)
	}
	resume, err := a.StopCommands()
	if err != nil {
		t.Fatal(err)
	}
	if err := resume(); err != nil {
		t.Fatal(err)
	}
	cmds := parseCommands(t, log.String())
	var got []string
	for _, c := range cmds {
		got = append(got, c.name+"|"+c.data)
	}
	tok := cmds[len(cmds)-2].data
	want := []string{
		"group|stage build\n::error::x",
		"endgroup|",
		"add-mask|line-one\r\nline-two\n\n  \n%0A",
		"add-mask|line-one",
		"add-mask|line-two",
		"add-mask|%0A",
		"stop-commands|" + tok,
		tok + "|",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("commands\n%q\nwant\n%q", got, want)
	}
	if len(tok) != 32 {
		t.Errorf("stop-commands token %q", tok)
	}
}

func TestGetInput(t *testing.T) {
	e, getenv := env(t)
	e["INPUT_FAILURE-THRESHOLD"] = "  warning \n"
	e["INPUT_BUILD_ARGS"] = "no"
	a := New(&bytes.Buffer{}, getenv)
	if got := a.GetInput("failure-threshold"); got != "warning" {
		t.Errorf("failure-threshold %q", got)
	}
	if got := a.GetInput("build args"); got != "no" {
		t.Errorf("spaces become underscores: %q", got)
	}
	if got := a.GetInput("build-args"); got != "" {
		t.Errorf("dashes are kept: %q", got)
	}
}

// FuzzOutputRoundTrip: whatever the value, the output file parses back to
// exactly that one output.
func FuzzOutputRoundTrip(f *testing.F) {
	for _, v := range hostile {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, value string) {
		e, getenv := env(t)
		a := New(&bytes.Buffer{}, getenv)
		if err := a.SetOutput("digest", value); err != nil {
			t.Fatal(err)
		}
		got, err := parseOutputs(read(t, e["GITHUB_OUTPUT"]))
		if err != nil || len(got) != 1 || got[0] != [2]string{"digest", value} {
			t.Fatalf("%q parsed back as %q, %v", value, got, err)
		}
	})
}

// FuzzAnnotationOneLine: whatever the text, an annotation is one command
// line that parses back to the same message and file.
func FuzzAnnotationOneLine(f *testing.F) {
	f.Add("Dockerfile", "title", "msg\n::error::x")
	f.Add("a,b:c", "%0A", "\r\n%25")
	f.Fuzz(func(t *testing.T, file, title, msg string) {
		_, getenv := env(t)
		var log bytes.Buffer
		a := New(&log, getenv)
		if err := a.Annotate([]Annotation{{Level: LevelError, File: file, Line: 1, Title: title, Message: msg}}); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(log.String(), "\n"); n != 1 {
			t.Fatalf("%d lines: %q", n, log.String())
		}
		if strings.ContainsAny(strings.TrimSuffix(log.String(), "\n"), "\r") {
			t.Fatalf("a carriage return: %q", log.String())
		}
		cmds := parseCommands(t, log.String())
		if len(cmds) != 1 || cmds[0].data != msg || (file != "" && cmds[0].props["file"] != file) {
			t.Fatalf("parsed %#v from %q", cmds, log.String())
		}
	})
}

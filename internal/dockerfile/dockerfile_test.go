package dockerfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestPositionsInMultilineRun(t *testing.T) {
	src := "FROM alpine:3.20 AS base\n" +
		"RUN --mount=type=cache,target=/var/cache/apk \\\n" +
		"    # a comment inside\n" +
		"    apk add \\\n" +
		"\n" +
		"\tcurl\n" +
		"COPY <<EOF /x\n" +
		"hello\n" +
		"EOF\n" +
		"CMD [\"sh\"]\n"
	f := Parse("Dockerfile", []byte(src))
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	if len(f.Instructions) != 4 {
		t.Fatalf("got %d instructions", len(f.Instructions))
	}
	run := f.Instructions[1]
	if run.Logical() != run.Node.Original {
		t.Fatalf("logical %q != original %q", run.Logical(), run.Node.Original)
	}
	if got := run.Find("curl").Start; got != (Position{6, 2}) {
		t.Errorf("curl at %v, want 6:2", got)
	}
	if got := run.Find("apk add").Start; got != (Position{4, 5}) {
		t.Errorf("apk add at %v, want 4:5", got)
	}
	if len(run.Flags) != 1 || run.Flags[0].Name != "mount" || run.Flags[0].Range.Start != (Position{2, 5}) {
		t.Errorf("flags = %+v", run.Flags)
	}
	if run.Range.End.Line != 6 {
		t.Errorf("run ends at %v", run.Range.End)
	}
	if len(run.EmptyContinuationLines) != 1 || run.EmptyContinuationLines[0] != 5 {
		t.Errorf("empty continuation lines = %v", run.EmptyContinuationLines)
	}
	cp := f.Instructions[2]
	if len(cp.Heredocs) != 1 || cp.Heredocs[0].Body.Start.Line != 8 || cp.Heredocs[0].Body.End.Line != 9 {
		t.Errorf("heredoc = %+v", cp.Heredocs)
	}
	if cp.Range.End.Line != 9 {
		t.Errorf("copy range %v", cp.Range)
	}
	if f.Instructions[3].Range.Start != (Position{10, 1}) {
		t.Errorf("cmd at %v", f.Instructions[3].Range.Start)
	}
	if len(f.Comments) != 1 || f.Comments[0].Text != "a comment inside" || f.Comments[0].Range.Start != (Position{3, 5}) {
		t.Errorf("comments = %+v", f.Comments)
	}
	if f.Stages[0].Name != "base" {
		t.Errorf("stage name %q", f.Stages[0].Name)
	}
}

func TestGlobalArgExpansion(t *testing.T) {
	src := "ARG BASE=debian\nARG TAG=${BASE}-slim\nARG NODEF\nFROM ${BASE}:${TAG} AS one\nFROM $NODEF AS two\nFROM one\nFROM --platform=$BUILDPLATFORM golang:1.26\n"
	f := Parse("Dockerfile", []byte(src))
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	if got := f.Stages[0].Base; got != "debian:debian-slim" {
		t.Errorf("base = %q", got)
	}
	if _, ok := f.Stages[1].Image(); ok || len(f.Stages[1].Unresolved) != 1 {
		t.Errorf("stage two: unresolved %v", f.Stages[1].Unresolved)
	}
	if f.Stages[2].BaseStage != f.Stages[0] {
		t.Errorf("FROM one does not link to stage one")
	}
	if f.Stages[3].Platform != "$BUILDPLATFORM" {
		t.Errorf("platform %q", f.Stages[3].Platform)
	}
	if len(f.GlobalArgs) != 3 {
		t.Errorf("global args %d", len(f.GlobalArgs))
	}
}

func TestParseErrorHasPosition(t *testing.T) {
	f := Parse("Dockerfile", []byte("FROM alpine\nRUN <<EOF\necho\n"))
	if f.Err == nil {
		t.Fatal("want a parse error for an unterminated heredoc")
	}
	if f.Err.Range.Start.Line != 2 {
		t.Errorf("error at %v: %s", f.Err.Range, f.Err.Msg)
	}
	f = Parse("Dockerfile", []byte("FROM alpine\nCOPY --bogus=1 a b\nRUN true\n"))
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	if f.Instructions[1].Err == nil || f.Instructions[1].Err.Range.Start.Line != 2 {
		t.Errorf("per-instruction error = %+v", f.Instructions[1].Err)
	}
	if f.Instructions[2].Err != nil {
		t.Errorf("RUN after a bad COPY must still parse")
	}
}

func TestEscapeDirective(t *testing.T) {
	src := "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN echo a `\n    b\n"
	f := Parse("Dockerfile", []byte(src))
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	if v, _ := f.Directive("escape"); v != "`" {
		t.Errorf("escape directive %q", v)
	}
	if got := f.Instructions[1].Find("b").Start; got != (Position{4, 5}) {
		t.Errorf("b at %v", got)
	}
}

func TestImageRef(t *testing.T) {
	cases := map[string]ImageRef{
		"ubuntu":                          {Repository: "ubuntu"},
		"ubuntu:22.04":                    {Repository: "ubuntu", Tag: "22.04"},
		"localhost:5000/x/y:1@sha256:abc": {Registry: "localhost:5000", Repository: "x/y", Tag: "1", Digest: "sha256:abc"},
		"ghcr.io/a/b":                     {Registry: "ghcr.io", Repository: "a/b"},
		"library/node:20":                 {Repository: "library/node", Tag: "20"},
	}
	for in, want := range cases {
		if got := ParseImageRef(in); got != want {
			t.Errorf("ParseImageRef(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// TestCorpusLogicalLines checks, on every real Dockerfile, that the
// position map rebuilds exactly the logical lines BuildKit produced.
func TestCorpusLogicalLines(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "corpus", "dockerfiles")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not found at %s", root)
	}
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f := Parse(path, src)
		n++
		for _, in := range f.Instructions {
			if in.logical != in.Node.Original {
				t.Errorf("%s:%d: logical line differs", path, in.Node.StartLine)
			}
			// BuildKit starts a node at a line holding only an escape
			// character; hoist points at the keyword.
			if in.Range.Start.Line < in.Node.StartLine || in.Range.Start.Line > in.Node.EndLine {
				t.Errorf("%s:%d: start line %d", path, in.Node.StartLine, in.Range.Start.Line)
			}
			if !strings.EqualFold(f.Line(in.Range.Start.Line)[in.Range.Start.Column-1:][:len(in.Keyword)], in.Keyword) {
				t.Errorf("%s:%d: keyword not at %v", path, in.Node.StartLine, in.Range.Start)
			}
			if in.Range.End.Line != in.Node.EndLine {
				t.Errorf("%s:%d: end line %d, BuildKit %d", path, in.Node.StartLine, in.Range.End.Line, in.Node.EndLine)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 400 {
		t.Errorf("only %d corpus files", n)
	}
}

// TestTrimContinuationMatchesBuildKit compares the regexp-free continuation
// test with BuildKit's regular expression on tricky lines.
func TestTrimContinuationMatchesBuildKit(t *testing.T) {
	for _, esc := range []byte{'\\', '`'} {
		e := string(esc)
		re := regexp.MustCompile(`([^\` + e + `])\` + e + `[ \t]*$|^\` + e + `[ \t]*$`)
		for _, line := range []string{"", e, e + " ", " " + e, "a" + e, "a " + e + " \t", "a" + e + e, e + e, "a" + e + "b", "ä" + e, "a\t" + e + "x", "x" + e + e + e} {
			want, wantEnd := line, true
			if re.MatchString(line) {
				want, wantEnd = re.ReplaceAllString(line, "$1"), false
			}
			got, end := trimContinuation(line, esc)
			if got != want || end != wantEnd {
				t.Errorf("escape %s, %q: got (%q, %v), BuildKit (%q, %v)", e, line, got, end, want, wantEnd)
			}
		}
	}
}

func TestStageChain(t *testing.T) {
	f := Parse("Dockerfile", []byte("FROM alpine\nFROM 0\nFROM alpine AS one\nFROM one AS two\nFROM two\nFROM scratch AS s\nFROM SCRATCH\nFROM s\n"))
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	indexes := func(ss []*Stage) []int {
		var out []int
		for _, s := range ss {
			out = append(out, s.Index)
		}
		return out
	}
	cases := []struct {
		stage   int
		chain   []int
		scratch bool
	}{
		{0, []int{0}, false},
		{1, []int{1}, false}, // a bare index does not name an unnamed stage in FROM
		{2, []int{2}, false},
		{3, []int{3, 2}, false},
		{4, []int{4, 3, 2}, false},
		{5, []int{5}, true},
		{6, []int{6}, true},
		{7, []int{7, 5}, false}, // built on scratch through stage s, not itself
	}
	for _, c := range cases {
		s := f.Stages[c.stage]
		if got := indexes(s.Chain()); !reflect.DeepEqual(got, c.chain) {
			t.Errorf("stage %d: chain %v, want %v", c.stage, got, c.chain)
		}
		if s.IsScratch() != c.scratch {
			t.Errorf("stage %d: IsScratch %v", c.stage, s.IsScratch())
		}
	}
	// The parser never links a stage to a later one, but Chain must not
	// loop on a model built by hand.
	a, b := &Stage{Index: 0}, &Stage{Index: 1}
	a.BaseStage, b.BaseStage = b, a
	if got := indexes(a.Chain()); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Errorf("cycle: %v", got)
	}
}

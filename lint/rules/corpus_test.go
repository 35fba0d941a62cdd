package rules_test

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

const corpusDir = "../../../shared/corpus/dockerfiles"

// corpusFiles returns the real-world Dockerfiles of ../shared/corpus.
func corpusFiles(tb testing.TB) []lint.Input {
	tb.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		tb.Skipf("corpus not found at %s", corpusDir)
	}
	var inputs []lint.Input
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		inputs = append(inputs, lint.Input{Path: strings.TrimPrefix(path, corpusDir+"/"), Content: data})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return inputs
}

// allOn is a config with every rule on, including those off by default.
func allOn() lint.Config {
	cfg := lint.DefaultConfig()
	for _, r := range rules.All() {
		if r.Severity == lint.Ignore {
			cfg.Overrides[r.ID] = lint.Info
		}
	}
	return cfg
}

// TestCorpus lints every corpus file with every rule on: nothing may panic,
// every position must lie in the file, and per-rule counts must match
// testdata/corpus_counts.golden (-update rewrites it after a deliberate change).
func TestCorpus(t *testing.T) {
	inputs := corpusFiles(t)
	results := lint.New(rules.Registry(), allOn()).LintAll(inputs)
	counts := map[string]int{}
	for i, res := range results {
		lines := len(res.Lines)
		for _, f := range res.Findings {
			counts[f.RuleID]++
			if strings.Contains(f.Message, "internal error") {
				t.Errorf("%s: %s", inputs[i].Path, f.Message)
			}
			if f.Line < 1 || f.Line > lines+1 || f.Column < 1 || f.EndLine < f.Line || (f.EndLine == f.Line && f.EndColumn < f.Column) {
				t.Errorf("%s: %s at bad position %d:%d-%d:%d", inputs[i].Path, f.RuleID, f.Line, f.Column, f.EndLine, f.EndColumn)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# findings per rule over %d corpus files, every rule on\n", len(inputs))
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "%s %d\n", id, counts[id])
	}
	golden := filepath.Join("testdata", "corpus_counts.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./lint/rules -run TestCorpus -update)", err)
	}
	if string(want) != b.String() {
		t.Errorf("per-rule corpus counts changed (run with -update if deliberate):\n--- want\n%s--- got\n%s", want, b.String())
	}
}

// FuzzLint lints arbitrary input with every rule on; seeds are the corpus.
func FuzzLint(f *testing.F) {
	for _, in := range corpusFiles(f) {
		f.Add(in.Content)
	}
	f.Add([]byte("FROM a\nRUN <<EOF\nx\nEOF\n"))
	f.Add([]byte("# escape=`\nFROM a `\n  AS b\n"))
	l := lint.New(rules.Registry(), allOn())
	f.Fuzz(func(t *testing.T, src []byte) {
		res := l.Lint("Dockerfile", src)
		for _, fd := range res.Findings {
			if strings.Contains(fd.Message, "internal error") {
				t.Fatalf("%s", fd.Message)
			}
			if fd.Line < 1 || fd.Column < 1 {
				t.Fatalf("%s at %d:%d", fd.RuleID, fd.Line, fd.Column)
			}
		}
	})
}

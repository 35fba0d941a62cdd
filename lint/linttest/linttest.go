// Package linttest runs lint rules over testdata Dockerfiles whose expected
// findings are written next to the code, in the manner of go/analysis's
// analysistest:
//
//	# want DL3006
//	FROM ubuntu
//
// A "# want" comment expects, on the next line that is neither blank nor a
// comment, one finding of each listed rule. "RULE@COL" also checks the
// column. "# want +N RULE" expects it exactly N lines below the comment,
// "# want -N RULE" N lines above (for findings on comment lines, such as
// the parser directives that must come first, or on the continuation lines
// of an instruction). Every finding of the rules under test must be wanted, and every
// want must be found.
package linttest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hoistci/hoist/lint"
)

var wantRe = regexp.MustCompile(`^\s*#\s*want\s+(.+?)\s*$`)

type want struct {
	rule   string
	column int
}

// Run lints every file in dir (a hadolint.yaml there configures the run) with
// only the given rules enabled out of reg, and checks the findings against
// the "# want" comments.
func Run(t *testing.T, dir string, reg *lint.Registry, rules ...*lint.Rule) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	cfg := lint.DefaultConfig()
	// ShellCheck findings belong to their own rule, off unless tested.
	cfg.ShellCheck = "auto"
	if _, err := os.Stat(filepath.Join(dir, "hadolint.yaml")); err == nil {
		s, _, err := lint.LoadConfigFile(filepath.Join(dir, "hadolint.yaml"))
		if err != nil {
			t.Fatalf("config: %v", err)
		}
		s.Apply(&cfg)
	}
	// Rules that are off by default are on while they are tested.
	l := lint.New(reg, lint.OnlyRules(cfg, reg, rules...))
	n := 0
	for _, e := range entries {
		if e.IsDir() || e.Name() == "hadolint.yaml" || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		n++
		path := filepath.Join(dir, e.Name())
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res := l.Lint(path, src)
		check(t, path, src, res.Findings)
	}
	if n == 0 {
		t.Fatalf("no testdata files in %s", dir)
	}
}

func check(t *testing.T, path string, src []byte, findings []lint.Finding) {
	t.Helper()
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	wants := map[int][]want{}
	for i, l := range lines {
		m := wantRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[1])
		target := -1
		if strings.HasPrefix(fields[0], "+") || strings.HasPrefix(fields[0], "-") {
			n, err := strconv.Atoi(fields[0])
			if err != nil || n == 0 || i+1+n < 1 {
				t.Errorf("%s:%d: bad line offset %q", path, i+1, fields[0])
				continue
			}
			target = i + 1 + n
			fields = fields[1:]
		}
		for j := i + 1; j < len(lines) && target < 0; j++ {
			tl := strings.TrimSpace(lines[j])
			if tl != "" && !strings.HasPrefix(tl, "#") {
				target = j + 1
				break
			}
		}
		if target < 0 {
			t.Errorf("%s:%d: want comment with no line after it", path, i+1)
			continue
		}
		for _, w := range fields {
			rule, col, _ := strings.Cut(w, "@")
			c := 0
			if col != "" {
				c, _ = strconv.Atoi(col)
			}
			wants[target] = append(wants[target], want{rule: rule, column: c})
		}
	}
	for _, f := range findings {
		ws := wants[f.Line]
		idx := -1
		for k, w := range ws {
			if (w.rule == f.RuleID || w.rule == f.RuleName) && (w.column == 0 || w.column == f.Column) {
				idx = k
				break
			}
		}
		if idx < 0 {
			t.Errorf("%s:%d:%d: unexpected %s finding: %s", path, f.Line, f.Column, f.RuleID, f.Message)
			continue
		}
		wants[f.Line] = append(ws[:idx], ws[idx+1:]...)
	}
	var missing []string
	for line, ws := range wants {
		for _, w := range ws {
			s := fmt.Sprintf("%s:%d: no %s finding", path, line, w.rule)
			if w.column > 0 {
				s += fmt.Sprintf(" at column %d", w.column)
			}
			missing = append(missing, s)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error(m)
	}
}

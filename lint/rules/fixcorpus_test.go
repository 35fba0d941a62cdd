package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/rules"
)

// TestFixCorpus applies every rule's fixes (every rule on, as in
// TestCorpus) to every corpus file: the fixed file must parse as well as
// the original, a second Fix must change nothing, and no finding may still
// offer a fix. It knows no rule: any fix added later is held to the same.
func TestFixCorpus(t *testing.T) {
	inputs := corpusFiles(t)
	l := lint.New(rules.Registry(), allOn())
	var (
		mu      sync.Mutex
		changed int
		perRule = map[string]int{}
		wg      sync.WaitGroup
		work    = make(chan lint.Input)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for in := range work {
				fixed, applied := fixCheckFile(t, l, in)
				mu.Lock()
				if string(fixed) != string(in.Content) {
					changed++
				}
				for _, fd := range applied {
					perRule[fd.RuleID]++
				}
				mu.Unlock()
			}
		}()
	}
	for _, in := range inputs {
		work <- in
	}
	close(work)
	wg.Wait()
	ids := make([]string, 0, len(perRule))
	for id := range perRule {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, " %s=%d", id, perRule[id])
	}
	t.Logf("%d of %d corpus files changed; fixes applied per rule:%s", changed, len(inputs), b.String())
}

// fixCheckFile fixes one corpus file and checks the result.
func fixCheckFile(t *testing.T, l *lint.Linter, in lint.Input) ([]byte, []lint.Finding) {
	fixed, applied := l.Fix(in.Path, in.Content)
	before := fixParseErrors(l, in.Path, in.Content)
	after := fixParseErrors(l, in.Path, fixed)
	if after > before {
		t.Errorf("%s: the fixed file has %d parse errors (DL1000), the original %d", in.Path, after, before)
	}
	if dockerfile.Parse(in.Path, in.Content).Err == nil && dockerfile.Parse(in.Path, fixed).Err != nil {
		t.Errorf("%s: the fixed file no longer parses", in.Path)
	}
	again, more := l.Fix(in.Path, fixed)
	if string(again) != string(fixed) || len(more) != 0 {
		var ids []string
		for _, fd := range more {
			ids = append(ids, fd.RuleID)
		}
		t.Errorf("%s: a second Fix changed the file (%s)", in.Path, strings.Join(ids, ", "))
	}
	for _, fd := range l.Lint(in.Path, fixed).Findings {
		if fd.Fix != nil {
			t.Errorf("%s:%d:%d: %s still offers a fix after fixing: %s", in.Path, fd.Line, fd.Column, fd.RuleID, fd.Message)
		}
	}
	return fixed, applied
}

func fixParseErrors(l *lint.Linter, path string, src []byte) int {
	n := 0
	for _, fd := range l.Lint(path, src).Findings {
		if fd.RuleID == "DL1000" {
			n++
		}
	}
	return n
}

// TestFixKeepsMeaning checks, with BuildKit's parser and expander, that the
// fixes of HS012, DL4000 and DL3025 (each applied alone, over the corpus
// and the fix testdata) keep what the build gets: every ENV and LABEL
// value, the MAINTAINER's text as the maintainer label, and the words of
// a shell-form CMD/ENTRYPOINT as the exec-form array.
func TestFixKeepsMeaning(t *testing.T) {
	reg := rules.Registry()
	var inputs []lint.Input
	if _, err := os.Stat(corpusDir); err == nil {
		inputs = corpusFiles(t)
	}
	for _, id := range []string{"HS012", "DL4000", "DL3025"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "fix", id, "*.Dockerfile"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, lint.Input{Path: f, Content: src})
		}
	}
	for _, id := range []string{"HS012", "DL4000", "DL3025"} {
		l := lint.New(reg, lint.OnlyRules(lint.DefaultConfig(), reg, reg.Get(id)))
		n := 0
		for _, in := range inputs {
			fixed, applied := l.Fix(in.Path, in.Content)
			if len(applied) == 0 {
				continue
			}
			n += len(applied)
			fixSameMeaning(t, in.Path, dockerfile.Parse(in.Path, in.Content), dockerfile.Parse(in.Path, fixed))
		}
		if n == 0 {
			t.Errorf("%s: no fix applied anywhere", id)
		}
	}
}

func fixSameMeaning(t *testing.T, path string, a, b *dockerfile.File) {
	t.Helper()
	if len(a.Instructions) != len(b.Instructions) {
		t.Errorf("%s: %d instructions became %d", path, len(a.Instructions), len(b.Instructions))
		return
	}
	lex := shell.NewLex(a.EscapeToken)
	envs := []shell.EnvGetter{fixTestEnv{}, fixTestEnv{all: true}}
	expand := func(s string, env shell.EnvGetter) string {
		v, _, err := lex.ProcessWord(s, env)
		if err != nil {
			return "error: " + err.Error()
		}
		return v
	}
	for i, x := range a.Instructions {
		y := b.Instructions[i]
		where := path + ":" + strconv.Itoa(x.Range.Start.Line)
		switch cx := x.Typed.(type) {
		case *instructions.EnvCommand, *instructions.LabelCommand:
			px, py := fixPairs(x.Typed), fixPairs(y.Typed)
			if len(px) != len(py) {
				t.Errorf("%s: %d pairs became %d", where, len(px), len(py))
				continue
			}
			for j := range px {
				for _, env := range envs {
					if px[j].Key != py[j].Key || expand(px[j].Value, env) != expand(py[j].Value, env) {
						t.Errorf("%s: %q=%q became %q=%q", where, px[j].Key, expand(px[j].Value, env), py[j].Key, expand(py[j].Value, env))
					}
				}
			}
		case *instructions.MaintainerCommand:
			cy, ok := y.Typed.(*instructions.LabelCommand)
			if !ok {
				continue // not fixed
			}
			// The label holds the MAINTAINER's text, or the content of a
			// quoted one (what its author meant), nothing expanded.
			literal, unquoted := cx.Maintainer, cx.Maintainer
			if q := literal[0]; len(literal) >= 2 && (q == '"' || q == '\'') && literal[len(literal)-1] == q {
				if q == '"' {
					unquoted = strings.ReplaceAll(unquoted, "$", string(a.EscapeToken)+"$")
				}
				unquoted = expand(unquoted, envs[0])
			}
			for _, env := range envs {
				if len(cy.Labels) != 1 || cy.Labels[0].Key != "maintainer" {
					t.Errorf("%s: MAINTAINER %q became %v", where, cx.Maintainer, cy.Labels)
					break
				}
				if got := expand(cy.Labels[0].Value, env); got != literal && got != unquoted {
					t.Errorf("%s: MAINTAINER %q became %v", where, cx.Maintainer, cy.Labels)
				}
			}
		case *instructions.CmdCommand, *instructions.EntrypointCommand:
			sx, sy := fixCmdLine(x.Typed), fixCmdLine(y.Typed)
			if !sx.PrependShell || sy.PrependShell {
				if !reflect.DeepEqual(sx, sy) {
					t.Errorf("%s: %v became %v", where, sx, sy)
				}
				continue
			}
			words := strings.Fields(strings.Join(sx.CmdLine, " "))
			if len(words) > 1 && words[0] == "exec" {
				words = words[1:]
			}
			if !reflect.DeepEqual(words, sy.CmdLine) {
				t.Errorf("%s: shell form %q became %q", where, sx.CmdLine, sy.CmdLine)
			}
		}
	}
}

func fixPairs(c any) instructions.KeyValuePairs {
	switch c := c.(type) {
	case *instructions.EnvCommand:
		return c.Env
	case *instructions.LabelCommand:
		return c.Labels
	}
	return nil
}

func fixCmdLine(c any) instructions.ShellDependantCmdLine {
	switch c := c.(type) {
	case *instructions.CmdCommand:
		return c.ShellDependantCmdLine
	case *instructions.EntrypointCommand:
		return c.ShellDependantCmdLine
	}
	return instructions.ShellDependantCmdLine{}
}

// fixTestEnv has no variable set, or (all) every variable set to a value
// naming it.
type fixTestEnv struct{ all bool }

func (e fixTestEnv) Get(name string) (string, bool) {
	if e.all {
		return "<" + name + ">", true
	}
	return "", false
}
func (fixTestEnv) Keys() []string { return nil }

// FuzzFix applies every rule's fixes to arbitrary input: nothing may panic,
// a file that parsed must still parse, and a second Fix must change nothing.
func FuzzFix(f *testing.F) {
	for _, in := range corpusFiles(f) {
		f.Add(in.Content)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "fix", "*", "*.Dockerfile"))
	for _, name := range files {
		if src, err := os.ReadFile(name); err == nil {
			f.Add(src)
		}
	}
	l := lint.New(rules.Registry(), allOn())
	f.Fuzz(func(t *testing.T, src []byte) {
		fixed, _ := l.Fix("Dockerfile", src)
		if dockerfile.Parse("Dockerfile", src).Err == nil && dockerfile.Parse("Dockerfile", fixed).Err != nil {
			t.Fatalf("the fixed file no longer parses:\n%s", fixed)
		}
		if again, _ := l.Fix("Dockerfile", fixed); string(again) != string(fixed) {
			t.Fatalf("a second Fix changed the file:\n%s\n---\n%s", fixed, again)
		}
	})
}

// FuzzFixKeepsMeaning is TestFixKeepsMeaning on arbitrary input, for the
// fixes of HS012, DL4000 and DL3025.
func FuzzFixKeepsMeaning(f *testing.F) {
	for _, s := range []string{
		"FROM a\nENV A x y\n",
		"FROM a\nENV A \"x y\" 'z $w' \\$v\n",
		"FROM a\nLABEL k ${V:-a b} $\"q\"\n",
		"# escape=`\nFROM a\nENV A C:\\x \"y z\" `$H `\n  w\n",
		"FROM a\nenv A \\\n  x \\\n  y\n",
		"FROM a\nMAINTAINER \"J \\\"D\\\" $X\" <j@x>\n",
		"FROM a\nCMD exec node  s.js --p=1\nENTRYPOINT a \\\n  b\n",
	} {
		f.Add([]byte(s))
	}
	reg := rules.Registry()
	l := lint.New(reg, lint.OnlyRules(lint.DefaultConfig(), reg, reg.Get("HS012"), reg.Get("DL4000"), reg.Get("DL3025")))
	f.Fuzz(func(t *testing.T, src []byte) {
		fixed, applied := l.Fix("Dockerfile", src)
		if len(applied) > 0 {
			fixSameMeaning(t, "Dockerfile", dockerfile.Parse("Dockerfile", src), dockerfile.Parse("Dockerfile", fixed))
		}
	})
}

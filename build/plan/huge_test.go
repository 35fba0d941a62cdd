package plan_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hoistci/hoist/build/plan"
	"github.com/hoistci/hoist/build/plan/plantest"
	"github.com/hoistci/hoist/internal/dockerfile"
)

// Huge and deeply nested Dockerfiles must plan in bounded time and memory
// with a correct plan. No timing assertion.

func planOf(t *testing.T, src string) *plan.Plan {
	t.Helper()
	p, err := plan.New(dockerfile.Parse("Dockerfile", []byte(src)), plan.Options{BuildPlatform: "linux/amd64", BaseConfig: plantest.Resolve})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlanHugeDockerfile plans 10 MB of RUN instructions: one step each,
// with history.
func TestPlanHugeDockerfile(t *testing.T) {
	if testing.Short() {
		t.Skip("10 MB Dockerfile")
	}
	var b strings.Builder
	b.WriteString("FROM alpine:3.20\nENV A=1 B=2\nWORKDIR /app\n")
	n := 0
	for ; b.Len() < 10<<20; n++ {
		fmt.Fprintf(&b, "RUN echo step-%d $A $B > /app/f%d && test -s /app/f%d\n", n, n, n)
	}
	p := planOf(t, b.String())
	if got := len(p.Target.Steps); got != n+2 {
		t.Fatalf("%d steps, want %d", got, n+2)
	}
	last := p.Target.Steps[len(p.Target.Steps)-1]
	if want := fmt.Sprintf("echo step-%d", n-1); last.History == nil || !strings.Contains(last.History.CreatedBy, want) {
		t.Errorf("last step's history %+v, want it to contain %q", last.History, want)
	}
	t.Logf("%d bytes, %d steps, %d history entries", b.Len(), len(p.Target.Steps), len(p.Target.Config.History))
}

// TestPlanManyVariables: 20,000 ENV, LABEL and RUN instructions each plan
// (in memory linear in their number: each step's environment is a view of
// the stage's), the config holds every variable and label, and each RUN
// runs with the variables set before it and no other.
func TestPlanManyVariables(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	p := planOf(t, manyVariables(n))
	cfg := p.Target.Config.Config
	if got := cfg.Labels[fmt.Sprintf("l%d", n-1)]; got != fmt.Sprintf("value-%d", n-1) {
		t.Errorf("last label = %q", got)
	}
	if len(cfg.Labels) < n || len(cfg.Env) < n {
		t.Errorf("%d labels and %d variables, want %d each", len(cfg.Labels), len(cfg.Env), n)
	}
	runs := 0
	for _, step := range p.Target.Steps {
		if step.Instruction.Name != "run" {
			if step.Config != nil || step.Env != nil {
				t.Fatalf("%s step has an execution environment", step.Instruction.Name)
			}
			continue
		}
		// alpine's PATH, then V0..V{runs}
		if want := fmt.Sprintf("V%d=value-%d", runs, runs); len(step.Config.Env) != runs+2 || step.Config.Env[runs+1] != want || step.Env[len(step.Env)-1] != want {
			t.Fatalf("RUN %d: env ends %q, %q (%d entries)", runs, step.Config.Env[len(step.Config.Env)-1], step.Env[len(step.Env)-1], len(step.Config.Env))
		}
		runs++
	}
	if runs != n {
		t.Errorf("%d RUN steps, want %d", runs, n)
	}
}

// TestPlanStepEnvironmentsStayTheirOwn: a variable ENV or ARG changes
// after a step does not change what that step runs with (the steps share
// the stage's arrays until an entry is replaced).
func TestPlanStepEnvironmentsStayTheirOwn(t *testing.T) {
	p := planOf(t, "FROM scratch\nENV A=1 B=2\nRUN one\nENV A=3\nARG B=4\nRUN two\nENV C=5\nWORKDIR /w\nCOPY x /\n")
	want := map[string][2]string{ // config env, run env
		"RUN one":    {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=1 B=2", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=1 B=2"},
		"RUN two":    {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=3 B=2", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=3 B=4"},
		"WORKDIR /w": {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=3 B=2 C=5", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=3 B=4 C=5"},
		"COPY x /":   {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=3 B=2 C=5", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=3 B=4 C=5"},
	}
	seen := 0
	for _, step := range p.Target.Steps {
		w, ok := want[step.Instruction.Node.Original]
		if !ok {
			continue
		}
		seen++
		if got := [2]string{strings.Join(step.Config.Env, " "), strings.Join(step.Env, " ")}; got != w {
			t.Errorf("%s:\n got %q\nwant %q", step.Instruction.Node.Original, got, w)
		}
		if step.Config.WorkingDir == "" {
			t.Errorf("%s: no working directory", step.Instruction.Node.Original)
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d of %d steps", seen, len(want))
	}
}

func TestPlanDeeplyNested(t *testing.T) {
	const n = 10000
	var cont, heredoc, chain strings.Builder
	cont.WriteString("FROM alpine:3.20\nRUN true \\\n")
	for i := range n {
		fmt.Fprintf(&cont, "  && echo line-%d \\\n", i)
	}
	cont.WriteString("  && true\n")
	heredoc.WriteString("FROM alpine:3.20\nRUN <<EOF\n")
	for i := range 10 * n {
		fmt.Fprintf(&heredoc, "echo line-%d\n", i)
	}
	heredoc.WriteString("EOF\nCOPY <<EOF /big\n" + strings.Repeat("x\n", n) + "EOF\n")
	chain.WriteString("FROM alpine:3.20 AS s0\n")
	for i := range 1000 {
		fmt.Fprintf(&chain, "FROM s%d AS s%d\nENV V%d=%d\n", i, i+1, i, i)
	}

	p := planOf(t, cont.String())
	if len(p.Target.Steps) != 1 || !strings.Contains(p.Target.Steps[0].History.CreatedBy, fmt.Sprintf("echo line-%d", n-1)) {
		t.Errorf("continuation: %d steps", len(p.Target.Steps))
	}
	p = planOf(t, heredoc.String())
	if len(p.Target.Steps) != 2 {
		t.Errorf("heredocs: %d steps, want 2", len(p.Target.Steps))
	}
	p = planOf(t, chain.String())
	if len(p.Stages) != 1001 {
		t.Errorf("chain: %d stages, want 1001", len(p.Stages))
	}
	if len(p.Target.Config.Config.Env) < 1000 {
		t.Errorf("chain: %d variables reach the last stage, want 1000", len(p.Target.Config.Config.Env))
	}
}

// manyVariables is a Dockerfile of n ENV, LABEL and RUN instructions each,
// in turn.
func manyVariables(n int) string {
	var b strings.Builder
	b.WriteString("FROM alpine:3.20\n")
	for i := range n {
		fmt.Fprintf(&b, "ENV V%d=value-%d\nLABEL l%d=\"$V%d\"\nRUN echo %d\n", i, i, i, i, i)
	}
	return b.String()
}

// BenchmarkPlanManyVariables plans 2,000 each of ENV, LABEL and RUN
// (docs/security.md: its memory was quadratic in their number).
func BenchmarkPlanManyVariables(b *testing.B) {
	src := []byte(manyVariables(2000))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := plan.New(dockerfile.Parse("Dockerfile", src), plan.Options{BuildPlatform: "linux/amd64", BaseConfig: plantest.Resolve}); err != nil {
			b.Fatal(err)
		}
	}
}

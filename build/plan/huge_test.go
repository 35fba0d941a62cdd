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
// with history. (Each step keeps its own copy of the image config, so a
// file of that size made of ENV or LABEL lines costs memory quadratic in
// their number: see docs/security.md; TestPlanManyVariables bounds it.)
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

// TestPlanManyVariables: 2000 ENV and 2000 LABEL instructions plan, and
// the config holds every one.
func TestPlanManyVariables(t *testing.T) {
	const n = 2000
	var b strings.Builder
	b.WriteString("FROM alpine:3.20\n")
	for i := range n {
		fmt.Fprintf(&b, "ENV V%d=value-%d\nLABEL l%d=\"$V%d\"\n", i, i, i, i)
	}
	cfg := planOf(t, b.String()).Target.Config.Config
	if got := cfg.Labels[fmt.Sprintf("l%d", n-1)]; got != fmt.Sprintf("value-%d", n-1) {
		t.Errorf("last label = %q", got)
	}
	if len(cfg.Labels) < n || len(cfg.Env) < n {
		t.Errorf("%d labels and %d variables, want %d each", len(cfg.Labels), len(cfg.Env), n)
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

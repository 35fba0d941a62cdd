package rules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/rules"
)

// Huge and deeply nested Dockerfiles must lint in bounded time and memory
// with sane findings. No timing assertion: a quadratic rule shows as a test
// that does not finish (a 10 MB file took hours before DL3015's and
// DL3014's APT configuration lookup and the SHELL lookup were made linear).

// lintChecked lints src with every rule on and checks every finding lies
// in the file; it returns the number of findings per rule.
func lintChecked(t *testing.T, src string) map[string]int {
	t.Helper()
	res := lint.New(rules.Registry(), allOn()).Lint("Dockerfile", []byte(src))
	lines := strings.Count(src, "\n") + 1
	counts := map[string]int{}
	for _, fd := range res.Findings {
		if strings.Contains(fd.Message, "internal error") {
			t.Fatalf("%s: %s", fd.RuleID, fd.Message)
		}
		if fd.Line < 1 || fd.Line > lines || fd.Column < 1 {
			t.Fatalf("%s at %d:%d in a file of %d lines", fd.RuleID, fd.Line, fd.Column, lines)
		}
		counts[fd.RuleID]++
	}
	return counts
}

// TestHugeDockerfile lints 10 MB of apt-get installs in three stages: the
// first installs with recommends (DL3015 on each), the second configures
// APT to skip them first, the third is built on the second and inherits it.
func TestHugeDockerfile(t *testing.T) {
	if testing.Short() {
		t.Skip("10 MB Dockerfile")
	}
	var b strings.Builder
	runs := [3]int{}
	stage := func(i int, header string, size int) {
		b.WriteString(header)
		for b.Len() < size {
			fmt.Fprintf(&b, "RUN apt-get update && apt-get install -y curl-%d && rm -rf /var/lib/apt/lists/*\n", runs[i])
			runs[i]++
		}
	}
	stage(0, "FROM debian:12 AS first\n", 4<<20)
	stage(1, "FROM debian:12 AS second\nRUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/99norecommends\n", 8<<20)
	stage(2, "FROM second\n", 10<<20)
	counts := lintChecked(t, b.String())
	t.Logf("%d bytes, %d RUNs, findings per rule: %v", b.Len(), runs[0]+runs[1]+runs[2], counts)
	if counts["DL3015"] != runs[0] {
		t.Errorf("DL3015 (--no-install-recommends) %d times, want %d: once per install of the first stage only", counts["DL3015"], runs[0])
	}
	if total := runs[0] + runs[1] + runs[2]; counts["DL3008"] != total {
		t.Errorf("DL3008 (pin versions) %d times, want %d: once per install", counts["DL3008"], total)
	}
}

func TestDeeplyNestedDockerfiles(t *testing.T) {
	const n = 10000
	var cont, heredoc, heredocs, subst strings.Builder
	cont.WriteString("FROM alpine:3.20\nRUN apk add --no-cache curl \\\n")
	for i := range n {
		fmt.Fprintf(&cont, "  && echo line-%d \\\n", i)
	}
	cont.WriteString("  && true\n")
	heredoc.WriteString("FROM alpine:3.20\nRUN <<EOF\nset -e\n")
	for i := range 10 * n {
		fmt.Fprintf(&heredoc, "echo line-%d\n", i)
	}
	heredoc.WriteString("EOF\n")
	heredocs.WriteString("FROM alpine:3.20\nRUN")
	for i := range 1000 {
		fmt.Fprintf(&heredocs, " <<E%d", i)
	}
	heredocs.WriteString("\n")
	for i := range 1000 {
		fmt.Fprintf(&heredocs, "echo %d\nE%d\n", i, i)
	}
	subst.WriteString("FROM alpine:3.20\nRUN echo " + strings.Repeat("$(echo ", n) + "x" + strings.Repeat(")", n) + "\n")
	const stages = 2000
	for name, src := range map[string]string{
		"10k continuation lines":       cont.String(),
		"100k-line heredoc":            heredoc.String(),
		"1000 heredocs on one RUN":     heredocs.String(),
		"10k nested substitutions":     subst.String(),
		"2000 stages built on another": stageChain(stages),
	} {
		t.Run(name, func(t *testing.T) {
			counts := lintChecked(t, src)
			t.Logf("%d bytes: %v", len(src), counts)
			if name == "2000 stages built on another" && counts["DL3018"] != stages {
				t.Errorf("DL3018 (pin apk versions) %d times, want %d", counts["DL3018"], stages)
			}
		})
	}
}

// stageChain is a Dockerfile of n stages, each built on the one before,
// each with an ENV and a RUN of its own.
func stageChain(n int) string {
	var b strings.Builder
	b.WriteString("FROM alpine:3.20 AS s0\n")
	for i := range n {
		fmt.Fprintf(&b, "FROM s%d AS s%d\nENV V%d=%d\nRUN apk add curl\n", i, i+1, i, i)
	}
	return b.String()
}

package rules_test

import (
	"sort"
	"testing"
	"time"

	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/rules"
)

// BenchmarkLintCorpus lints every corpus file once per iteration, one at a
// time, with the default configuration. Besides ns/op (the whole corpus) it
// reports the median and 90th percentile cost of one file.
func BenchmarkLintCorpus(b *testing.B) {
	inputs := corpusFiles(b)
	l := lint.New(rules.Registry(), lint.DefaultConfig())
	per := make([]time.Duration, 0, len(inputs)*b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, in := range inputs {
			start := time.Now()
			l.Lint(in.Path, in.Content)
			per = append(per, time.Since(start))
		}
	}
	b.StopTimer()
	sort.Slice(per, func(i, j int) bool { return per[i] < per[j] })
	b.ReportMetric(float64(per[len(per)/2].Nanoseconds()), "median-ns/file")
	b.ReportMetric(float64(per[len(per)*9/10].Nanoseconds()), "p90-ns/file")
	b.ReportMetric(float64(len(inputs)), "files")
}

// BenchmarkLintStageChain lints a chain of 2,000 stages, each built on the
// one before (docs/security.md: it was quadratic in the chain).
func BenchmarkLintStageChain(b *testing.B) {
	src := []byte(stageChain(2000))
	l := lint.New(rules.Registry(), allOn())
	b.ReportAllocs()
	for b.Loop() {
		l.Lint("Dockerfile", src)
	}
}

// BenchmarkLintAllParallel is the CLI's path: all files on all cores.
func BenchmarkLintAllParallel(b *testing.B) {
	inputs := corpusFiles(b)
	l := lint.New(rules.Registry(), lint.DefaultConfig())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.LintAll(inputs)
	}
}

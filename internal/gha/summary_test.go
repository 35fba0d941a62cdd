package gha

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden summaries in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/gha -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./internal/gha -update rewrites it):\n%s", path, got)
	}
}

// injection is text that tries to break out of a table cell, render
// markup or run a script.
const injection = "a | b\n| x | y |\n`code` <script>alert(1)</script> **bold** [link](https://evil.example) &amp; \\"

// checkInert asserts no line of md is a table row with more cells than
// its table's header, and no raw HTML from the input survived.
func checkInert(t *testing.T, md string) {
	t.Helper()
	if strings.Contains(md, "<script>") || strings.Contains(md, "[link](") || strings.Contains(md, "**bold**") {
		t.Errorf("markup survived:\n%s", md)
	}
	cols := 0
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := cellCount(line)
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row with %d cells in a %d-column table: %q", n, cols, line)
		}
	}
}

// cellCount counts a GFM table row's cells: unescaped pipes, code spans
// included (GFM splits cells before parsing spans).
func cellCount(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

func TestLintMarkdown(t *testing.T) {
	s := LintSummary{Files: 5, Threshold: "warning", Failed: true, Findings: []Finding{
		{File: "Dockerfile", Line: 1, Column: 1, EndLine: 1, EndColumn: 12, RuleID: "DL3006", RuleName: "tag-image-version", Severity: "warning",
			Message: "Always tag the version of an image explicitly", DocsURL: "https://github.com/hoistci/hoist/blob/main/docs/rules/DL3006.md"},
		{File: "services/api/Dockerfile", Line: 7, Column: 5, RuleID: "DL3008", RuleName: "apt-pin", Severity: "error", Message: injection},
		{File: "a|b`c.Dockerfile", Line: 2, Column: 3, RuleID: "HS003", Severity: "info", Message: "multi\nline", DocsURL: "javascript:alert(1)"},
		{File: "", Line: 4, Column: 1, RuleID: "DL3059", Severity: "style", Message: "from stdin"},
	}}
	md := LintMarkdown(s)
	checkInert(t, md)
	golden(t, "lint.md", md)
	golden(t, "lint-clean.md", LintMarkdown(LintSummary{Files: 1, Threshold: "info"}))
}

func TestLintMarkdownCutsLongTables(t *testing.T) {
	s := LintSummary{Files: 1}
	for i := range MaxSummaryRows + 5 {
		s.Findings = append(s.Findings, Finding{File: "Dockerfile", Line: i + 1, Column: 1, RuleID: "DL3059", Severity: "info", Message: "m"})
	}
	md := LintMarkdown(s)
	if rows := strings.Count(md, "| `Dockerfile:"); rows != MaxSummaryRows {
		t.Errorf("%d rows", rows)
	}
	if !strings.Contains(md, "5 more findings are not shown here") {
		t.Errorf("no note on the cut rows")
	}
}

func TestBuildMarkdown(t *testing.T) {
	md := BuildMarkdown(BuildSummary{
		Names:     []string{"127.0.0.1:5000/acme/web:1.2.3", "127.0.0.1:5000/acme/web:latest", "ghcr.io/acme/web@sha256:0123"},
		Digest:    "sha256:4a5c3b1f00000000000000000000000000000000000000000000000000000000",
		ImageID:   "sha256:9f9f000000000000000000000000000000000000000000000000000000000000",
		Platforms: []string{"linux/amd64", "linux/arm64"},
		Size:      12_345_678, CacheHits: 3, CacheMisses: 1, BytesPushed: 1_048_576, BytesDownloaded: 0,
		Duration: 4213 * time.Millisecond,
		Warnings: []string{"cache 127.0.0.1:5000/acme/web:cache: " + injection},
	})
	checkInert(t, md)
	golden(t, "build.md", md)
	golden(t, "build-unnamed.md", BuildMarkdown(BuildSummary{Digest: "sha256:abc", CacheMisses: 1, Duration: time.Second}))
}

func TestTagMarkdown(t *testing.T) {
	md := TagMarkdown(TagSummary{Version: "1.2.3", Repositories: []TagRepository{
		{Repository: "127.0.0.1:5000/acme/web", Tags: []string{"1.2.3", "1.2", "1", "latest", "sha-abc1234"},
			Written: []string{"1.2.3", "1.2", "1", "latest", "sha-abc1234"}, Digest: "sha256:4a5c",
			Rules: []TagRule{
				{Name: "release", Fired: true, Reason: "v1.2.3 is the highest release of 1, 1.2 and all", Tags: []string{"1.2.3", "1.2", "1", "latest"}},
				{Name: "branch", Fired: false, Reason: "not on a branch " + injection},
			},
			Checks: []TagCheck{{Name: "no-latest-from-prerelease", Level: "hard-mandatory", Status: "pass"}},
		},
		{Repository: "ghcr.io/acme/web", Tags: []string{"1.2.3"}, Written: []string{"1.2.3"}, Digest: "sha256:4a5c",
			Rules: []TagRule{{Name: "release", Fired: true, Reason: "2.0.0 is published: 1.2.3 moves no floating tag", Tags: []string{"1.2.3"}}}},
	}})
	checkInert(t, md)
	golden(t, "tag.md", md)
	golden(t, "tag-dry-run.md", TagMarkdown(TagSummary{DryRun: true, Repositories: []TagRepository{{Tags: []string{"main", "sha-abc1234"}}}}))
}

func TestPruneMarkdown(t *testing.T) {
	s := PruneSummary{Repositories: []PruneRepository{
		{Repository: "127.0.0.1:5000/acme/web", Decisions: []PruneDecision{
			{Tag: "1.0.0", Digest: "sha256:1111111111111111111111", Age: "48h0m0s", Decision: "keep", Rule: "hoist.hcl:2,1: protect \"releases\""},
			{Tag: "pr-1", Digest: "sha256:2222222222222222222222", Age: "48h0m0s", Decision: "delete", Rule: "prune \"pull-requests\""},
			{Tag: "pr-3", Digest: "sha256:3333333333333333333333", Age: "5m0s", Decision: "keep", Rule: "prune \"pull-requests\"", Safety: "younger than min_age 30m"},
			{Tag: "", Digest: "sha256:4444444444444444444444", Age: "72h0m0s", Decision: "keep", Reason: "no rule matched " + injection},
		}, Untags: []string{"pr-2"}},
		{Repository: "127.0.0.1:5000/acme/api", Skipped: "its facts could not all be read: " + injection},
	}}
	md := PruneMarkdown(s)
	checkInert(t, md)
	golden(t, "prune.md", md)
	s.Applied = true
	s.Repositories[0].Deleted = []string{"sha256:2222222222222222222222"}
	s.Repositories[0].Untagged = []string{"pr-2"}
	s.Repositories[0].Kept = []string{"sha256:5555 [pr-9]: a tag moved to it since planning"}
	golden(t, "prune-applied.md", PruneMarkdown(s))
}

func TestCellAndCode(t *testing.T) {
	for in, want := range map[string]string{
		"a|b":       `a\|b`,
		"x\r\ny\nz": "x<br>y<br>z",
		"<b>&":      "&lt;b&gt;&amp;",
		"`x`":       "\\`x\\`",
		`\|`:        `\\\|`,
	} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
	if got := code("sha256:abc"); got != "`sha256:abc`" {
		t.Errorf("code %q", got)
	}
	if got := code("a`b|c"); got != "a\\`b\\|c" {
		t.Errorf("code of a backtick and a pipe %q", got)
	}
}

func TestSplitRef(t *testing.T) {
	for in, want := range map[string][2]string{
		"127.0.0.1:5000/a/b:1.2": {"127.0.0.1:5000/a/b", "1.2"},
		"127.0.0.1:5000/a/b":     {"127.0.0.1:5000/a/b", ""},
		"app":                    {"app", ""},
		"app:dev":                {"app", "dev"},
		"r/a@sha256:00":          {"r/a", "sha256:00"},
	} {
		if r, tg := splitRef(in); r != want[0] || tg != want[1] {
			t.Errorf("splitRef(%q) = %q %q", in, r, tg)
		}
	}
}

package rules

import (
	"path/filepath"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

var HS018 = register(&lint.Rule{
	ID:       "HS018",
	Name:     "copy-ignored-file",
	Aliases:  []string{"CopyIgnoredFile"},
	Severity: lint.Warning,
	Summary:  "Attempting to Copy file that is excluded by .dockerignore",
	Rationale: "Mirrors BuildKit's CopyIgnoredFile check. Files matched by the build context's " +
		".dockerignore are not sent to the builder, so a COPY or ADD of one fails with \"not found\" " +
		"(or, with a wildcard, silently copies less). hoist takes the build context to be the " +
		"Dockerfile's directory and reads `<Dockerfile>.dockerignore` next to the Dockerfile, else " +
		"`.dockerignore` there, with Docker's pattern semantics. As in BuildKit, sources from another " +
		"stage (--from), URLs, git repositories and heredocs are not checked, `.` only when a pattern " +
		"ignores everything, and nothing is checked when the ignore file has `!` exceptions (a file " +
		"inside an excluded directory may be re-included). Sources whose variables hoist cannot " +
		"resolve are skipped; a Dockerfile read from stdin has no context and is not checked.",
	Bad:          "FROM alpine:3.20\nCOPY debug.log /app/\n",
	ExampleFiles: map[string]string{".dockerignore": "*.log\n"},
	Good:         "FROM alpine:3.20\nCOPY app.conf /app/\n",
	Run: func(p *lint.Pass) {
		ig := bkLoadIgnore(p.File.Name)
		if ig == nil || ig.matcher.Exclusions() {
			return
		}
		var a *bkAnalysis
		for _, in := range p.File.Instructions {
			if in.Stage == nil {
				continue
			}
			var srcs []string
			cmd := "Copy"
			switch c := in.Typed.(type) {
			case *instructions.CopyCommand:
				if c.From != "" {
					continue
				}
				srcs = c.SourcePaths
			case *instructions.AddCommand:
				srcs = c.SourcePaths
				cmd = "Add"
			default:
				continue
			}
			if a == nil {
				a = bkAnalyze(p.File)
			}
			cursor := in.ArgsOffset
			for _, raw := range srcs {
				r, at, found := in.FindFrom(raw, cursor)
				if found {
					cursor = at + len(raw)
				}
				if bkRemoteSource(raw) {
					continue
				}
				src, ok := a.expandIn(in, raw)
				if !ok || bkRemoteSource(src) {
					continue
				}
				src = filepath.ToSlash(filepath.Clean(src))
				if (src == "." || src == "/") && !bkRootIgnored(ig.matcher) {
					continue
				}
				excluded, err := ig.matcher.MatchesOrParentMatches(src)
				if err != nil || !excluded {
					continue
				}
				if !found {
					r = in.ArgsRange()
				}
				bkReportIgnored(p, r, cmd, src, ig)
			}
		}
	},
})

func bkReportIgnored(p *lint.Pass, r dockerfile.Range, cmd, src string, ig *bkIgnore) {
	msg := "Attempting to " + cmd + " file \"" + src + "\" that is excluded by .dockerignore"
	where := filepath.Base(ig.path)
	if pat := ig.matchingPattern(src); pat != "" {
		msg += " (pattern \"" + pat + "\" in " + where + ")"
	} else {
		msg += " (" + where + ")"
	}
	msg += ": it is not sent to the builder, so the build cannot find it"
	p.Report(r, msg)
}

// bkRemoteSource reports sources that do not come from the build context:
// URLs and git repositories.
func bkRemoteSource(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}

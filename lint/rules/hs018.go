package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
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
		ig := loadDockerignore(p.File.Name)
		if ig == nil || ig.matcher.Exclusions() {
			return
		}
		var scopes *dockerfile.Scopes
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
			if scopes == nil {
				scopes = p.File.Scopes()
			}
			cursor := in.ArgsOffset
			for _, raw := range srcs {
				r, at, found := in.FindFrom(raw, cursor)
				if found {
					cursor = at + len(raw)
				}
				if isRemoteSource(raw) {
					continue
				}
				// Only a source whose every variable has a value is checked.
				e := scopes.Before(in).Expand(raw)
				src := e.Result
				if e.Err != nil || len(e.Unmatched) > 0 || isRemoteSource(src) {
					continue
				}
				src = filepath.ToSlash(filepath.Clean(src))
				if (src == "." || src == "/") && !rootIgnored(ig.matcher) {
					continue
				}
				excluded, err := ig.matcher.MatchesOrParentMatches(src)
				if err != nil || !excluded {
					continue
				}
				if !found {
					r = in.ArgsRange()
				}
				reportIgnored(p, r, cmd, src, ig)
			}
		}
	},
})

func reportIgnored(p *lint.Pass, r dockerfile.Range, cmd, src string, ig *ignoreFile) {
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

// isRemoteSource reports sources that do not come from the build context:
// URLs and git repositories.
func isRemoteSource(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}

// ignoreFile is the .dockerignore that applies to a Dockerfile.
type ignoreFile struct {
	path     string // as found, for messages
	patterns []string
	matcher  *patternmatcher.PatternMatcher
}

// loadDockerignore finds the .dockerignore of the build context BuildKit would
// use for the Dockerfile at name, taking the context to be the Dockerfile's
// directory: "<Dockerfile>.dockerignore" first, then ".dockerignore". nil
// when there is none, it is empty or unreadable, or name is stdin.
func loadDockerignore(name string) *ignoreFile {
	if name == "" || name == "-" {
		return nil
	}
	for _, p := range []string{name + ".dockerignore", filepath.Join(filepath.Dir(name), ".dockerignore")} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		pats, err := ignorefile.ReadAll(bytes.NewReader(data))
		if err != nil || len(pats) == 0 {
			return nil
		}
		m, err := patternmatcher.New(pats)
		if err != nil {
			return nil
		}
		return &ignoreFile{path: p, patterns: pats, matcher: m}
	}
	return nil
}

// rootIgnored mirrors BuildKit: "." and "/" are only reported when a
// pattern excludes every entry of the context root.
func rootIgnored(m *patternmatcher.PatternMatcher) bool {
	for _, p := range m.Patterns() {
		if p.Exclusion() {
			continue
		}
		switch p.String() {
		case "*", "**", "**/*":
			return true
		}
	}
	return false
}

// matchingPattern is the first pattern that excludes src.
func (ig *ignoreFile) matchingPattern(src string) string {
	for _, p := range ig.patterns {
		if strings.HasPrefix(p, "!") {
			continue
		}
		if ok, err := patternmatcher.MatchesOrParentMatches(src, []string{p}); err == nil && ok {
			return p
		}
	}
	return ""
}

package lint

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hoistci/hoist/internal/dockerfile"
	bklinter "github.com/moby/buildkit/frontend/dockerfile/linter"
)

type pragmaScope int

const (
	scopeNext pragmaScope = iota
	scopeStage
	scopeGlobal
)

// pragma is one inline ignore comment.
type pragma struct {
	scope   pragmaScope
	names   []pragmaName
	line    int
	tool    string // hadolint or hoist
	comment dockerfile.Comment
}

type pragmaName struct {
	name  string
	rng   dockerfile.Range
	rules []*Rule
}

var pragmaRe = regexp.MustCompile(`^(hadolint|hoist)[ \t]+(?:(global|stage)[ \t]+)?ignore[ \t]*=[ \t]*(.*)$`)

// parsePragmas finds the ignore pragmas among the file's comments:
//
//	# hadolint ignore=DL3008,DL3015          the next instruction
//	# hadolint global ignore=DL3006          the whole file
//	# hadolint stage ignore=DL3059           the current stage
//	# hoist ignore=no-user -- runs as nobody via the entrypoint
func parsePragmas(f *dockerfile.File, reg *Registry) []pragma {
	var out []pragma
	for _, c := range f.Comments {
		if c.Directive {
			continue
		}
		m := pragmaRe.FindStringSubmatchIndex(c.Text)
		if m == nil {
			continue
		}
		p := pragma{line: c.Range.Start.Line, tool: c.Text[m[2]:m[3]], comment: c}
		switch {
		case m[4] < 0:
			p.scope = scopeNext
		case c.Text[m[4]:m[5]] == "global":
			p.scope = scopeGlobal
		default:
			p.scope = scopeStage
		}
		list := c.Text[m[6]:m[7]]
		listStart := m[6]
		// A reason may follow " -- "; hadolint allows a trailing "# comment".
		if i := strings.Index(list, " --"); i >= 0 {
			list = list[:i]
		}
		if i := strings.Index(list, "#"); i >= 0 {
			list = list[:i]
		}
		off := 0
		for _, part := range strings.Split(list, ",") {
			name := strings.TrimSpace(part)
			lead := strings.Index(part, name)
			start := listStart + off + max(lead, 0)
			off += len(part) + 1
			if name == "" {
				continue
			}
			col := c.TextStart.Column + utf8.RuneCountInString(c.Text[:start])
			rng := dockerfile.Range{
				Start: dockerfile.Position{Line: c.TextStart.Line, Column: col},
				End:   dockerfile.Position{Line: c.TextStart.Line, Column: col + utf8.RuneCountInString(name)},
			}
			p.names = append(p.names, pragmaName{name: name, rng: rng, rules: reg.Lookup(name)})
		}
		out = append(out, p)
	}
	return out
}

// checkDirective is BuildKit's "# check=skip=A,B;error=true" parser directive.
type checkDirective struct {
	skipAll bool
	skip    []pragmaName
	asError bool
}

func parseCheckDirective(f *dockerfile.File, reg *Registry) (checkDirective, *dockerfile.Directive, string) {
	var cd checkDirective
	for i := range f.Directives {
		d := &f.Directives[i]
		if d.Name != "check" {
			continue
		}
		cfg, err := bklinter.ParseLintOptions(d.Value)
		if err != nil {
			return cd, d, err.Error()
		}
		cd.skipAll = cfg.SkipAll
		cd.asError = cfg.ReturnAsError
		line := f.Line(d.Range.Start.Line)
		for _, name := range cfg.SkipRules {
			rng := d.Range
			if i := strings.Index(line, name); i >= 0 {
				col := utf8.RuneCountInString(line[:i]) + 1
				rng = dockerfile.Range{Start: dockerfile.Position{Line: d.Range.Start.Line, Column: col}, End: dockerfile.Position{Line: d.Range.Start.Line, Column: col + utf8.RuneCountInString(name)}}
			}
			cd.skip = append(cd.skip, pragmaName{name: name, rng: rng, rules: reg.Lookup(name)})
		}
		return cd, d, ""
	}
	return cd, nil, ""
}

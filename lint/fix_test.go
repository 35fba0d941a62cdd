package lint

import (
	"strings"
	"testing"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// upperKeyword fixes lower-case keywords, one edit per finding.
var upperKeyword = &Rule{ID: "HS905", Name: "upper-keyword", Severity: Style, Summary: "s", Rationale: "r", Bad: "b", Good: "g", Fix: "upper-cases the keyword",
	Run: func(p *Pass) {
		for _, in := range p.File.Instructions {
			if in.Keyword != strings.ToUpper(in.Keyword) {
				r := in.KeywordRange()
				p.ReportFix(r, "lower-case keyword", &Fix{Description: "upper-case", Edits: []Edit{NewEdit(r, strings.ToUpper(in.Keyword))}})
			}
		}
	}}

// addFlag inserts a flag after "RUN"; its edit collides with upperKeyword's
// on the same instruction only through position, not range.
var addFlag = &Rule{ID: "HS906", Name: "add-flag", Severity: Style, Summary: "s", Rationale: "r", Bad: "b", Good: "g", Fix: "adds -x",
	Run: func(p *Pass) {
		for _, in := range p.File.Instructions {
			if in.Name == "run" && !strings.Contains(in.Args, "-x") {
				end := in.KeywordRange().End
				p.ReportFix(in.KeywordRange(), "no -x", &Fix{Edits: []Edit{Insert(dockerfile.Position{Line: end.Line, Column: end.Column}, " -x")}})
			}
		}
	}}

func TestFixIsIdempotent(t *testing.T) {
	reg, err := NewRegistry(ParseErrorRule, UnknownRuleRule, upperKeyword, addFlag)
	if err != nil {
		t.Fatal(err)
	}
	l := New(reg, DefaultConfig())
	src := "\ufefffrom alpine:3.22\r\n# é comment\nrun echo é \\\n  && true\nRun x\n"
	fixed, applied := l.Fix("Dockerfile", []byte(src))
	want := "\ufeffFROM alpine:3.22\r\n# é comment\nRUN -x echo é \\\n  && true\nRUN -x x\n"
	if string(fixed) != want {
		t.Errorf("fixed:\n%q\nwant\n%q", fixed, want)
	}
	if len(applied) != 5 {
		t.Errorf("applied %d fixes", len(applied))
	}
	again, applied2 := l.Fix("Dockerfile", fixed)
	if string(again) != string(fixed) || len(applied2) != 0 {
		t.Errorf("second pass changed something: %q", again)
	}
	if res := l.Lint("Dockerfile", fixed); len(res.Findings) != 0 {
		t.Errorf("findings remain: %+v", res.Findings)
	}
}

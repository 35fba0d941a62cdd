package lint

import (
	"fmt"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// DocsBase is where the rule reference lives; each rule has DocsBase + ID + ".md".
const DocsBase = "https://github.com/hoistci/hoist/blob/main/docs/rules/"

// Rule is one check: metadata plus a Run function, in the manner of
// go/analysis's Analyzer. Rules are values; lint/rules defines them one per file.
type Rule struct {
	// ID is hadolint's DLxxxx for rules hadolint has, HSxxx for hoist's own.
	ID string
	// Name is the kebab-case name, usable wherever an ID is.
	Name string
	// Aliases are other names for the rule, such as BuildKit check names.
	Aliases []string
	// Severity is the default severity; Ignore means off unless overridden.
	Severity Severity
	// Summary is one line, shown with every finding's rule.
	Summary string
	// Rationale says why the rule exists.
	Rationale string
	// Bad and Good are example Dockerfiles.
	Bad, Good string
	// ExampleConfig is a .hadolint.yaml the examples need (label schemas, ...).
	ExampleConfig string
	// ExampleFiles are files the examples need beside the Dockerfile in
	// the build context (name -> content), such as a .dockerignore.
	ExampleFiles map[string]string
	// Fix describes the automatic fix the rule attaches to its findings
	// ("" when it has none); `hoist lint --fix` applies them.
	Fix string
	// Run inspects pass.File and reports findings.
	Run func(pass *Pass)
}

// DocsURL is the rule's reference page.
func (r *Rule) DocsURL() string { return DocsBase + r.ID + ".md" }

// Names returns the ID, name and aliases.
func (r *Rule) Names() []string {
	return append([]string{r.ID, r.Name}, r.Aliases...)
}

// Pass is what a rule sees while it runs over one file.
type Pass struct {
	Rule   *Rule
	File   *dockerfile.File
	Config *Config
	report func(Finding)
	shared map[any]any
}

// Shared returns the value stored under key for this file, building it on
// first use. Rules use it to share costly analyses of the same file (such
// as the parsed RUN scripts); rules of one file run one after the other.
func (p *Pass) Shared(key any, build func() any) any {
	if p.shared == nil {
		return build()
	}
	if v, ok := p.shared[key]; ok {
		return v
	}
	v := build()
	p.shared[key] = v
	return v
}

// Report records a finding of the pass's rule at r. The message is used as is.
func (p *Pass) Report(r dockerfile.Range, message string) {
	p.report(p.finding(r, message))
}

func (p *Pass) finding(r dockerfile.Range, message string) Finding {
	return Finding{
		RuleID:    p.Rule.ID,
		RuleName:  p.Rule.Name,
		Severity:  p.Rule.Severity,
		Message:   message,
		File:      p.File.Name,
		Line:      r.Start.Line,
		Column:    r.Start.Column,
		EndLine:   r.End.Line,
		EndColumn: r.End.Column,
		DocsURL:   p.Rule.DocsURL(),
	}
}

// ReportFix records a finding with an automatic fix. Rules with a fix must
// say so in Rule.Fix.
func (p *Pass) ReportFix(r dockerfile.Range, message string, fix *Fix) {
	fd := p.finding(r, message)
	if fix != nil && len(fix.Edits) > 0 {
		fd.Fix = fix
	}
	p.report(fd)
}

// ReportCode records a finding under a code of a rule family (ShellCheck's
// SCxxxx under the shellcheck rule) with its own severity and docs page.
// The code can be ignored, overridden and named in pragmas like a rule.
func (p *Pass) ReportCode(code string, sev Severity, docs string, r dockerfile.Range, message string) {
	fd := p.finding(r, message)
	fd.RuleID, fd.Severity, fd.DocsURL = code, sev, docs
	p.report(fd)
}

// Reportf is Report with a format string (never user text as the format).
func (p *Pass) Reportf(r dockerfile.Range, format string, args ...any) {
	p.Report(r, fmt.Sprintf(format, args...))
}

// ReportInstruction reports at the instruction's first line(s), without heredoc bodies.
func (p *Pass) ReportInstruction(in *dockerfile.Instruction, message string) {
	p.Report(in.LineRange(), message)
}

func normName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

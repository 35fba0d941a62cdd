// Package lint is hoist's Dockerfile linter: rules with metadata, a registry,
// configuration (hadolint-compatible), pragmas, and an engine that lints many
// files in parallel. The rules themselves live in lint/rules, the report
// formats in lint/format.
package lint

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/moby/buildkit/util/suggest"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// ParseErrorRule reports what BuildKit's parser rejects (hadolint's DL1000).
var ParseErrorRule = &Rule{
	ID:        "DL1000",
	Name:      "parse-error",
	Severity:  Error,
	Summary:   "The Dockerfile cannot be parsed",
	Rationale: "BuildKit's parser rejects the file or an instruction in it, so no build can use it. hoist still lints every instruction it can read.",
	Bad:       "FROM alpine\nRUN <<EOF\necho never terminated\n",
	Good:      "FROM alpine\nRUN <<EOF\necho terminated\nEOF\n",
	Run:       func(*Pass) {},
}

// UnknownRuleRule reports pragmas and check directives naming rules that do not exist.
var UnknownRuleRule = &Rule{
	ID:        "HS007",
	Name:      "unknown-rule-in-pragma",
	Severity:  Warning,
	Summary:   "An ignore pragma or check directive names a rule that does not exist",
	Rationale: "A misspelt rule in `# hadolint ignore=` silently ignores nothing: the finding it was meant to silence comes back, or worse, the pragma outlives the rule and nobody notices.",
	Bad:       "FROM alpine:3.20\n# hadolint ignore=DL9999\nRUN echo hi\n",
	Good:      "FROM alpine:3.20\n# hadolint ignore=DL3006\nRUN echo hi\n",
	Run:       func(*Pass) {},
}

// Linter lints Dockerfiles with a registry of rules and a configuration.
type Linter struct {
	reg      *Registry
	cfg      Config
	severity map[*Rule]Severity
	ignored  map[*Rule]bool
	// Codes of rule families (ShellCheck's SCxxxx) configured one by one.
	codeSeverity map[string]Severity
	codeIgnored  map[string]bool
	overridden   map[*Rule]bool
}

// New prepares a linter. Configured names that match no rule are ignored
// (see Config.UnknownRuleNames to warn about them).
func New(reg *Registry, cfg Config) *Linter {
	l := &Linter{reg: reg, cfg: cfg, severity: map[*Rule]Severity{}, ignored: map[*Rule]bool{},
		codeSeverity: map[string]Severity{}, codeIgnored: map[string]bool{}, overridden: map[*Rule]bool{}}
	for _, r := range reg.All() {
		l.severity[r] = r.Severity
	}
	// Overrides apply in a stable order; a rule named twice takes the last.
	keys := make([]string, 0, len(cfg.Overrides))
	for k := range cfg.Overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, r := range reg.Lookup(k) {
			l.severity[r] = cfg.Overrides[k]
			l.overridden[r] = true
		}
		if isShellCheckCode(k) {
			l.codeSeverity[strings.ToUpper(k)] = cfg.Overrides[k]
		}
	}
	for _, n := range cfg.Ignored {
		for _, r := range reg.Lookup(n) {
			l.ignored[r] = true
		}
		if isShellCheckCode(n) {
			l.codeIgnored[strings.ToUpper(n)] = true
		}
	}
	return l
}

// Config returns the linter's configuration.
func (l *Linter) Config() Config { return l.cfg }

// Registry returns the linter's rules.
func (l *Linter) Registry() *Registry { return l.reg }

// Lint lints one file's content. name is used in findings.
func (l *Linter) Lint(name string, src []byte) *FileResult {
	f := dockerfile.Parse(name, src)
	return l.LintParsed(f)
}

// LintParsed lints an already parsed file.
func (l *Linter) LintParsed(f *dockerfile.File) *FileResult {
	res := &FileResult{Path: f.Name, Lines: f.Lines}
	var raw []Finding
	emit := func(fd Finding) { raw = append(raw, fd) }

	if f.Err != nil {
		l.emitParseError(f, f.Err, emit)
		res.Findings = l.finish(f, raw, nil, checkDirective{})
		return res
	}
	for _, in := range f.Instructions {
		if in.Err != nil {
			l.emitParseError(f, in.Err, emit)
		}
	}

	check, checkDir, checkErr := parseCheckDirective(f, l.reg)
	pragmas := parsePragmas(f, l.reg)
	if !l.cfg.DisableIgnorePragma {
		l.reportUnknownNames(f, pragmas, check, emit)
	}
	if checkErr != "" && checkDir != nil {
		pass := &Pass{Rule: ParseErrorRule, File: f, Config: &l.cfg, report: emit}
		pass.Report(checkDir.Range, "invalid check directive: "+checkErr)
	}

	shared := map[any]any{}
	skipped := map[*Rule]bool{}
	if !l.cfg.DisableIgnorePragma {
		for _, n := range check.skip {
			for _, r := range n.rules {
				skipped[r] = true
			}
		}
	}
	for _, r := range l.reg.All() {
		if r == ParseErrorRule || r == UnknownRuleRule || !l.enabled(r) || skipped[r] {
			continue
		}
		if check.skipAll && !l.cfg.DisableIgnorePragma && len(r.Aliases) > 0 {
			continue
		}
		l.run(r, f, emit, shared)
	}
	res.Findings = l.finish(f, raw, pragmas, check)
	return res
}

func (l *Linter) enabled(r *Rule) bool {
	return !l.ignored[r] && l.severity[r] != Ignore
}

// run executes one rule, turning a panic into a finding so that one broken
// rule never loses the others' results.
func (l *Linter) run(r *Rule, f *dockerfile.File, emit func(Finding), shared map[any]any) {
	pass := &Pass{Rule: r, File: f, Config: &l.cfg, report: emit, shared: shared}
	defer func() {
		if v := recover(); v != nil {
			p := &Pass{Rule: ParseErrorRule, File: f, Config: &l.cfg, report: emit}
			p.Report(dockerfile.Range{Start: dockerfile.Position{Line: 1, Column: 1}, End: dockerfile.Position{Line: 1, Column: 1}},
				fmt.Sprintf("internal error in rule %s (please report it with this file): %v\n%s", r.ID, v, firstFrames(debug.Stack())))
		}
	}()
	r.Run(pass)
}

func firstFrames(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	if len(lines) > 12 {
		lines = lines[:12]
	}
	return strings.Join(lines, "\n")
}

func (l *Linter) emitParseError(f *dockerfile.File, pe *dockerfile.ParseError, emit func(Finding)) {
	if !l.enabled(ParseErrorRule) {
		return
	}
	pass := &Pass{Rule: ParseErrorRule, File: f, Config: &l.cfg, report: emit}
	pass.Report(pe.Range, pe.Msg)
}

func (l *Linter) reportUnknownNames(f *dockerfile.File, pragmas []pragma, check checkDirective, emit func(Finding)) {
	if !l.enabled(UnknownRuleRule) {
		return
	}
	pass := &Pass{Rule: UnknownRuleRule, File: f, Config: &l.cfg, report: emit}
	for _, p := range pragmas {
		for _, n := range p.names {
			if len(n.rules) == 0 && !isShellCheckCode(n.name) {
				pass.Report(n.rng, fmt.Sprintf("%s pragma ignores unknown rule %q%s", p.tool, n.name, l.suggest(n.name)))
			}
		}
	}
	for _, n := range check.skip {
		if len(n.rules) == 0 {
			pass.Report(n.rng, fmt.Sprintf("check directive skips unknown check %q%s", n.name, l.suggest(n.name)))
		}
	}
}

// suggest names the closest known rule name, if any is close.
func (l *Linter) suggest(name string) string {
	canonical := map[string]string{}
	var lower []string
	for _, r := range l.reg.All() {
		for _, n := range r.Names() {
			k := strings.ToLower(n)
			if _, dup := canonical[k]; !dup {
				canonical[k] = n
				lower = append(lower, k)
			}
		}
	}
	sort.Strings(lower)
	if m, ok := suggest.Search(strings.ToLower(name), lower, true); ok {
		return fmt.Sprintf(": did you mean %s?", canonical[m])
	}
	return ""
}

// finish applies severities, pragmas and the check directive, then sorts.
func (l *Linter) finish(f *dockerfile.File, raw []Finding, pragmas []pragma, check checkDirective) []Finding {
	out := raw[:0]
	for _, fd := range raw {
		r := l.reg.Get(fd.RuleID)
		if r != nil {
			if !l.enabled(r) {
				continue
			}
			fd.Severity = l.severity[r]
			if check.asError && len(r.Aliases) > 0 {
				fd.Severity = Error
			}
			if !l.cfg.DisableIgnorePragma && suppressed(f, r, fd, pragmas) {
				continue
			}
		} else if family := l.reg.Get(fd.RuleName); family != nil {
			// A code of a rule family: its own severity unless configured.
			code := strings.ToUpper(fd.RuleID)
			if l.codeIgnored[code] || !l.enabled(family) {
				continue
			}
			if sev, ok := l.codeSeverity[code]; ok {
				fd.Severity = sev
			} else if l.overridden[family] {
				fd.Severity = l.severity[family]
			}
			if fd.Severity == Ignore {
				continue
			}
			if !l.cfg.DisableIgnorePragma && (suppressed(f, family, fd, pragmas) || suppressedCode(f, code, fd, pragmas)) {
				continue
			}
		}
		out = append(out, fd)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.Message < b.Message
	})
	// The same rule at the same place with the same message is one finding.
	dedup := out[:0]
	for i, fd := range out {
		if i > 0 && sameFinding(fd, out[i-1]) {
			continue
		}
		dedup = append(dedup, fd)
	}
	return dedup
}

// suppressedCode is suppressed for a code named in pragmas (SC2086).
func suppressedCode(f *dockerfile.File, code string, fd Finding, pragmas []pragma) bool {
	var named []pragma
	for _, p := range pragmas {
		for _, n := range p.names {
			if strings.EqualFold(n.name, code) {
				named = append(named, pragma{scope: p.scope, line: p.line, names: []pragmaName{{name: n.name, rules: []*Rule{codeRule}}}})
			}
		}
	}
	return suppressed(f, codeRule, fd, named)
}

// codeRule stands for "this code" in suppressedCode.
var codeRule = &Rule{ID: "code"}

func sameFinding(a, b Finding) bool {
	a.Fix, b.Fix = nil, nil
	return a == b
}

func suppressed(f *dockerfile.File, r *Rule, fd Finding, pragmas []pragma) bool {
	for _, p := range pragmas {
		if !p.hasRule(r) {
			continue
		}
		switch p.scope {
		case scopeGlobal:
			return true
		case scopeNext:
			if in := nextInstruction(f, p.line); in != nil && fd.Line >= in.Range.Start.Line && fd.Line <= in.Range.End.Line {
				return true
			}
		case scopeStage:
			if s := stageAt(f, p.line); s != nil {
				start, end := stageLines(f, s)
				if fd.Line >= start && fd.Line <= end {
					return true
				}
			}
		}
	}
	return false
}

func (p pragma) hasRule(r *Rule) bool {
	for _, n := range p.names {
		for _, x := range n.rules {
			if x == r {
				return true
			}
		}
	}
	return false
}

// nextInstruction is the first instruction that starts after line, provided
// only comment lines (other pragmas) stand between; a blank line breaks the
// link, as in hadolint.
func nextInstruction(f *dockerfile.File, line int) *dockerfile.Instruction {
	for _, in := range f.Instructions {
		if in.Range.Start.Line > line {
			for l := line + 1; l < in.Range.Start.Line; l++ {
				t := strings.TrimSpace(f.Line(l))
				if !strings.HasPrefix(t, "#") {
					return nil
				}
			}
			return in
		}
		if in.Range.End.Line >= line {
			// The pragma sits inside a multi-line instruction.
			return nil
		}
	}
	return nil
}

// stageAt is the stage a stage-scoped pragma on line belongs to: the stage
// of the next instruction (a pragma right above a FROM covers that stage),
// else the stage that line is in.
func stageAt(f *dockerfile.File, line int) *dockerfile.Stage {
	var cur *dockerfile.Stage
	for _, in := range f.Instructions {
		if in.Range.Start.Line > line {
			if in.Stage != nil {
				return in.Stage
			}
			return cur
		}
		cur = in.Stage
	}
	return cur
}

func stageLines(f *dockerfile.File, s *dockerfile.Stage) (int, int) {
	start := s.From.Range.Start.Line
	end := s.From.Range.End.Line
	if n := len(s.Instructions); n > 0 {
		end = s.Instructions[n-1].Range.End.Line
	}
	// Include the comment lines between the stage's last instruction and the next FROM.
	if s.Index+1 < len(f.Stages) {
		end = f.Stages[s.Index+1].From.Range.Start.Line - 1
	} else {
		end = max(end, len(f.Lines))
	}
	return start, end
}

// Input is one file to lint.
type Input struct {
	Path    string
	Content []byte
}

// LintAll lints inputs in parallel; results come back in input order.
func (l *Linter) LintAll(inputs []Input) []*FileResult {
	results := make([]*FileResult, len(inputs))
	workers := min(runtime.GOMAXPROCS(0), len(inputs))
	if workers <= 1 {
		for i, in := range inputs {
			results[i] = l.Lint(in.Path, in.Content)
		}
		return results
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = l.Lint(inputs[i].Path, inputs[i].Content)
			}
		}()
	}
	for i := range inputs {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

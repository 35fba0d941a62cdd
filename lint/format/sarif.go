package format

import (
	"encoding/json"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hoistci/hoist/lint"
)

func init() { register("sarif", writeSARIF) }

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// srcRoot is the uriBaseId of every file under Report.WorkDir, the name
	// GitHub's documentation and most SARIF producers use for the checkout.
	srcRoot = "%SRCROOT%"

	defaultToolName = "hoist"
	defaultToolURI  = "https://github.com/hoistci/hoist"
)

// writeSARIF writes a SARIF 2.1.0 log with one run, in the subset GitHub code
// scanning reads (docs: "SARIF support for code scanning"):
//
//   - tool.driver carries name, version, semanticVersion (when the version is
//     semver), informationUri and rules: every rule of Report.Rules that is on
//     by default plus every rule with a finding, each with id, name,
//     shortDescription (Summary), fullDescription (Rationale), help (text and
//     markdown with the bad and good examples), helpUri, the default level and
//     the properties GitHub sorts and filters by: tags, precision and
//     problem.severity.
//   - Each result has ruleId and ruleIndex, level (error, warning; info and
//     style are "note"), message.text, one location and partialFingerprints.
//   - File URIs are relative to Report.WorkDir with forward slashes and
//     uriBaseId %SRCROOT%, which originalUriBaseIds maps to WorkDir. A file
//     outside WorkDir gets an absolute file:// URI. Standard input ("-") gets
//     the relative URI "stdin" with no uriBaseId: there is no file to link to.
//   - Columns count Unicode code points (columnKind "unicodeCodePoints") and
//     endColumn is exclusive, as hoist's positions are.
//   - partialFingerprints.primaryLocationLineHash is "<hash>:<n>", the hash of
//     the rule, the file and the trimmed text of the flagged line, n counting
//     identical earlier findings: an alert keeps its identity when other lines
//     move, so GitHub does not close and reopen it.
func writeSARIF(w io.Writer, r *Report, _ Options) error {
	rules, index := sarifRules(r)
	results := []sarifResult{}
	for _, res := range r.Results {
		path, inRoot := repoPath(r.WorkDir, res.Path)
		keys := fingerprintKeys(res, path)
		for i, f := range res.Findings {
			results = append(results, sarifResult{
				RuleID:    f.RuleID,
				RuleIndex: index[f.RuleID],
				Level:     sarifLevel(f.Severity),
				Message:   sarifMessage{Text: f.Message},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
					ArtifactLocation: sarifArtifact(r.WorkDir, res.Path, path, inRoot),
					Region:           sarifRegionOf(f),
				}}},
				PartialFingerprints: map[string]string{"primaryLocationLineHash": keys[i].lineHash()},
			})
		}
	}
	tool := r.Tool
	if tool.Name == "" {
		tool.Name = defaultToolName
	}
	if tool.InformationURI == "" {
		tool.InformationURI = defaultToolURI
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:            tool.Name,
			Version:         tool.Version,
			SemanticVersion: semanticVersion(tool.Version),
			InformationURI:  tool.InformationURI,
			Rules:           rules,
		}},
		Results:    results,
		ColumnKind: "unicodeCodePoints",
	}
	if r.WorkDir != "" {
		if abs, err := filepath.Abs(r.WorkDir); err == nil {
			run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{srcRoot: {URI: fileURI(abs, true)}}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult                    `json:"results"`
	ColumnKind         string                           `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri,omitempty"`
	Rules           []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name,omitempty"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
	FullDescription      sarifMessage       `json:"fullDescription"`
	Help                 sarifMessage       `json:"help"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags            []string `json:"tags"`
	Precision       string   `json:"precision"`
	ProblemSeverity string   `json:"problem.severity"`
}

type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

func sarifArtifact(workDir, original, path string, inRoot bool) sarifArtifactLocation {
	switch {
	case isStdin(original):
		return sarifArtifactLocation{URI: stdinURI}
	case inRoot:
		return sarifArtifactLocation{URI: relativeURI(path), URIBaseID: srcRoot}
	default:
		abs, err := filepath.Abs(original)
		if err != nil {
			return sarifArtifactLocation{URI: relativeURI(path)}
		}
		return sarifArtifactLocation{URI: fileURI(abs, false)}
	}
}

// sarifRegionOf converts a finding's position. GitHub requires startLine, so
// a finding about the whole file points at line 1.
func sarifRegionOf(f lint.Finding) sarifRegion {
	reg := sarifRegion{StartLine: max(f.Line, 1)}
	if f.Column >= 1 {
		reg.StartColumn = f.Column
	}
	if f.EndLine >= reg.StartLine {
		reg.EndLine = f.EndLine
		if f.EndColumn >= 1 && (f.EndLine > reg.StartLine || f.EndColumn >= reg.StartColumn) {
			reg.EndColumn = f.EndColumn
		}
	}
	return reg
}

func sarifLevel(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Warning:
		return "warning"
	case lint.Info, lint.Style:
		return "note"
	}
	return "none"
}

// problemSeverity is the properties["problem.severity"] GitHub shows for
// non-security alerts: error, warning or recommendation.
func problemSeverity(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Warning:
		return "warning"
	}
	return "recommendation"
}

// sarifRules lists the rules for tool.driver.rules and the index of each ID.
// Rules that are off by default and found nothing are left out: they did not
// run unless configured, and GitHub lists every descriptor it is given.
func sarifRules(r *Report) ([]sarifRule, map[string]int) {
	found := map[string]lint.Finding{}
	for _, res := range r.Results {
		for _, f := range res.Findings {
			if _, ok := found[f.RuleID]; !ok {
				found[f.RuleID] = f
			}
		}
	}
	var rules []*lint.Rule
	known := map[string]bool{}
	if r.Rules != nil {
		for _, rule := range r.Rules.All() {
			if _, ok := found[rule.ID]; ok || rule.Severity != lint.Ignore {
				rules = append(rules, rule)
				known[rule.ID] = true
			}
		}
	}
	// A finding whose rule the registry does not know (a caller that passed
	// no registry, or a rule from elsewhere) still needs a descriptor.
	var extra []string
	for id := range found {
		if !known[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		f := found[id]
		rules = append(rules, &lint.Rule{ID: id, Name: f.RuleName, Severity: f.Severity})
	}

	out := make([]sarifRule, 0, len(rules))
	index := make(map[string]int, len(rules))
	for i, rule := range rules {
		index[rule.ID] = i
		out = append(out, sarifRuleOf(rule, found[rule.ID].DocsURL))
	}
	return out, index
}

func sarifRuleOf(rule *lint.Rule, docs string) sarifRule {
	summary := rule.Summary
	if summary == "" {
		summary = rule.ID
		if rule.Name != "" {
			summary += " " + rule.Name
		}
	}
	rationale := rule.Rationale
	if rationale == "" {
		rationale = summary
	}
	if docs == "" {
		docs = rule.DocsURL()
	}
	sev := rule.Severity
	if sev == lint.Ignore {
		// Off by default yet it reported: some configuration enabled it.
		sev = lint.Warning
	}
	tags := []string{"dockerfile"}
	if strings.HasPrefix(rule.ID, "DL") {
		tags = append(tags, "hadolint")
	}
	return sarifRule{
		ID:               rule.ID,
		Name:             rule.Name,
		ShortDescription: sarifMessage{Text: summary},
		FullDescription:  sarifMessage{Text: rationale},
		Help: sarifMessage{
			Text:     helpText(rule, rationale, docs),
			Markdown: helpMarkdown(rule, rationale, docs),
		},
		HelpURI:              docs,
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(sev)},
		Properties: sarifRuleProps{
			Tags: tags,
			// hoist's rules are syntactic checks of one file: when they fire,
			// the pattern is there. "high" rather than "very-high" leaves room
			// for heuristics such as cache-busting order.
			Precision:       "high",
			ProblemSeverity: problemSeverity(sev),
		},
	}
}

// helpText is the rationale, the examples indented as code, and the link.
func helpText(rule *lint.Rule, rationale, docs string) string {
	parts := []string{rationale}
	for _, ex := range examples(rule) {
		lines := strings.Split(ex.src, "\n")
		for i, l := range lines {
			lines[i] = "    " + l
		}
		parts = append(parts, ex.label+":\n"+strings.Join(lines, "\n"))
	}
	parts = append(parts, "Reference: "+docs)
	return strings.Join(parts, "\n\n")
}

// helpMarkdown is helpText for GitHub's alert page: fenced examples and a link.
func helpMarkdown(rule *lint.Rule, rationale, docs string) string {
	parts := []string{rationale}
	for _, ex := range examples(rule) {
		fence := codeFence(ex.src)
		parts = append(parts, "**"+ex.label+"**", fence+"dockerfile\n"+ex.src+"\n"+fence)
	}
	parts = append(parts, "["+rule.ID+" reference]("+docs+")")
	return strings.Join(parts, "\n\n")
}

type example struct{ label, src string }

func examples(rule *lint.Rule) []example {
	var out []example
	for _, ex := range []example{{"Bad", rule.Bad}, {"Good", rule.Good}} {
		if src := strings.TrimRight(ex.src, "\n"); strings.TrimSpace(src) != "" {
			out = append(out, example{ex.label, src})
		}
	}
	return out
}

// codeFence is a backtick fence longer than any backtick run in src.
func codeFence(src string) string {
	longest, run := 0, 0
	for _, c := range src {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$`)

// semanticVersion returns v without a leading "v" when it is a Semantic
// Version 2.0 string, else "" (a development build's "dev" is no semver).
func semanticVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if semverRE.MatchString(v) {
		return v
	}
	return ""
}

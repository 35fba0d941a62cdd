package format

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hoistci/hoist/lint"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the current output")

func noop(*lint.Pass) {}

// testRules stand in for lint/rules: the formats only read metadata.
var testRules = []*lint.Rule{
	{ID: "DL1000", Name: "parse-error", Severity: lint.Error,
		Summary:   "The Dockerfile cannot be parsed",
		Rationale: "BuildKit's parser rejects the file, so no build can use it.",
		Bad:       "FROM alpine\nRUN <<EOF\necho never terminated\n", Good: "FROM alpine\nRUN <<EOF\necho hi\nEOF\n", Run: noop},
	{ID: "DL3006", Name: "tag-image-version", Severity: lint.Warning,
		Summary:   "Always tag the version of an image explicitly",
		Rationale: "An untagged image is `latest`, which moves: builds stop being reproducible.",
		Bad:       "FROM ubuntu\n", Good: "FROM ubuntu:24.04\n", Run: noop},
	{ID: "DL3020", Name: "use-copy-not-add", Severity: lint.Error,
		Summary:   "Use COPY instead of ADD for files and folders",
		Rationale: "ADD also fetches URLs and unpacks archives; COPY does only what it says.",
		Bad:       "FROM alpine:3.20\nADD app /app\n", Good: "FROM alpine:3.20\nCOPY app /app\n", Run: noop},
	{ID: "DL3048", Name: "invalid-label-key", Severity: lint.Style,
		Summary:   "Invalid label key",
		Rationale: "Label keys should be reverse-DNS names of lowercase letters, digits, '.' and '-'.",
		Bad:       "FROM alpine:3.20\nLABEL \"bad key\"=1\n", Good: "FROM alpine:3.20\nLABEL com.example.key=1\n", Run: noop},
	{ID: "DL3059", Name: "consolidate-runs", Severity: lint.Info,
		Summary:   "Multiple consecutive RUN instructions",
		Rationale: "Each RUN is a layer; consecutive ones can usually be one.",
		Bad:       "FROM alpine:3.20\nRUN a\nRUN b\n", Good: "FROM alpine:3.20\nRUN a && b\n", Run: noop},
	{ID: "HS001", Name: "quoting", Severity: lint.Warning,
		Summary:   "Check the quoting of this RUN",
		Rationale: "A message full of characters every format must escape.",
		Bad:       "FROM alpine:3.20\nRUN echo \"```\"\n", Good: "FROM alpine:3.20\nRUN echo ok\n", Run: noop},
	{ID: "HS002", Name: "tab-indent", Severity: lint.Style,
		Summary: "Indent continuation lines with spaces", Rationale: "Tabs render differently everywhere.", Run: noop},
	{ID: "HS003", Name: "no-user", Severity: lint.Warning,
		Summary: "The image runs as root", Rationale: "No USER instruction: the container runs as root.",
		Bad: "FROM alpine:3.20\n", Good: "FROM alpine:3.20\nUSER 65532\n", Run: noop},
	{ID: "HS900", Name: "off-by-default", Severity: lint.Ignore,
		Summary: "A rule nobody enabled", Rationale: "It must not appear in SARIF's rule list.", Run: noop},
}

const escapeMessage = "RUN prints \"50%, done: ok\"\nthen <b>&</b>: check the quoting"

func finding(rule *lint.Rule, file string, line, col, endLine, endCol int, msg string) lint.Finding {
	return lint.Finding{
		RuleID: rule.ID, RuleName: rule.Name, Severity: rule.Severity, Message: msg, File: file,
		Line: line, Column: col, EndLine: endLine, EndColumn: endCol, DocsURL: rule.DocsURL(),
	}
}

func testReport(t testing.TB) *Report {
	t.Helper()
	reg, err := lint.NewRegistry(testRules...)
	if err != nil {
		t.Fatal(err)
	}
	rule := func(id string) *lint.Rule { return reg.Get(id) }
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	main := &lint.FileResult{
		Path: "Dockerfile",
		Lines: []string{
			"FROM ubuntu",
			`LABEL "bad key"=1`,
			"RUN apt-get update",
			"RUN apt-get install -y curl",
			"ADD app.tar.gz /app/",
			`RUN echo "50%, done: ok" \`,
			"\t&& echo '<b>&</b>'",
			"ADD app.tar.gz /app/",
		},
	}
	main.Findings = []lint.Finding{
		finding(rule("DL3006"), "Dockerfile", 1, 6, 1, 12, "Always tag the version of an image explicitly"),
		finding(rule("DL3048"), "Dockerfile", 2, 7, 2, 16, `Invalid label key "bad key"`),
		finding(rule("DL3059"), "Dockerfile", 4, 1, 4, 28, "Multiple consecutive RUN instructions. Consider consolidation."),
		finding(rule("DL3020"), "Dockerfile", 5, 1, 5, 21, "Use COPY instead of ADD for files and folders"),
		finding(rule("HS001"), "Dockerfile", 6, 5, 7, 20, escapeMessage),
		finding(rule("HS002"), "Dockerfile", 7, 2, 7, 4, "Indented with a tab: this && lines up differently in every editor"),
		finding(rule("DL3020"), "Dockerfile", 8, 1, 8, 21, "Use COPY instead of ADD for files and folders"),
	}
	clean := &lint.FileResult{
		Path:  "services/api/Dockerfile",
		Lines: []string{"FROM alpine:3.20", "USER 65532"},
	}
	stdin := &lint.FileResult{
		Path:  "-",
		Lines: []string{"FROM alpine:3.20", "RUN <<EOF", "echo never terminated"},
	}
	stdin.Findings = []lint.Finding{
		finding(rule("DL1000"), "-", 2, 5, 3, 22, "unterminated heredoc"),
	}
	return &Report{
		Results:   []*lint.FileResult{main, clean, stdin},
		Rules:     reg,
		Tool:      Tool{Name: "hoist", Version: "v1.2.3"},
		WorkDir:   wd,
		Threshold: lint.Info,
	}
}

func render(t testing.TB, name string, r *Report, opts Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(name, &buf, r, opts); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return buf.String()
}

// stableOutput replaces what depends on the machine (the working directory
// in SARIF's originalUriBaseIds) with a placeholder.
func stableOutput(t testing.TB, r *Report, out string) string {
	abs, err := filepath.Abs(r.WorkDir)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(out, fileURI(abs, true), "file:///WORKDIR/")
}

func TestGolden(t *testing.T) {
	if got, want := Names(), []string{"checkstyle", "codeclimate", "github", "gnu", "json", "junit", "sarif", "tty"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("formats = %v, want %v", got, want)
	}
	cases := []struct {
		golden, format string
		opts           Options
	}{{"tty-color", "tty", Options{Color: true}}}
	for _, n := range Names() {
		cases = append(cases, struct {
			golden, format string
			opts           Options
		}{n, n, Options{}})
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			r := testReport(t)
			got := stableOutput(t, r, render(t, c.format, r, c.opts))
			path := filepath.Join("testdata", "golden", c.golden+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./lint/format/ -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s (run go test ./lint/format/ -update and review the diff)\ngot:\n%s", c.golden, path, got)
			}
		})
	}
}

// TestOutputsParse checks that the machine formats are well-formed and that
// an awkward message survives them intact.
func TestOutputsParse(t *testing.T) {
	r := testReport(t)
	for _, name := range []string{"json", "sarif", "codeclimate"} {
		out := render(t, name, r, Options{})
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("%s: not JSON: %v", name, err)
		}
		if !strings.Contains(out, mustJSON(t, escapeMessage)) {
			t.Errorf("%s: message %q not found intact", name, escapeMessage)
		}
	}
	for _, name := range []string{"checkstyle", "junit"} {
		out := render(t, name, r, Options{})
		messages := xmlMessages(t, name, out)
		found := false
		for _, m := range messages {
			if m == escapeMessage {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: message %q not found intact among %q", name, escapeMessage, messages)
		}
	}
}

func mustJSON(t testing.TB, v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(buf.String())
}

// xmlMessages parses doc completely and returns every message attribute.
func xmlMessages(t testing.TB, name, doc string) []string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	var msgs []string
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: not XML: %v\n%s", name, err, doc)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			for _, a := range el.Attr {
				if a.Name.Local == "message" {
					msgs = append(msgs, a.Value)
				}
			}
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Fatalf("%s: unbalanced XML", name)
	}
	return msgs
}

// TestSARIFGitHubRequirements checks the properties GitHub code scanning
// requires or reads ("SARIF support for code scanning"), on the parsed
// output rather than on hoist's structs.
func TestSARIFGitHubRequirements(t *testing.T) {
	r := testReport(t)
	var log map[string]any
	if err := json.Unmarshal([]byte(render(t, "sarif", r, Options{})), &log); err != nil {
		t.Fatal(err)
	}
	str := func(v any, path string) string {
		t.Helper()
		s, ok := v.(string)
		if !ok || s == "" {
			t.Errorf("%s: want a non-empty string, got %#v", path, v)
		}
		return s
	}
	obj := func(v any, path string) map[string]any {
		t.Helper()
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: want an object, got %#v", path, v)
		}
		return m
	}
	arr := func(v any, path string) []any {
		t.Helper()
		a, ok := v.([]any)
		if !ok {
			t.Fatalf("%s: want an array, got %#v", path, v)
		}
		return a
	}
	num := func(v any, path string) int {
		t.Helper()
		f, ok := v.(float64)
		if !ok || f != float64(int(f)) {
			t.Fatalf("%s: want an integer, got %#v", path, v)
		}
		return int(f)
	}
	oneOf := func(v any, path string, allowed ...string) {
		t.Helper()
		s := str(v, path)
		for _, a := range allowed {
			if s == a {
				return
			}
		}
		t.Errorf("%s = %q, want one of %q", path, s, allowed)
	}

	str(log["$schema"], "$schema")
	if log["version"] != "2.1.0" {
		t.Errorf("version = %v, want 2.1.0", log["version"])
	}
	runs := arr(log["runs"], "runs")
	if len(runs) != 1 {
		t.Fatalf("runs: %d, want 1", len(runs))
	}
	run := obj(runs[0], "runs[0]")
	oneOf(run["columnKind"], "columnKind", "unicodeCodePoints")
	base := obj(obj(run["originalUriBaseIds"], "originalUriBaseIds")["%SRCROOT%"], "originalUriBaseIds.%SRCROOT%")
	if u := str(base["uri"], "originalUriBaseIds.%SRCROOT%.uri"); !strings.HasPrefix(u, "file:///") || !strings.HasSuffix(u, "/") {
		t.Errorf("%%SRCROOT%% uri = %q, want an absolute file URI ending in /", u)
	}
	driver := obj(obj(run["tool"], "tool")["driver"], "tool.driver")
	if str(driver["name"], "driver.name") != "hoist" {
		t.Errorf("driver.name = %v", driver["name"])
	}
	str(driver["version"], "driver.version")
	if driver["semanticVersion"] != "1.2.3" {
		t.Errorf("driver.semanticVersion = %v, want 1.2.3", driver["semanticVersion"])
	}
	str(driver["informationUri"], "driver.informationUri")

	rules := arr(driver["rules"], "driver.rules")
	var ruleIDs []string
	for i, rv := range rules {
		p := fmt.Sprintf("rules[%d]", i)
		rule := obj(rv, p)
		ruleIDs = append(ruleIDs, str(rule["id"], p+".id"))
		str(rule["name"], p+".name")
		str(obj(rule["shortDescription"], p+".shortDescription")["text"], p+".shortDescription.text")
		str(obj(rule["fullDescription"], p+".fullDescription")["text"], p+".fullDescription.text")
		help := obj(rule["help"], p+".help")
		str(help["text"], p+".help.text")
		str(help["markdown"], p+".help.markdown")
		str(rule["helpUri"], p+".helpUri")
		oneOf(obj(rule["defaultConfiguration"], p+".defaultConfiguration")["level"], p+".defaultConfiguration.level", "none", "note", "warning", "error")
		props := obj(rule["properties"], p+".properties")
		tags := arr(props["tags"], p+".properties.tags")
		if len(tags) == 0 || len(tags) > 20 || tags[0] != "dockerfile" {
			t.Errorf("%s.properties.tags = %v: want 1-20 tags starting with dockerfile", p, tags)
		}
		oneOf(props["precision"], p+".properties.precision", "very-high", "high", "medium", "low")
		oneOf(props["problem.severity"], p+".properties.problem.severity", "error", "warning", "recommendation")
		if _, ok := props["security-severity"]; ok {
			t.Errorf("%s: security-severity is for security rules only", p)
		}
	}
	// Every rule that is on by default is described, even without findings;
	// a rule that is off and found nothing is not.
	if got, want := strings.Join(ruleIDs, ","), "DL1000,DL3006,DL3020,DL3048,DL3059,HS001,HS002,HS003"; got != want {
		t.Errorf("rule ids = %s, want %s", got, want)
	}

	results := arr(run["results"], "results")
	if len(results) != 8 {
		t.Errorf("results: %d, want 8", len(results))
	}
	hashes := map[string]bool{}
	for i, rv := range results {
		p := fmt.Sprintf("results[%d]", i)
		res := obj(rv, p)
		id := str(res["ruleId"], p+".ruleId")
		idx := num(res["ruleIndex"], p+".ruleIndex")
		if idx < 0 || idx >= len(rules) || ruleIDs[idx] != id {
			t.Errorf("%s.ruleIndex %d does not point at rule %s", p, idx, id)
		}
		oneOf(res["level"], p+".level", "none", "note", "warning", "error")
		str(obj(res["message"], p+".message")["text"], p+".message.text")
		locs := arr(res["locations"], p+".locations")
		if len(locs) < 1 || len(locs) > 10 {
			t.Errorf("%s.locations: %d, want 1-10", p, len(locs))
		}
		phys := obj(obj(locs[0], p+".locations[0]")["physicalLocation"], p+".physicalLocation")
		art := obj(phys["artifactLocation"], p+".artifactLocation")
		uri := str(art["uri"], p+".artifactLocation.uri")
		if strings.Contains(uri, `\`) || strings.HasPrefix(uri, "/") || strings.HasPrefix(uri, "./") {
			t.Errorf("%s.artifactLocation.uri = %q: want a relative URI with forward slashes", p, uri)
		}
		if uri != stdinURI && art["uriBaseId"] != "%SRCROOT%" {
			t.Errorf("%s.artifactLocation.uriBaseId = %v, want %%SRCROOT%%", p, art["uriBaseId"])
		}
		region := obj(phys["region"], p+".region")
		start := num(region["startLine"], p+".region.startLine")
		if start < 1 {
			t.Errorf("%s.region.startLine = %d", p, start)
		}
		if end, ok := region["endLine"]; ok && num(end, p+".region.endLine") < start {
			t.Errorf("%s.region.endLine before startLine", p)
		}
		fp := obj(res["partialFingerprints"], p+".partialFingerprints")
		h := str(fp["primaryLocationLineHash"], p+".partialFingerprints.primaryLocationLineHash")
		if !regexp.MustCompile(`^[0-9a-f]{16}:[1-9][0-9]*$`).MatchString(h) {
			t.Errorf("%s: primaryLocationLineHash %q is not <hex>:<n>", p, h)
		}
		if hashes[uri+"\x00"+id+"\x00"+h] {
			t.Errorf("%s: fingerprint %s repeats for %s in %s", p, h, id, uri)
		}
		hashes[uri+"\x00"+id+"\x00"+h] = true
	}
}

func TestSARIFWithoutRegistryOrWorkDir(t *testing.T) {
	r := testReport(t)
	r.Rules = nil
	r.WorkDir = ""
	r.Tool = Tool{Version: "dev"}
	var log struct {
		Runs []struct {
			OriginalURIBaseIDs map[string]any `json:"originalUriBaseIds"`
			Tool               struct {
				Driver struct {
					Name, SemanticVersion string
					Rules                 []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
			}
		}
	}
	if err := json.Unmarshal([]byte(render(t, "sarif", r, Options{})), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if run.OriginalURIBaseIDs != nil || run.Tool.Driver.Name != "hoist" || run.Tool.Driver.SemanticVersion != "" {
		t.Errorf("run = %+v", run)
	}
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s points at rule %d", res.RuleID, res.RuleIndex)
		}
	}
	if n := len(run.Tool.Driver.Rules); n != 7 {
		t.Errorf("rules: %d, want the 7 that reported", n)
	}
}

// TestFingerprintsSurviveMovedLines: inserting lines above findings keeps
// their SARIF and Code Quality fingerprints; identical lines stay distinct.
func TestFingerprintsSurviveMovedLines(t *testing.T) {
	before := testReport(t)
	after := testReport(t)
	res := after.Results[0]
	res.Lines = append([]string{"# syntax=docker/dockerfile:1", ""}, res.Lines...)
	for i := range res.Findings {
		res.Findings[i].Line += 2
		res.Findings[i].EndLine += 2
	}
	for _, format := range []string{"sarif", "codeclimate"} {
		re := regexp.MustCompile(`"(?:primaryLocationLineHash|fingerprint)": "([^"]+)"`)
		fps := func(r *Report) []string {
			var out []string
			for _, m := range re.FindAllStringSubmatch(render(t, format, r, Options{}), -1) {
				out = append(out, m[1])
			}
			return out
		}
		a, b := fps(before), fps(after)
		if len(a) != 8 || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s fingerprints changed when lines moved:\n%v\n%v", format, a, b)
		}
		seen := map[string]bool{}
		for _, fp := range a {
			if seen[fp] && format == "codeclimate" {
				t.Errorf("codeclimate fingerprint %s is not unique", fp)
			}
			seen[fp] = true
		}
	}
	// The two identical ADD lines are told apart by occurrence.
	keys := fingerprintKeys(before.Results[0], "Dockerfile")
	if keys[3].base != keys[6].base || keys[3].occurrence != 1 || keys[6].occurrence != 2 {
		t.Errorf("duplicate lines: %+v %+v", keys[3], keys[6])
	}
}

func TestGitHubEscaping(t *testing.T) {
	in := "50%, done: ok\r\nnext"
	if got, want := escapeData(in), "50%25, done: ok%0D%0Anext"; got != want {
		t.Errorf("escapeData = %q, want %q", got, want)
	}
	if got, want := escapeProperty(in), "50%25%2C done%3A ok%0D%0Anext"; got != want {
		t.Errorf("escapeProperty = %q, want %q", got, want)
	}
}

func TestGitHubAnnotationLimit(t *testing.T) {
	rule := func(sev lint.Severity) *lint.Rule {
		return &lint.Rule{ID: "X" + sev.String(), Name: sev.String() + "-rule", Severity: sev}
	}
	for _, c := range []struct {
		name                           string
		errors, warnings, infos, style int
		wantErr, wantWarn, wantNotice  int // annotations of findings
		wantMore                       []string
	}{
		{"under", 10, 10, 5, 5, 10, 10, 10, nil},
		{"errors cut", 12, 3, 9, 0, 10, 3, 9, []string{"2 more error findings"}},
		{"notices share slots", 12, 25, 6, 6, 10, 10, 7, []string{"2 more error findings", "15 more warning findings", "5 more info and style findings"}},
		{"one notice over", 0, 0, 11, 0, 0, 0, 9, []string{"2 more info and style findings"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := &lint.FileResult{Path: "Dockerfile"}
			add := func(n int, sev lint.Severity) {
				for i := 0; i < n; i++ {
					res.Findings = append(res.Findings, finding(rule(sev), "Dockerfile", i+1, 1, i+1, 5, "m"))
				}
			}
			add(c.errors, lint.Error)
			add(c.warnings, lint.Warning)
			add(c.infos, lint.Info)
			add(c.style, lint.Style)
			out := render(t, "github", &Report{Results: []*lint.FileResult{res}}, Options{})
			count := func(prefix string) int {
				n := 0
				for _, l := range strings.Split(out, "\n") {
					if strings.HasPrefix(l, prefix) {
						n++
					}
				}
				return n
			}
			if got := count("::error file="); got != c.wantErr {
				t.Errorf("error annotations = %d, want %d", got, c.wantErr)
			}
			if got := count("::warning file="); got != c.wantWarn {
				t.Errorf("warning annotations = %d, want %d", got, c.wantWarn)
			}
			if got := count("::notice file="); got != c.wantNotice {
				t.Errorf("notice annotations = %d, want %d", got, c.wantNotice)
			}
			if got := count("::notice"); got > maxAnnotations {
				t.Errorf("%d notices: GitHub would drop some", got)
			}
			if got := count("::notice::"); got != len(c.wantMore) {
				t.Errorf("overflow notices = %d, want %d", got, len(c.wantMore))
			}
			for _, m := range c.wantMore {
				if !strings.Contains(out, "::notice::"+m+" not shown as annotations; see the job summary or use --format sarif\n") {
					t.Errorf("missing overflow notice %q in\n%s", m, out)
				}
			}
			total := c.errors + c.warnings + c.infos + c.style
			if got := count("::error file=") + count("::warning file=") + count("::notice file=") + count("Dockerfile:"); got != total {
				t.Errorf("findings in output = %d, want all %d (annotated or plain)", got, total)
			}
		})
	}
}

func TestGNURange(t *testing.T) {
	// Screen columns: line 2's tab covers 1-8 ("RUN a" is 9-13); line 3's
	// tab covers 3-8 ("c" is 9).
	res := &lint.FileResult{Lines: []string{"FROM x", "\tRUN a", "ab\tc", "RUN \\", "  b"}}
	for _, c := range []struct {
		line, col, endLine, endCol int
		want                       string
	}{
		{1, 6, 1, 7, "1.6"},     // one character: no range
		{1, 1, 1, 7, "1.1-6"},   // same line, inclusive end
		{1, 3, 1, 3, "1.3"},     // empty range
		{2, 2, 2, 5, "2.9-11"},  // after a leading tab: screen columns
		{2, 1, 2, 2, "2.1-8"},   // the tab itself
		{3, 1, 3, 4, "3.1-8"},   // ends with a mid-line tab: its far edge
		{4, 1, 5, 4, "4.1-5.3"}, // multi-line
		{4, 1, 5, 1, "4.1-5"},   // ends at the start of line 5: really ends line 4
		{2, 2, 3, 1, "2.9-13"},  // the same, after a tab
		{1, 1, 6, 1, "1.1-5.3"}, // to the start of a line past the end
		{1, 0, 0, 0, "1"},       // no column
		{0, 0, 0, 0, "1"},       // about the whole file
		{4, 0, 5, 0, "4-5"},     // lines only
		{9, 3, 9, 5, "9.3-4"},   // no source: columns as they are
		{2, 3, 2, 1, "2.10"},    // end before start is ignored
	} {
		f := lint.Finding{Line: c.line, Column: c.col, EndLine: c.endLine, EndColumn: c.endCol}
		if got := gnuRange(res, f); got != c.want {
			t.Errorf("gnuRange(%d:%d-%d:%d) = %q, want %q", c.line, c.col, c.endLine, c.endCol, got, c.want)
		}
	}
}

func TestRepoPath(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	for _, c := range []struct {
		workDir, path, want string
		ok                  bool
	}{
		{"", "-", "stdin", false},
		{root, "-", "stdin", false},
		{"", "Dockerfile", "Dockerfile", true},
		{"", "./sub/../Dockerfile", "Dockerfile", true},
		{"", filepath.Join("a", "b", "Dockerfile"), "a/b/Dockerfile", true},
		{root, filepath.Join(root, "svc", "Dockerfile"), "svc/Dockerfile", true},
		{root, filepath.Join(outside, "Dockerfile"), filepath.ToSlash(filepath.Join(outside, "Dockerfile")), false},
		{"", filepath.Join(outside, "Dockerfile"), filepath.ToSlash(filepath.Join(outside, "Dockerfile")), false},
	} {
		got, ok := repoPath(c.workDir, c.path)
		if got != c.want || ok != c.ok {
			t.Errorf("repoPath(%q, %q) = %q, %v; want %q, %v", c.workDir, c.path, got, ok, c.want, c.ok)
		}
	}
	// A file outside WorkDir gets an absolute file URI in SARIF.
	r := &Report{WorkDir: root, Results: []*lint.FileResult{{
		Path:     filepath.Join(outside, "my Dockerfile"),
		Findings: []lint.Finding{{RuleID: "DL3006", Severity: lint.Warning, Message: "m", Line: 1, Column: 1}},
	}}}
	out := render(t, "sarif", r, Options{})
	if want := fileURI(filepath.Join(outside, "my Dockerfile"), false); !strings.Contains(out, `"uri": "`+want+`"`) || !strings.Contains(want, "my%20Dockerfile") {
		t.Errorf("outside file: want uri %s in\n%s", want, out)
	}
}

func TestEmptyReport(t *testing.T) {
	r := &Report{}
	for _, name := range Names() {
		out := render(t, name, r, Options{})
		switch name {
		case "json", "codeclimate":
			if strings.TrimSpace(out) != "[]" {
				t.Errorf("%s: empty report = %q, want []", name, out)
			}
		case "sarif":
			if !strings.Contains(out, `"results": []`) || !strings.Contains(out, `"rules": []`) {
				t.Errorf("sarif: empty report needs empty results and rules:\n%s", out)
			}
		case "github", "gnu":
			if out != "" {
				t.Errorf("%s: empty report = %q, want nothing", name, out)
			}
		case "checkstyle", "junit":
			xmlMessages(t, name, out)
		}
	}
}

func TestSemanticVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3": "1.2.3", "1.2.3": "1.2.3", "1.2.3-rc.1+build.5": "1.2.3-rc.1+build.5",
		"dev": "", "": "", "1.2": "", "v01.2.3": "", "1.2.3-": "",
	} {
		if got := semanticVersion(in); got != want {
			t.Errorf("semanticVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// Package ruledocs renders the rule reference (docs/rules/) from the rules'
// metadata, so the documentation can never drift from the code: a test
// compares the files with what Render produces.
package ruledocs

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/format"
)

// Page renders one rule's page, including what hoist reports on the bad example.
func Page(reg *lint.Registry, r *lint.Rule) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n", r.ID, r.Name)
	fmt.Fprintf(&b, "%s.\n\n", r.Summary)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	sev := r.Severity.String()
	if r.Severity == lint.Ignore {
		sev = "off by default (enable with `--info " + r.ID + "` or an `override` in .hadolint.yaml)"
	}
	fmt.Fprintf(&b, "| Severity | %s |\n", sev)
	origin := "hoist"
	if strings.HasPrefix(r.ID, "DL") {
		origin = "hadolint (same ID and default severity)"
	}
	fmt.Fprintf(&b, "| Origin | %s |\n", origin)
	if len(r.Aliases) > 0 {
		fmt.Fprintf(&b, "| Also known as | %s (BuildKit check) |\n", "`"+strings.Join(r.Aliases, "`, `")+"`")
	}
	if r.Fix != "" {
		fmt.Fprintf(&b, "| Automatic fix | yes (`hoist lint --fix`): %s |\n", escapeCell(r.Fix))
	}
	b.WriteString("\n## Why\n\n")
	b.WriteString(strings.TrimSpace(r.Rationale) + "\n")

	b.WriteString("\n## Bad\n\n```dockerfile\n" + ensureNL(r.Bad) + "```\n")
	out, err := exampleOutput(reg, r)
	if err != nil {
		return "", err
	}
	b.WriteString("\n`hoist lint` reports:\n\n```text\n" + out + "```\n")
	b.WriteString("\n## Good\n\n```dockerfile\n" + ensureNL(r.Good) + "```\n")
	if r.ExampleConfig != "" {
		b.WriteString("\nThese examples use this `.hadolint.yaml`:\n\n```yaml\n" + ensureNL(r.ExampleConfig) + "```\n")
	}
	for _, name := range sortedKeys(r.ExampleFiles) {
		fmt.Fprintf(&b, "\nWith this `%s` beside the Dockerfile:\n\n```text\n%s```\n", name, ensureNL(r.ExampleFiles[name]))
	}
	b.WriteString("\n## Turn it off\n\n")
	fmt.Fprintf(&b, "- for one instruction: `# hoist ignore=%s -- why` (or `# hadolint ignore=%s`) on the line above it\n", r.Name, r.ID)
	fmt.Fprintf(&b, "- for a stage or the whole file: `# hoist stage ignore=%s`, `# hoist global ignore=%s`\n", r.ID, r.ID)
	fmt.Fprintf(&b, "- everywhere: `hoist lint --ignore %s`, or `ignored: [%s]` in `.hadolint.yaml`\n", r.ID, r.ID)
	return b.String(), nil
}

func ensureNL(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// exampleOutput lints the bad example with only r enabled.
func exampleOutput(reg *lint.Registry, r *lint.Rule) (string, error) {
	res, err := lint.LintExample(reg, r, r.Bad)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := format.Write("tty", &out, &format.Report{Results: []*lint.FileResult{res}, Rules: reg}, format.Options{}); err != nil {
		return "", err
	}
	return out.String(), nil
}

// Index renders docs/rules/README.md: every rule in a table.
func Index(reg *lint.Registry) string {
	var b strings.Builder
	b.WriteString("# hoist lint rules\n\n")
	b.WriteString("Generated from the rules' metadata (`go test ./internal/ruledocs -update`); do not edit.\n\n")
	b.WriteString("`DL` rules keep hadolint's ID, default severity and meaning, so a `.hadolint.yaml` and\n")
	b.WriteString("`# hadolint ignore=` pragmas keep working. `HS` rules are hoist's own. BuildKit check names\n")
	b.WriteString("are accepted wherever a rule can be named. Every rule can also be named by its kebab-case name.\n\n")
	b.WriteString("See also [migrating from hadolint](../migrating-from-hadolint.md).\n\n")
	b.WriteString("| ID | Name | Severity | BuildKit check | Fix | Summary |\n|---|---|---|---|---|---|\n")
	for _, r := range reg.All() {
		sev := r.Severity.String()
		if r.Severity == lint.Ignore {
			sev = "off"
		}
		fix := ""
		if r.Fix != "" {
			fix = "yes"
		}
		fmt.Fprintf(&b, "| [%s](%s.md) | `%s` | %s | %s | %s | %s |\n", r.ID, r.ID, r.Name, sev, strings.Join(r.Aliases, ", "), fix, escapeCell(r.Summary))
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

package gha

import (
	"fmt"
	"strings"
	"time"

	"github.com/hoistci/hoist/internal/ui"
)

// MaxSummaryRows bounds a summary table: GitHub refuses a step summary over
// 1 MiB (and then shows none), so a longer list is cut with a line that
// says where the rest is.
const MaxSummaryRows = 1000

// Finding is one lint finding as the summary and the annotations show it.
type Finding struct {
	File      string // relative to the repository root, forward slashes
	Line      int
	Column    int
	EndLine   int
	EndColumn int
	RuleID    string // DL3006
	RuleName  string // tag-image-version
	Severity  string // error, warning, info or style
	Message   string
	DocsURL   string
}

// LintSummary is what `hoist lint` found.
type LintSummary struct {
	Files     int    // Dockerfiles linted
	Threshold string // the failure threshold (error ... style, none)
	Failed    bool   // the findings fail the step
	Findings  []Finding
}

// BuildSummary is what `hoist build` made.
type BuildSummary struct {
	Names           []string // references written: store names, pushed tags
	Digest          string
	ImageID         string
	Platforms       []string
	Size            int64
	CacheHits       int
	CacheMisses     int
	BytesPushed     int64
	BytesDownloaded int64
	Duration        time.Duration
	Warnings        []string
}

// TagSummary is what `hoist tag` computed and wrote.
type TagSummary struct {
	Version      string
	DryRun       bool // nothing was to be written (no SOURCE, or --dry-run)
	Repositories []TagRepository
}

// TagRepository is the tag set of one repository.
type TagRepository struct {
	Repository string // "" when computed without one
	Tags       []string
	Written    []string
	Digest     string
	Rules      []TagRule
	Checks     []TagCheck
}

// TagRule is one tag rule's decision.
type TagRule struct {
	Name   string
	Fired  bool
	Reason string
	Tags   []string
}

// TagCheck is one policy check's result.
type TagCheck struct {
	Name    string
	Level   string
	Status  string
	Message string
}

// PruneSummary is a prune plan, planned or applied.
type PruneSummary struct {
	Applied      bool
	Repositories []PruneRepository
}

// PruneRepository is the plan of one repository.
type PruneRepository struct {
	Repository string
	Skipped    string // why nothing is deleted there, when so
	Decisions  []PruneDecision
	Untags     []string // tags removed from manifests that stay
	Deleted    []string // digests deleted (applied)
	Untagged   []string // tags removed (applied)
	Kept       []string // kept at apply time, with why
}

// PruneDecision is the decision on one image (tag).
type PruneDecision struct {
	Tag      string // "" for an untagged manifest
	Digest   string
	Age      string
	Decision string // delete or keep
	Rule     string
	Reason   string
	Safety   string // the built-in safety that kept it, when one did
}

// FindingAnnotations are the annotations of lint findings: error findings
// are errors, warning findings warnings, info and style findings notices;
// the title is the rule's ID and name. A finding without a file (stdin)
// keeps its position in the message.
func FindingAnnotations(fs []Finding) []Annotation {
	out := make([]Annotation, 0, len(fs))
	for _, f := range fs {
		l := LevelNotice
		switch f.Severity {
		case "error":
			l = LevelError
		case "warning":
			l = LevelWarning
		}
		title := f.RuleID
		if f.RuleName != "" {
			title = strings.TrimSpace(title + " " + f.RuleName)
		}
		msg := f.Message
		if f.File == "" && f.Line > 0 {
			// No file to attach it to (stdin): keep the position in the text.
			msg = fmt.Sprintf("stdin:%d:%d: %s", f.Line, f.Column, msg)
		}
		out = append(out, Annotation{Level: l, File: f.File, Line: f.Line, Column: f.Column,
			EndLine: f.EndLine, EndColumn: f.EndColumn, Title: title, Message: msg})
	}
	return out
}

// LintMarkdown renders the lint summary: totals, then one row per finding.
func LintMarkdown(s LintSummary) string {
	var b strings.Builder
	count := map[string]int{}
	files := map[string]bool{}
	for _, f := range s.Findings {
		count[f.Severity]++
		files[f.File] = true
	}
	b.WriteString("### hoist lint\n\n")
	verdict := "Passed"
	if s.Failed {
		verdict = "Failed"
	}
	threshold := s.Threshold
	if threshold == "" {
		threshold = "info"
	}
	if len(s.Findings) == 0 {
		fmt.Fprintf(&b, "**%s**: no findings in %s; failure threshold: %s.\n", verdict, plural(s.Files, "file", "files"), cell(threshold))
		return b.String()
	}
	fmt.Fprintf(&b, "**%s**: %s in %d of %s (%s); failure threshold: %s.\n\n",
		verdict, plural(len(s.Findings), "finding", "findings"), len(files), plural(s.Files, "file", "files"),
		severityCounts(count), cell(threshold))
	b.WriteString("| Location | Rule | Severity | Message |\n|---|---|---|---|\n")
	for i, f := range s.Findings {
		if i == MaxSummaryRows {
			fmt.Fprintf(&b, "\n%d more findings are not shown here: see the `results` output or a JSON or SARIF report.\n", len(s.Findings)-i)
			break
		}
		loc := f.File
		if loc == "" {
			loc = "stdin"
		}
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d:%d", loc, f.Line, f.Column)
		}
		rule := cell(f.RuleID)
		if strings.HasPrefix(f.DocsURL, "https://") && !strings.ContainsAny(f.DocsURL, "()<> \n|") {
			rule = "[" + rule + "](" + f.DocsURL + ")"
		}
		if f.RuleName != "" {
			rule += " " + cell(f.RuleName)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", code(loc), rule, cell(f.Severity), cell(f.Message))
	}
	return b.String()
}

func severityCounts(count map[string]int) string {
	var parts []string
	parts = append(parts, plural(count["error"], "error", "errors"), plural(count["warning"], "warning", "warnings"))
	for _, s := range []string{"info", "style"} {
		parts = append(parts, fmt.Sprintf("%d %s", count[s], s))
	}
	return strings.Join(parts, ", ")
}

// BuildMarkdown renders the build summary as a table of its facts.
func BuildMarkdown(s BuildSummary) string {
	var b strings.Builder
	b.WriteString("### hoist build\n\n| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, v)
		}
	}
	var images, tags []string
	seen := map[string]bool{}
	for _, n := range s.Names {
		repo, _ := splitRef(n)
		if !seen[repo] {
			seen[repo] = true
			images = append(images, code(repo))
		}
		tags = append(tags, code(n))
	}
	if len(images) == 0 {
		images = []string{"(no name)"}
	}
	row("Image", strings.Join(images, "<br>"))
	row("Tags", strings.Join(tags, "<br>"))
	row("Digest", code(s.Digest))
	if s.ImageID != "" {
		row("Image ID", code(s.ImageID))
	}
	var pl []string
	for _, p := range s.Platforms {
		pl = append(pl, code(p))
	}
	row("Platforms", strings.Join(pl, ", "))
	row("Size", ui.HumanSize(s.Size))
	row("Cache", fmt.Sprintf("%s, %s", plural(s.CacheHits, "hit", "hits"), plural(s.CacheMisses, "miss", "misses")))
	row("Pushed", ui.HumanSize(s.BytesPushed))
	if s.BytesDownloaded > 0 {
		row("Downloaded", ui.HumanSize(s.BytesDownloaded))
	}
	row("Duration", s.Duration.Round(time.Millisecond).String())
	if len(s.Warnings) > 0 {
		b.WriteString("\nWarnings:\n\n")
		for _, w := range s.Warnings {
			fmt.Fprintf(&b, "- %s\n", cell(w))
		}
	}
	return b.String()
}

// splitRef cuts a reference into its repository and its tag or digest.
func splitRef(ref string) (repo, tag string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		return ref[:i], ref[i+1:]
	}
	slash := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > slash {
		return ref[:i], ref[i+1:]
	}
	return ref, ""
}

// TagMarkdown renders the tags of each repository, then the rules that
// decided them and the checks that gated them.
func TagMarkdown(s TagSummary) string {
	var b strings.Builder
	b.WriteString("### hoist tag")
	if s.Version != "" {
		b.WriteString(" " + code(s.Version))
	}
	b.WriteString("\n\n")
	if s.DryRun {
		b.WriteString("Computed only: nothing was written.\n\n")
	}
	b.WriteString("| Repository | Tags | Written | Digest |\n|---|---|---|---|\n")
	for _, r := range s.Repositories {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", repoCell(r.Repository), codes(r.Tags), codes(r.Written), code(r.Digest))
	}
	for _, r := range s.Repositories {
		if len(r.Rules) == 0 && len(r.Checks) == 0 {
			continue
		}
		if len(s.Repositories) > 1 {
			fmt.Fprintf(&b, "\n#### %s\n", repoCell(r.Repository))
		}
		if len(r.Rules) > 0 {
			b.WriteString("\n| Rule | Fired | Tags | Reason |\n|---|---|---|---|\n")
			for _, d := range r.Rules {
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(d.Name), yesNo(d.Fired), codes(d.Tags), cell(d.Reason))
			}
		}
		if len(r.Checks) > 0 {
			b.WriteString("\n| Check | Level | Status | Message |\n|---|---|---|---|\n")
			for _, c := range r.Checks {
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(c.Name), cell(c.Level), cell(c.Status), cell(c.Message))
			}
		}
	}
	return b.String()
}

func repoCell(r string) string {
	if r == "" {
		return "(no repository)"
	}
	return code(r)
}

// PruneMarkdown renders a prune plan: totals, then per repository every
// decision with the rule behind it.
func PruneMarkdown(s PruneSummary) string {
	var b strings.Builder
	deletes, keeps, untags := 0, 0, 0
	for _, r := range s.Repositories {
		for _, d := range r.Decisions {
			if d.Decision == "delete" {
				deletes++
			} else {
				keeps++
			}
		}
		untags += len(r.Untags)
	}
	b.WriteString("### hoist prune\n\n")
	if s.Applied {
		deleted, untagged := 0, 0
		for _, r := range s.Repositories {
			deleted += len(r.Deleted)
			untagged += len(r.Untagged)
		}
		fmt.Fprintf(&b, "**Applied**: planned %d to delete, %d to keep, %s to remove in %s; deleted %s, removed %s.\n",
			deletes, keeps, plural(untags, "tag", "tags"), plural(len(s.Repositories), "repository", "repositories"),
			plural(deleted, "manifest", "manifests"), plural(untagged, "tag", "tags"))
	} else {
		fmt.Fprintf(&b, "**Dry run**: %d to delete, %d to keep, %s to remove in %s; nothing was deleted (apply to delete).\n",
			deletes, keeps, plural(untags, "tag", "tags"), plural(len(s.Repositories), "repository", "repositories"))
	}
	rows := 0
	for _, r := range s.Repositories {
		fmt.Fprintf(&b, "\n#### %s\n\n", code(r.Repository))
		if r.Skipped != "" {
			fmt.Fprintf(&b, "Skipped: %s\n\n", cell(r.Skipped))
		}
		if len(r.Decisions) > 0 {
			b.WriteString("| Tag | Digest | Age | Decision | Rule |\n|---|---|---|---|---|\n")
		}
		for i, d := range r.Decisions {
			if rows == MaxSummaryRows {
				fmt.Fprintf(&b, "\n%d more decisions are not shown here: see the `plan` output.\n", len(r.Decisions)-i)
				break
			}
			rows++
			tag := code(d.Tag)
			if d.Tag == "" {
				tag = "(untagged)"
			}
			why := cell(d.Rule)
			if d.Safety != "" {
				why += " (kept: " + cell(d.Safety) + ")"
			} else if d.Rule == "" && d.Reason != "" {
				why = cell(d.Reason)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", tag, code(shortDigest(d.Digest)), cell(d.Age), cell(d.Decision), why)
		}
		if len(r.Untags) > 0 {
			fmt.Fprintf(&b, "\nTags removed from manifests that stay: %s\n", codes(r.Untags))
		}
		if s.Applied {
			fmt.Fprintf(&b, "\nDeleted %s, removed %s.\n", plural(len(r.Deleted), "manifest", "manifests"), plural(len(r.Untagged), "tag", "tags"))
			for _, k := range r.Kept {
				fmt.Fprintf(&b, "- kept at apply: %s\n", cell(k))
			}
		}
	}
	return b.String()
}

func shortDigest(d string) string {
	h := strings.TrimPrefix(d, "sha256:")
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}

// cellEscaper makes text inert in a markdown table cell: HTML and entities
// are escaped, markdown punctuation is backslash-escaped, a | does not end
// the cell and a line break stays inside it.
var cellEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "|", `\|`, "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "~", `\~`, "#", `\#`,
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

// cell escapes untrusted text for a markdown table cell (or a list item).
func cell(s string) string { return cellEscaper.Replace(s) }

// code shows s as code when it can be (a code span cannot hold a backtick,
// a | or a line break inside a table), else as escaped text.
func code(s string) string {
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "`|\r\n<>&") {
		return cell(s)
	}
	return "`" + s + "`"
}

func codes(list []string) string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, code(s))
	}
	return strings.Join(out, " ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func plural(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, pluralWord(n, one, many))
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ReleaseImage is what `hoist release` did for one image: its status
// and, as far as it got, each step's summary.
type ReleaseImage struct {
	Name       string // the image block; "" without one
	Repository string
	Status     string // released, built, lint-failed, blocked, failed
	Error      string
	Version    string
	Digest     string
	Lint       *LintSummary
	Build      *BuildSummary
	Tag        *TagSummary
	Prune      *PruneSummary
}

// ReleaseMarkdown is the job summary of `hoist release`: one table row
// per image, then each image's lint, build, tag and prune sections.
func ReleaseMarkdown(images []ReleaseImage) string {
	var b strings.Builder
	b.WriteString("## hoist release\n\n| Image | Repository | Status | Version | Digest |\n|---|---|---|---|---|\n")
	for _, im := range images {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(im.Name), repoCell(im.Repository), cell(im.Status), code(im.Version), code(shortDigest(im.Digest)))
	}
	for _, im := range images {
		title := im.Repository
		if im.Name != "" {
			title = im.Name
		}
		fmt.Fprintf(&b, "\n<details><summary>%s: %s</summary>\n\n", cell(title), cell(im.Status))
		if im.Error != "" {
			fmt.Fprintf(&b, "%s\n\n", code(im.Error))
		}
		if im.Lint != nil {
			b.WriteString(LintMarkdown(*im.Lint) + "\n")
		}
		if im.Build != nil {
			b.WriteString(BuildMarkdown(*im.Build) + "\n")
		}
		if im.Tag != nil {
			b.WriteString(TagMarkdown(*im.Tag) + "\n")
		}
		if im.Prune != nil {
			b.WriteString(PruneMarkdown(*im.Prune) + "\n")
		}
		b.WriteString("</details>\n")
	}
	return b.String()
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/hoistci/hoist/internal/policy"
	"github.com/hoistci/hoist/internal/ui"
)

func init() { policySubcommands = append(policySubcommands, (*app).newPolicyExplainCmd) }

// explainImage is one --image with the flags that follow it.
type explainImage struct {
	ref     string
	img     policy.Image
	created string // as given, for messages
}

// explainImages collects --image REF and the --created/--tags that apply to
// the --image before them.
type explainImages struct {
	list []*explainImage
}

func (l *explainImages) last(flag, v string) (*explainImage, error) {
	if len(l.list) == 0 {
		return nil, fmt.Errorf("--%s %s must follow the --image it describes (e.g. --image ghcr.io/acme/web:pr-12 --%s %s)", flag, v, flag, v)
	}
	return l.list[len(l.list)-1], nil
}

type explainImageFlag struct{ l *explainImages }

func (f explainImageFlag) String() string { return "" }
func (f explainImageFlag) Type() string   { return "ref" }
func (f explainImageFlag) Set(v string) error {
	img, err := parseExplainRef(v)
	if err != nil {
		return err
	}
	f.l.list = append(f.l.list, &explainImage{ref: v, img: img})
	return nil
}

type explainCreatedFlag struct{ l *explainImages }

func (f explainCreatedFlag) String() string { return "" }
func (f explainCreatedFlag) Type() string   { return "time" }
func (f explainCreatedFlag) Set(v string) error {
	im, err := f.l.last("created", v)
	if err != nil {
		return err
	}
	if im.created != "" {
		return fmt.Errorf("--created given twice for --image %s", im.ref)
	}
	if _, _, err := parseExplainCreated(v, time.Time{}); err != nil {
		return err
	}
	im.created = v
	return nil
}

type explainTagsFlag struct{ l *explainImages }

func (f explainTagsFlag) String() string { return "" }
func (f explainTagsFlag) Type() string   { return "tags" }
func (f explainTagsFlag) Set(v string) error {
	im, err := f.l.last("tags", v)
	if err != nil {
		return err
	}
	for _, t := range strings.Split(v, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !explainTagRE.MatchString(t) {
			return fmt.Errorf("--tags: %q is not a valid tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})", t)
		}
		if !explainContains(im.img.Tags, t) {
			im.img.Tags = append(im.img.Tags, t)
		}
	}
	return nil
}

func explainContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	explainTagRE    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	explainDigestRE = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)
	explainSHARE    = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
)

// parseExplainRef reads REPOSITORY[:TAG][@DIGEST].
func parseExplainRef(ref string) (policy.Image, error) {
	var img policy.Image
	rest := ref
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		img.Digest = rest[i+1:]
		rest = rest[:i]
		if !explainDigestRE.MatchString(img.Digest) {
			return img, fmt.Errorf("--image %s: %q is not a digest (write ALGORITHM:HEX, such as sha256:3b4c...)", ref, img.Digest)
		}
	}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		img.Tag = rest[i+1:]
		rest = rest[:i]
		if !explainTagRE.MatchString(img.Tag) {
			return img, fmt.Errorf("--image %s: %q is not a valid tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})", ref, img.Tag)
		}
		img.Tags = []string{img.Tag}
	}
	if rest == "" || strings.HasPrefix(rest, "/") || strings.HasSuffix(rest, "/") || strings.Contains(rest, "//") {
		return img, fmt.Errorf("--image %s: give an image reference, REPOSITORY[:TAG][@DIGEST], such as ghcr.io/acme/web:pr-12", ref)
	}
	img.Repository = rest
	return img, nil
}

// parseExplainCreated reads --created: an RFC 3339 time, a date
// (YYYY-MM-DD, midnight UTC) or a duration ago ("14d", "36h").
func parseExplainCreated(v string, now time.Time) (time.Time, bool, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, false, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, false, nil
	}
	if d, err := policy.ParseDuration(v); err == nil {
		return now.Add(-d), true, nil
	}
	return time.Time{}, false, fmt.Errorf("--created %s: give an RFC 3339 time (2026-05-01T12:00:00Z), a date (2026-05-01) or an age such as 14d or 36h", v)
}

type explainOptions struct {
	policyFlags
	policies  []string
	format    string
	now       string
	overrides []string

	gitTag, branch, defaultBranch, sha, event string
	pr                                        int
	published                                 []string
	repository                                string
	lintErrors, lintWarnings, lintInfos       int

	images explainImages
}

func (a *app) newPolicyExplainCmd() *cobra.Command {
	o := &explainOptions{}
	cmd := &cobra.Command{
		Use:   "explain [flags]",
		Short: "Show every decision the policy makes for given facts, and the rule behind it",
		Long: `Evaluate the policy for facts given as flags and print every decision with
the rule (kind, name, file:line) that made it and the reason.

The policy is --policy (a file or a directory of .hcl files; repeatable), or
./hoist.hcl, or, when there is none, hoist's built-in rules (default.hcl:N).

Tags and checks: git facts (--git-tag, --branch, --default-branch, --sha,
--pr, --event), the versions already published (--published, registry.versions;
not given means nothing is published), the lint outcome (--lint-errors,
--lint-warnings, --lint-infos; not given means lint.* is null) and the
repository pushed to (--repository, push.repository). The tag set is computed
from the tag rules and becomes push.tags for the checks; --override NAME lets a
soft-mandatory check pass.

Prune: --image REF (REPOSITORY[:TAG][@DIGEST]; repeatable) is one image,
judged with the protect and prune rules; after it, --created (an RFC 3339
time, a date, or an age such as 14d) and --tags (its other tags, comma
separated) describe it. keep_latest ranks the images given. --now sets the
time of planning.

Exit codes: 0 the push and the prune would go ahead; 1 they would be refused
(a failed soft- or hard-mandatory check, no tag, an evaluation error, a plan
over max_deletions, no prune rules); 2 bad flags or a policy that does not load.`,
		Example: `  hoist policy explain --git-tag v1.9.1 --published 2.0.0,1.9.0
  hoist policy explain --branch main --sha 1a2b3c4d --lint-errors 0
  hoist policy explain --pr 12 --sha 1a2b3c4d --override lint-clean
  hoist policy explain --image ghcr.io/acme/web:pr-12 --created 20d \
                       --image ghcr.io/acme/web:sha-1a2b3c4 --created 2d --tags edge
  hoist policy explain --policy prod.hcl --var registry=ghcr.io/acme --git-tag v2.0.0 --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runPolicyExplain(cmd, o) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&o.policies, "policy", nil, "policy file or directory (repeatable; default ./hoist.hcl, else the built-in rules)")
	fl.StringVar(&o.format, "format", "text", "output format: text|json")
	o.policyFlags.add(cmd, true)
	fl.StringVar(&o.now, "now", "", "plan prune decisions as of this time (RFC 3339 or a date; default: now)")
	fl.StringArrayVar(&o.overrides, "override", nil, "let the soft-mandatory check NAME pass (repeatable)")

	fl.StringVar(&o.gitTag, "git-tag", "", "git.tag: the tag being built, such as v1.2.3")
	fl.StringVar(&o.branch, "branch", "", "git.branch: the branch being built")
	fl.StringVar(&o.defaultBranch, "default-branch", "main", "git.default_branch")
	fl.StringVar(&o.sha, "sha", "", "git.sha: the commit id (7 to 64 hex digits); git.short_sha is its first 7")
	fl.IntVar(&o.pr, "pr", 0, "git.pr: the pull request number")
	fl.StringVar(&o.event, "event", "", "git.event: the CI event, such as push, pull_request, tag, schedule")
	fl.StringSliceVar(&o.published, "published", nil, "registry.versions: versions already published, comma separated (default: none)")
	fl.StringVar(&o.repository, "repository", "", "push.repository: the repository pushed to")
	fl.IntVar(&o.lintErrors, "lint-errors", 0, "lint.errors: the number of lint errors")
	fl.IntVar(&o.lintWarnings, "lint-warnings", 0, "lint.warnings: the number of lint warnings")
	fl.IntVar(&o.lintInfos, "lint-infos", 0, "lint.infos: the number of lint infos")

	fl.Var(explainImageFlag{&o.images}, "image", "judge the image REPOSITORY[:TAG][@DIGEST] with the protect and prune rules (repeatable)")
	fl.Var(explainCreatedFlag{&o.images}, "created", "when the preceding --image was created: RFC 3339, a date, or an age such as 14d")
	fl.Var(explainTagsFlag{&o.images}, "tags", "the preceding --image's other tags, comma separated")

	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// explainReport is the JSON output (stable: an API). Sections that were
// not evaluated are null.
type explainReport struct {
	Policy      explainPolicyJSON  `json:"policy"`
	Facts       explainFactsJSON   `json:"facts"`
	Tags        *explainTagsJSON   `json:"tags"`
	Checks      *explainChecksJSON `json:"checks"`
	Prune       *explainPruneJSON  `json:"prune"`
	Diagnostics []explainDiagJSON  `json:"diagnostics"`
	// OK: nothing would be refused (exit code 0).
	OK bool `json:"ok"`
}

type explainPolicyJSON struct {
	// Files are the policy files, or ["default.hcl"] for the built-in rules.
	Files    []string `json:"files"`
	Defaults bool     `json:"defaults"`
}

type explainFactsJSON struct {
	Git      *explainGitJSON  `json:"git,omitempty"`
	Registry *explainRegJSON  `json:"registry,omitempty"`
	Push     *explainPushJSON `json:"push,omitempty"`
	Lint     *explainLintJSON `json:"lint,omitempty"`
	Now      string           `json:"now,omitempty"`
}

type explainGitJSON struct {
	Tag           *string `json:"tag"`
	Branch        *string `json:"branch"`
	DefaultBranch *string `json:"default_branch"`
	SHA           *string `json:"sha"`
	PR            *int    `json:"pr"`
	Event         *string `json:"event"`
}

type explainRegJSON struct {
	Versions []string `json:"versions"`
}

type explainPushJSON struct {
	Repository *string  `json:"repository"`
	Tags       []string `json:"tags"`
}

type explainLintJSON struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
}

type explainTagsJSON struct {
	// Tags are the tags that would be pushed (empty when refused).
	Tags     []explainTagJSON     `json:"tags"`
	Rules    []explainTagRuleJSON `json:"rules"`
	Defaults bool                 `json:"defaults"`
	Error    string               `json:"error,omitempty"`
}

type explainTagJSON struct {
	Tag   string           `json:"tag"`
	Rules []policy.RuleRef `json:"rules"`
}

type explainTagRuleJSON struct {
	Rule   policy.RuleRef `json:"rule"`
	Fired  bool           `json:"fired"`
	Reason string         `json:"reason"`
	Tags   []string       `json:"tags"`
	Error  string         `json:"error,omitempty"`
}

type explainChecksJSON struct {
	Results []explainCheckJSON `json:"results"`
	// Blocks: a check refuses the push.
	Blocks bool   `json:"blocks"`
	Error  string `json:"error,omitempty"`
}

type explainCheckJSON struct {
	Rule    policy.RuleRef `json:"rule"`
	Level   string         `json:"level"`
	Status  string         `json:"status"`
	Blocks  bool           `json:"blocks"`
	Message string         `json:"message"`
	Reason  string         `json:"reason"`
	Error   string         `json:"error,omitempty"`
}

type explainPruneJSON struct {
	Decisions []explainDecisionJSON `json:"decisions"`
	Deletions int                   `json:"deletions"`
	Limits    explainLimitsJSON     `json:"limits"`
	Error     string                `json:"error,omitempty"`
}

type explainLimitsJSON struct {
	MinAge        string         `json:"min_age"`
	MinAgeSeconds int64          `json:"min_age_seconds"`
	MaxDeletions  int            `json:"max_deletions"`
	Rule          policy.RuleRef `json:"rule"`
}

type explainDecisionJSON struct {
	Image   explainImageJSON   `json:"image"`
	Action  string             `json:"action"`
	Rule    policy.RuleRef     `json:"rule"`
	Reason  string             `json:"reason"`
	Safety  string             `json:"safety,omitempty"`
	Matches []explainMatchJSON `json:"matches"`
	Error   string             `json:"error,omitempty"`
}

type explainImageJSON struct {
	Ref        string   `json:"ref"`
	Repository string   `json:"repository"`
	Tag        *string  `json:"tag"`
	Tags       []string `json:"tags"`
	Digest     *string  `json:"digest"`
	Created    *string  `json:"created"`
	AgeSeconds *int64   `json:"age_seconds"`
}

type explainMatchJSON struct {
	Rule    policy.RuleRef `json:"rule"`
	Verdict string         `json:"verdict"`
	Reason  string         `json:"reason"`
}

type explainDiagJSON struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	// Location is file:line:col, "" when the diagnostic has no place.
	Location string `json:"location,omitempty"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (a *app) runPolicyExplain(cmd *cobra.Command, o *explainOptions) error {
	if o.format != "text" && o.format != "json" {
		return badInput("invalid --format %q: use text or json", o.format)
	}
	colorMode, err := ui.ParseColorMode(o.color)
	if err != nil {
		return badInput("%s", err)
	}
	errFile, _ := a.stderr.(*os.File)
	color := ui.UseColor(colorMode, errFile, a.getenv) || (errFile == nil && colorMode == ui.ColorAlways)
	fl := cmd.Flags()

	now := time.Now().UTC()
	if o.now != "" {
		t, ago, err := parseExplainCreated(o.now, now)
		if err != nil || ago {
			return badInput("--now %s: give an RFC 3339 time (2026-05-01T12:00:00Z) or a date (2026-05-01)", o.now)
		}
		now = t
	}

	// Facts.
	gitFlags := []string{"git-tag", "branch", "sha", "pr", "event", "default-branch"}
	wantTags := false
	for _, name := range append(gitFlags, "published", "repository", "lint-errors", "lint-warnings", "lint-infos", "override") {
		if fl.Changed(name) {
			wantTags = true
		}
	}
	wantPrune := len(o.images.list) > 0
	if !wantTags && !wantPrune {
		return badInput("give the facts to explain: git facts such as --git-tag v1.2.3, --branch main or --pr 12 for tags and checks, or --image REF for prune decisions (hoist policy explain --help)")
	}
	if fl.Changed("pr") && o.pr <= 0 {
		return badInput("--pr %d: a pull request number is a positive whole number", o.pr)
	}
	if o.sha != "" && !explainSHARE.MatchString(o.sha) {
		return badInput("--sha %s: a commit id is 7 to 64 hex digits", o.sha)
	}
	for _, name := range []string{"lint-errors", "lint-warnings", "lint-infos"} {
		if v, _ := fl.GetInt(name); v < 0 {
			return badInput("--%s %d: a count cannot be negative", name, v)
		}
	}
	var facts policy.Facts
	report := explainReport{Facts: explainFactsJSON{}}
	if wantTags {
		facts.Git = &policy.Git{Tag: o.gitTag, Branch: o.branch, DefaultBranch: o.defaultBranch, SHA: strings.ToLower(o.sha), PR: o.pr, Event: o.event}
		g := &explainGitJSON{Tag: strPtr(o.gitTag), Branch: strPtr(o.branch), DefaultBranch: strPtr(o.defaultBranch), SHA: strPtr(facts.Git.SHA), Event: strPtr(o.event)}
		if o.pr > 0 {
			g.PR = &o.pr
		}
		report.Facts.Git = g
		versions := []string{}
		for _, v := range o.published {
			if v = strings.TrimSpace(v); v != "" {
				versions = append(versions, v)
			}
		}
		facts.Registry = &policy.Registry{Versions: versions}
		report.Facts.Registry = &explainRegJSON{Versions: versions}
		if fl.Changed("lint-errors") || fl.Changed("lint-warnings") || fl.Changed("lint-infos") {
			facts.Lint = &policy.Lint{Errors: o.lintErrors, Warnings: o.lintWarnings, Infos: o.lintInfos}
			report.Facts.Lint = &explainLintJSON{Errors: o.lintErrors, Warnings: o.lintWarnings, Infos: o.lintInfos}
		}
	}
	var images []policy.Image
	refOf := map[string]string{} // repository:tag@digest -> --image as given
	for _, im := range o.images.list {
		if im.created != "" {
			t, _, err := parseExplainCreated(im.created, now)
			if err != nil {
				return badInput("%s", err)
			}
			im.img.Created = t
		}
		images = append(images, im.img)
		refOf[explainKey(im.img)] = im.ref
	}
	if wantPrune {
		report.Facts.Now = now.Format(time.RFC3339)
	}

	// The policy.
	if len(o.policies) == 0 && findPolicyFile() == "" && (len(o.vars) > 0 || len(o.varFiles) > 0) {
		return badInput("--var and --var-file need a policy: there is no ./hoist.hcl (give --policy FILE)")
	}
	p, err := a.loadPolicyColor(o.policies, o.vars, o.varFiles, colorMode)
	if err != nil {
		return err
	}
	files := map[string]*hcl.File{}
	if p != nil {
		files = p.Files
		report.Policy.Files = o.policies
		if len(o.policies) == 0 {
			report.Policy.Files = []string{findPolicyFile()}
		}
	} else {
		report.Policy.Files = []string{policy.DefaultSourceName}
		report.Policy.Defaults = true
	}

	var evalDiags hcl.Diagnostics
	var refusals []string
	addErr := func(err error) string {
		var ee *policy.EvalError
		if errors.As(err, &ee) {
			evalDiags = append(evalDiags, ee.Diags...)
		}
		refusals = append(refusals, err.Error())
		return err.Error()
	}

	// Tags, then checks against the push they make.
	var tagRes policy.TagResult
	var checkRes []policy.CheckResult
	if wantTags {
		var err error
		tagRes, err = p.TagSet(facts)
		if tagRes.Files != nil {
			for k, f := range tagRes.Files {
				if _, ok := files[k]; !ok {
					files[k] = f
				}
			}
		}
		if tagRes.Defaults {
			report.Policy.Defaults = true
		}
		tj := &explainTagsJSON{Tags: []explainTagJSON{}, Rules: []explainTagRuleJSON{}, Defaults: tagRes.Defaults}
		if err != nil {
			if errors.Is(err, policy.ErrPolicyHasErrors) {
				return &exitError{code: exitBadInput, err: err}
			}
			tj.Error = addErr(err)
		}
		for _, t := range tagRes.Tags {
			var rules []policy.RuleRef
			for _, r := range t.Rules {
				rules = append(rules, r.Ref())
			}
			tj.Tags = append(tj.Tags, explainTagJSON{Tag: t.Name, Rules: rules})
		}
		for _, r := range tagRes.Rules {
			rj := explainTagRuleJSON{Rule: r.Rule.Ref(), Fired: r.Fired, Reason: r.Reason, Tags: r.Tags}
			if rj.Tags == nil {
				rj.Tags = []string{}
			}
			if r.Err != nil {
				rj.Error = r.Err.Error()
			}
			tj.Rules = append(tj.Rules, rj)
		}
		report.Tags = tj

		if err == nil {
			facts.Push = &policy.Push{Repository: o.repository, Tags: tagRes.Names()}
			report.Facts.Push = &explainPushJSON{Repository: strPtr(o.repository), Tags: tagRes.Names()}
			checkRes, err = p.CheckResults(facts, o.overrides)
			cj := &explainChecksJSON{Results: []explainCheckJSON{}, Blocks: policy.ChecksBlock(checkRes)}
			if err != nil {
				var ee *policy.EvalError
				if !errors.As(err, &ee) {
					return badInput("--override: %s", err) // an unknown check name
				}
				cj.Error = addErr(err)
			}
			for _, c := range checkRes {
				j := explainCheckJSON{Rule: c.Rule.Ref(), Level: string(c.Level), Status: string(c.Status), Blocks: c.Blocks(), Message: c.Message, Reason: c.Reason}
				if c.Err != nil {
					j.Error = c.Err.Error()
				}
				cj.Results = append(cj.Results, j)
				if c.Blocks() && c.Err == nil {
					refusals = append(refusals, fmt.Sprintf("check %q (%s, %s) fails: %s", c.Rule.Name, c.Level, c.Rule.Location(), c.Message))
				}
			}
			report.Checks = cj
		} else if len(o.overrides) > 0 {
			if _, oerr := p.CheckResults(policy.Facts{}, o.overrides); oerr != nil && !errors.As(oerr, new(*policy.EvalError)) {
				return badInput("--override: %s", oerr)
			}
		}
	}

	// Prune decisions.
	var plan policy.PrunePlan
	pruneRan := false
	if wantPrune {
		var err error
		plan, err = p.PruneDecisions(images, now)
		pj := &explainPruneJSON{Decisions: []explainDecisionJSON{}, Deletions: plan.Deletions}
		if err != nil {
			if errors.Is(err, policy.ErrPolicyHasErrors) {
				return &exitError{code: exitBadInput, err: err}
			}
			pj.Error = addErr(err)
		}
		if !errors.Is(err, policy.ErrNoPruneRules) {
			pruneRan = true
			pj.Limits = explainLimitsJSON{
				MinAge: policy.FormatDuration(plan.Limits.MinAge), MinAgeSeconds: int64(plan.Limits.MinAge / time.Second),
				MaxDeletions: plan.Limits.MaxDeletions, Rule: plan.Limits.Ref(),
			}
		}
		for _, d := range plan.Decisions {
			dj := explainDecisionJSON{
				Image: explainImageJSON{
					Ref: refOf[explainKey(d.Image)], Repository: d.Image.Repository, Tag: strPtr(d.Image.Tag),
					Tags: d.Image.Tags, Digest: strPtr(d.Image.Digest),
				},
				Action: string(d.Action), Rule: d.Rule.Ref(), Reason: d.Reason, Safety: d.Safety,
				Matches: []explainMatchJSON{},
			}
			if dj.Image.Tags == nil {
				dj.Image.Tags = []string{}
			}
			if !d.Image.Created.IsZero() {
				c := d.Image.Created.UTC().Format(time.RFC3339)
				dj.Image.Created = &c
			}
			if d.Image.Age != nil {
				s := int64(*d.Image.Age / time.Second)
				dj.Image.AgeSeconds = &s
			}
			for _, m := range d.Matches {
				dj.Matches = append(dj.Matches, explainMatchJSON{Rule: m.Rule.Ref(), Verdict: string(m.Verdict), Reason: m.Reason})
			}
			if d.Err != nil {
				dj.Error = d.Err.Error()
			}
			pj.Decisions = append(pj.Decisions, dj)
		}
		report.Prune = pj
	}

	report.OK = len(refusals) == 0
	report.Diagnostics = []explainDiagJSON{}
	for _, d := range evalDiags {
		j := explainDiagJSON{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			j.Severity = "warning"
		}
		if d.Subject != nil {
			j.Location = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		report.Diagnostics = append(report.Diagnostics, j)
	}

	var out bytes.Buffer
	if o.format == "json" {
		enc := json.NewEncoder(&out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return opFailed(err)
		}
	} else {
		writeExplainText(&out, report, tagRes, checkRes, plan, pruneRan, now)
	}
	if _, err := a.stdout.Write(out.Bytes()); err != nil {
		return opFailed(err)
	}
	if len(evalDiags) > 0 {
		if err := policy.Render(a.stderr, evalDiags, files, color); err != nil {
			return opFailed(err)
		}
	}
	if len(refusals) > 0 {
		return &exitError{code: exitFailed, err: errors.New("refused: " + strings.Join(refusals, "\nhoist: refused: "))}
	}
	return nil
}

func explainKey(img policy.Image) string {
	return img.Repository + ":" + img.Tag + "@" + img.Digest
}

// writeExplainText writes the report for people: the facts, then one
// table per section.
func writeExplainText(w io.Writer, r explainReport, tags policy.TagResult, checks []policy.CheckResult, plan policy.PrunePlan, pruneRan bool, now time.Time) {
	if r.Policy.Defaults && len(r.Policy.Files) == 1 && r.Policy.Files[0] == policy.DefaultSourceName {
		fmt.Fprintln(w, "Policy: none found, hoist's built-in rules (default.hcl)")
	} else {
		fmt.Fprintf(w, "Policy: %s\n", strings.Join(r.Policy.Files, ", "))
	}

	fmt.Fprintln(w, "Facts:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fact := func(name, val string) { fmt.Fprintf(tw, "  %s\t= %s\n", name, val) }
	quoted := func(p *string) string {
		if p == nil {
			return "null"
		}
		return strconv.Quote(*p)
	}
	list := func(l []string) string {
		q := make([]string, len(l))
		for i, s := range l {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	if g := r.Facts.Git; g != nil {
		fact("git.tag", quoted(g.Tag))
		fact("git.branch", quoted(g.Branch))
		fact("git.default_branch", quoted(g.DefaultBranch))
		fact("git.sha", quoted(g.SHA))
		pr := "null"
		if g.PR != nil {
			pr = strconv.Itoa(*g.PR)
		}
		fact("git.pr", pr)
		fact("git.event", quoted(g.Event))
	}
	if reg := r.Facts.Registry; reg != nil {
		fact("registry.versions", list(reg.Versions))
	}
	if l := r.Facts.Lint; l != nil {
		fact("lint.errors", strconv.Itoa(l.Errors))
		fact("lint.warnings", strconv.Itoa(l.Warnings))
		fact("lint.infos", strconv.Itoa(l.Infos))
	} else if r.Facts.Git != nil {
		fact("lint.*", "null (give --lint-errors ...)")
	}
	if p := r.Facts.Push; p != nil {
		fact("push.repository", quoted(p.Repository))
		fact("push.tags", list(p.Tags))
	}
	if r.Facts.Now != "" {
		fact("now", r.Facts.Now)
	}
	tw.Flush()

	if r.Tags != nil {
		fmt.Fprintln(w)
		if r.Tags.Error != "" {
			fmt.Fprintln(w, "Tags: refused, nothing would be pushed")
		} else {
			fmt.Fprintf(w, "Tags: %s\n", strings.Join(tags.Names(), " "))
		}
		if tags.Defaults {
			fmt.Fprintln(w, "  (the policy has no tag rule: hoist's built-in rules decide)")
		}
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  RULE\tLOCATION\tDECISION\tTAGS\tREASON")
		for _, rr := range tags.Rules {
			decision, added := "skip", "-"
			switch {
			case rr.Err != nil:
				decision = "ERROR"
			case rr.Fired:
				decision = "add"
				if len(rr.Tags) > 0 {
					added = strings.Join(rr.Tags, " ")
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", rr.Rule, rr.Rule.Location(), decision, added, rr.Reason)
		}
		tw.Flush()
	}

	if r.Checks != nil {
		fmt.Fprintln(w)
		failed := 0
		for _, c := range checks {
			if c.Blocks() {
				failed++
			}
		}
		switch {
		case len(checks) == 0:
			fmt.Fprintln(w, "Checks: none (the policy has no check rule)")
		case failed > 0:
			fmt.Fprintf(w, "Checks: %d of %d refuse the push\n", failed, len(checks))
		default:
			fmt.Fprintf(w, "Checks: the push may go ahead (%d checks)\n", len(checks))
		}
		if len(checks) > 0 {
			tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  CHECK\tLOCATION\tLEVEL\tRESULT\tMESSAGE\tREASON")
			for _, c := range checks {
				msg := c.Message
				if msg == "" {
					msg = "-"
				}
				status := string(c.Status)
				if c.Blocks() {
					status = strings.ToUpper(status)
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", c.Rule.Name, c.Rule.Location(), c.Level, status, msg, c.Reason)
			}
			tw.Flush()
		}
	} else if r.Tags != nil {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Checks: not evaluated: without a tag set there is no push to check")
	}

	if r.Prune != nil {
		fmt.Fprintln(w)
		switch {
		case !pruneRan:
			fmt.Fprintln(w, "Prune: refused: the policy has no prune rule, so nothing may be deleted")
		default:
			limits := fmt.Sprintf("min_age %s, max_deletions %d, from %s", policy.FormatDuration(plan.Limits.MinAge), plan.Limits.MaxDeletions, plan.Limits.Location())
			if r.Prune.Error != "" {
				fmt.Fprintf(w, "Prune: refused, nothing would be deleted (%s)\n", limits)
			} else {
				fmt.Fprintf(w, "Prune: %d of %d images would be deleted (%s)\n", len(plan.Deletes()), len(plan.Decisions), limits)
			}
		}
		if pruneRan {
			tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  IMAGE\tAGE\tDECISION\tRULE\tLOCATION\tREASON")
			for _, d := range plan.Decisions {
				ref := d.Image.Repository
				if d.Image.Tag != "" {
					ref += ":" + d.Image.Tag
				}
				if d.Image.Digest != "" {
					ref += "@" + d.Image.Digest
				}
				age := "?"
				if d.Image.Age != nil {
					age = policy.FormatDuration(*d.Image.Age)
				}
				action := string(d.Action)
				switch {
				case d.Err != nil:
					action = "ERROR"
				case d.Action == policy.Delete:
					action = "DELETE"
				}
				rule, loc := "-", "-"
				if d.Rule.Kind != "" {
					rule, loc = d.Rule.String(), d.Rule.Location()
				}
				reason := d.Reason
				if d.Safety != "" {
					reason = "safety " + d.Safety + ": " + reason
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", ref, age, action, rule, loc, reason)
			}
			tw.Flush()
		}
	}
}

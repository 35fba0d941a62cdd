package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/internal/gha"
	"github.com/hoistci/hoist/internal/registry"
	"github.com/hoistci/hoist/lint"
	"github.com/hoistci/hoist/lint/format"
)

// The GitHub Actions side of each command: outputs, the job summary,
// annotations and masks, written only when GITHUB_ACTIONS=true (a.gha is
// nil otherwise and every call below does nothing). A failure to write
// them is a warning: the command's own work is done and reported.

// startActions sets a.gha up for this run and masks the credentials hoist
// may send before anything is logged.
func (a *app) startActions() {
	if a.gha != nil {
		return
	}
	a.gha = gha.New(a.stderr, a.getenv)
	if a.gha == nil {
		return
	}
	secrets := []string{a.getenv("GITHUB_TOKEN"), a.getenv("GH_TOKEN")}
	secrets = append(secrets, registry.Secrets()...)
	seen := map[string]bool{}
	for _, s := range secrets {
		if s != "" && !seen[s] {
			seen[s] = true
			a.ghaWarn(a.gha.AddMask(s))
		}
	}
}

// ghaInert prints err in GitHub Actions with workflow commands stopped
// (a failing RUN's last lines, which the Dockerfile controls, come back
// in it, and the runner would act on a line starting with "::") and
// returns the empty error that makes the caller print nothing more.
// Outside Actions it returns err.
func (a *app) ghaInert(err error) error {
	if a.gha == nil || err == nil {
		return err
	}
	resume, serr := a.gha.StopCommands()
	if serr != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "hoist: %s\n", err)
	a.ghaWarn(resume())
	return errors.New("")
}

func (a *app) ghaWarn(err error) {
	if err != nil {
		fmt.Fprintf(a.stderr, "hoist: warning: GitHub Actions: %v\n", err)
	}
}

// ghaPath is a file as GitHub wants it in annotations: relative to the
// repository root (GITHUB_WORKSPACE, else the working directory) with
// forward slashes; "" for stdin.
func (a *app) ghaPath(path string) string {
	if path == "-" {
		return ""
	}
	root := a.getenv("GITHUB_WORKSPACE")
	if root == "" {
		root, _ = os.Getwd()
	}
	abs, err1 := filepath.Abs(path)
	base, err2 := filepath.Abs(root)
	if err1 == nil && err2 == nil {
		if rel, err := filepath.Rel(base, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(filepath.Clean(path))
}

// ghaLint: annotations for the findings (unless a github report already
// went to the log), the summary, and the outputs results (the findings as
// JSON, the json format's schema) and sarif-file (when a SARIF report was
// written to a file).
func (a *app) ghaLint(r *format.Report, specs []outputSpec, failed bool) {
	if a.gha == nil {
		return
	}
	s := a.lintSummary(r, failed)
	annotated := false
	outputs := map[string]string{}
	for _, sp := range specs {
		annotated = annotated || (sp.format == "github" && sp.file == "")
		if sp.format == "sarif" && sp.file != "" && outputs[gha.OutputSARIFFile] == "" {
			outputs[gha.OutputSARIFFile] = sp.file
		}
	}
	if !annotated {
		a.ghaWarn(a.gha.Annotate(gha.FindingAnnotations(s.Findings)))
	}
	a.ghaWarn(a.gha.AddSummary(gha.LintMarkdown(s)))
	var buf bytes.Buffer
	if err := format.Write("json", &buf, r, format.Options{}); err != nil {
		a.ghaWarn(err)
	} else {
		outputs[gha.OutputResults] = strings.TrimSuffix(buf.String(), "\n")
	}
	a.ghaWarn(a.gha.SetOutputs(outputs))
}

// lintSummary is a lint report as the job summary shows it.
func (a *app) lintSummary(r *format.Report, failed bool) gha.LintSummary {
	s := gha.LintSummary{Files: len(r.Results), Threshold: r.Threshold.String(), Failed: failed}
	for _, res := range r.Results {
		file := a.ghaPath(res.Path)
		for _, f := range res.Findings {
			s.Findings = append(s.Findings, gha.Finding{File: file, Line: f.Line, Column: f.Column, EndLine: f.EndLine, EndColumn: f.EndColumn,
				RuleID: f.RuleID, RuleName: f.RuleName, Severity: f.Severity.String(), Message: f.Message, DocsURL: f.DocsURL})
		}
	}
	return s
}

// ghaBuild: the summary and the outputs digest, imageid, metadata (the
// --metadata-file JSON), tags (the names written, one a line), labels and
// annotations (KEY=VALUE lines, as set on the image).
func (a *app) ghaBuild(res *build.Result, bo *build.Options) {
	if a.gha == nil || res == nil {
		return
	}
	id := res.Digest
	if res.ConfigDigest.Hex != "" {
		id = res.ConfigDigest
	}
	meta, _ := json.Marshal(buildMetadata(res))
	a.ghaWarn(a.gha.SetOutputs(map[string]string{
		gha.OutputDigest:      res.Digest.String(),
		gha.OutputImageID:     id.String(),
		gha.OutputMetadata:    string(meta),
		gha.OutputTags:        strings.Join(res.Names, "\n"),
		gha.OutputLabels:      keyValueLines(bo.Labels),
		gha.OutputAnnotations: keyValueLines(bo.Annotations),
	}))
	a.ghaWarn(a.gha.AddSummary(gha.BuildMarkdown(buildSummary(res))))
}

// buildSummary is a build result as the job summary shows it.
func buildSummary(res *build.Result) gha.BuildSummary {
	imageID := ""
	if res.ConfigDigest.Hex != "" {
		imageID = res.ConfigDigest.String()
	}
	return gha.BuildSummary{
		Names: res.Names, Digest: res.Digest.String(), ImageID: imageID, Platforms: res.Platforms,
		Size: res.ImageSize, CacheHits: res.CacheHits, CacheMisses: res.CacheMisses,
		BytesPushed: res.BytesPushed, BytesDownloaded: res.BytesDownloaded, Duration: res.Duration, Warnings: res.Warnings,
	}
}

// keyValueLines is KEY=VALUE lines in key order (metadata-action's form of
// the labels output, which --label and --annotation read back).
func keyValueLines(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, 0, len(keys))
	for _, k := range keys {
		lines = append(lines, k+"="+m[k])
	}
	return strings.Join(lines, "\n")
}

// ghaTag: the summary and the outputs tags (REPOSITORY:TAG for every
// repository, or bare tags without one, as metadata-action), labels,
// annotations, version, and digest (of what was tagged).
func (a *app) ghaTag(out *tagJSON) {
	if a.gha == nil {
		return
	}
	var tags []string
	digest := ""
	s := gha.TagSummary{Version: out.Version, DryRun: out.DryRun}
	for _, r := range out.Repositories {
		for _, t := range r.Tags {
			if r.Repository == "" {
				tags = append(tags, t)
			} else {
				tags = append(tags, r.Repository+":"+t)
			}
		}
		if digest == "" {
			digest = r.Digest
		}
		tr := gha.TagRepository{Repository: r.Repository, Tags: r.Tags, Written: r.Written, Digest: r.Digest}
		for _, d := range r.Decisions {
			tr.Rules = append(tr.Rules, gha.TagRule{Name: d.Rule, Fired: d.Fired, Reason: d.Reason, Tags: d.Tags})
		}
		for _, c := range r.Checks {
			tr.Checks = append(tr.Checks, gha.TagCheck{Name: c.Check, Level: c.Level, Status: c.Status, Message: c.Message})
		}
		s.Repositories = append(s.Repositories, tr)
	}
	a.ghaWarn(a.gha.SetOutputs(map[string]string{
		gha.OutputTags:        strings.Join(tags, "\n"),
		gha.OutputLabels:      keyValueLines(out.Labels),
		gha.OutputAnnotations: keyValueLines(out.Annotations),
		gha.OutputVersion:     out.Version,
		gha.OutputDigest:      digest,
	}))
	a.ghaWarn(a.gha.AddSummary(gha.TagMarkdown(s)))
}

// ghaPrune: the summary and the output plan (the --format json document).
func (a *app) ghaPrune(out []pruneRepoJSON, applied bool) {
	if a.gha == nil {
		return
	}
	s := pruneSummary(out, applied)
	if out == nil {
		out = []pruneRepoJSON{}
	}
	plan, _ := json.Marshal(out)
	a.ghaWarn(a.gha.SetOutput(gha.OutputPlan, string(plan)))
	a.ghaWarn(a.gha.AddSummary(gha.PruneMarkdown(s)))
}

// pruneSummary is a prune result as the job summary shows it.
func pruneSummary(out []pruneRepoJSON, applied bool) gha.PruneSummary {
	s := gha.PruneSummary{Applied: applied}
	for _, r := range out {
		pr := gha.PruneRepository{Repository: r.Repository, Skipped: r.Skipped, Untags: r.Untags,
			Deleted: r.Deleted, Untagged: r.Untagged, Kept: r.Kept}
		for _, d := range r.Decisions {
			pr.Decisions = append(pr.Decisions, gha.PruneDecision{Tag: d.Tag, Digest: d.Digest, Age: d.Age,
				Decision: d.Decision, Rule: d.Rule, Reason: d.Reason, Safety: d.Safety})
		}
		s.Repositories = append(s.Repositories, pr)
	}
	return s
}

// ghaRelease: annotations for every image's lint findings, the summary
// (a row per image, then its steps), and the outputs: digest, imageid,
// version, tags, labels and annotations of the first image (the one of a
// single-image release), metadata (the --format json document, every
// image) and results (the lint findings, every image).
func (a *app) ghaRelease(results []*releaseJSON, applied bool) {
	if a.gha == nil {
		return
	}
	var images []gha.ReleaseImage
	var findings []gha.Finding
	for _, r := range results {
		im := gha.ReleaseImage{Name: r.Name, Repository: r.Repository, Status: r.Status, Error: r.Error, Version: r.Version, Digest: r.Digest}
		if r.report != nil {
			ls := a.lintSummary(r.report, r.Lint.Failed)
			findings = append(findings, ls.Findings...)
			im.Lint = &ls
		}
		if r.build != nil {
			bs := buildSummary(r.build)
			bs.BytesPushed = r.BytesPushed
			im.Build = &bs
		}
		if len(r.Tags) > 0 {
			ts := gha.TagSummary{Version: r.Version, DryRun: !r.Pushed}
			for _, repo := range strings.Split(r.Repository, ",") {
				tr := gha.TagRepository{Repository: repo}
				for _, t := range r.Tags {
					if name, tag, ok := strings.Cut(t, repo+":"); ok && name == "" {
						tr.Tags = append(tr.Tags, tag)
					}
				}
				if r.Pushed {
					tr.Written, tr.Digest = tr.Tags, r.Digest
				}
				for _, c := range r.Checks {
					tr.Checks = append(tr.Checks, gha.TagCheck{Name: c.Check, Level: c.Level, Status: c.Status, Message: c.Message})
				}
				ts.Repositories = append(ts.Repositories, tr)
			}
			im.Tag = &ts
		}
		if len(r.Prune) > 0 {
			ps := pruneSummary(r.Prune, applied)
			im.Prune = &ps
		}
		images = append(images, im)
	}
	a.ghaWarn(a.gha.Annotate(gha.FindingAnnotations(findings)))
	a.ghaWarn(a.gha.AddSummary(gha.ReleaseMarkdown(images)))
	meta, _ := json.Marshal(results)
	var all []lint.Finding
	for _, r := range results {
		all = append(all, r.Lint.Findings...)
	}
	if all == nil {
		all = []lint.Finding{}
	}
	res, _ := json.Marshal(all)
	outputs := map[string]string{gha.OutputMetadata: string(meta), gha.OutputResults: string(res)}
	if len(results) > 0 {
		r := results[0]
		outputs[gha.OutputDigest] = r.Digest
		outputs[gha.OutputImageID] = r.ImageID
		outputs[gha.OutputVersion] = r.Version
		outputs[gha.OutputTags] = strings.Join(r.Tags, "\n")
		outputs[gha.OutputLabels] = keyValueLines(r.Labels)
		outputs[gha.OutputAnnotations] = keyValueLines(r.annotations)
		if len(r.Prune) > 0 {
			plan, _ := json.Marshal(r.Prune)
			outputs[gha.OutputPlan] = string(plan)
		}
	}
	a.ghaWarn(a.gha.SetOutputs(outputs))
}

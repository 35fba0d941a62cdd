package format

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"

	"github.com/hoistci/hoist/lint"
)

func init() { register("codeclimate", writeCodeClimate) }

// writeCodeClimate writes a GitLab Code Quality report
// (artifacts:reports:codequality): one JSON array of issues, each with the
// fields GitLab requires (description, check_name, fingerprint, severity,
// location.path, location.lines.begin) plus Code Climate's type and
// categories so that Code Climate tooling reads it too.
//
//   - severity follows hadolint's Code Quality formatter, so a project that
//     switches sees the same levels: error -> blocker, warning -> major,
//     info -> minor, style -> info.
//   - fingerprint is an MD5 (GitLab's example) of the rule, the path, the
//     trimmed text of the flagged line and an occurrence count. GitLab shows
//     one issue per fingerprint and compares them between the source and
//     target branch, so they must be unique and must not change when
//     unrelated lines move.
//   - location.path is relative to Report.WorkDir (the repository root) with
//     forward slashes; stdin is "stdin". lines has begin and end.
//
// An empty run writes [].
func writeCodeClimate(w io.Writer, r *Report, _ Options) error {
	issues := []ccIssue{}
	for _, res := range r.Results {
		path, _ := repoPath(r.WorkDir, res.Path)
		keys := fingerprintKeys(res, path)
		for i, f := range res.Findings {
			begin := max(f.Line, 1)
			sum := md5.Sum([]byte(keys[i].base + "\x00" + strconv.Itoa(keys[i].occurrence)))
			issues = append(issues, ccIssue{
				Type:        "issue",
				CheckName:   f.RuleID,
				Description: f.Message,
				Categories:  []string{ccCategory(f.Severity)},
				Severity:    ccSeverity(f.Severity),
				Fingerprint: hex.EncodeToString(sum[:]),
				Location: ccLocation{
					Path:  path,
					Lines: ccLines{Begin: begin, End: max(f.EndLine, begin)},
				},
			})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(issues)
}

type ccIssue struct {
	Type        string     `json:"type"`
	CheckName   string     `json:"check_name"`
	Description string     `json:"description"`
	Categories  []string   `json:"categories"`
	Severity    string     `json:"severity"`
	Fingerprint string     `json:"fingerprint"`
	Location    ccLocation `json:"location"`
}

type ccLocation struct {
	Path  string  `json:"path"`
	Lines ccLines `json:"lines"`
}

type ccLines struct {
	Begin int `json:"begin"`
	End   int `json:"end"`
}

func ccSeverity(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "blocker"
	case lint.Warning:
		return "major"
	case lint.Info:
		return "minor"
	}
	return "info"
}

// ccCategory is one of Code Climate's categories (GitLab ignores them).
func ccCategory(s lint.Severity) string {
	if s >= lint.Warning {
		return "Bug Risk"
	}
	return "Style"
}

package metadata

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hoistci/hoist/internal/policy"
)

// Context are the facts metadata-action reads from the workflow.
type Context struct {
	Git policy.Git
	// Now is the time {{date}} and the schedule pattern render.
	Now time.Time
	// CommitDate is {{commit_date}}'s time; zero falls back to Now, as
	// metadata-action falls back to the current date.
	CommitDate time.Time
	// BaseRef is {{base_ref}}: the pull request's base branch, or the push
	// payload's base_ref on a tag push ("refs/heads/" is removed).
	BaseRef string
}

// Result is what Tags computed.
type Result struct {
	// Tags are without image names, in metadata-action's order: the tags
	// by entry priority, then latest.
	Tags []string
	// Version is metadata-action's version output (the first tag).
	Version string
	// Latest reports whether "latest" (with the flavor's onlatest prefix
	// or suffix) is among Tags.
	Latest bool
	// Decisions say, one line each, what every entry did and why.
	Decisions []string
}

// ErrNoTags is wrapped by the error Tags returns when no entry yields a
// tag (Result is returned as well, with the decisions): hoist never pushes
// without a tag. It wraps policy.ErrNoTag.
var ErrNoTags = fmt.Errorf("%w from the metadata-action inputs", policy.ErrNoTag)

type state struct {
	in        *Inputs
	c         Context
	ref, sha  string
	exact     bool
	published []string

	main     string
	partial  []string
	latest   *bool
	judgeVer *semverParts // the version the latest decision is about
	judged   bool         // latest came from an auto rule that may be judged
	dec      []string
}

// Tags computes the tags metadata-action computes for the inputs and
// facts (src/meta.ts getVersion and getTags), except when exact is false:
// then a floating tag moves only when this release is the highest in its
// line among published (the repository's existing tags; anything that is
// not a semantic version is ignored):
//   - latest=auto: "latest" only for the highest release overall; never for
//     a prerelease (metadata-action gives latest to type=ref,event=tag and
//     type=match even for v2.0.0-rc.1);
//   - type=semver (and type=pep440 for plain releases) with a pattern that
//     uses {{major}} but not {{minor}}/{{patch}}/{{version}}/{{raw}}: only
//     for the highest release with that major, and never for major 0
//     (metadata-action generates "0" and leaves it to the user to disable
//     it: README "Major version zero");
//   - a pattern with {{minor}} but not {{patch}}/{{version}}/{{raw}}: only
//     for the highest release in that minor line.
//
// flavor latest=true or false is obeyed in both modes. With exact, the
// output is metadata-action's (hoist tag --latest=metadata-action).
//
// Every tag is sanitised as metadata-action does (invalid characters
// replaced by '-'), then to the OCI tag grammar: leading '.' and '-'
// removed, at most 128 characters; repeated tags are given once.
func Tags(in *Inputs, c Context, published []string, exact bool) (*Result, error) {
	s := &state{in: in, c: c, exact: exact, published: published}
	s.ref = c.Git.Ref
	if s.ref == "" {
		switch {
		case c.Git.Tag != "":
			s.ref = "refs/tags/" + c.Git.Tag
		case c.Git.PR > 0:
			s.ref = fmt.Sprintf("refs/pull/%d/merge", c.Git.PR)
		case c.Git.Branch != "":
			s.ref = "refs/heads/" + c.Git.Branch
		}
	}
	// src/context.ts: pull_request_target runs on the base branch's ref;
	// metadata-action uses refs/pull/N/merge instead.
	if strings.Contains(c.Git.Event, "pull_request_target") && c.Git.PR > 0 {
		s.ref = fmt.Sprintf("refs/pull/%d/merge", c.Git.PR)
	}
	s.sha = c.Git.SHA
	if s.c.CommitDate.IsZero() {
		s.c.CommitDate = c.Now
	}
	for i := range in.Tags {
		t := in.Tags[i]
		t.Attrs = cloneAttrs(t.Attrs)
		where := t.Source
		if t.Line > 0 {
			where = fmt.Sprintf("line %d: %s", t.Line, t.Source)
		}
		enabled, err := s.globalExp(t.Enable)
		if err != nil {
			return nil, fmt.Errorf("%s: enable: %v", where, err)
		}
		if enabled != "true" && enabled != "false" {
			return nil, fmt.Errorf("%s: enable must give true or false, but gives %q", where, enabled)
		}
		if enabled == "false" {
			s.note(t, "disabled (enable=%s)", t.Enable)
			continue
		}
		if err := s.proc(t); err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
	}
	res := &Result{Version: s.main}
	latest := s.latest != nil && *s.latest
	if latest && !exact && s.judged {
		latest = s.judgeLatest()
	}
	if s.main != "" {
		tags := append([]string{s.main}, s.partial...)
		if latest {
			l := "latest"
			if in.Flavor.PrefixOnLatest {
				l = in.Flavor.Prefix + l
			}
			if in.Flavor.SuffixOnLatest {
				l += in.Flavor.Suffix
			}
			tags = append(tags, sanitizeTag(l))
			res.Latest = true
		}
		seen := map[string]bool{}
		for _, t := range tags {
			o := ociTag(t)
			if o != t {
				s.dec = append(s.dec, fmt.Sprintf("%q shortened to the OCI tag grammar as %q", t, o))
			}
			if o == "" || seen[o] {
				continue
			}
			seen[o] = true
			res.Tags = append(res.Tags, o)
		}
		if len(res.Tags) > 0 {
			res.Version = res.Tags[0]
		}
	}
	res.Decisions = s.dec
	if len(res.Tags) == 0 {
		return res, fmt.Errorf("%w (ref %q, event %q): %s", ErrNoTags, s.ref, c.Git.Event, strings.Join(s.dec, "; "))
	}
	return res, nil
}

func cloneAttrs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *state) note(t TagSpec, format string, args ...any) {
	s.dec = append(s.dec, fmt.Sprintf("type=%s (%s): ", t.Type, t.Source)+fmt.Sprintf(format, args...))
}

// latestFor is `flavor.latest == 'auto' ? auto : flavor.latest == 'true'`.
func (s *state) latestFor(auto bool) bool {
	if s.in.Flavor.Latest == "auto" {
		return auto
	}
	return s.in.Flavor.Latest == "true"
}

// setVersion is Meta.setVersion: the first tag is the version, the first
// entry that gives a tag decides latest.
func (s *state) setVersion(t TagSpec, val string, latest bool, judge *semverParts, judgeable bool) {
	if val == "" {
		s.note(t, "gives an empty tag, skipped")
		return
	}
	val = sanitizeTag(val)
	if s.main == "" {
		s.main = val
	} else if val != s.main && !contains(s.partial, val) {
		s.partial = append(s.partial, val)
	}
	if s.latest == nil {
		s.latest = &latest
		s.judgeVer = judge
		s.judged = judgeable && s.in.Flavor.Latest == "auto"
		s.note(t, "%q; decides latest=%t (flavor latest=%s)", val, latest, s.in.Flavor.Latest)
		return
	}
	s.note(t, "%q", val)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *state) proc(t TagSpec) error {
	switch t.Type {
	case "schedule":
		return s.procSchedule(t)
	case "semver":
		return s.procSemver(t)
	case "pep440":
		return s.procPep440(t)
	case "match":
		return s.procMatch(t)
	case "ref":
		return s.procRef(t)
	case "edge":
		return s.procEdge(t)
	case "raw":
		v, err := s.globalExp(t.Attrs["value"])
		if err != nil {
			return fmt.Errorf("value: %v", err)
		}
		return s.set(t, v, s.latestFor(false), nil, false)
	case "sha":
		if s.sha == "" {
			s.note(t, "no commit SHA known, skipped")
			return nil
		}
		v := s.sha
		if t.Attrs["format"] == "short" {
			v = s.shortSHA()
		}
		return s.set(t, v, s.latestFor(false), nil, false)
	}
	return fmt.Errorf("unknown type %q", t.Type)
}

// set applies the prefix and suffix (setValue) and records the tag.
func (s *state) set(t TagSpec, val string, latest bool, judge *semverParts, judgeable bool) error {
	v, err := s.setValue(val, t)
	if err != nil {
		return err
	}
	s.setVersion(t, v, latest, judge, judgeable)
	return nil
}

// setValue is Meta.setValue: the entry's prefix/suffix when present (even
// empty), else the flavor's; both rendered as global expressions.
func (s *state) setValue(val string, t TagSpec) (string, error) {
	if p, ok := t.Attrs["prefix"]; ok {
		r, err := s.globalExp(p)
		if err != nil {
			return "", fmt.Errorf("prefix: %v", err)
		}
		val = r + val
	} else if s.in.Flavor.Prefix != "" {
		r, err := s.globalExp(s.in.Flavor.Prefix)
		if err != nil {
			return "", fmt.Errorf("flavor prefix: %v", err)
		}
		val = r + val
	}
	if p, ok := t.Attrs["suffix"]; ok {
		r, err := s.globalExp(p)
		if err != nil {
			return "", fmt.Errorf("suffix: %v", err)
		}
		val += r
	} else if s.in.Flavor.Suffix != "" {
		r, err := s.globalExp(s.in.Flavor.Suffix)
		if err != nil {
			return "", fmt.Errorf("flavor suffix: %v", err)
		}
		val += r
	}
	return val, nil
}

func (s *state) shortSHA() string {
	if s.c.Git.ShortSHA != "" {
		return s.c.Git.ShortSHA
	}
	if len(s.sha) <= 7 {
		return s.sha
	}
	return s.sha[:7]
}

func (s *state) tagName() string {
	if strings.HasPrefix(s.ref, "refs/tags/") {
		return strings.TrimPrefix(s.ref, "refs/tags/")
	}
	return ""
}

// globalExp is Meta.setGlobalExp.
func (s *state) globalExp(val string) (string, error) {
	return renderTemplate(val, func(n tmplNode) (string, bool, error) {
		switch n.name {
		case "branch":
			if !strings.HasPrefix(s.ref, "refs/heads/") {
				return "", true, nil
			}
			return strings.TrimPrefix(s.ref, "refs/heads/"), true, nil
		case "tag":
			return s.tagName(), true, nil
		case "sha":
			return s.shortSHA(), true, nil
		case "base_ref":
			if strings.HasPrefix(s.ref, "refs/tags/") || strings.HasPrefix(s.ref, "refs/pull/") {
				return strings.TrimPrefix(s.c.BaseRef, "refs/heads/"), true, nil
			}
			return "", true, nil
		case "is_default_branch":
			// As metadata-action: the ref without refs/heads/ compared with
			// the default branch; create, discussion, issues and schedule
			// events always run on the default branch.
			branch := strings.TrimPrefix(s.ref, "refs/heads/")
			if branch == "" {
				return "false", true, nil
			}
			if s.c.Git.DefaultBranch != "" && s.c.Git.DefaultBranch == branch {
				return "true", true, nil
			}
			ev := s.c.Git.Event
			for _, e := range []string{"create", "discussion", "issues", "schedule"} {
				if strings.Contains(ev, e) {
					return "true", true, nil
				}
			}
			return "false", true, nil
		case "date":
			v, err := dateHelper(s.c.Now, n)
			return v, true, err
		case "commit_date":
			v, err := dateHelper(s.c.CommitDate, n)
			return v, true, err
		}
		return "", false, nil
	})
}

func (s *state) procSchedule(t TagSpec) error {
	if !strings.Contains(s.c.Git.Event, "schedule") {
		s.note(t, "not a schedule event, skipped")
		return nil
	}
	v, err := renderTemplate(t.Attrs["pattern"], func(n tmplNode) (string, bool, error) {
		switch n.name {
		case "date":
			v, err := dateHelper(s.c.Now, n)
			return v, true, err
		case "commit_date":
			v, err := dateHelper(s.c.CommitDate, n)
			return v, true, err
		}
		return "", false, nil
	})
	if err != nil {
		return fmt.Errorf("pattern: %v", err)
	}
	return s.set(t, v, s.latestFor(false), nil, false)
}

// versionSource is the value the semver, pep440 and match types read: the
// value attribute, else the git tag ('/' -> '-' for semver and pep440).
func (s *state) versionSource(t TagSpec, slash bool) (string, bool, error) {
	if t.Attrs["value"] != "" {
		v, err := s.globalExp(t.Attrs["value"])
		if err != nil {
			return "", false, fmt.Errorf("value: %v", err)
		}
		return v, true, nil
	}
	if !strings.HasPrefix(s.ref, "refs/tags/") {
		s.note(t, "not a tag push and no value, skipped")
		return "", false, nil
	}
	v := s.tagName()
	if slash {
		v = strings.ReplaceAll(v, "/", "-")
	}
	return v, true, nil
}

func (s *state) procSemver(t TagSpec) error {
	vraw, ok, err := s.versionSource(t, true)
	if err != nil || !ok {
		return err
	}
	v, valid := parseSemver(vraw)
	if !valid {
		s.note(t, "%q is not a semantic version (https://semver.org/), skipped", vraw)
		return nil
	}
	semverCtx := func(n tmplNode) (string, bool, error) {
		switch n.name {
		case "raw":
			return v.raw, true, nil
		case "version":
			return v.version(), true, nil
		case "major":
			return v.major, true, nil
		case "minor":
			return v.minor, true, nil
		case "patch":
			return v.patch, true, nil
		case "prerelease":
			return strings.Join(v.pre, ","), true, nil
		case "build":
			return strings.Join(v.build, ","), true, nil
		}
		return "", false, nil
	}
	pattern := t.Attrs["pattern"]
	if len(v.pre) > 0 {
		// Prereleases only extend {{version}} (or {{raw}} when that is the
		// whole pattern) and do not give latest (README "type=semver").
		if !isRawStatement(pattern) {
			pattern = "{{version}}"
		}
		out, err := renderTemplate(pattern, semverCtx)
		if err != nil {
			return fmt.Errorf("pattern: %v", err)
		}
		return s.set(t, out, s.latestFor(false), &v, true)
	}
	if !s.exact {
		if ok, why := s.floats(pattern, v); !ok {
			s.note(t, "%s", why)
			return nil
		}
	}
	out, err := renderTemplate(pattern, semverCtx)
	if err != nil {
		return fmt.Errorf("pattern: %v", err)
	}
	return s.set(t, out, s.latestFor(true), &v, true)
}

// floats applies the only-if-highest rule to a pattern that names a line
// rather than a version.
func (s *state) floats(pattern string, v semverParts) (bool, string) {
	names := templateNames(pattern)
	if names["version"] || names["patch"] || names["raw"] {
		return true, ""
	}
	ver := v.major + "." + v.minor + "." + v.patch
	floating, err := policy.SemverTags(ver, s.published)
	if err != nil {
		return true, ""
	}
	switch {
	case names["minor"]:
		if !contains(floating, v.major+"."+v.minor) {
			return false, fmt.Sprintf("%s is not the highest %s.%s release published; the %s.%s line keeps its tag (metadata-action would move it; --latest=metadata-action to do so)", ver, v.major, v.minor, v.major, v.minor)
		}
	case names["major"]:
		if v.major == "0" {
			return false, fmt.Sprintf("%s is a 0.x release: no bare major tag (metadata-action would give \"0\": README \"Major version zero\")", ver)
		}
		if !contains(floating, v.major) {
			return false, fmt.Sprintf("%s is not the highest %s.x release published; the major tag stays (metadata-action would move it; --latest=metadata-action to do so)", ver, v.major)
		}
	default:
		if !contains(floating, "latest") {
			return false, fmt.Sprintf("%s is not the highest release published; a pattern without version numbers floats like latest, so it is not moved", ver)
		}
	}
	return true, ""
}

// judgeLatest applies the only-if-highest rule to latest=auto.
func (s *state) judgeLatest() bool {
	if s.judgeVer == nil {
		s.dec = append(s.dec, "latest: the version is not a semantic version, so whether it is the highest published cannot be judged; latest given as metadata-action does")
		return true
	}
	v := *s.judgeVer
	if len(v.pre) > 0 {
		s.dec = append(s.dec, fmt.Sprintf("latest: not given, %s is a prerelease (metadata-action would give it)", v.version()))
		return false
	}
	ver := v.major + "." + v.minor + "." + v.patch
	floating, err := policy.SemverTags(ver, s.published)
	if err != nil || !contains(floating, "latest") {
		s.dec = append(s.dec, fmt.Sprintf("latest: not given, a higher release than %s is published (metadata-action would move it; --latest=metadata-action to do so)", ver))
		return false
	}
	s.dec = append(s.dec, fmt.Sprintf("latest: %s is the highest release published", ver))
	return true
}

func (s *state) procPep440(t TagSpec) error {
	vraw, ok, err := s.versionSource(t, true)
	if err != nil || !ok {
		return err
	}
	v, valid := parsePEP440(vraw)
	if !valid {
		s.note(t, "%q does not conform to PEP 440, skipped", vraw)
		return nil
	}
	sv, comparable := v.asSemver()
	var judge *semverParts
	if comparable {
		judge = &sv
	}
	if v.isPre || v.isPost || v.isDevRelase {
		out := v.clean()
		if isRawStatement(t.Attrs["pattern"]) {
			out = vraw
		}
		// A post release is not a prerelease, but metadata-action treats
		// it as one: only its version, no latest.
		pre := semverParts{major: v.part(0), minor: v.part(1), patch: v.part(2), pre: []string{"pre"}}
		return s.set(t, out, s.latestFor(false), &pre, true)
	}
	if !s.exact && comparable {
		if ok, why := s.floats(t.Attrs["pattern"], sv); !ok {
			s.note(t, "%s", why)
			return nil
		}
	}
	out, err := renderTemplate(t.Attrs["pattern"], func(n tmplNode) (string, bool, error) {
		switch n.name {
		case "raw":
			return vraw, true, nil
		case "version":
			return v.clean(), true, nil
		case "major":
			return v.part(0), true, nil
		case "minor":
			return v.part(1), true, nil
		case "patch":
			return v.part(2), true, nil
		}
		return "", false, nil
	})
	if err != nil {
		return fmt.Errorf("pattern: %v", err)
	}
	return s.set(t, out, s.latestFor(true), judge, true)
}

var jsRegexLiteral = regexp.MustCompile(`^/(.+)/(.*)$`)

func (s *state) procMatch(t TagSpec) error {
	vraw, ok, err := s.versionSource(t, false)
	if err != nil || !ok {
		return err
	}
	pattern, global := t.Attrs["pattern"], false
	if m := jsRegexLiteral.FindStringSubmatch(pattern); m != nil {
		pattern = m[1]
		flags := ""
		for _, f := range m[2] {
			switch f {
			case 'i', 'm', 's':
				flags += string(f)
			case 'g':
				global = true
			case 'u', 'd':
			default:
				return fmt.Errorf("pattern: unknown regular expression flag %q", f)
			}
		}
		if flags != "" {
			pattern = "(?" + flags + ")" + pattern
		}
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return fmt.Errorf("pattern %q: %v (Go's RE2 syntax has no lookaround or backreferences)", t.Attrs["pattern"], err)
	}
	var groups []string
	if global {
		// String.prototype.match with the g flag gives every match, not
		// the groups.
		groups = re.FindAllString(vraw, -1)
	} else if m := re.FindStringSubmatchIndex(vraw); m != nil {
		for i := 0; i < len(m); i += 2 {
			if m[i] < 0 {
				groups = append(groups, "")
				continue
			}
			groups = append(groups, vraw[m[i]:m[i+1]])
		}
	}
	if groups == nil {
		s.note(t, "%s does not match %q, skipped", t.Attrs["pattern"], vraw)
		return nil
	}
	g, _ := strconv.Atoi(t.Attrs["group"])
	if g >= len(groups) {
		s.note(t, "group %d does not exist in %s, skipped", g, t.Attrs["pattern"])
		return nil
	}
	return s.set(t, groups[g], s.latestFor(true), s.gitTagSemver(), true)
}

// gitTagSemver is the git tag as a semantic version, for judging latest
// from type=match and type=ref,event=tag; nil when it is not one.
func (s *state) gitTagSemver() *semverParts {
	if v, ok := parseSemver(s.tagName()); ok {
		return &v
	}
	return nil
}

func (s *state) procRef(t TagSpec) error {
	switch t.Attrs["event"] {
	case "branch":
		if !strings.HasPrefix(s.ref, "refs/heads/") {
			s.note(t, "not a branch, skipped")
			return nil
		}
		return s.set(t, strings.TrimPrefix(s.ref, "refs/heads/"), s.latestFor(false), nil, false)
	case "tag":
		if !strings.HasPrefix(s.ref, "refs/tags/") {
			s.note(t, "not a tag, skipped")
			return nil
		}
		return s.set(t, s.tagName(), s.latestFor(true), s.gitTagSemver(), true)
	case "pr":
		if !strings.HasPrefix(s.ref, "refs/pull/") {
			s.note(t, "not a pull request, skipped")
			return nil
		}
		n := strings.TrimSuffix(strings.TrimPrefix(s.ref, "refs/pull/"), "/merge")
		return s.set(t, n, s.latestFor(false), nil, false)
	}
	return nil
}

func (s *state) procEdge(t TagSpec) error {
	if !strings.HasPrefix(s.ref, "refs/heads/") {
		s.note(t, "not a branch, skipped")
		return nil
	}
	branch := t.Attrs["branch"]
	if branch == "" {
		branch = s.c.Git.DefaultBranch
	}
	if cur := strings.TrimPrefix(s.ref, "refs/heads/"); branch != cur {
		s.note(t, "branch %q is not the edge branch %q, skipped", cur, branch)
		return nil
	}
	return s.set(t, "edge", s.latestFor(false), nil, false)
}

var invalidTagChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// sanitizeTag is Meta.sanitizeTag.
func sanitizeTag(t string) string { return invalidTagChars.ReplaceAllString(t, "-") }

// ociTag makes a sanitised tag fit [A-Za-z0-9_][A-Za-z0-9._-]{0,127}.
func ociTag(t string) string {
	t = strings.TrimLeft(t, ".-")
	if len(t) > 128 {
		t = t[:128]
	}
	return t
}

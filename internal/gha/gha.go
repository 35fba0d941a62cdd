// Package gha is hoist's glue to GitHub Actions: step outputs
// ($GITHUB_OUTPUT), the job summary ($GITHUB_STEP_SUMMARY), annotations,
// log groups and secret masks, over github.com/sethvargo/go-githubactions.
//
// It is active only inside a workflow (GITHUB_ACTIONS=true): New returns
// nil anywhere else, and every method of a nil *Actions does nothing and
// returns nil, so callers need no conditions.
//
// Everything written here may carry untrusted text (branch names, commit
// messages, Dockerfile content, registry answers). Outputs are written in
// the heredoc form with a random delimiter that does not occur in the
// value; workflow commands have their data and properties escaped as
// @actions/core does, so a value can never end a command early or start
// another one.
package gha

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"
)

// The outputs hoist's commands set, named as users of hadolint-action,
// build-push-action and metadata-action know them.
const (
	OutputDigest      = "digest"      // the manifest (or index) digest
	OutputImageID     = "imageid"     // the config digest of a single-platform image
	OutputMetadata    = "metadata"    // the build result as JSON (--metadata-file's content)
	OutputTags        = "tags"        // full references, one a line
	OutputLabels      = "labels"      // KEY=VALUE, one a line
	OutputAnnotations = "annotations" // KEY=VALUE, one a line
	OutputVersion     = "version"     // the version the tags were computed for
	OutputResults     = "results"     // lint findings as JSON
	OutputPlan        = "plan"        // the prune plan as JSON
	OutputSARIFFile   = "sarif-file"  // the path of the SARIF report written
)

// MaxAnnotations is how many annotations of one level GitHub shows for a
// step; it drops the rest silently.
const MaxAnnotations = 10

// delimiterPrefix starts every heredoc delimiter, as @actions/core's.
const delimiterPrefix = "ghadelimiter_"

// Actions writes to the workflow. The zero value is not usable; a nil
// *Actions is (it does nothing).
type Actions struct {
	gh     *githubactions.Action
	getenv func(string) string
	// random fills delimiters and stop-commands tokens (tests replace it).
	random func([]byte) (int, error)
}

// New returns the Actions of this process when it runs in a GitHub Actions
// workflow (getenv("GITHUB_ACTIONS") == "true"), else nil. Workflow
// commands (annotations, groups, masks) are written to w; the runner reads
// them from stdout and stderr alike, so w is normally stderr, which keeps
// stdout for results. Outputs and the summary go to the files named by
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, read through getenv.
func New(w io.Writer, getenv func(string) string) *Actions {
	if getenv == nil || getenv("GITHUB_ACTIONS") != "true" {
		return nil
	}
	return &Actions{
		gh:     githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(githubactions.GetenvFunc(getenv))),
		getenv: getenv,
		random: rand.Read,
	}
}

// Enabled reports whether a is active (non-nil).
func (a *Actions) Enabled() bool { return a != nil }

// GetInput returns the action input name (INPUT_NAME, upper-cased, spaces
// as underscores, dashes kept), trimmed; "" when unset or when a is nil.
func (a *Actions) GetInput(name string) string {
	if a == nil {
		return ""
	}
	return a.gh.GetInput(name)
}

// outputName is what GitHub accepts as an output name.
var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// SetOutput sets the step output name to value. The value is written in
// the heredoc form (name<<DELIMITER, the value, DELIMITER) with a random
// delimiter chosen again until it does not occur in the value, so no value
// (a newline, "digest=evil", a fake delimiter) can end it early or add
// another output.
func (a *Actions) SetOutput(name, value string) error {
	if a == nil {
		return nil
	}
	if !outputName.MatchString(name) {
		return fmt.Errorf("output name %q: use letters, digits, _ and -", name)
	}
	if a.getenv("GITHUB_OUTPUT") == "" {
		return errors.New("GITHUB_OUTPUT is not set: the step's outputs cannot be written")
	}
	delim, err := a.delimiter(value)
	if err != nil {
		return err
	}
	msg := name + "<<" + delim + githubactions.EOF + value + githubactions.EOF + delim
	return a.fileCommand(&githubactions.Command{Name: "output", Message: msg})
}

// SetOutputs sets several outputs, in name order.
func (a *Actions) SetOutputs(outputs map[string]string) error {
	if a == nil {
		return nil
	}
	names := make([]string, 0, len(outputs))
	for n := range outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		if err := a.SetOutput(n, outputs[n]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// delimiter returns a random heredoc delimiter that does not occur in value.
func (a *Actions) delimiter(value string) (string, error) {
	for range 16 {
		tok, err := a.token()
		if err != nil {
			return "", err
		}
		d := delimiterPrefix + tok
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
	return "", errors.New("no output delimiter absent from the value could be chosen")
}

func (a *Actions) token() (string, error) {
	b := make([]byte, 16)
	if _, err := a.random(b); err != nil {
		return "", fmt.Errorf("random delimiter: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// AddSummary appends markdown to the job summary ($GITHUB_STEP_SUMMARY).
func (a *Actions) AddSummary(markdown string) error {
	if a == nil {
		return nil
	}
	if a.getenv("GITHUB_STEP_SUMMARY") == "" {
		return errors.New("GITHUB_STEP_SUMMARY is not set: the job summary cannot be written")
	}
	return a.fileCommand(&githubactions.Command{Name: "step-summary", Message: markdown})
}

// fileCommand appends to an environment file; go-githubactions panics when
// that fails, which is turned into an error here.
func (a *Actions) fileCommand(c *githubactions.Command) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("GitHub Actions %s file: %v", c.Name, r)
		}
	}()
	a.gh.IssueFileCommand(c)
	return nil
}

// command writes a workflow command; go-githubactions escapes its data
// (% \r \n) and property values (% \r \n : ,).
func (a *Actions) command(c *githubactions.Command) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("GitHub Actions command %s: %v", c.Name, r)
		}
	}()
	a.gh.IssueCommand(c)
	return nil
}

// Level is the level of an annotation.
type Level string

const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is a message GitHub shows on the run and, with a File, on the
// file's lines in pull requests. Lines and columns count from 1; 0 means
// unknown. EndColumn is exclusive as everywhere in hoist.
type Annotation struct {
	Level     Level
	File      string // relative to the repository root, with forward slashes
	Line      int
	Column    int
	EndLine   int
	EndColumn int
	Title     string
	Message   string
}

// Annotate writes the annotations, in order, at most MaxAnnotations per
// level: GitHub drops the rest silently, so for each level that is cut one
// notice says how many more there are ("and 3 more errors, see the job
// summary"). Those notices take notice slots first, so they are never the
// ones dropped.
func (a *Actions) Annotate(list []Annotation) error {
	if a == nil || len(list) == 0 {
		return nil
	}
	total := map[Level]int{}
	for _, an := range list {
		total[level(an.Level)]++
	}
	cut := 0
	for _, l := range []Level{LevelError, LevelWarning} {
		if total[l] > MaxAnnotations {
			cut++
		}
	}
	if total[LevelNotice] > MaxAnnotations-cut {
		cut++
	}
	limit := map[Level]int{LevelError: MaxAnnotations, LevelWarning: MaxAnnotations, LevelNotice: MaxAnnotations - cut}
	shown := map[Level]int{}
	var errs []error
	for _, an := range list {
		l := level(an.Level)
		if shown[l] >= limit[l] {
			continue
		}
		shown[l]++
		errs = append(errs, a.command(annotationCommand(l, an)))
	}
	for _, l := range []Level{LevelError, LevelWarning, LevelNotice} {
		if n := total[l] - shown[l]; n > 0 {
			what := map[Level][2]string{
				LevelError:   {"error", "errors"},
				LevelWarning: {"warning", "warnings"},
				LevelNotice:  {"notice", "notices"},
			}[l]
			noun := what[1]
			if n == 1 {
				noun = what[0]
			}
			msg := fmt.Sprintf("and %d more %s, see the job summary", n, noun)
			errs = append(errs, a.command(&githubactions.Command{Name: string(LevelNotice), Message: msg,
				Properties: githubactions.CommandProperties{"title": "hoist"}}))
		}
	}
	return errors.Join(errs...)
}

func level(l Level) Level {
	switch l {
	case LevelError, LevelWarning:
		return l
	}
	return LevelNotice
}

// annotationCommand builds ::LEVEL file=...,line=...,col=...::MESSAGE.
// Columns are given only for an annotation on one line: GitHub ignores
// them on a range of lines.
func annotationCommand(l Level, an Annotation) *githubactions.Command {
	p := githubactions.CommandProperties{}
	if an.File != "" {
		p["file"] = an.File
		if an.Line >= 1 {
			p["line"] = strconv.Itoa(an.Line)
			oneLine := an.EndLine <= an.Line
			if an.EndLine > an.Line {
				p["endLine"] = strconv.Itoa(an.EndLine)
			}
			if oneLine && an.Column >= 1 {
				p["col"] = strconv.Itoa(an.Column)
				if an.EndColumn > an.Column {
					p["endColumn"] = strconv.Itoa(an.EndColumn)
				}
			}
		}
	}
	if an.Title != "" {
		p["title"] = an.Title
	}
	return &githubactions.Command{Name: string(l), Message: an.Message, Properties: p}
}

// Group starts a collapsible group of log lines titled title and returns
// the function that ends it. Groups do not nest.
func (a *Actions) Group(title string) (end func()) {
	if a == nil {
		return func() {}
	}
	_ = a.command(&githubactions.Command{Name: "group", Message: title})
	return func() { _ = a.command(&githubactions.Command{Name: "endgroup"}) }
}

// AddMask makes the runner replace secret with *** in the logs from now
// on. Logs are masked line by line, so each line of a multi-line secret is
// masked on its own (the whole value too, for the summary and outputs).
// Blank lines are not masked: that would mask every blank.
func (a *Actions) AddMask(secret string) error {
	if a == nil || strings.TrimSpace(secret) == "" {
		return nil
	}
	seen := map[string]bool{}
	var errs []error
	mask := func(s string) {
		if strings.TrimSpace(s) == "" || seen[s] {
			return
		}
		seen[s] = true
		errs = append(errs, a.command(&githubactions.Command{Name: "add-mask", Message: s}))
	}
	mask(secret)
	for _, line := range strings.Split(secret, "\n") {
		mask(strings.TrimSuffix(line, "\r"))
	}
	return errors.Join(errs...)
}

// StopCommands makes the runner ignore workflow commands in the log until
// resume is called: for output hoist relays but did not write (a RUN
// step's output), which could otherwise issue commands of its own. The
// token is random, so the relayed output cannot resume early.
func (a *Actions) StopCommands() (resume func() error, err error) {
	if a == nil {
		return func() error { return nil }, nil
	}
	tok, err := a.token()
	if err != nil {
		return nil, err
	}
	if err := a.command(&githubactions.Command{Name: "stop-commands", Message: tok}); err != nil {
		return nil, err
	}
	return func() error { return a.command(&githubactions.Command{Name: tok}) }, nil
}

// GetInput returns the action input name from getenv as GitHub passes
// inputs (INPUT_NAME: upper-cased, spaces as underscores, dashes kept),
// trimmed. It works outside a workflow too, for running the action's
// entry point by hand.
func GetInput(getenv func(string) string, name string) string {
	return githubactions.New(githubactions.WithGetenv(getenv)).GetInput(name)
}

// Package format writes lint reports: tty, json, sarif, github, checkstyle,
// junit, gnu and codeclimate. Each format is one file that registers itself.
package format

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hoistci/hoist/lint"
)

// Report is everything a format may need.
type Report struct {
	// Results are the linted files in a stable order.
	Results []*lint.FileResult
	// Rules are the rules that ran (for metadata such as summaries and URLs).
	Rules *lint.Registry
	// Tool names the linter in formats that record it (SARIF).
	Tool Tool
	// WorkDir is the directory file URIs are made relative to (SARIF).
	WorkDir string
	// Threshold is the failure threshold, for formats that say pass/fail.
	Threshold lint.Severity
}

// Tool describes the linter.
type Tool struct {
	Name           string
	Version        string
	InformationURI string
}

// Options are presentation settings.
type Options struct {
	// Color enables ANSI colours (tty only).
	Color bool
}

// Func writes a report in one format.
type Func func(w io.Writer, r *Report, opts Options) error

var formats = map[string]Func{}

func register(name string, f Func) { formats[name] = f }

// Names lists the formats, sorted.
func Names() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the named format.
func Lookup(name string) (Func, error) {
	f, ok := formats[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown format %q: use one of %s", name, strings.Join(Names(), ", "))
	}
	return f, nil
}

// Write writes r in the named format.
func Write(name string, w io.Writer, r *Report, opts Options) error {
	f, err := Lookup(name)
	if err != nil {
		return err
	}
	return f(w, r, opts)
}

// findings flattens the report in order.
func (r *Report) findings() []lint.Finding {
	var out []lint.Finding
	for _, res := range r.Results {
		out = append(out, res.Findings...)
	}
	return out
}

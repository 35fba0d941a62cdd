// Package dockerfile is hoist's one model of a Dockerfile, shared by the
// linter and the builder. It sits on BuildKit's parser and instructions
// packages (so it understands every syntax Docker does) and adds what they
// lack: exact line and column ranges for every instruction, flag and word
// (also inside multi-line instructions and heredocs), the comments with their
// positions, the parser directives, and stages whose base image has the
// global ARG defaults expanded.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/util/suggest"
)

// File is a parsed Dockerfile.
type File struct {
	// Name is the path the file was read from ("-" for stdin).
	Name string
	// Source is the file's content as read.
	Source []byte
	// Lines are the physical lines without their line ending (index 0 is line 1).
	Lines []string
	// EscapeToken is '\\' or '`' (the escape parser directive).
	EscapeToken rune
	// Directives are the parser directives at the top of the file (syntax, escape, check).
	Directives []Directive
	// Comments are every comment line outside heredoc bodies, in order.
	Comments []Comment
	// Instructions are all top-level instructions in order.
	Instructions []*Instruction
	// Stages are the build stages in order; Stages[i].Index == i.
	Stages []*Stage
	// GlobalArgs are the ARG instructions before the first FROM.
	GlobalArgs []*Instruction
	// Err is set when the file could not be parsed at all; Instructions is
	// then empty. Errors confined to one instruction are on that instruction.
	Err *ParseError

	scopesOnce sync.Once
	scopes     *Scopes
}

// ParseError is a syntax error with the position BuildKit's parser gives.
type ParseError struct {
	Msg   string
	Range Range
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Range.Start.Line, e.Range.Start.Column, e.Msg)
}

// Directive is a parser directive such as "# syntax=docker/dockerfile:1".
type Directive struct {
	Name  string // lower-case: syntax, escape, check
	Value string
	Range Range
}

// Comment is one comment line.
type Comment struct {
	// Text is the comment without the leading '#' and surrounding blanks.
	Text string
	// Range covers the whole comment, from the '#'.
	Range Range
	// TextStart is where Text begins.
	TextStart Position
	// Directive is true for a parser directive line.
	Directive bool
}

// Parse parses src, never failing: a file BuildKit cannot parse comes back
// with Err set; an instruction whose arguments are invalid has its own Err.
func Parse(name string, src []byte) *File {
	f := &File{Name: name, Source: src, EscapeToken: parser.DefaultEscapeToken}
	f.Lines = splitLines(src)

	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		f.Err = f.parseError(err)
		f.collectComments(nil)
		return f
	}
	f.EscapeToken = res.EscapeToken
	f.parseDirectives()

	quiet := linter.New(&linter.Config{SkipAll: true})
	var heredocLines [][2]int
	var stage *Stage
	for _, n := range res.AST.Children {
		in := f.newInstruction(n)
		in.Index = len(f.Instructions)
		for _, h := range in.Heredocs {
			heredocLines = append(heredocLines, [2]int{h.Body.Start.Line, h.Body.End.Line})
		}
		typed, perr := instructions.ParseInstructionWithLinter(n, quiet)
		if perr != nil {
			in.Err = f.parseError(perr)
			in.Err.Range = in.LineRange()
			// Point at the offending flag when BuildKit names one.
			for _, fl := range in.Flags {
				if strings.Contains(in.Err.Msg, "--"+fl.Name) {
					in.Err.Range = fl.Range
					break
				}
			}
		} else {
			in.Typed = typed
		}
		f.Instructions = append(f.Instructions, in)

		if in.Name == "from" {
			stage = &Stage{Index: len(f.Stages), From: in}
			f.Stages = append(f.Stages, stage)
			in.Stage = stage
			continue
		}
		in.Stage = stage
		if stage == nil {
			if in.Name == "arg" {
				f.GlobalArgs = append(f.GlobalArgs, in)
			}
			continue
		}
		stage.Instructions = append(stage.Instructions, in)
	}
	f.collectComments(heredocLines)
	f.resolveStages()
	return f
}

func splitLines(src []byte) []string {
	s := string(src)
	s = strings.TrimPrefix(s, "\ufeff")
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(s, "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// parseError converts a BuildKit error into a ParseError with its position.
func (f *File) parseError(err error) *ParseError {
	pe := &ParseError{Msg: cleanMessage(err)}
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		r := le.Locations[0][0]
		start, end := r.Start.Line, r.End.Line
		if start <= 0 {
			start = 1
		}
		if end < start {
			end = start
		}
		if start > len(f.Lines) && len(f.Lines) > 0 {
			start = len(f.Lines)
		}
		if end > len(f.Lines) {
			end = max(len(f.Lines), start)
		}
		pe.Range = Range{Start: Position{start, 1}, End: Position{end, f.lineEndColumn(end)}}
	} else {
		pe.Range = Range{Start: Position{1, 1}, End: Position{1, f.lineEndColumn(1)}}
	}
	return pe
}

// cleanMessage drops BuildKit's "dockerfile parse error on line N:" prefix:
// the position travels separately.
func cleanMessage(err error) string {
	var unknown *instructions.UnknownInstructionError
	if errors.As(err, &unknown) {
		// BuildKit's own suggestion varies from run to run; hoist's is stable.
		return "unknown instruction: " + unknown.Instruction + suggestInstruction(unknown.Instruction)
	}
	msg := err.Error()
	if i := strings.Index(msg, "dockerfile parse error on line "); i >= 0 {
		rest := msg[i+len("dockerfile parse error on line "):]
		if j := strings.Index(rest, ": "); j >= 0 {
			msg = rest[j+2:]
		}
	}
	return msg
}

// instructionNames are the Dockerfile instructions, for suggestions.
var instructionNames = []string{"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}

// suggestInstruction names the instruction closest to a misspelt one.
func suggestInstruction(word string) string {
	if m, ok := suggest.Search(strings.ToUpper(word), instructionNames, true); ok {
		return " (did you mean " + m + "?)"
	}
	return ""
}

func (f *File) lineEndColumn(line int) int {
	if line < 1 || line > len(f.Lines) {
		return 1
	}
	return utf8.RuneCountInString(f.Lines[line-1]) + 1
}

// Line returns physical line n (1-based), or "" when out of range.
func (f *File) Line(n int) string {
	if n < 1 || n > len(f.Lines) {
		return ""
	}
	return f.Lines[n-1]
}

func (f *File) parseDirectives() {
	p := parser.DirectiveParser{}
	ds, err := p.ParseAll(f.Source)
	if err != nil {
		return
	}
	for _, d := range ds {
		line := 1
		if len(d.Location) > 0 {
			line = d.Location[0].Start.Line
		}
		f.Directives = append(f.Directives, Directive{
			Name:  strings.ToLower(d.Name),
			Value: d.Value,
			Range: Range{Start: Position{line, 1}, End: Position{line, f.lineEndColumn(line)}},
		})
	}
}

// Directive returns the value of the named parser directive.
func (f *File) Directive(name string) (string, bool) {
	for _, d := range f.Directives {
		if d.Name == name {
			return d.Value, true
		}
	}
	return "", false
}

func (f *File) collectComments(heredocLines [][2]int) {
	inHeredoc := func(line int) bool {
		for _, r := range heredocLines {
			if line >= r[0] && line <= r[1] {
				return true
			}
		}
		return false
	}
	directiveLines := map[int]bool{}
	for _, d := range f.Directives {
		directiveLines[d.Range.Start.Line] = true
	}
	for i, l := range f.Lines {
		line := i + 1
		trimmed := strings.TrimLeft(l, " \t")
		if !strings.HasPrefix(trimmed, "#") || inHeredoc(line) {
			continue
		}
		hashCol := utf8.RuneCountInString(l[:len(l)-len(trimmed)]) + 1
		body := trimmed[1:]
		text := strings.TrimLeft(body, " \t")
		textCol := hashCol + 1 + utf8.RuneCountInString(body[:len(body)-len(text)])
		f.Comments = append(f.Comments, Comment{
			Text:      strings.TrimRight(text, " \t"),
			Range:     Range{Start: Position{line, hashCol}, End: Position{line, f.lineEndColumn(line)}},
			TextStart: Position{line, textCol},
			Directive: directiveLines[line],
		})
	}
}

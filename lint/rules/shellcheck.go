package rules

import (
	"context"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellcheck"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var ShellCheck = register(&lint.Rule{
	ID:       "HS024",
	Name:     "shellcheck",
	Severity: lint.Info,
	Summary:  "ShellCheck findings in RUN scripts (SCxxxx)",
	Rationale: "With `--shellcheck on` (or `auto`, the CLI's default, when a `shellcheck` binary is on PATH) " +
		"hoist runs ShellCheck over every RUN script of a file in one process and reports its findings " +
		"as SCxxxx codes at the right Dockerfile line and column, with ShellCheck's own severity. Each " +
		"script gets the SHELL in force as its shebang (sh, bash, dash or ksh; other shells are skipped) " +
		"and every ARG and ENV in scope pre-declared, so build arguments are not reported as unassigned " +
		"(SC2154). As hadolint, SC1090, SC1091 (sourced files) and SC2187 are excluded. An SC code can be " +
		"ignored, overridden and named in pragmas like any rule (`# hadolint ignore=SC2086`); this rule's " +
		"name or ID turns all of ShellCheck off.",
	Bad:  "FROM alpine:3.22\nRUN cd /app && echo $HOME_DIR\n",
	Good: "FROM alpine:3.22\nWORKDIR /app\nRUN echo \"$HOME\"\n",
	Run: func(p *lint.Pass) {
		bin, ok := shellcheckBinary(p.Config.ShellCheck)
		if !ok {
			return
		}
		var inputs []shellcheck.Script
		var sources []*shellscript.Script
		for _, s := range scripts(p) {
			dialect := shellcheckDialect(s)
			if dialect == "" || !s.Analysable() {
				continue
			}
			inputs = append(inputs, shellcheck.Script{Shell: dialect, Text: s.Source, Declared: p.File.Scopes().Before(s.Instruction).Names()})
			sources = append(sources, s)
		}
		if len(inputs) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		comments, err := shellcheck.Run(ctx, bin, inputs)
		if err != nil {
			p.Report(p.File.Instructions[0].KeywordRange(), "ShellCheck could not run: "+err.Error())
			return
		}
		for _, c := range comments {
			s := sources[c.Script]
			r := shellcheckRange(s, c)
			code := fmt.Sprintf("SC%d", c.Code)
			p.ReportCode(code, shellcheckSeverity(c.Level), "https://www.shellcheck.net/wiki/"+code, r, c.Message)
		}
	},
})

var (
	shellcheckOnce sync.Once
	shellcheckPath string
)

// shellcheckBinary resolves the mode: on and auto use a shellcheck found on
// PATH (the CLI refuses "on" without one), off never runs it.
func shellcheckBinary(mode string) (string, bool) {
	if mode != "on" && mode != "auto" {
		return "", false
	}
	shellcheckOnce.Do(func() { shellcheckPath, _ = shellcheck.LookPath() })
	return shellcheckPath, shellcheckPath != ""
}

// shellcheckDialect is the -s dialect for the script's shell ("" to skip).
func shellcheckDialect(s *shellscript.Script) string {
	if s.Skipped != "" || s.Exec || len(s.Shell) == 0 {
		return ""
	}
	switch b := path.Base(s.Shell[0]); b {
	case "bash", "dash", "ksh":
		return b
	case "sh", "ash", "busybox", "mksh":
		return "sh"
	}
	return ""
}

func shellcheckSeverity(level string) lint.Severity {
	switch level {
	case "error":
		return lint.Error
	case "warning":
		return lint.Warning
	case "style":
		return lint.Style
	}
	return lint.Info
}

// shellcheckRange maps a comment's script line/column (characters) to the Dockerfile.
func shellcheckRange(s *shellscript.Script, c shellcheck.Comment) dockerfile.Range {
	start := shellcheckOffset(s.Source, c.Line, c.Column)
	end := shellcheckOffset(s.Source, c.EndLine, c.EndColumn)
	if end < start {
		end = start
	}
	return s.Span(start, end)
}

func shellcheckOffset(src string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(src[off:], '\n')
		if i < 0 {
			return len(src)
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(src) && src[off] != '\n'; c++ {
		_, size := utf8.DecodeRuneInString(src[off:])
		off += size
	}
	return off
}

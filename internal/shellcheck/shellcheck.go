// Package shellcheck runs the shellcheck binary over several scripts in one
// process and returns its comments.
package shellcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Script is one script to check.
type Script struct {
	// Shell is the dialect: sh, bash, dash or ksh.
	Shell string
	// Text is the script.
	Text string
	// Declared are variables the script may use without assigning them
	// (ARG and ENV values of the Dockerfile), so shellcheck does not
	// report them as unassigned.
	Declared []string
}

// Comment is one shellcheck finding.
type Comment struct {
	// Script is the index of the script in the Run call.
	Script                           int
	Line, Column, EndLine, EndColumn int    // 1-based, in the script; columns count characters
	Level                            string // error, warning, info, style
	Code                             int
	Message                          string
}

// Exclusions are the codes hadolint excludes: SC2187 (ash scripts are not
// supported), SC1090 and SC1091 (sourced files cannot be followed).
var Exclusions = []string{"SC1090", "SC1091", "SC2187"}

// LookPath finds the shellcheck binary.
func LookPath() (string, error) { return exec.LookPath("shellcheck") }

// Run checks scripts with one shellcheck process (shellcheck at bin).
func Run(ctx context.Context, bin string, scripts []Script) ([]Comment, error) {
	if len(scripts) == 0 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "hoist-shellcheck-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// One file per dialect group would need one process each; shellcheck
	// takes the dialect from each file's shebang, so one process serves all.
	args := []string{"--format=json1", "--norc", "--exclude=" + strings.Join(Exclusions, ",")}
	index := map[string]int{}
	header := map[string]int{}
	for i, s := range scripts {
		name := filepath.Join(dir, "s"+strconv.Itoa(i)+".sh")
		shell := s.Shell
		if shell == "" {
			shell = "sh"
		}
		head := "#!/bin/" + shell + "\n"
		if len(s.Declared) > 0 {
			head += "export"
			for _, v := range s.Declared {
				head += " " + v + "=1"
			}
			head += "\n"
		}
		if err := os.WriteFile(name, []byte(head+s.Text), 0o600); err != nil {
			return nil, err
		}
		index[name] = i
		header[name] = strings.Count(head, "\n")
		args = append(args, name)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	// shellcheck exits 1 when it has comments; anything else is a failure.
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		return nil, fmt.Errorf("shellcheck: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Comments []struct {
			File      string `json:"file"`
			Line      int    `json:"line"`
			EndLine   int    `json:"endLine"`
			Column    int    `json:"column"`
			EndColumn int    `json:"endColumn"`
			Level     string `json:"level"`
			Code      int    `json:"code"`
			Message   string `json:"message"`
		} `json:"comments"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("shellcheck: unreadable output: %v", err)
	}
	comments := make([]Comment, 0, len(out.Comments))
	for _, c := range out.Comments {
		i, ok := index[c.File]
		h := header[c.File]
		if !ok || c.Line <= h {
			continue // the header lines are ours
		}
		comments = append(comments, Comment{
			Script: i, Line: c.Line - h, EndLine: c.EndLine - h, Column: c.Column, EndColumn: c.EndColumn,
			Level: c.Level, Code: c.Code, Message: c.Message,
		})
	}
	return comments, nil
}

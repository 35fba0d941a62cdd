package rules

import (
	"fmt"
	"strings"

	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

var HS016 = register(&lint.Rule{
	ID:       "HS016",
	Name:     "invalid-default-arg-in-from",
	Aliases:  []string{"InvalidDefaultArgInFrom"},
	Severity: lint.Warning,
	Summary:  "Default value for global ARG results in an empty or invalid base image name",
	Rationale: "Mirrors BuildKit's InvalidDefaultArgInFrom check. A build should work without " +
		"`--build-arg`: with the global ARGs at their defaults, `ARG TAG` then `FROM busybox:${TAG}` " +
		"gives `busybox:`, which is no image. Give the ARG a default, or use `${TAG:-latest}`. An ARG " +
		"that may be empty is fine when the name stays valid (`FROM busybox:stable${VARIANT}`). As in " +
		"BuildKit, a FROM without variables whose name is not a valid reference is reported too; unlike " +
		"BuildKit, a FROM that names an earlier stage in another case (`FROM Build`) is not.",
	Bad:  "ARG TAG\nFROM busybox:${TAG}\n",
	Good: "ARG TAG=1.37\nFROM busybox:${TAG}\n",
	Run: func(p *lint.Pass) {
		global := bkGlobalEnv(p.File)
		lex := shell.NewLex(p.File.EscapeToken)
		for _, s := range p.File.Stages {
			if s.BaseName == "" {
				continue
			}
			res, err := lex.ProcessWordWithMatches(s.BaseName, global)
			if err != nil {
				// BuildKit abandons the check: the build fails on this FROM anyway.
				return
			}
			verr := bkValidateRef(res.Result)
			if verr == nil || p.File.FindStage(res.Result, s.Index) != nil {
				continue
			}
			var msg string
			if strings.Contains(s.BaseName, "$") {
				msg = fmt.Sprintf("Default value for ARG %s results in empty or invalid base image name (%q: %v): give the ARG a default that makes a valid image name",
					s.BaseName, res.Result, verr)
			} else {
				msg = fmt.Sprintf("Base image name %q is not a valid image reference (%v)", s.BaseName, verr)
			}
			p.Report(s.BaseWord().Range, msg)
		}
	},
})

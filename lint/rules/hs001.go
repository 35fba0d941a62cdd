package rules

import (
	"fmt"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

// interactiveCmd maps Docker Hub official images whose default command is
// an interactive shell or REPL to that command: without a terminal
// (`docker run -d`, Kubernetes, Compose) it reads EOF and exits at once.
var interactiveCmd = map[string]string{
	"ubuntu":         "bash",
	"debian":         "bash",
	"alpine":         "/bin/sh",
	"busybox":        "sh",
	"centos":         "/bin/bash",
	"fedora":         "/bin/bash",
	"rockylinux":     "/bin/bash",
	"almalinux":      "/bin/bash",
	"amazonlinux":    "/bin/bash",
	"oraclelinux":    "/bin/bash",
	"archlinux":      "/usr/bin/bash",
	"buildpack-deps": "bash",
	"golang":         "bash",
	"rust":           "bash",
	"gcc":            "bash",
	"node":           "node",
	"python":         "python3",
	"ruby":           "irb",
	"perl":           "perl -de0",
	"erlang":         "erl",
	"elixir":         "iex",
}

// isCommandless reports whether an image is known to have neither CMD nor
// ENTRYPOINT: distroless's static, base and cc images.
func isCommandless(ref dockerfile.ImageRef) bool {
	if !strings.EqualFold(ref.Registry, "gcr.io") {
		return false
	}
	for _, p := range []string{"distroless/static", "distroless/base", "distroless/cc"} {
		if ref.Repository == p || strings.HasPrefix(ref.Repository, p+"-") {
			return true
		}
	}
	return false
}

var HS001 = register(&lint.Rule{
	ID:       "HS001",
	Name:     "no-cmd-or-entrypoint",
	Severity: lint.Warning,
	Summary:  "The final stage has no CMD or ENTRYPOINT and its base gives no usable command",
	Rationale: "The final stage is the image users run. A CMD or ENTRYPOINT anywhere in it, or in an earlier " +
		"stage it is built FROM, counts. Most images built FROM an external image rightly inherit its " +
		"command (`FROM nginx:1.27` runs nginx), so the rule stays silent for them and fires only where " +
		"the missing command is a mistake for certain: the stage chain ends in `scratch` or in a " +
		"distroless static/base/cc image, which have no command at all (`docker run` fails with \"no " +
		"command specified\"); or the base's command is an interactive shell or REPL (`ubuntu` runs bash, " +
		"`python` runs python3, `node` runs node, ...) and the stage EXPOSEs a port or declares a " +
		"HEALTHCHECK, i.e. it is meant to serve: that shell reads end-of-file and exits at once under " +
		"`docker run -d` or Kubernetes. A tool image built FROM ubuntu without EXPOSE, run as " +
		"`docker run img make test`, is left alone. An unresolved base (`FROM ${BASE}` without default) " +
		"is not guessed.",
	Bad:  "FROM golang:1.26 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\n\nFROM scratch\nCOPY --from=build /out/app /app\n",
	Good: "FROM golang:1.26 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\n\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
	Run: func(p *lint.Pass) {
		s := finalStage(p.File)
		if s == nil {
			return
		}
		var serving *dockerfile.Instruction
		for _, in := range chainInstructions(s) {
			switch in.Name {
			case "cmd", "entrypoint":
				return
			case "expose":
				if serving == nil {
					serving = in
				}
			case "healthcheck":
				if serving == nil && !strings.EqualFold(strings.TrimSpace(in.Args), "none") {
					serving = in
				}
			}
		}
		root := rootStage(s)
		if root == nil {
			return
		}
		via := ""
		if root != s {
			via = fmt.Sprintf(" through stage %s", root.DisplayName())
		}
		at := s.BaseWord().Range
		if root.IsScratch() {
			p.Reportf(at, "no CMD or ENTRYPOINT in the final stage, built FROM scratch%s: the image has no command, "+
				"so `docker run` fails with \"no command specified\"; add `ENTRYPOINT [\"/path/to/binary\"]`", via)
			return
		}
		img, ok := root.Image()
		if !ok {
			return
		}
		if isCommandless(img) {
			p.Reportf(at, "no CMD or ENTRYPOINT in the final stage, built FROM %s%s, which has no command: "+
				"`docker run` fails with \"no command specified\"; add `ENTRYPOINT [\"/path/to/binary\"]`", root.Base, via)
			return
		}
		name, ok := officialImage(img)
		if !ok || serving == nil {
			return
		}
		cmd, ok := interactiveCmd[name]
		if !ok {
			return
		}
		what := strings.ToUpper(serving.Name) + " " + display(serving.Args, 30)
		p.Reportf(at, "no CMD or ENTRYPOINT in the final stage: it inherits %s's `%s`%s, an interactive command that "+
			"exits at once without a terminal, although the stage has `%s` (line %d); add `CMD [...]` that starts the service",
			name, cmd, via, what, serving.Range.Start.Line)
	},
})

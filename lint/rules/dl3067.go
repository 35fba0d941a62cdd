package rules

import (
	"path"

	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

var DL3067 = register(&lint.Rule{
	ID:       "DL3067",
	Name:     "no-copy-entire-filesystem",
	Severity: lint.Warning,
	Summary:  "Do not copy an entire filesystem from another stage",
	Rationale: "`COPY --from=build / /` copies the whole root filesystem of the other stage (its package " +
		"manager, caches, shells and /etc) over this one: the image grows, the base image's files are " +
		"overwritten, and the point of a multi-stage build is lost. Copy the artefacts you need. `/`, " +
		"`/.` and `/*` as the source count as the whole filesystem.",
	Bad:  "FROM golang:1.23 AS build\nRUN go build -o /out/app .\n\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build / /\n",
	Good: "FROM golang:1.23 AS build\nRUN go build -o /out/app .\n\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/app /app\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			c, ok := in.Typed.(*instructions.CopyCommand)
			if !ok || c.From == "" || !isRootPath(c.DestPath) {
				continue
			}
			for _, src := range c.SourcePaths {
				if s := dropQuotes(src); isRootPath(s) || s == "/*" {
					p.Reportf(in.ArgsRange(), "Do not copy an entire filesystem from another stage (COPY --from=%s %s %s): copy only the files you need", c.From, src, c.DestPath)
					break
				}
			}
		}
	},
})

func isRootPath(p string) bool {
	p = dropQuotes(p)
	return p != "" && path.Clean(p) == "/"
}

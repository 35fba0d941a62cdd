package rules

import (
	"strings"

	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

var HS013 = register(&lint.Rule{
	ID:       "HS013",
	Name:     "expose-proto-casing",
	Aliases:  []string{"ExposeProtoCasing"},
	Severity: lint.Warning,
	Summary:  "Protocol in EXPOSE instruction should be lowercase",
	Rationale: "Mirrors BuildKit's ExposeProtoCasing check. `EXPOSE 80/TCP` works (the protocol is " +
		"lower-cased into the image configuration) but is inconsistent with how every tool writes it. " +
		"As in BuildKit, ports are checked after their variables are expanded; a protocol that comes " +
		"from a variable hoist cannot resolve is not checked. hoist reports at the port word.",
	Bad:  "FROM nginx:1.27\nEXPOSE 80/TCP\n",
	Good: "FROM nginx:1.27\nEXPOSE 80/tcp\n",
	Run: func(p *lint.Pass) {
		lex := shell.NewLex(p.File.EscapeToken)
		for _, in := range p.File.Instructions {
			if in.Name != "expose" || in.Stage == nil {
				continue
			}
			sc := p.File.Scopes().Before(in)
			if sc == nil {
				continue
			}
			for _, w := range in.Words() {
				ports, err := lex.ProcessWords(w.Text, sc)
				if err != nil {
					continue
				}
				for _, port := range ports {
					num, proto, _ := strings.Cut(port, "/")
					if proto != strings.ToLower(proto) {
						p.Reportf(w.Range, "Defined protocol '%s' in EXPOSE instruction should be lowercase: write %s/%s",
							port, num, strings.ToLower(proto))
					}
				}
			}
		}
	},
})

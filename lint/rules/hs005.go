package rules

import (
	"strings"

	"github.com/hoistci/hoist/lint"
)

// splitPortSpec splits [ip:]host:container[/proto] as BuildKit's
// portSpecs.splitParts does.
func splitPortSpec(raw string) (ip, host, container string) {
	parts := strings.Split(raw, ":")
	switch n := len(parts); n {
	case 1:
		return "", "", parts[0]
	case 2:
		return "", parts[0], parts[1]
	case 3:
		return parts[0], parts[1], parts[2]
	default:
		return strings.Join(parts[:n-2], ":"), parts[n-2], parts[n-1]
	}
}

var HS005 = register(&lint.Rule{
	ID:       "HS005",
	Name:     "expose-host-port",
	Aliases:  []string{"ExposeInvalidFormat"},
	Severity: lint.Warning,
	Summary:  "EXPOSE takes container ports, not a host port mapping or an IP address",
	Rationale: "EXPOSE documents the ports the container listens on; which host port and address they are " +
		"published on is decided when the container runs (`docker run -p 8080:80`, Compose `ports:`). " +
		"BuildKit accepts `EXPOSE 80:8080` and `EXPOSE 127.0.0.1:80:80` but drops the host part with its " +
		"ExposeInvalidFormat warning (and says it will become an error), so the mapping the author meant " +
		"never happens. Like BuildKit, the rule checks each port after ARG and ENV expansion, and reports " +
		"at the offending word.",
	Bad:  "FROM nginx:1.27\nEXPOSE 80:8080\n",
	Good: "FROM nginx:1.27\nEXPOSE 8080\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			for _, in := range s.Instructions {
				if in.Name != "expose" {
					continue
				}
				env := p.File.Scopes().Before(in)
				for _, w := range in.Words() {
					val := w.Text
					if strings.Contains(val, "$") {
						val, _ = p.File.Expand(val, env)
					}
					for _, port := range strings.Fields(val) {
						ip, host, container := splitPortSpec(port)
						if ip == "" && host == "" {
							continue
						}
						shown := "`" + port + "`"
						if port != w.Text {
							shown += " (from `" + w.Text + "`)"
						}
						publish := port
						if container == "" {
							p.Reportf(w.Range, "EXPOSE takes container ports, not a host mapping: %s names no container port; "+
								"write the port the container listens on, e.g. `EXPOSE 8080`, and publish it with `docker run -p`", shown)
							continue
						}
						what := "maps host port " + host + " to container port " + container
						if ip != "" {
							what = "binds host address " + ip
							if host != "" {
								what += " port " + host
							}
							what += " to container port " + container
						}
						p.Reportf(w.Range, "EXPOSE takes container ports, not a host mapping: %s %s, which EXPOSE ignores; "+
							"write `EXPOSE %s` and publish it with `docker run -p %s`", shown, what, container, publish)
					}
				}
			}
		}
	},
})

package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3066 = register(&lint.Rule{
	ID:       "DL3066",
	Name:     "numeric-user-id",
	Severity: lint.Info,
	Summary:  "Non-numeric user-id may not be resolvable by host system",
	Rationale: "A user name means something only inside the image's /etc/passwd: the host, volume " +
		"permissions and Kubernetes' `runAsNonRoot` (which cannot verify that a name is not root) see " +
		"numbers. `USER 10001:10001` works everywhere. Only the user part counts (`USER 1000:app` is " +
		"fine). Unlike hadolint, `USER root` is not reported: root is UID 0 on every system, and a stage " +
		"that ends as root is DL3002's finding. Windows stages (nanoserver, servercore), whose users " +
		"have no numeric IDs, are skipped. A user given by a variable is checked with its ARG or ENV " +
		"default, and not guessed when it has none.",
	Bad:  "FROM alpine:3.20\nRUN adduser -D -u 10001 app\nUSER app\n",
	Good: "FROM alpine:3.20\nRUN adduser -D -u 10001 app\nUSER 10001:10001\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			if in.Name != "user" || in.Err != nil || in.Stage == nil || isWindowsStage(in.Stage) {
				continue
			}
			raw := strings.TrimSpace(in.Args)
			e := p.File.Scopes().Before(in).Expand(raw)
			if !e.Known() {
				continue
			}
			u := e.Result
			uid, _, _ := strings.Cut(u, ":")
			if uid == "" || uid == "root" || isDigits(uid) {
				continue
			}
			r := in.ArgsRange()
			if u == raw {
				r = in.Span(in.ArgsOffset+len(in.Args)-len(strings.TrimLeft(in.Args, " \t")), len(uid))
			}
			p.Reportf(r, "Non-numeric user-id may not be resolvable by host system (USER %s): use the numeric UID, e.g. USER 10001:10001, creating the user with that UID", u)
		}
	},
})

// isWindowsStage reports whether a stage is built on a Windows image
// (nanoserver, servercore, mcr.microsoft.com/windows/...), directly or
// through the stages it is built on.
func isWindowsStage(s *dockerfile.Stage) bool {
	for _, st := range s.Chain() {
		base := strings.ToLower(st.Base)
		for _, w := range []string{"windows", "nanoserver", "servercore"} {
			if strings.Contains(base, w) {
				return true
			}
		}
	}
	return false
}

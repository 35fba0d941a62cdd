package rules

import (
	"fmt"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var HS015 = register(&lint.Rule{
	ID:       "HS015",
	Name:     "undefined-var",
	Aliases:  []string{"UndefinedVar"},
	Severity: lint.Warning,
	Summary:  "Variables should be defined before their use",
	Rationale: "Mirrors BuildKit's UndefinedVar check: a variable that BuildKit expands (in ENV, LABEL, " +
		"ARG defaults, COPY/ADD sources, destinations, --chown, --chmod and unquoted heredocs, WORKDIR, " +
		"USER, VOLUME, STOPSIGNAL and RUN --mount options) with no ARG or ENV defining it in the " +
		"stage becomes an empty string. The classic case is a global ARG used in a stage without " +
		"`ARG NAME` there, or an automatic ARG such as TARGETARCH used without being declared. " +
		"Shell variables in RUN, CMD and ENTRYPOINT are the shell's business and are not checked. " +
		"BuildKit knows the base image's ENV; hoist does not pull images, so in a stage built on an " +
		"image it only reports global and automatic ARGs that were not redeclared, and names of four " +
		"characters or more within two edits of a known variable (likely typos), and never a name the " +
		"image may define (PATH, HOME, JAVA_HOME, NODE_* in a node image, ...). Stages built on " +
		"scratch, or on other stages of the file, are checked exactly as BuildKit does (ONBUILD " +
		"triggers of a base stage make its children unknown too). A close name is suggested as " +
		"BuildKit does, also among the global ARGs.",
	Bad:  "ARG VERSION=1.2.3\nFROM alpine:3.20\nCOPY app-${VERSION}.tar.gz /opt/\n",
	Good: "ARG VERSION=1.2.3\nFROM alpine:3.20\nARG VERSION\nCOPY app-${VERSION}.tar.gz /opt/\n",
	Run: func(p *lint.Pass) {
		a := bkAnalyze(p.File)
		type key struct {
			in   *dockerfile.Instruction
			name string
		}
		seen := map[key]bool{}
		for _, u := range a.undefined {
			k := key{u.in, u.name}
			if seen[k] {
				continue
			}
			seen[k] = true
			sc := u.scope
			options := sc.known()
			isGlobal := a.globalNames[u.name] && !sc.env.Has(u.name)
			match := bkSuggest(u.name, append(options, bkSortedKeys(a.globalNames)...))
			if sc.open {
				// The image's ENV is unknown: only a build ARG that was not
				// redeclared, or a likely typo of a known name, is worth a report.
				typo := match != "" && len(u.name) >= 4 && len(match) >= 4 && bkIdentStart(u.name)
				if bkImageMayDefine(u.name, sc) || (!isGlobal && !typo) {
					continue
				}
			}
			msg := fmt.Sprintf("Usage of undefined variable '$%s'", u.name)
			switch {
			case isGlobal && bkIsAutoArg(u.name) && !a.userGlobals[u.name]:
				msg += fmt.Sprintf(" (%s is an automatic build ARG: add `ARG %s` to this stage to use it)", u.name, u.name)
			case isGlobal:
				msg += fmt.Sprintf(" (%s is a global ARG: add `ARG %s` to this stage to use its value)", u.name, u.name)
			case match != "":
				msg += fmt.Sprintf(" (did you mean $%s?)", match)
			default:
				msg += ": define it with ARG or ENV before this instruction"
			}
			hi := len(u.in.Logical())
			if u.in.Name == "run" {
				hi = u.in.ArgsOffset // only the --mount options are expanded
			}
			r, _ := bkRefRange(p.File, u.in, u.name, bkKeywordEnd(u.in), hi)
			p.Report(r, msg)
		}
	},
})

// bkIdentStart reports whether name starts like an identifier (not $1 or $@).
func bkIdentStart(name string) bool {
	if name == "" {
		return false
	}
	c := name[0]
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

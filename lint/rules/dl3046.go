package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3046 = register(&lint.Rule{
	ID:       "DL3046",
	Name:     "useradd-without-l",
	Severity: lint.Warning,
	Summary:  "`useradd` without flag `-l` and high UID will result in excessively large Image",
	Rationale: "useradd records every user in /var/log/lastlog and /var/log/faillog, sparse files indexed " +
		"by UID. A UID such as 100000 or more makes them huge, and layers do not keep files sparse: " +
		"the image grows by gigabytes. `-l` (`--no-log-init`) skips those records. As hadolint, the " +
		"rule reports a useradd with a UID of 100000 or more (six digits and up) and no `-l`; unlike " +
		"hadolint it also reads the UID from an ARG or ENV in scope (`-u ${UID}`).",
	Fix:  "adds -l after useradd",
	Bad:  "FROM debian:12\nRUN useradd -u 1000001 app\n",
	Good: "FROM debian:12\nRUN useradd -l -u 1000001 app\n",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			if !c.Is("useradd") || c.HasFlag("-l", "--no-log-init") {
				return
			}
			v, w, ok := c.FlagValueWord("-u", "--uid")
			if !ok {
				return
			}
			if w.Value == v {
				// The UID is a word of its own: expand ARG/ENV values.
				if v, ok = wordValue(p, s, w); !ok {
					return
				}
			} else {
				// -u1000001 or --uid=$UID: expand the flag's word, take the value.
				full, ok := wordValue(p, s, w)
				if !ok {
					return
				}
				if _, after, has := strings.Cut(full, "="); has && strings.HasPrefix(full, "--") {
					v = after
				} else if i := strings.IndexByte(full, 'u'); i >= 0 {
					v = full[i+1:]
				}
			}
			uid, err := strconv.ParseUint(v, 10, 64)
			if err != nil || uid < 100000 {
				return
			}
			msg := fmt.Sprintf("`useradd` without flag `-l` and high UID will result in excessively large Image: UID %d "+
				"makes /var/log/lastlog and faillog huge; add `-l` (`--no-log-init`)", uid)
			var fix *lint.Fix
			if e, ok := insertOption(p, c, c.NameWord, "-l"); ok {
				fix = &lint.Fix{Description: "add -l after useradd", Edits: []lint.Edit{e}}
			}
			p.ReportFix(c.NameWord.Range, msg, fix)
		})
	},
})

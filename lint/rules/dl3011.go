package rules

import (
	"strconv"
	"strings"

	"github.com/hoistci/hoist/lint"
)

var DL3011 = register(&lint.Rule{
	ID:       "DL3011",
	Name:     "valid-port-range",
	Severity: lint.Error,
	Summary:  "Valid UNIX ports range from 0 to 65535",
	Rationale: "A port above 65535 does not exist: the build fails or the EXPOSE documents nothing. " +
		"Every EXPOSE word is checked, ranges (`8000-8010`) and protocols (`/tcp`, `/udp`) included. " +
		"Words with variables are not guessed, and words that are not port numbers at all are left to " +
		"other rules.",
	Bad:  "FROM nginx:1.27\nEXPOSE 80 443 80800\n",
	Good: "FROM nginx:1.27\nEXPOSE 80 443 8080/tcp\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			if in.Name != "expose" {
				continue
			}
			for _, w := range in.Words() {
				text := dropQuotes(w.Text)
				if strings.Contains(text, "$") {
					continue
				}
				port, _, _ := strings.Cut(text, "/")
				parts := []string{port}
				if lo, hi, isRange := strings.Cut(port, "-"); isRange {
					parts = []string{lo, hi}
				}
				bad := ""
				for _, n := range parts {
					if !isDigits(n) {
						bad = "" // not a port number: other rules' business
						break
					}
					if v, err := strconv.ParseUint(n, 10, 64); (err != nil || v > 65535) && bad == "" {
						bad = n
					}
				}
				if bad != "" {
					p.Reportf(w.Range, "Valid UNIX ports range from 0 to 65535 (%s is out of range in EXPOSE %s)", bad, w.Text)
				}
			}
		}
	},
})

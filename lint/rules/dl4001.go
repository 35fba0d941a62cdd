package rules

import (
	"fmt"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL4001 = register(&lint.Rule{
	ID:       "DL4001",
	Name:     "wget-or-curl",
	Severity: lint.Warning,
	Summary:  "Either use Wget or Curl but not both",
	Rationale: "Installing both wget and curl to download files doubles what the image carries and what " +
		"has to be kept patched; pick one. As hadolint, the rule looks at one stage at a time (stages " +
		"are separate images) and reports each RUN that uses one of them once the stage has used the " +
		"other, at the command that completes the pair; ONBUILD RUNs are counted apart from the RUNs. " +
		"It finds them behind `sudo`, in subshells and in `sh -c` strings.",
	Bad:  "FROM debian:12\nRUN wget -q https://example.com/a.tar.gz\nRUN curl -fsSLO https://example.com/b.tar.gz\n",
	Good: "FROM debian:12\nRUN curl -fsSLO https://example.com/a.tar.gz\nRUN curl -fsSLO https://example.com/b.tar.gz\n",
	Run: func(p *lint.Pass) {
		type key struct {
			stage   *dockerfile.Stage
			onbuild bool
		}
		seen := map[key]map[string]int{} // tool -> line first seen
		for _, s := range scripts(p) {
			if s.Skipped != "" {
				continue
			}
			in := s.Instruction
			k := key{in.Stage, in.Name == "onbuild"}
			if seen[k] == nil {
				seen[k] = map[string]int{}
			}
			tools := seen[k]
			for _, c := range s.Commands {
				c = c.Unwrap()
				if !c.Is("curl", "wget") {
					continue
				}
				tool, other := c.Base(), "curl"
				if tool == "curl" {
					other = "wget"
				}
				if line, ok := tools[other]; ok {
					p.Report(c.NameWord.Range, fmt.Sprintf("Either use Wget or Curl but not both: this stage already uses %s "+
						"(line %d); download with one of them", other, line))
					// One finding per RUN, as hadolint; still remember this tool.
					if _, ok := tools[tool]; !ok {
						tools[tool] = c.NameWord.Range.Start.Line
					}
					break
				}
				if _, ok := tools[tool]; !ok {
					tools[tool] = c.NameWord.Range.Start.Line
				}
			}
		}
	},
})

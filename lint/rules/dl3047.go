package rules

import (
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3047 = register(&lint.Rule{
	ID:       "DL3047",
	Name:     "wget-progress",
	Severity: lint.Info,
	Summary:  "Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`)",
	Rationale: "Without a terminal, wget's default progress display prints a line for every few kilobytes: " +
		"a large download floods the build log with thousands of lines. `--progress=dot:giga` prints one " +
		"dot per megabyte, `-nv` one line per file, `-q` nothing. As hadolint, the rule accepts any of " +
		"`--progress`, `-q`/`--quiet`, `-nv`/`--no-verbose`, `-o`/`--output-file` and " +
		"`-a`/`--append-output` (the log then goes to a file), and is silent for `wget --version` and " +
		"`wget --help`. Note that BusyBox wget (Alpine) knows `-q` but not `--progress`.",
	Bad:  "FROM debian:12\nRUN wget https://example.com/big.tar.gz\n",
	Good: "FROM debian:12\nRUN wget --progress=dot:giga https://example.com/big.tar.gz\n",
	Run: func(p *lint.Pass) {
		eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
			if !c.Is("wget") {
				return
			}
			if c.HasFlag("--progress", "-q", "--quiet", "-o", "--output-file", "-a", "--append-output", "--no-verbose",
				"--version", "-V", "--help", "-h") || c.Has("-nv") {
				return
			}
			p.Report(c.NameWord.Range, "Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. "+
				"Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`)")
		})
	},
})

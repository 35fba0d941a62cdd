package rules

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var HS021 = register(&lint.Rule{
	ID:       "HS021",
	Name:     "curl-pipe-shell",
	Severity: lint.Warning,
	Summary:  "A remote script is piped into a shell: unverified code runs at build time",
	Rationale: "`curl -fsSL https://example.com/install.sh | sh` runs whatever the server sends at that " +
		"moment, as root, with no record of what it was: a compromised or changed script, a truncated " +
		"download (the shell runs the half it got) or a hijacked DNS name all end up in the image. " +
		"Download the script to a file, check it against a checksum you recorded (`echo \"<sha256>  " +
		"install.sh\" | sha256sum -c -`), then run it; or install from a package repository with signed " +
		"metadata. The rule finds curl, and wget writing to standard output (`-O -`), piped into a " +
		"shell or interpreter that reads its program from standard input (`sh`, `bash -s --`, " +
		"`sudo -E bash -`, `python3 -`, `perl`, ...), and a download run as a program through command " +
		"or process substitution: `sh -c \"$(curl ...)\"`, `bash <(curl ...)`, `eval \"$(curl ...)\"`, " +
		"`. <(curl ...)`. Piping a download into a program that treats it as data (`| tar -xz`, " +
		"`| gpg --dearmor`, `| python3 -c '...'`, `| sh -c 'cat > file'`) is not reported.",
	Bad: "FROM debian:12\nRUN curl -fsSL https://get.example.com/install.sh | sh\n",
	Good: "FROM debian:12\nRUN curl -fsSLo /tmp/install.sh https://get.example.com/install.sh \\\n" +
		" && echo \"5f3c2d1e0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d  /tmp/install.sh\" | sha256sum -c - \\\n" +
		" && sh /tmp/install.sh\n",
	Run: func(p *lint.Pass) {
		for _, s := range scripts(p) {
			if s.Skipped != "" || s.AST == nil {
				continue
			}
			for _, pl := range topPipelines(s) {
				checkPipeline(p, pl)
			}
			for _, c := range s.Commands {
				checkSubstitution(p, s, c.Unwrap())
			}
		}
	},
})

// checkPipeline reports `download | ... | interpreter-reading-stdin`.
func checkPipeline(p *lint.Pass, pl *shellscript.Pipeline) {
	stages := make([]*shellscript.Command, len(pl.Commands))
	for i, c := range pl.Commands {
		if c != nil {
			stages[i] = c.Unwrap()
		}
	}
	for i, dl := range stages {
		if dl == nil {
			continue
		}
		url, ok := downloadsToStdout(dl)
		if !ok {
			continue
		}
		for _, run := range stages[i+1:] {
			if run == nil || !runsStdin(run) {
				continue
			}
			p.Report(run.NameWord.Range, curlShMessage(dl, run, url, "piped into"))
			return
		}
	}
}

// checkSubstitution reports `sh -c "$(curl ...)"`, `bash <(curl ...)`,
// `eval "$(curl ...)"` and `source <(curl ...)`.
func checkSubstitution(p *lint.Pass, s *shellscript.Script, c *shellscript.Command) {
	if c.Name == "" || !(isInterpreter(c) || c.Is("eval", "source", ".")) {
		return
	}
	var candidates []shellscript.Word
	switch {
	case c.Is("eval"):
		candidates = c.Args
	case c.Is("source", "."):
		if len(c.Args) > 0 {
			candidates = c.Args[:1]
		}
	default:
		progFlags := "ceEpr" // python -c, perl/ruby/node -e, node -p, php -r
		if isShellName(c.Base()) {
			progFlags = "c"
		}
		for i, a := range c.Args {
			v := a.Value
			if strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.ContainsAny(v[1:], progFlags) && i+1 < len(c.Args) {
				candidates = append(candidates, c.Args[i+1])
				break
			}
			if !strings.HasPrefix(v, "-") {
				candidates = append(candidates, a)
				break
			}
		}
	}
	for _, w := range candidates {
		if dl, url, ok := substitutedDownload(s, w); ok {
			p.Report(c.NameWord.Range, curlShMessage(dl, c, url, "run by"))
			return
		}
	}
}

// substitutedDownload reports whether a word is nothing but a command
// or process substitution whose commands download to standard output.
func substitutedDownload(s *shellscript.Script, w shellscript.Word) (*shellscript.Command, string, bool) {
	if w.Node == nil {
		return nil, "", false
	}
	parts := w.Node.Parts
	if len(parts) == 1 {
		if dq, ok := parts[0].(*syntax.DblQuoted); ok {
			parts = dq.Parts
		}
	}
	if len(parts) != 1 {
		return nil, "", false
	}
	var stmts []*syntax.Stmt
	switch x := parts[0].(type) {
	case *syntax.CmdSubst:
		stmts = x.Stmts
	case *syntax.ProcSubst:
		if x.Op != syntax.CmdIn {
			return nil, "", false
		}
		stmts = x.Stmts
	default:
		return nil, "", false
	}
	var found *shellscript.Command
	url := ""
	for _, st := range stmts {
		syntax.Walk(st, func(n syntax.Node) bool {
			call, ok := n.(*syntax.CallExpr)
			if !ok || found != nil {
				return found == nil
			}
			c, ok := s.CommandOf(call)
			if !ok {
				return true
			}
			if u, ok := downloadsToStdout(c.Unwrap()); ok {
				found, url = c.Unwrap(), u
				return false
			}
			return true
		})
	}
	return found, url, found != nil
}

// isShellName reports whether a command name is a POSIX-like shell.
func isShellName(b string) bool {
	switch b {
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "fish":
		return true
	}
	return false
}

// isInterpreter reports whether a command is a shell or a scripting
// language interpreter.
func isInterpreter(c *shellscript.Command) bool {
	b := c.Base()
	if isShellName(b) || b == "perl" || b == "ruby" || b == "node" || b == "php" {
		return true
	}
	return strings.HasPrefix(b, "python") && strings.Trim(b[len("python"):], "0123456789.") == ""
}

// runsStdin reports whether an interpreter takes its program from
// standard input: no -c/-e program and no script file, or `-` or -s.
func runsStdin(c *shellscript.Command) bool {
	if !isInterpreter(c) {
		return false
	}
	shell := isShellName(c.Base())
	for i := 0; i < len(c.Args); i++ {
		v := c.Args[i].Value
		switch {
		case v == "-":
			return true
		case v == "--":
			return i+1 >= len(c.Args)
		case strings.HasPrefix(v, "--"):
			continue // long options such as --norc
		case strings.HasPrefix(v, "-") || shell && strings.HasPrefix(v, "+"):
			letters := v[1:]
			if shell {
				if strings.Contains(letters, "c") {
					return false // sh -c 'program': the download is its data
				}
				if strings.Contains(letters, "s") {
					return true // sh -s -- args
				}
				if strings.HasSuffix(letters, "o") || strings.HasSuffix(letters, "O") {
					i++ // sh -o pipefail
				}
				continue
			}
			if strings.ContainsAny(letters, "ceEmrp") {
				return false // python -c/-m, perl -e, node -e/-p, php -r
			}
			if letters == "W" || letters == "X" {
				i++
			}
		default:
			return false // a script file
		}
	}
	return true
}

func curlShMessage(dl, run *shellscript.Command, url, how string) string {
	where := ""
	if url != "" {
		where = " " + display(url, 80)
	}
	return fmt.Sprintf("A remote script is %s a shell: `%s` runs whatever%s serves at build time, unverified; "+
		"download it to a file, verify its checksum (sha256sum -c), then run it", how, run.Base(), where)
}

// downloadsToStdout reports whether a curl or wget command writes what
// it downloads to standard output, returning the URL it fetches.
func downloadsToStdout(c *shellscript.Command) (string, bool) {
	switch {
	case c.Is("curl"):
		if c.HasFlag("-O", "--remote-name", "--remote-name-all") {
			return "", false
		}
		if v, ok := c.FlagValue("-o", "--output"); ok && v != "-" && v != "/dev/stdout" {
			return "", false
		}
	case c.Is("wget"):
		v, ok := c.FlagValue("-O", "--output-document")
		if !ok || (v != "-" && v != "/dev/stdout") {
			return "", false
		}
	default:
		return "", false
	}
	url := ""
	for _, w := range c.Positional() {
		if strings.Contains(w.Value, "://") {
			return w.Value, true
		}
		if url == "" && w.Value != "-" {
			url = w.Value
		}
	}
	return url, true
}

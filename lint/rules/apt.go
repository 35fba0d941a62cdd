package rules

// The apt-get, apt and apk command lines as the Debian and Alpine package
// rules read them (DL3008, DL3009, DL3014, DL3015, DL3018, DL3019, DL3027,
// HS020): options parsed with their values, operands with their ARG/ENV
// values expanded.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

// argument is one argument of a command as the program receives it: a
// word, or one field of a word whose ARG/ENV expansion split into several.
type argument struct {
	Value string
	Word  shellscript.Word
	// Expanded is true when Value came from expanding ARG/ENV values
	// (the word is then not a literal to edit).
	Expanded bool
}

// option is one option given: Name without dashes ("y", "yes", "o").
type option struct {
	Name     string
	Value    string
	HasValue bool
	Arg      argument
}

// parsedCommand is a package manager command with its options parsed.
type parsedCommand struct {
	C       *shellscript.Command
	Options []option
	// Pos are the operands: Pos[0] is the subcommand ("install").
	Pos []argument
	// Unknown are words whose value is not known (an ARG without value,
	// a command substitution): they may hold options or packages.
	Unknown []shellscript.Word
}

var (
	// aptGetOptions are the options of apt-get and apt that take a value
	// (apt-get(8), apt(8)).
	aptGetOptions = shellscript.NewValueFlags("-o", "-c", "-t", "-a", "-P", "--option", "--config-file", "--target-release",
		"--default-release", "--host-architecture", "--build-profiles")
	// apkOptions are apk's (apk(8), apk-add(8)).
	apkOptions = shellscript.NewValueFlags("-t", "-X", "-p", "--virtual", "--repository", "--root", "--arch", "--keys-dir",
		"--repositories-file", "--cache-dir", "--cache-max-age", "--timeout")
)

// parseCommand expands and parses the arguments of c; valueFlags are the
// options of the tool that take a value.
func parseCommand(p *lint.Pass, s *shellscript.Script, c *shellscript.Command, valueFlags shellscript.ValueFlags) *parsedCommand {
	out := &parsedCommand{C: c}
	var args []argument
	for _, w := range c.Args {
		if w.Literal {
			args = append(args, argument{Value: w.Value, Word: w})
			continue
		}
		fields, ok := wordFields(p, s, w)
		if !ok {
			out.Unknown = append(out.Unknown, w)
			continue
		}
		for _, f := range fields {
			args = append(args, argument{Value: f, Word: w, Expanded: true})
		}
	}
	rest := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case rest || v == "-" || !strings.HasPrefix(v, "-"):
			out.Pos = append(out.Pos, a)
		case v == "--":
			rest = true
		case strings.HasPrefix(v, "--"):
			name, val, has := strings.Cut(v[2:], "=")
			f := option{Name: name, Value: val, HasValue: has, Arg: a}
			if !has && valueFlags["--"+name] && i+1 < len(args) {
				i++
				f.Value, f.HasValue = args[i].Value, true
			}
			out.Options = append(out.Options, f)
		default:
			body := v[1:]
			for j := 0; j < len(body); j++ {
				f := option{Name: body[j : j+1], Arg: a}
				if j+1 < len(body) && body[j+1] == '=' {
					f.Value, f.HasValue = body[j+2:], true
					out.Options = append(out.Options, f)
					break
				}
				if valueFlags["-"+body[j:j+1]] {
					if j+1 < len(body) {
						f.Value, f.HasValue = body[j+1:], true
					} else if i+1 < len(args) {
						i++
						f.Value, f.HasValue = args[i].Value, true
					}
					out.Options = append(out.Options, f)
					break
				}
				out.Options = append(out.Options, f)
			}
		}
	}
	return out
}

// Sub is the subcommand ("install"), "" when there is none.
func (a *parsedCommand) Sub() string {
	if len(a.Pos) == 0 {
		return ""
	}
	return a.Pos[0].Value
}

// Has reports whether one of the options is given.
func (a *parsedCommand) Has(names ...string) bool {
	for _, f := range a.Options {
		if slices.Contains(names, f.Name) {
			return true
		}
	}
	return false
}

// Configs are the values of -o/--option.
func (a *parsedCommand) Configs() []string {
	var out []string
	for _, f := range a.Options {
		if (f.Name == "o" || f.Name == "option") && f.HasValue {
			out = append(out, f.Value)
		}
	}
	return out
}

// Operands are the arguments after the subcommand.
func (a *parsedCommand) Operands() []argument {
	if len(a.Pos) < 2 {
		return nil
	}
	return a.Pos[1:]
}

// Range spans the command word to the subcommand ("apt-get -y install").
func (a *parsedCommand) Range() dockerfile.Range {
	r := a.C.NameWord.Range
	if len(a.Pos) > 0 && !a.Pos[0].Word.Range.End.Before(r.End) {
		r.End = a.Pos[0].Word.Range.End
	}
	return r
}

// SubWord is the literal subcommand word, for edits after it.
func (a *parsedCommand) SubWord() (shellscript.Word, bool) {
	if len(a.Pos) == 0 || a.Pos[0].Expanded || !a.Pos[0].Word.Literal {
		return shellscript.Word{}, false
	}
	return a.Pos[0].Word, true
}

// Simulates reports whether the command only simulates (-s, --dry-run).
func (a *parsedCommand) Simulates() bool {
	return a.Has("s", "simulate", "just-print", "dry-run", "recon", "no-act")
}

// optionFix is the fix that inserts option right after the subcommand
// word ("install"), nil when that is not a literal word to edit.
func (a *parsedCommand) optionFix(p *lint.Pass, option string) *lint.Fix {
	w, ok := a.SubWord()
	if !ok {
		return nil
	}
	return optionFix(p, a.C, w, option)
}

// reportUnpinned reports the operands that pinned does not accept: once,
// at the first of them, with msg made from the list of them all.
func (a *parsedCommand) reportUnpinned(p *lint.Pass, pinned func(string) bool, msg func(list string) string) {
	var names []string
	var first *argument
	ops := a.Operands()
	for i, op := range ops {
		if pinned(op.Value) {
			continue
		}
		if first == nil {
			first = &ops[i]
		}
		names = append(names, op.Value)
	}
	if first == nil {
		return
	}
	m := msg(joinNames(names, 5))
	if first.Expanded {
		m += fmt.Sprintf(" (from %s)", first.Word.Raw)
	}
	p.Report(first.Word.Range, m)
}

// aptTool is "apt-get" or "apt" for those commands, "" otherwise.
func aptTool(c *shellscript.Command) string {
	switch {
	case c.Is("apt-get"):
		return "apt-get"
	case c.Is("apt"):
		return "apt"
	}
	return ""
}

// aptCommands calls fn for every apt-get and apt command of analysable scripts.
func aptCommands(p *lint.Pass, fn func(s *shellscript.Script, a *parsedCommand)) {
	eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
		if aptTool(c) != "" {
			fn(s, parseCommand(p, s, c, aptGetOptions))
		}
	})
}

// aptInstalls calls fn for every `apt-get install` and `apt install` that
// is not a simulation.
func aptInstalls(p *lint.Pass, fn func(s *shellscript.Script, a *parsedCommand)) {
	aptCommands(p, func(s *shellscript.Script, a *parsedCommand) {
		if a.Sub() == "install" && !a.Simulates() {
			fn(s, a)
		}
	})
}

// apkAdds calls fn for every `apk add`.
func apkAdds(p *lint.Pass, fn func(s *shellscript.Script, a *parsedCommand)) {
	eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
		if !c.Is("apk") {
			return
		}
		if a := parseCommand(p, s, c, apkOptions); a.Sub() == "add" {
			fn(s, a)
		}
	})
}

// aptConfigured reports whether a RUN before s (in its stage or the
// stages it is built on) writes an APT configuration that re matches
// (echo 'APT::Install-Recommends "0";' > ...).
func aptConfigured(p *lint.Pass, s *shellscript.Script, re *regexp.Regexp) bool {
	in := s.Instruction
	if in.Stage == nil {
		return false
	}
	// Matching every earlier RUN again for each install made a file of
	// many installs quadratic (minutes for a few MB): each stage's first
	// matching RUN is found once per file and pattern instead.
	first := p.Shared(aptConfKey{re}, func() any {
		m := map[*dockerfile.Stage]int{}
		for i, x := range scripts(p) {
			st := x.Instruction.Stage
			if _, seen := m[st]; st != nil && !seen && re.MatchString(x.Source) {
				m[st] = i
			}
		}
		return m
	}).(map[*dockerfile.Stage]int)
	if len(first) == 0 {
		return false
	}
	pos := p.Shared(scriptPosKey{}, func() any {
		m := map[*shellscript.Script]int{}
		for i, x := range scripts(p) {
			m[x] = i
		}
		return m
	}).(map[*shellscript.Script]int)
	at, ok := pos[s]
	if !ok {
		at = len(scripts(p)) // not a script of the file: every RUN is before it
	}
	for _, st := range in.Stage.Chain() {
		if i, ok := first[st]; ok && i < at {
			return true
		}
	}
	return false
}

type (
	aptConfKey   struct{ re *regexp.Regexp }
	scriptPosKey struct{}
)

// fedByYes reports whether c reads the output of `yes` (`yes | apt-get
// install x`): an earlier stage of its pipeline is yes.
func fedByYes(c *shellscript.Command) bool {
	pl := c.Pipeline
	if pl == nil {
		return false
	}
	for _, x := range pl.Commands[:c.PipeStage] {
		if x != nil && x.Unwrap().Is("yes") {
			return true
		}
	}
	return false
}

// aptUpdates reports whether a command refreshes the apt package lists:
// `apt-get update`, `apt update`, `aptitude update`, or an install or
// upgrade with apt 3's --update option.
func aptUpdates(p *lint.Pass, s *shellscript.Script, c *shellscript.Command) (*parsedCommand, bool) {
	if aptTool(c) == "" && !c.Is("aptitude") {
		return nil, false
	}
	a := parseCommand(p, s, c, aptGetOptions)
	switch a.Sub() {
	case "update":
		return a, true
	case "install", "upgrade", "dist-upgrade", "full-upgrade":
		return a, aptTool(c) != "" && a.Has("update")
	}
	return a, false
}

// aptInstallSub finds the first apt-get/apt command of the list that
// installs or upgrades packages (one of subs).
func aptInstallSub(p *lint.Pass, s *shellscript.Script, subs ...string) *shellscript.Command {
	for _, c := range s.Commands {
		c = c.Unwrap()
		if aptTool(c) != "" && slices.Contains(subs, parseCommand(p, s, c, aptGetOptions).Sub()) {
			return c
		}
	}
	return nil
}

// aptListsDir is where apt keeps the package lists.
const aptListsDir = "/var/lib/apt/lists"

// aptCleansLists reports whether c deletes the apt lists: rm of
// /var/lib/apt/lists (or its content), find /var/lib/apt/lists ... -delete,
// or apt 2.9's `apt-get dist-clean`.
func aptCleansLists(p *lint.Pass, s *shellscript.Script, c *shellscript.Command) bool {
	switch {
	case aptTool(c) != "":
		sub := parseCommand(p, s, c, aptGetOptions).Sub()
		return sub == "dist-clean" || sub == "distclean"
	case c.Is("rm"), c.Is("find"):
		hit, del := false, c.Is("rm")
		for _, w := range c.Args {
			v, ok := wordValue(p, s, w)
			if !ok {
				continue
			}
			for _, f := range strings.Fields(v) {
				f = strings.TrimRight(f, "/")
				if f == aptListsDir || f == "/var/lib/apt" || strings.HasPrefix(f, aptListsDir+"/") {
					hit = true
				}
				if f == "-delete" || f == "-exec" {
					del = true
				}
			}
		}
		return hit && del
	}
	return false
}

// usesApt reports whether a command runs an apt tool (one that may need
// the package lists).
func usesApt(c *shellscript.Command) bool {
	return aptTool(c) != "" || c.Is("apt-cache", "aptitude", "apt-file", "add-apt-repository")
}

// listsInertNames are commands that neither install packages nor need
// the apt lists.
var listsInertNames = map[string]bool{
	"echo": true, "printf": true, "rm": true, "mkdir": true, "cp": true, "mv": true, "ln": true,
	"touch": true, "chmod": true, "chown": true, "cat": true, "tee": true, "sed": true, "set": true,
	"true": true, "false": true, ":": true, "export": true, "unset": true, "cd": true, "test": true,
	"[": true, "sleep": true, "gpg": true, "gpgconf": true, "apt-key": true, "curl": true,
	"wget": true, "add-apt-repository": true, "dpkg": true, "debconf-set-selections": true,
	"locale-gen": true, "update-locale": true, "ls": true, "grep": true, "find": true, "mktemp": true,
	"umask": true, "which": true, "update-ca-certificates": true, "apt-mark": true, "useradd": true,
	"groupadd": true, "usermod": true, "tar": true, "gzip": true, "unzip": true, "ldconfig": true,
	"update-alternatives": true, "dpkg-reconfigure": true, "lsb_release": true, "uname": true,
}

// listsInert reports whether c is harmless where the apt lists are
// missing: a command of listsInertNames, or `apt-get clean`, `autoclean`,
// `distclean`, `update`.
func listsInert(c *shellscript.Command) bool {
	if c.Name == "" {
		return false
	}
	if aptTool(c) != "" {
		switch c.Subcommand() {
		case "clean", "autoclean", "dist-clean", "distclean", "update":
			return true
		}
		return false
	}
	return listsInertNames[c.Base()]
}

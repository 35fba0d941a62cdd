package rules

// Shared helpers of the Debian/Alpine package manager rules (DL3008, DL3009,
// DL3014, DL3015, DL3018, DL3019, DL3027, HS020). Every private identifier
// here starts with "apt".

import (
	"regexp"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

// aptArg is one argument of a command as the program receives it: a word,
// or one field of a word whose ARG/ENV expansion split into several.
type aptArg struct {
	Value string
	Word  shellscript.Word
	// Expanded is true when Value came from expanding ARG/ENV values
	// (the word is then not a literal to edit).
	Expanded bool
}

// aptFlag is one option: Name without dashes ("y", "yes", "o").
type aptFlag struct {
	Name     string
	Value    string
	HasValue bool
	Arg      aptArg
}

// aptCmd is a package manager command with its options parsed.
type aptCmd struct {
	C     *shellscript.Command
	Flags []aptFlag
	// Pos are the operands: Pos[0] is the subcommand ("install").
	Pos []aptArg
	// Unknown are words whose value is not known (an ARG without value,
	// a command substitution): they may hold options or packages.
	Unknown []shellscript.Word
}

// aptSyntax says which options of a tool take a value.
type aptSyntax struct {
	short string   // short options with a value
	long  []string // long options with a value
}

var (
	// aptGetSyntax is apt-get's and apt's (apt-get(8), apt(8)).
	aptGetSyntax = aptSyntax{short: "octaP", long: []string{"option", "config-file", "target-release", "default-release", "host-architecture", "build-profiles"}}
	// aptApkSyntax is apk's (apk(8), apk-add(8)).
	aptApkSyntax = aptSyntax{short: "tXp", long: []string{"virtual", "repository", "root", "arch", "keys-dir", "repositories-file", "cache-dir", "cache-max-age", "timeout"}}
)

// aptParse expands and parses the arguments of c.
func aptParse(p *lint.Pass, s *shellscript.Script, c *shellscript.Command, sx aptSyntax) *aptCmd {
	out := &aptCmd{C: c}
	var args []aptArg
	for _, w := range c.Args {
		if w.Literal {
			args = append(args, aptArg{Value: w.Value, Word: w})
			continue
		}
		v, ok := aptWordValue(p, s, w)
		if !ok {
			out.Unknown = append(out.Unknown, w)
			continue
		}
		for _, f := range strings.Fields(v) {
			args = append(args, aptArg{Value: f, Word: w, Expanded: true})
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
			f := aptFlag{Name: name, Value: val, HasValue: has, Arg: a}
			if !has && aptContains(sx.long, name) && i+1 < len(args) {
				i++
				f.Value, f.HasValue = args[i].Value, true
			}
			out.Flags = append(out.Flags, f)
		default:
			body := v[1:]
			for j := 0; j < len(body); j++ {
				f := aptFlag{Name: body[j : j+1], Arg: a}
				if j+1 < len(body) && body[j+1] == '=' {
					f.Value, f.HasValue = body[j+2:], true
					out.Flags = append(out.Flags, f)
					break
				}
				if strings.IndexByte(sx.short, body[j]) >= 0 {
					if j+1 < len(body) {
						f.Value, f.HasValue = body[j+1:], true
					} else if i+1 < len(args) {
						i++
						f.Value, f.HasValue = args[i].Value, true
					}
					out.Flags = append(out.Flags, f)
					break
				}
				out.Flags = append(out.Flags, f)
			}
		}
	}
	return out
}

// aptWordValue is wordValue for words whose only expansions are ARG/ENV
// parameters: a command substitution, arithmetic or process substitution
// is unknown (the shell runs it, the Dockerfile does not tell its output).
func aptWordValue(p *lint.Pass, s *shellscript.Script, w shellscript.Word) (string, bool) {
	if w.Node != nil {
		dynamic := false
		syntax.Walk(w.Node, func(n syntax.Node) bool {
			switch x := n.(type) {
			case *syntax.CmdSubst, *syntax.ArithmExp, *syntax.ProcSubst, *syntax.ExtGlob:
				dynamic = true
			case *syntax.ParamExp:
				// ${#x}, ${x[@]}, ${x:1:2}, ${x/a/b}, ${!x}: shell-side values.
				dynamic = x.Length || x.Width || x.Excl || x.Index != nil || x.Slice != nil || x.Repl != nil || x.Names != 0
			}
			return !dynamic
		})
		if dynamic {
			return "", false
		}
	} else if strings.Contains(w.Raw, "$(") || strings.Contains(w.Raw, "`") {
		return "", false
	}
	return wordValue(p, s, w)
}

func aptContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Sub is the subcommand ("install"), "" when there is none.
func (a *aptCmd) Sub() string {
	if len(a.Pos) == 0 {
		return ""
	}
	return a.Pos[0].Value
}

// Has reports whether one of the options is given.
func (a *aptCmd) Has(names ...string) bool {
	for _, f := range a.Flags {
		if aptContains(names, f.Name) {
			return true
		}
	}
	return false
}

// Options are the values of -o/--option.
func (a *aptCmd) Options() []string {
	var out []string
	for _, f := range a.Flags {
		if (f.Name == "o" || f.Name == "option") && f.HasValue {
			out = append(out, f.Value)
		}
	}
	return out
}

// Operands are the arguments after the subcommand.
func (a *aptCmd) Operands() []aptArg {
	if len(a.Pos) < 2 {
		return nil
	}
	return a.Pos[1:]
}

// Range spans the command word to the subcommand ("apt-get -y install").
func (a *aptCmd) Range() dockerfile.Range {
	r := a.C.NameWord.Range
	if len(a.Pos) > 0 && !a.Pos[0].Word.Range.End.Before(r.End) {
		r.End = a.Pos[0].Word.Range.End
	}
	return r
}

// SubWord is the literal subcommand word, for edits after it.
func (a *aptCmd) SubWord() (shellscript.Word, bool) {
	if len(a.Pos) == 0 || a.Pos[0].Expanded || !a.Pos[0].Word.Literal {
		return shellscript.Word{}, false
	}
	return a.Pos[0].Word, true
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
func aptCommands(p *lint.Pass, fn func(s *shellscript.Script, a *aptCmd)) {
	eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
		if aptTool(c) != "" {
			fn(s, aptParse(p, s, c, aptGetSyntax))
		}
	})
}

// Simulates reports whether the command only simulates (-s, --dry-run).
func (a *aptCmd) Simulates() bool {
	return a.Has("s", "simulate", "just-print", "dry-run", "recon", "no-act")
}

// aptInstalls calls fn for every `apt-get install` and `apt install` that
// is not a simulation.
func aptInstalls(p *lint.Pass, fn func(s *shellscript.Script, a *aptCmd)) {
	aptCommands(p, func(s *shellscript.Script, a *aptCmd) {
		if a.Sub() == "install" && !a.Simulates() {
			fn(s, a)
		}
	})
}

// aptApkAdds calls fn for every `apk add`.
func aptApkAdds(p *lint.Pass, fn func(s *shellscript.Script, a *aptCmd)) {
	eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
		if !c.Is("apk") {
			return
		}
		if a := aptParse(p, s, c, aptApkSyntax); a.Sub() == "add" {
			fn(s, a)
		}
	})
}

// aptCanEdit reports whether edits inside c's words are safe: not an
// exec-form RUN (JSON), not inside an `sh -c` string.
func aptCanEdit(s *shellscript.Script, c *shellscript.Command) bool {
	return !s.Exec && !c.Nested && s.Skipped == "" && s.Err == nil
}

// aptInsertFix inserts text right after the subcommand word ("install"),
// or returns nil when that is not a literal word that can be edited.
func aptInsertFix(s *shellscript.Script, a *aptCmd, desc, text string) *lint.Fix {
	w, ok := a.SubWord()
	if !ok || !aptCanEdit(s, a.C) {
		return nil
	}
	return &lint.Fix{Description: desc, Edits: []lint.Edit{lint.Insert(afterWord(w), text)}}
}

// aptConfigured reports whether a RUN before in (in its stage or the stages
// it is built on), or in's own script before offset limit, writes an APT
// configuration that re matches (echo 'APT::Install-Recommends "0";' > ...).
func aptConfigured(p *lint.Pass, s *shellscript.Script, re *regexp.Regexp) bool {
	in := s.Instruction
	chain := map[*dockerfile.Stage]bool{}
	if in.Stage != nil {
		for _, st := range in.Stage.Chain() {
			chain[st] = true
		}
	}
	for _, x := range scripts(p) {
		if x == s {
			break
		}
		if x.Instruction.Stage != nil && chain[x.Instruction.Stage] && re.MatchString(x.Source) {
			return true
		}
	}
	return false
}

// aptInPipelineWithYes reports whether c is fed by `yes |`.
func aptInPipelineWithYes(s *shellscript.Script, c *shellscript.Command) bool {
	if !c.InPipeline {
		return false
	}
	for _, x := range s.Commands {
		if x.InPipeline && x.Is("yes") && x.Range.End.Before(c.Range.Start) {
			return true
		}
	}
	return false
}

// aptJoin lists names for a message, at most max of them.
func aptJoin(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + " and " + strconv.Itoa(len(names)-max) + " more"
}

// aptCacheMounted reports whether the RUN has a cache or tmpfs mount on
// one of dirs or a directory that contains one of them.
func aptCacheMounted(s *shellscript.Script, dirs ...string) bool {
	for _, m := range s.Mounts {
		if m.Type != "cache" && m.Type != "tmpfs" {
			continue
		}
		t := strings.TrimRight(m.Target, "/")
		if t == "" {
			continue
		}
		for _, d := range dirs {
			if d == t || strings.HasPrefix(d, t+"/") || strings.HasPrefix(t, d+"/") {
				return true
			}
		}
	}
	return false
}

// aptUpdates reports whether a command refreshes the apt package lists:
// `apt-get update`, `apt update`, `aptitude update`, or an install or
// upgrade with apt 3's --update option.
func aptUpdates(p *lint.Pass, s *shellscript.Script, c *shellscript.Command) (*aptCmd, bool) {
	if aptTool(c) == "" && !c.Is("aptitude") {
		return nil, false
	}
	a := aptParse(p, s, c, aptGetSyntax)
	switch a.Sub() {
	case "update":
		return a, true
	case "install", "upgrade", "dist-upgrade", "full-upgrade":
		return a, aptTool(c) != "" && a.Has("update")
	}
	return a, false
}

// aptListsDir is where apt keeps the package lists.
const aptListsDir = "/var/lib/apt/lists"

// aptCleansLists reports whether c deletes the apt lists: rm of
// /var/lib/apt/lists (or its content), find /var/lib/apt/lists ... -delete,
// or apt 2.9's `apt-get dist-clean`.
func aptCleansLists(p *lint.Pass, s *shellscript.Script, c *shellscript.Command) bool {
	switch {
	case aptTool(c) != "":
		sub := aptParse(p, s, c, aptGetSyntax).Sub()
		return sub == "dist-clean" || sub == "distclean"
	case c.Is("rm"), c.Is("find"):
		hit, del := false, c.Is("rm")
		for _, w := range c.Args {
			v, ok := aptWordValue(p, s, w)
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

// aptStageInImage reports whether a stage's layers end up in the default
// target's image: it is the last stage or one the last stage is built on.
func aptStageInImage(f *dockerfile.File, st *dockerfile.Stage) bool {
	if st == nil || len(f.Stages) == 0 {
		return false
	}
	for _, x := range f.Stages[len(f.Stages)-1].Chain() {
		if x == st {
			return true
		}
	}
	return false
}

// aptUsesApt reports whether a command runs an apt tool (one that may
// need the package lists).
func aptUsesApt(c *shellscript.Command) bool {
	return aptTool(c) != "" || c.Is("apt-cache", "aptitude", "apt-file", "add-apt-repository")
}

// aptAppendFix builds the edit that appends `&& rm -rf /var/lib/apt/lists/*`
// to the and-list of the script's last apt command: that command must be
// part of a top-level statement made only of commands joined by `&&`, and
// everything after that statement must be harmless without the lists
// (aptInert). It follows the RUN's continuation style; nil when unsure.
func aptAppendFix(p *lint.Pass, s *shellscript.Script) *lint.Fix {
	const rm = "rm -rf /var/lib/apt/lists/*"
	in := s.Instruction
	var c *shellscript.Command
	for _, x := range s.Commands {
		if aptUsesApt(x.Unwrap()) {
			c = x
		}
	}
	if c == nil || !aptCanEdit(s, c) || s.AST == nil || c.Call == nil || len(in.Heredocs) > 0 {
		return nil
	}
	var top *syntax.Stmt
	for _, st := range s.AST.Stmts {
		if st.Pos().Offset() <= c.Call.Pos().Offset() && c.Call.End().Offset() <= st.End().Offset() {
			top = st
			break
		}
	}
	if top == nil {
		return nil
	}
	leaves, ok := aptAndLeaves(top)
	if !ok {
		return nil
	}
	direct := false
	for _, l := range leaves {
		if l.Cmd == syntax.Command(c.Call) {
			direct = true
		}
	}
	if !direct {
		return nil
	}
	last := leaves[len(leaves)-1]
	end := int(last.Cmd.End().Offset())
	for _, r := range last.Redirs {
		if e := int(r.End().Offset()); e > end {
			end = e
		}
	}
	if end > len(s.Source) || end <= int(last.Pos().Offset()) {
		return nil
	}
	pos := s.Span(int(last.Pos().Offset()), end).End
	if pos.Line < 1 || pos.Line > len(p.File.Lines) {
		return nil
	}
	for _, x := range s.Commands {
		if !x.Range.Start.Before(pos) && !aptInert(x.Unwrap()) {
			return nil
		}
	}
	esc := string(p.File.EscapeToken)
	if esc == "\x00" {
		esc = `\`
	}
	rest := strings.TrimSpace(aptFromColumn(p.File.Lines[pos.Line-1], pos.Column))
	fix := &lint.Fix{Description: "delete the apt lists after the install: && " + rm}
	multi := in.Range.Start.Line != in.Range.End.Line
	if !multi || (rest != "" && rest != esc) {
		fix.Edits = []lint.Edit{lint.Insert(pos, " && "+rm)}
		return fix
	}
	nl := "\n"
	if strings.HasSuffix(p.File.Lines[pos.Line-1], "\r") || strings.Contains(string(p.File.Source), "\r\n") {
		nl = "\r\n"
	}
	trailing, indent := aptContinuationStyle(p.File, in, esc, c.NameWord.Range.Start.Line)
	if trailing {
		fix.Edits = []lint.Edit{lint.Insert(pos, " && "+esc+nl+indent+rm)}
	} else {
		fix.Edits = []lint.Edit{lint.Insert(pos, " "+esc+nl+indent+"&& "+rm)}
	}
	return fix
}

// aptAndLeaves returns the statements of an and-list (a && b && c), or
// false when the statement is anything else than plain commands joined by &&.
func aptAndLeaves(st *syntax.Stmt) ([]*syntax.Stmt, bool) {
	if st.Negated || st.Background || st.Coprocess || st.Disown {
		return nil, false
	}
	if b, ok := st.Cmd.(*syntax.BinaryCmd); ok {
		if b.Op != syntax.AndStmt || len(st.Redirs) > 0 {
			return nil, false
		}
		l, ok1 := aptAndLeaves(b.X)
		r, ok2 := aptAndLeaves(b.Y)
		return append(l, r...), ok1 && ok2
	}
	if st.Cmd == nil {
		return nil, false
	}
	return []*syntax.Stmt{st}, true
}

// aptFromColumn is the text of line from a 1-based code-point column.
func aptFromColumn(line string, col int) string {
	n := 1
	for i := range line {
		if n == col {
			return line[i:]
		}
		n++
	}
	return ""
}

// aptContinuationStyle reads how a multi-line RUN continues its lines:
// trailing is true for `cmd && \` + `    next`, false for `cmd \` +
// `    && next`; indent is the indentation of the line where the command
// at line cmdLine starts (when that is a continuation line), else of the
// continuation lines, else four spaces.
func aptContinuationStyle(f *dockerfile.File, in *dockerfile.Instruction, esc string, cmdLine int) (trailing bool, indent string) {
	lead, trail := 0, 0
	var lines []int // continuation lines of the RUN, comments and blanks skipped
	for l := in.Range.Start.Line; l <= in.Range.End.Line && l <= len(f.Lines); l++ {
		t := strings.TrimSpace(f.Lines[l-1])
		if l > in.Range.Start.Line && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		if l > in.Range.Start.Line {
			lines = append(lines, l)
			if strings.HasPrefix(t, "&&") {
				lead++
			}
		}
		if body, ok := strings.CutSuffix(t, esc); ok && strings.HasSuffix(strings.TrimSpace(body), "&&") {
			trail++
		}
	}
	trailing = trail > lead
	indentOf := func(l int) string {
		s := f.Lines[l-1]
		return s[:len(s)-len(strings.TrimLeft(s, " \t"))]
	}
	if cmdLine > in.Range.Start.Line && cmdLine <= len(f.Lines) {
		if ind := indentOf(cmdLine); ind != "" {
			return trailing, ind
		}
	}
	for _, l := range lines {
		t := strings.TrimSpace(f.Lines[l-1])
		if trailing || strings.HasPrefix(t, "&&") {
			if ind := indentOf(l); ind != "" {
				return trailing, ind
			}
		}
	}
	return trailing, "    "
}

// aptInertNames are commands that neither install packages nor need the
// apt lists.
var aptInertNames = map[string]bool{
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

// aptInert reports whether c is harmless where the apt lists are missing:
// a command of aptInertNames, or `apt-get clean`, `autoclean`, `distclean`,
// `update`.
func aptInert(c *shellscript.Command) bool {
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
	return aptInertNames[c.Base()]
}

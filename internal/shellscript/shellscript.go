// Package shellscript reads the scripts of RUN instructions as shell
// programs (mvdan.cc/sh's parser): commands with their words and flags,
// pipelines, and-or chains, subshells and `sh -c` strings, every word with
// its real position in the Dockerfile. Lint rules inspect RUN through it.
package shellscript

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// Script is the shell program of one RUN (or ONBUILD RUN, or heredoc body).
type Script struct {
	// Instruction is the RUN (or ONBUILD) it comes from.
	Instruction *dockerfile.Instruction
	// Source is the script text the shell runs.
	Source string
	// AST is the parsed program; nil when Err or Skipped is set.
	AST *syntax.File
	// Commands are the simple commands in source order, those of nested
	// `sh -c` strings included (Nested set).
	Commands []*Command
	// Shell is the effective SHELL (["/bin/sh", "-c"] unless changed).
	Shell []string
	// Exec is true for an exec-form RUN (["apt-get", "install", ...]): its
	// one command is in Commands, there is no AST.
	Exec bool
	// Skipped says why the script is not analysed as a POSIX shell script
	// (a non-POSIX SHELL such as pwsh or cmd, a heredoc with another
	// interpreter's shebang); "" when it is.
	Skipped string
	// Err is the shell parse error, when the script is not valid shell.
	Err error
	// Mounts are the RUN --mount flags.
	Mounts []Mount
	// Pipelines are the script's pipelines in source order, those of
	// nested `sh -c` strings included (Nested set); a pipeline inside a
	// stage of another is one of its own.
	Pipelines []*Pipeline

	src    *sourceMap
	byCall map[*syntax.CallExpr]*Command
}

// Mount is one RUN --mount flag.
type Mount struct {
	Type   string // bind (default), cache, tmpfs, secret, ssh
	Target string
	Opts   map[string]string
	Range  dockerfile.Range
}

// Command is one simple command.
type Command struct {
	Script *Script
	// Call is the command's AST node (nil for exec form).
	Call *syntax.CallExpr
	// Stmt is the statement whose command Call is (nil for exec form).
	Stmt *syntax.Stmt
	// Name is the command word (quotes removed); "" when it is not literal.
	Name string
	// NameWord is the command word.
	NameWord Word
	// Args are the words after the command word.
	Args []Word
	// Assigns are NAME=value prefixes as written.
	Assigns []string
	// InPipeline is true when the command runs in a `|` pipeline: as one
	// of its sides, inside a subshell or block that is one, or in a
	// substitution within one.
	InPipeline bool
	// Pipeline is the innermost pipeline the command runs in, and
	// PipeStage the index of the pipeline's stage that holds it (the
	// command itself, or the subshell or block it is in); nil when it runs
	// in none.
	Pipeline  *Pipeline
	PipeStage int
	// AndOr is the && / || list the command (or the pipeline it is a
	// stage of) belongs to; nil for exec form.
	AndOr *AndOr
	// Subshell is true when the command runs in a subshell of the RUN's
	// shell: inside ( ... ), $( ... ), `...` or <( ... ), or in an
	// `sh -c` string (a shell of its own). A cd there does not outlive it.
	Subshell bool
	// Nested is true for commands of an `sh -c "..."` string.
	Nested bool
	// RunsNested is true for `sh -c STRING` (through wrappers too: `sudo
	// sh -c`) whose STRING was parsed: its commands follow this one in
	// Script.Commands, with Nested set.
	RunsNested bool
	Range      dockerfile.Range
}

// Pipeline is one `a | b | c` pipeline.
type Pipeline struct {
	// Commands are the stages in order; a stage that is not a simple
	// command (a subshell, a block, a loop) is nil.
	Commands []*Command
	// Stmts are the statements of the stages, in the same order.
	Stmts []*syntax.Stmt
	// Ops are the `|` (or `|&`) operators: Ops[i] joins stages i and i+1.
	Ops []Operator
	// Nested is true for a pipeline of an `sh -c` string.
	Nested bool
}

// Operator is one operator of a pipeline.
type Operator struct {
	Op syntax.BinCmdOperator
	// Offset is where it starts in Script.Source.
	Offset int
	Range  dockerfile.Range
}

// AndOr is a list of pipelines joined by && and || (`a && b || c`); a
// statement without those operators is a list of one.
type AndOr struct {
	// Stmt is the whole list.
	Stmt *syntax.Stmt
	// Parts are the statements joined, in order; Ops[i] (syntax.AndStmt
	// or syntax.OrStmt) joins Parts[i] and Parts[i+1].
	Parts []*syntax.Stmt
	Ops   []syntax.BinCmdOperator
	// TopLevel is true when Stmt is a statement of the script itself:
	// not inside a block, subshell, substitution, loop, condition or
	// `sh -c` string.
	TopLevel bool
}

// Word is one shell word.
type Word struct {
	// Value is the word with quotes removed when Literal; the source text otherwise.
	Value string
	// Literal is true when the word has no expansions ($VAR, $(...), globs are literal).
	Literal bool
	// Raw is the word as written (in an `sh -c` string: as the inner
	// shell reads it, which differs from the Dockerfile's text where the
	// string has escapes before it; Range may then be off).
	Raw   string
	Range dockerfile.Range
	Node  *syntax.Word
}

// Position maps a byte offset of Source to the Dockerfile.
func (s *Script) Position(off int) dockerfile.Position { return s.src.pos(off) }

// Span maps a byte range of Source to the Dockerfile.
func (s *Script) Span(start, end int) dockerfile.Range {
	if end <= start {
		p := s.src.pos(start)
		return dockerfile.Range{Start: p, End: p}
	}
	last := s.src.pos(end - 1)
	return dockerfile.Range{Start: s.src.pos(start), End: dockerfile.Position{Line: last.Line, Column: last.Column + 1}}
}

// NodeRange is the Dockerfile range of an AST node of this script.
func (s *Script) NodeRange(n syntax.Node) dockerfile.Range {
	return s.Span(int(n.Pos().Offset()), int(n.End().Offset()))
}

// CacheMount returns the first cache or tmpfs mount (the mounts whose
// files stay out of the layer) on one of dirs, on a directory above one of
// them or on one inside one of them. A mount on / or on a relative target
// matches nothing.
func (s *Script) CacheMount(dirs ...string) (Mount, bool) {
	for _, m := range s.Mounts {
		if m.Type != "cache" && m.Type != "tmpfs" {
			continue
		}
		t := CleanDir(m.Target)
		if !strings.HasPrefix(t, "/") || t == "/" {
			continue
		}
		for _, d := range dirs {
			d = CleanDir(d)
			if d == t || strings.HasPrefix(d, t+"/") || strings.HasPrefix(t, d+"/") {
				return m, true
			}
		}
	}
	return Mount{}, false
}

// CleanDir is a path naming a directory (a mount target, an rm operand)
// as the directory: trailing "/" and "/*" removed, cleaned; "" is "/".
func CleanDir(p string) string {
	for {
		n := strings.TrimSuffix(strings.TrimSuffix(p, "*"), "/")
		if n == p {
			break
		}
		p = n
	}
	if p == "" {
		return "/"
	}
	return path.Clean(p)
}

// CommandOf returns the command of a call of the script's ASTs (those of
// nested `sh -c` strings included).
func (s *Script) CommandOf(call *syntax.CallExpr) (*Command, bool) {
	c, ok := s.byCall[call]
	return c, ok
}

// IsSubshell reports whether an AST node runs its commands in a subshell:
// ( ... ), $( ... ) or `...`, <( ... ) and >( ... ).
func IsSubshell(n syntax.Node) bool {
	switch n.(type) {
	case *syntax.Subshell, *syntax.CmdSubst, *syntax.ProcSubst:
		return true
	}
	return false
}

// Analysable reports whether the script was parsed as a shell program.
func (s *Script) Analysable() bool { return s.AST != nil }

// ForFile returns the scripts of every RUN and ONBUILD RUN, in order.
func ForFile(f *dockerfile.File) []*Script {
	var out []*Script
	shells := shellsAt(f)
	for _, in := range f.Instructions {
		if in.Name == "run" || (in.Name == "onbuild" && in.OnbuildTrigger() == "run") {
			shell, ok := shells[in]
			switch {
			case !ok:
				shell = EffectiveShell(in)
			case shell == nil:
				shell = []string{"/bin/sh", "-c"}
			}
			out = append(out, parse(f, in, shell))
		}
	}
	return out
}

// shellsAt is EffectiveShell (nil for the default) of every instruction of
// a stage, found in one pass: EffectiveShell rescans the stage for each
// RUN, which made a stage of many RUNs quadratic (minutes for a few MB).
func shellsAt(f *dockerfile.File) map[*dockerfile.Instruction][]string {
	end := map[*dockerfile.Stage][]string{} // the SHELL in force after a stage
	var endShell func(st *dockerfile.Stage, depth int) []string
	endShell = func(st *dockerfile.Stage, depth int) []string {
		if v, ok := end[st]; ok {
			return v
		}
		var last []string
		for _, x := range st.Instructions {
			if sc, ok := x.Typed.(*instructions.ShellCommand); ok {
				last = sc.Shell
			}
		}
		if last == nil && st.BaseStage != nil && st.BaseStage != st && depth < len(f.Stages) {
			last = endShell(st.BaseStage, depth+1)
		}
		end[st] = last
		return last
	}
	at := map[*dockerfile.Instruction][]string{}
	for _, st := range f.Stages {
		var last []string
		for _, x := range st.Instructions {
			shell := last
			if shell == nil && st.BaseStage != nil && st.BaseStage != st {
				shell = endShell(st.BaseStage, 0)
			}
			at[x] = shell
			if sc, ok := x.Typed.(*instructions.ShellCommand); ok {
				last = sc.Shell
			}
		}
	}
	return at
}

// EffectiveShell is the SHELL in force at in: the last SHELL before it in
// its stage or the stages that stage is built on; ["/bin/sh", "-c"] if none.
func EffectiveShell(in *dockerfile.Instruction) []string {
	for st := in.Stage; st != nil; st = st.BaseStage {
		var last []string
		for _, x := range st.Instructions {
			if st == in.Stage && x == in {
				break
			}
			if sc, ok := x.Typed.(*instructions.ShellCommand); ok {
				last = sc.Shell
			}
		}
		if last != nil {
			return last
		}
		if st.BaseStage == st {
			break
		}
	}
	return []string{"/bin/sh", "-c"}
}

// posixShells are the shells whose scripts the parser understands.
var posixShells = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "ksh": true, "mksh": true, "zsh": true, "busybox": true}

// IsPOSIXShell reports whether a SHELL runs POSIX-like shell scripts.
func IsPOSIXShell(shell []string) bool {
	if len(shell) == 0 {
		return true
	}
	return posixShells[strings.TrimSuffix(path.Base(strings.ReplaceAll(shell[0], `\`, "/")), ".exe")]
}

// Parse builds the script of a RUN (or ONBUILD RUN) instruction.
func Parse(f *dockerfile.File, in *dockerfile.Instruction) *Script {
	return parse(f, in, EffectiveShell(in))
}

func parse(f *dockerfile.File, in *dockerfile.Instruction, shell []string) *Script {
	s := &Script{Instruction: in, Shell: shell}
	if in.Name == "run" {
		s.Mounts = parseMounts(in)
	}
	if in.Name == "onbuild" {
		s.fromOnbuild(in)
	} else if in.IsJSON() {
		s.fromExec(in)
		return s
	} else if len(in.Heredocs) > 0 {
		if !s.fromHeredocs(in) {
			return s
		}
	} else {
		s.src = logicalMap(in, in.ArgsOffset, len(in.Args))
		s.Source = in.Args
	}
	if !IsPOSIXShell(s.Shell) {
		s.Skipped = fmt.Sprintf("SHELL %s is not a POSIX shell", s.Shell[0])
		return s
	}
	s.parse()
	return s
}

func (s *Script) parse() {
	p := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash))
	file, err := p.Parse(strings.NewReader(s.Source), "")
	if err != nil {
		s.Err = err
		return
	}
	s.AST = file
	s.collect(file, s.Source, false, func(off int) int { return off })
	// The pipelines of `sh -c` strings were added while their command was
	// read, before those of the script around them.
	slices.SortStableFunc(s.Pipelines, func(a, b *Pipeline) int { return a.Ops[0].Offset - b.Ops[0].Offset })
}

// collect walks an AST of src (s.Source, or an `sh -c` string whose
// offsets map to s.Source through toOuter) and records its commands,
// pipelines and and-or lists.
func (s *Script) collect(file *syntax.File, src string, nested bool, toOuter func(int) int) {
	if s.byCall == nil {
		s.byCall = map[*syntax.CallExpr]*Command{}
	}
	var (
		stack     []syntax.Node
		pipeDepth int
		subDepth  int
		lists     = map[*syntax.Stmt]*AndOr{} // a part -> its list
		pipes     []*syntax.BinaryCmd
	)
	syntax.Walk(file, func(n syntax.Node) bool {
		if n == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if isPipe(top) {
				pipeDepth--
			}
			if IsSubshell(top) {
				subDepth--
			}
			return true
		}
		var parent, grand syntax.Node
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		if len(stack) > 1 {
			grand = stack[len(stack)-2]
		}
		stack = append(stack, n)
		if IsSubshell(n) {
			subDepth++
		}
		switch x := n.(type) {
		case *syntax.Stmt:
			if _, inBinary := parent.(*syntax.BinaryCmd); !inBinary {
				_, top := parent.(*syntax.File)
				l := &AndOr{Stmt: x, TopLevel: top && !nested}
				l.flatten(x)
				for _, p := range l.Parts {
					lists[p] = l
				}
			}
		case *syntax.BinaryCmd:
			if isPipe(x) {
				pipeDepth++
				if _, isStmt := parent.(*syntax.Stmt); !isStmt || !isPipe(grand) {
					pipes = append(pipes, x)
				}
			}
		case *syntax.CallExpr:
			if len(x.Args) > 0 {
				s.addCommand(x, stack, lists, src, nested, pipeDepth > 0, subDepth > 0, toOuter)
			}
		}
		return true
	})
	s.addPipelines(pipes, nested, toOuter)
}

// addCommand records the command of call (the top of stack).
func (s *Script) addCommand(call *syntax.CallExpr, stack []syntax.Node, lists map[*syntax.Stmt]*AndOr, src string, nested, inPipe, inSub bool, toOuter func(int) int) {
	cmd := &Command{Script: s, Call: call, InPipeline: inPipe, Subshell: inSub || nested, Nested: nested}
	cmd.Range = s.Span(toOuter(int(call.Pos().Offset())), toOuter(int(call.End().Offset())))
	if len(stack) > 1 {
		cmd.Stmt, _ = stack[len(stack)-2].(*syntax.Stmt)
	}
	for i := len(stack) - 2; i >= 0; i-- {
		if st, ok := stack[i].(*syntax.Stmt); ok && lists[st] != nil {
			cmd.AndOr = lists[st]
			break
		}
	}
	for _, a := range call.Assigns {
		cmd.Assigns = append(cmd.Assigns, text(src, int(a.Pos().Offset()), int(a.End().Offset())))
	}
	words := make([]Word, len(call.Args))
	for i, w := range call.Args {
		words[i] = s.word(w, src, toOuter)
	}
	cmd.NameWord, cmd.Args = words[0], words[1:]
	if cmd.NameWord.Literal {
		cmd.Name = cmd.NameWord.Value
	}
	s.Commands = append(s.Commands, cmd)
	s.byCall[call] = cmd
	if inner, off, ok := s.shellString(cmd.Unwrap(), src); ok {
		cmd.RunsNested = s.nested(inner, off, toOuter)
	}
}

// flatten adds the parts of an and-or list rooted at st.
func (l *AndOr) flatten(st *syntax.Stmt) {
	if b, ok := st.Cmd.(*syntax.BinaryCmd); ok && (b.Op == syntax.AndStmt || b.Op == syntax.OrStmt) {
		l.flatten(b.X)
		l.Ops = append(l.Ops, b.Op)
		l.flatten(b.Y)
		return
	}
	l.Parts = append(l.Parts, st)
}

func isPipe(n syntax.Node) bool {
	b, ok := n.(*syntax.BinaryCmd)
	return ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll)
}

// addPipelines records the pipelines rooted at roots (in source order)
// and tells every command which pipeline and stage it runs in, the
// innermost pipeline first.
func (s *Script) addPipelines(roots []*syntax.BinaryCmd, nested bool, toOuter func(int) int) {
	if len(roots) == 0 {
		return
	}
	pls := make([]*Pipeline, len(roots))
	for i, b := range roots {
		pl := &Pipeline{Nested: nested}
		s.flattenPipe(pl, b, toOuter)
		pls[i] = pl
	}
	s.Pipelines = append(s.Pipelines, pls...)
	for i := len(pls) - 1; i >= 0; i-- {
		pl := pls[i]
		for stage, st := range pl.Stmts {
			syntax.Walk(st, func(n syntax.Node) bool {
				switch x := n.(type) {
				case *syntax.CmdSubst, *syntax.ProcSubst:
					return false // runs apart from the pipeline
				case *syntax.CallExpr:
					if c := s.byCall[x]; c != nil && c.Pipeline == nil {
						c.Pipeline, c.PipeStage = pl, stage
					}
				}
				return true
			})
		}
	}
}

// flattenPipe adds the stages and operators of the pipe b to pl.
func (s *Script) flattenPipe(pl *Pipeline, b *syntax.BinaryCmd, toOuter func(int) int) {
	side := func(st *syntax.Stmt) {
		if x, ok := st.Cmd.(*syntax.BinaryCmd); ok && isPipe(x) {
			s.flattenPipe(pl, x, toOuter)
			return
		}
		var c *Command
		if call, ok := st.Cmd.(*syntax.CallExpr); ok {
			c = s.byCall[call]
		}
		pl.Commands = append(pl.Commands, c)
		pl.Stmts = append(pl.Stmts, st)
	}
	side(b.X)
	off := toOuter(int(b.OpPos.Offset()))
	n := 1
	if b.Op == syntax.PipeAll {
		n = 2
	}
	pl.Ops = append(pl.Ops, Operator{Op: b.Op, Offset: off, Range: s.Span(off, off+n)})
	side(b.Y)
}

// nested parses the string of `sh -c STRING` whose text starts at offset
// off of the enclosing AST's source; false when it is not valid shell.
func (s *Script) nested(inner string, off int, toOuter func(int) int) bool {
	p := syntax.NewParser(syntax.Variant(syntax.LangBash))
	file, err := p.Parse(strings.NewReader(inner), "")
	if err != nil {
		return false
	}
	s.collect(file, inner, true, func(o int) int { return toOuter(off + o) })
	return true
}

// shellString finds the script of `sh -c STRING` (also bash, -ec, -xc
// ...), returning it and its offset in src, the source c was parsed from
// (s.Source for exec form). STRING must be literal, or a double-quoted
// string whose only expansions are $VAR and ${VAR...}: the variables are
// then kept, unexpanded, in the script. Escapes inside the string make
// later columns approximate.
func (s *Script) shellString(c *Command, src string) (string, int, bool) {
	if c.Name == "" || !posixShells[c.Base()] {
		return "", 0, false
	}
	for i, a := range c.Args {
		v := a.Value
		if !strings.HasPrefix(v, "-") || strings.HasPrefix(v, "--") || !strings.Contains(v, "c") {
			continue
		}
		if i+1 >= len(c.Args) {
			return "", 0, false
		}
		w := c.Args[i+1]
		if w.Node == nil { // exec form: a JSON string
			start := strings.Index(s.Source, w.Raw)
			if start < 0 {
				return "", 0, false
			}
			return w.Value, start + 1, true
		}
		start := int(w.Node.Pos().Offset())
		if len(w.Node.Parts) == 1 {
			switch w.Node.Parts[0].(type) {
			case *syntax.SglQuoted, *syntax.DblQuoted:
				start++
			}
		}
		if w.Literal {
			return w.Value, start, true
		}
		if inner, ok := paramString(w.Node, src); ok {
			return inner, start, true
		}
		return "", 0, false
	}
	return "", 0, false
}

// paramString is the text a double-quoted word whose only expansions are
// parameters gives a shell, those parameters left as written: "cd $DIR"
// gives cd $DIR. src is the source the word was parsed from.
func paramString(w *syntax.Word, src string) (string, bool) {
	if len(w.Parts) != 1 {
		return "", false
	}
	dq, ok := w.Parts[0].(*syntax.DblQuoted)
	if !ok || dq.Dollar {
		return "", false
	}
	var b strings.Builder
	if !dblText(&b, dq, src, true) {
		return "", false
	}
	return b.String(), true
}

// dblText writes the text of a double-quoted string to b, escapes
// removed. A parameter expansion is kept as written in src when params is
// set (unless it holds a substitution), and fails it otherwise; any other
// expansion fails it.
func dblText(b *strings.Builder, dq *syntax.DblQuoted, src string, params bool) bool {
	for _, p := range dq.Parts {
		switch x := p.(type) {
		case *syntax.Lit:
			b.WriteString(unescapeDbl(x.Value))
		case *syntax.ParamExp:
			if !params {
				return false
			}
			dynamic := false
			syntax.Walk(x, func(n syntax.Node) bool {
				switch n.(type) {
				case *syntax.CmdSubst, *syntax.ArithmExp, *syntax.ProcSubst:
					dynamic = true
				}
				return !dynamic
			})
			start, end := int(x.Pos().Offset()), int(x.End().Offset())
			if dynamic || start < 0 || end > len(src) || start > end {
				return false
			}
			b.WriteString(src[start:end])
		default:
			return false
		}
	}
	return true
}

func (s *Script) rawText(start, end int) string { return text(s.Source, start, end) }

// text is src[start:end], "" when that is out of range.
func text(src string, start, end int) string {
	if start < 0 || end > len(src) || start > end {
		return ""
	}
	return src[start:end]
}

// word converts an AST word of src; toOuter maps its offsets into
// s.Source. Raw is the word's text in src: in an `sh -c` string, the text
// the inner shell reads, which differs from the Dockerfile's where the
// string has escapes (fixes compare the two before editing).
func (s *Script) word(w *syntax.Word, src string, toOuter func(int) int) Word {
	start, end := int(w.Pos().Offset()), int(w.End().Offset())
	out := Word{Node: w, Range: s.Span(toOuter(start), toOuter(end))}
	out.Raw = text(src, start, end)
	if v, ok := literal(w); ok {
		out.Value, out.Literal = v, true
	} else {
		out.Value = out.Raw
	}
	return out
}

// literal returns the value of a word without expansions, quotes removed.
func literal(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, p := range w.Parts {
		switch x := p.(type) {
		case *syntax.Lit:
			b.WriteString(unescapeLit(x.Value))
		case *syntax.SglQuoted:
			if x.Dollar {
				return "", false
			}
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			if !dblText(&b, x, "", false) {
				return "", false
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// unescapeLit removes backslash escapes of an unquoted literal.
func unescapeLit(s string) string { return unescape(s, "") }

// unescapeDbl removes the escapes that are special inside double quotes.
func unescapeDbl(s string) string { return unescape(s, "$`\"\\\n") }

// unescape removes backslash escapes: of the characters in special, or of
// any character when special is "". An escaped newline (a line
// continuation) goes with its backslash.
func unescape(s, special string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (special == "" || strings.IndexByte(special, s[i+1]) >= 0) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseMounts reads the RUN --mount flags (comma-separated key=value).
func parseMounts(in *dockerfile.Instruction) []Mount {
	var out []Mount
	for _, fl := range in.Flags {
		if fl.Name != "mount" {
			continue
		}
		out = append(out, parseMount(fl.Value, fl.Range))
	}
	return out
}

// parseMount reads one --mount value: comma-separated key=value pairs.
func parseMount(value string, r dockerfile.Range) Mount {
	m := Mount{Type: "bind", Opts: map[string]string{}, Range: r}
	for _, kv := range strings.Split(value, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		k = strings.ToLower(k)
		m.Opts[k] = v
		switch k {
		case "type":
			m.Type = strings.ToLower(v)
		case "target", "dst", "destination":
			m.Target = v
		}
	}
	return m
}

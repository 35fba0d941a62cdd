package rules

// Helpers shared by the shell-aware rules DL3001, DL3003, DL3004, DL3010,
// DL3046, DL3047, DL3059, DL4001, DL4005, DL4006, HS004, HS021, HS022 and
// HS023: what a RUN script's AST says beyond its list of commands (which
// commands run in a subshell, the pipelines, the directory a command runs
// in), and the modes chmod, mkdir and COPY --chmod give.

import (
	"path"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

// genShapeKey keys the per-file genShape cache in Pass.Shared.
type genShapeKey struct{}

// genShape is what the rules need to know about the ASTs of a file's RUN
// scripts, computed once per file.
type genShape struct {
	// sub holds the calls that run in a subshell: inside ( ... ), $( ... ),
	// `...` or <( ... ).
	sub map[*syntax.CallExpr]bool
	// cmd maps every call (nested `sh -c` strings included) to its command.
	cmd map[*syntax.CallExpr]*shellscript.Command
	// pipes are the pipelines of each script, each as its stages in order.
	pipes map[*shellscript.Script][]genPipeline
}

// genPipeline is one `a | b | c` pipeline.
type genPipeline struct {
	// Ops are the `|` (or `|&`) operators in order.
	Ops []*syntax.BinaryCmd
	// Stages are the commands of the pipeline in order; a stage that is not
	// a simple command (a subshell, a block) is nil.
	Stages []*shellscript.Command
	// Stmts are the statements of the stages, in the same order.
	Stmts []*syntax.Stmt
}

func genShapeOf(p *lint.Pass) *genShape {
	return p.Shared(genShapeKey{}, func() any {
		sh := &genShape{sub: map[*syntax.CallExpr]bool{}, cmd: map[*syntax.CallExpr]*shellscript.Command{}, pipes: map[*shellscript.Script][]genPipeline{}}
		for _, s := range scripts(p) {
			for _, c := range s.Commands {
				if c.Call != nil {
					sh.cmd[c.Call] = c
				}
			}
			if s.AST == nil {
				continue
			}
			depth := 0
			var stack []syntax.Node
			syntax.Walk(s.AST, func(n syntax.Node) bool {
				if n == nil {
					top := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					if genIsSubshellNode(top) {
						depth--
					}
					return true
				}
				stack = append(stack, n)
				if genIsSubshellNode(n) {
					depth++
				}
				switch x := n.(type) {
				case *syntax.CallExpr:
					if depth > 0 {
						sh.sub[x] = true
					}
				case *syntax.BinaryCmd:
					if genIsPipe(x) && !genInPipe(stack) {
						sh.pipes[s] = append(sh.pipes[s], genFlatten(x, sh.cmd))
					}
				}
				return true
			})
		}
		return sh
	}).(*genShape)
}

func genIsSubshellNode(n syntax.Node) bool {
	switch n.(type) {
	case *syntax.Subshell, *syntax.CmdSubst, *syntax.ProcSubst:
		return true
	}
	return false
}

func genIsPipe(b *syntax.BinaryCmd) bool {
	return b.Op == syntax.Pipe || b.Op == syntax.PipeAll
}

// genInPipe reports whether the node on top of the stack is a side of an
// enclosing pipe (stack: ..., BinaryCmd, Stmt, BinaryCmd).
func genInPipe(stack []syntax.Node) bool {
	if len(stack) < 3 {
		return false
	}
	b, ok := stack[len(stack)-3].(*syntax.BinaryCmd)
	_, isStmt := stack[len(stack)-2].(*syntax.Stmt)
	return ok && isStmt && genIsPipe(b)
}

// genFlatten lists the stages of the pipeline rooted at b.
func genFlatten(b *syntax.BinaryCmd, cmds map[*syntax.CallExpr]*shellscript.Command) genPipeline {
	var pl genPipeline
	var side func(st *syntax.Stmt)
	side = func(st *syntax.Stmt) {
		if st == nil {
			pl.Stages = append(pl.Stages, nil)
			pl.Stmts = append(pl.Stmts, nil)
			return
		}
		switch x := st.Cmd.(type) {
		case *syntax.BinaryCmd:
			if genIsPipe(x) {
				side(x.X)
				pl.Ops = append(pl.Ops, x)
				side(x.Y)
				return
			}
		case *syntax.CallExpr:
			if c, ok := cmds[x]; ok {
				pl.Stages = append(pl.Stages, genUnwrap(c))
				pl.Stmts = append(pl.Stmts, st)
				return
			}
		}
		pl.Stages = append(pl.Stages, nil)
		pl.Stmts = append(pl.Stmts, st)
	}
	side(b.X)
	pl.Ops = append(pl.Ops, b)
	side(b.Y)
	return pl
}

// genInSubshell reports whether a command runs in a subshell of its
// script (so a `cd` there does not outlive it).
func genInSubshell(p *lint.Pass, c *shellscript.Command) bool {
	return c.Call != nil && genShapeOf(p).sub[c.Call]
}

// genPipelines returns the pipelines of a script (not those inside `sh -c` strings).
func genPipelines(p *lint.Pass, s *shellscript.Script) []genPipeline {
	return genShapeOf(p).pipes[s]
}

// genCommandOf returns the command of a call of one of the file's scripts.
func genCommandOf(p *lint.Pass, call *syntax.CallExpr) (*shellscript.Command, bool) {
	c, ok := genShapeOf(p).cmd[call]
	return c, ok
}

// genOpRange is the range of a pipe operator.
func genOpRange(s *shellscript.Script, b *syntax.BinaryCmd) dockerfile.Range {
	off := int(b.OpPos.Offset())
	n := 1
	if b.Op == syntax.PipeAll {
		n = 2
	}
	return s.Span(off, off+n)
}

// genChain returns a command and the commands it runs through wrappers,
// one level at a time: `env X=1 sudo apt-get` gives env, sudo, apt-get.
func genChain(c *shellscript.Command) []*shellscript.Command {
	out := []*shellscript.Command{c}
	cur := c
	for i := 0; i < 8; i++ {
		if cur.Name == "" || !cur.Is("sudo", "env", "nice", "nohup", "exec", "command", "time", "doas") {
			break
		}
		j := 0
		for j < len(cur.Args) {
			a := cur.Args[j].Value
			if strings.HasPrefix(a, "-") || (cur.Base() == "env" && strings.Contains(a, "=")) {
				j++
				continue
			}
			break
		}
		if j >= len(cur.Args) {
			break
		}
		next := &shellscript.Command{Script: cur.Script, Call: cur.Call, NameWord: cur.Args[j], Args: cur.Args[j+1:], InPipeline: cur.InPipeline, Nested: cur.Nested, Range: cur.Range}
		if cur.Args[j].Literal {
			next.Name = cur.Args[j].Value
		}
		out = append(out, next)
		cur = next
	}
	return out
}

// genUnwrap is Command.Unwrap, except that `command -v NAME` (a lookup)
// stays a command of its own rather than a run of NAME.
func genUnwrap(c *shellscript.Command) *shellscript.Command {
	chain := genChain(c)
	for _, x := range chain {
		if x.Is("command") && x.HasFlag("-v", "-V") {
			return x
		}
	}
	return chain[len(chain)-1]
}

// genEachCommand calls fn for every command of every analysable RUN
// script (exec-form RUNs included), with wrappers stripped by genUnwrap.
func genEachCommand(p *lint.Pass, fn func(s *shellscript.Script, c *shellscript.Command)) {
	genEachRaw(p, func(s *shellscript.Script, c *shellscript.Command) { fn(s, genUnwrap(c)) })
}

// genEachRaw calls fn for every command of every analysable RUN script,
// wrappers not stripped.
func genEachRaw(p *lint.Pass, fn func(s *shellscript.Script, c *shellscript.Command)) {
	for _, s := range scripts(p) {
		if s.Skipped != "" {
			continue
		}
		for _, c := range s.Commands {
			fn(s, c)
		}
	}
}

// genArgValues returns the values of a command's arguments, ARG/ENV
// expanded where known (the raw text otherwise).
func genArgValues(p *lint.Pass, s *shellscript.Script, c *shellscript.Command) []string {
	out := make([]string, len(c.Args))
	for i, w := range c.Args {
		if v, ok := wordValue(p, s, w); ok {
			out[i] = v
		} else {
			out[i] = w.Raw
		}
	}
	return out
}

// genOptValue finds an option that takes a value: the short option letter
// (also inside combined flags: -qO- gives "-" for 'O', -sLo FILE gives FILE
// for 'o') or a long option (--opt=value, --opt value). It returns the
// value and the word holding it.
func genOptValue(c *shellscript.Command, short byte, longs ...string) (string, shellscript.Word, bool) {
	next := func(i int) (string, shellscript.Word, bool) {
		if i+1 < len(c.Args) {
			return c.Args[i+1].Value, c.Args[i+1], true
		}
		return "", c.Args[i], true
	}
	for i, w := range c.Args {
		a := w.Value
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "--") {
			for _, l := range longs {
				if a == l {
					return next(i)
				}
				if strings.HasPrefix(a, l+"=") {
					return a[len(l)+1:], w, true
				}
			}
			continue
		}
		if short == 0 || len(a) < 2 || a[0] != '-' {
			continue
		}
		if k := strings.IndexByte(a[1:], short); k >= 0 {
			if rest := a[k+2:]; rest != "" {
				return rest, w, true
			}
			return next(i)
		}
	}
	return "", shellscript.Word{}, false
}

// genJoinPath resolves p against dir the way WORKDIR and cd do. An unknown
// starting directory (the image's WORKDIR) is taken as "/".
func genJoinPath(dir, p string) string {
	if dir == "" {
		dir = "/"
	}
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join(dir, p)
}

// genWorldWritable reports whether a chmod-style mode (octal or symbolic)
// makes a file writable by others without the sticky bit; known is false
// when the mode is not understood.
func genWorldWritable(mode string) (world, known bool) {
	if mode == "" {
		return false, false
	}
	if isDigits(mode) {
		if len(mode) > 4 {
			return false, false
		}
		v, err := strconv.ParseUint(mode, 8, 32)
		if err != nil {
			return false, false
		}
		return v&0o002 != 0 && v&0o1000 == 0, true
	}
	sticky := false
	for _, clause := range strings.Split(mode, ",") {
		i := 0
		for i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0 {
			i++
		}
		who := clause[:i]
		if i == len(clause) {
			return false, false
		}
		for i < len(clause) {
			op := clause[i]
			if op != '+' && op != '-' && op != '=' {
				return false, false
			}
			i++
			j := i
			for j < len(clause) && strings.IndexByte("rwxXstugo", clause[j]) >= 0 {
				j++
			}
			perms := clause[i:j]
			i = j
			if op == '-' {
				continue
			}
			if strings.Contains(perms, "t") {
				sticky = true
			}
			if strings.Contains(perms, "w") && strings.ContainsAny(who, "oa") {
				world = true
			}
		}
	}
	return world && !sticky, true
}

// genDownloadsToStdout reports whether a curl or wget command writes what
// it downloads to standard output, returning the URL it fetches.
func genDownloadsToStdout(c *shellscript.Command) (string, bool) {
	switch {
	case c.Is("curl"):
		if c.HasFlag("-O", "--remote-name", "--remote-name-all") {
			return "", false
		}
		if v, _, ok := genOptValue(c, 'o', "--output"); ok && v != "-" && v != "/dev/stdout" {
			return "", false
		}
	case c.Is("wget"):
		v, _, ok := genOptValue(c, 'O', "--output-document")
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

package rules

// Helpers shared by the package-manager rules: pip, npm, gem, yum, dnf,
// zypper, yarn and go (DL3013 ... DL3062).

import (
	"path"
	"regexp"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

// pkgCall is a package-manager invocation seen through its own argument
// list: for `python -m pip install x` the tool is pip, Args are the words
// after `pip`, and Head is `python` (where the call starts).
type pkgCall struct {
	*shellscript.Command
	Script *shellscript.Script
	// Head is the first word of the call.
	Head shellscript.Word
	// Sub is the subcommand word (`install`), SubIdx its index in Args.
	Sub    shellscript.Word
	SubIdx int
}

// Ops returns the operands after the subcommand (see pkgOperands).
func (pc pkgCall) Ops(valueFlags map[string]bool, stopAtDashDash bool) []shellscript.Word {
	return pkgOperands(pc.Args[pc.SubIdx+1:], valueFlags, stopAtDashDash)
}

// Span is the range from the call's first word through its subcommand.
func (pc pkgCall) Span() dockerfile.Range {
	return dockerfile.Range{Start: pc.Head.Range.Start, End: pc.Sub.Range.End}
}

// pkgFlags builds a set of flags that take a separate value.
func pkgFlags(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// pkgOperands returns the words of args that are not flags, skipping the
// separate value of a flag in valueFlags (`--index-url URL`, `-i URL`,
// combined `-qi URL`). After "--" every word is an operand, unless
// stopAtDashDash, which ends the list there (gem's build options).
func pkgOperands(args []shellscript.Word, valueFlags map[string]bool, stopAtDashDash bool) []shellscript.Word {
	var out []shellscript.Word
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if v == "--" {
			if stopAtDashDash {
				return out
			}
			return append(out, args[i+1:]...)
		}
		if !strings.HasPrefix(v, "-") || v == "-" {
			out = append(out, args[i])
			continue
		}
		if pkgTakesValue(v, valueFlags) {
			i++
		}
	}
	return out
}

// pkgTakesValue reports whether flag word v is followed by its value as a
// separate word.
func pkgTakesValue(v string, valueFlags map[string]bool) bool {
	if strings.HasPrefix(v, "--") {
		return !strings.Contains(v, "=") && valueFlags[v]
	}
	// Short flags, possibly combined: the first one that takes a value
	// takes the rest of the word, or the next word when it is last.
	for i := 1; i < len(v); i++ {
		if valueFlags["-"+v[i:i+1]] {
			return i == len(v)-1
		}
	}
	return false
}

// pkgSubcommand finds the first operand of c (skipping the values of
// valueFlags) and returns the call with it as the subcommand.
func pkgSubcommand(s *shellscript.Script, c *shellscript.Command, head shellscript.Word, valueFlags map[string]bool) (pkgCall, bool) {
	for i := 0; i < len(c.Args); i++ {
		v := c.Args[i].Value
		if v == "--" {
			return pkgCall{}, false
		}
		if strings.HasPrefix(v, "-") && v != "-" {
			if pkgTakesValue(v, valueFlags) {
				i++
			}
			continue
		}
		if !c.Args[i].Literal {
			return pkgCall{}, false
		}
		return pkgCall{Command: c, Script: s, Head: head, Sub: c.Args[i], SubIdx: i}, true
	}
	return pkgCall{}, false
}

// pkgCallOf returns c as a call of one of the tools (by base name) with
// one of the subcommands.
func pkgCallOf(s *shellscript.Script, c *shellscript.Command, tools []string, subs []string, valueFlags map[string]bool) (pkgCall, bool) {
	if !c.Is(tools...) {
		return pkgCall{}, false
	}
	pc, ok := pkgSubcommand(s, c, c.NameWord, valueFlags)
	if !ok || !pkgIn(pc.Sub.Value, subs) {
		return pkgCall{}, false
	}
	return pc, true
}

func pkgIn(v string, list []string) bool {
	for _, x := range list {
		if v == x {
			return true
		}
	}
	return false
}

var (
	pkgPipName    = regexp.MustCompile(`^pip[0-9.]*$`)
	pkgPythonName = regexp.MustCompile(`^python[0-9.]*$`)
)

// pkgPipGlobalValue are pip's general options that take a value.
var pkgPipGlobalValue = pkgFlags("--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host",
	"--cert", "--client-cert", "--cache-dir", "--log", "--log-file", "--python", "--keyring-provider", "--use-feature", "--use-deprecated")

// pkgPip returns c as a pip call with subcommand sub: `pip install`,
// `pip3.12 install`, `/venv/bin/pip install`, `python3 -m pip install`
// (not pipx, pipenv or `uv pip`).
func pkgPip(s *shellscript.Script, c *shellscript.Command, sub string) (pkgCall, bool) {
	if c.Name == "" {
		return pkgCall{}, false
	}
	base := c.Base()
	var inner *shellscript.Command
	switch {
	case pkgPipName.MatchString(base):
		inner = c
	case pkgPythonName.MatchString(base):
		for i, a := range c.Args {
			v := a.Value
			if v == "-m" && i+1 < len(c.Args) && c.Args[i+1].Value == "pip" {
				inner = &shellscript.Command{Script: c.Script, Call: c.Call, Name: "pip", NameWord: c.Args[i+1], Args: c.Args[i+2:], Assigns: c.Assigns, InPipeline: c.InPipeline, Nested: c.Nested, Range: c.Range}
				break
			}
			if v == "-mpip" {
				inner = &shellscript.Command{Script: c.Script, Call: c.Call, Name: "pip", NameWord: a, Args: c.Args[i+1:], Assigns: c.Assigns, InPipeline: c.InPipeline, Nested: c.Nested, Range: c.Range}
				break
			}
			if !strings.HasPrefix(v, "-") {
				break // a script: python x.py -m pip
			}
		}
	}
	if inner == nil {
		return pkgCall{}, false
	}
	pc, ok := pkgSubcommand(s, inner, c.NameWord, pkgPipGlobalValue)
	if !ok || pc.Sub.Value != sub {
		return pkgCall{}, false
	}
	return pc, true
}

// pkgValues returns the values a word stands for, ARG and ENV values in
// scope expanded (an unquoted expansion splits on spaces); ok is false
// when a value is not known.
func pkgValues(p *lint.Pass, s *shellscript.Script, w shellscript.Word) ([]string, bool) {
	if w.Literal {
		return []string{w.Value}, true
	}
	v, ok := wordValue(p, s, w)
	if !ok {
		return nil, false
	}
	if strings.HasPrefix(w.Raw, `"`) || strings.HasPrefix(w.Raw, `'`) {
		return []string{v}, true
	}
	return strings.Fields(v), true
}

// pkgCleanPath is a path operand as a directory: quotes gone, trailing
// "/*" and "/" trimmed, "~" and $HOME as /root.
func pkgCleanPath(v string) string {
	for _, home := range []string{"~", "$HOME", "${HOME}"} {
		if v == home || strings.HasPrefix(v, home+"/") {
			v = "/root" + v[len(home):]
		}
	}
	for {
		n := strings.TrimSuffix(strings.TrimSuffix(v, "*"), "/")
		if n == v {
			break
		}
		v = n
	}
	if v == "" {
		return "/"
	}
	return path.Clean(v)
}

// pkgCovers reports whether directory dir is, or is inside, directory top
// (top "/" covers nothing: nobody means that).
func pkgCovers(top, dir string) bool {
	top, dir = pkgCleanPath(top), pkgCleanPath(dir)
	if top == "/" || top == "." {
		return false
	}
	return dir == top || strings.HasPrefix(dir, top+"/")
}

// pkgCacheMount reports whether the RUN has a cache (or tmpfs) mount on
// one of the cache directories or a directory above one, or on a target
// whose path names the tool (any of keywords).
func pkgCacheMount(s *shellscript.Script, dirs []string, keywords ...string) bool {
	for _, m := range s.Mounts {
		if m.Type != "cache" && m.Type != "tmpfs" {
			continue
		}
		for _, d := range dirs {
			if pkgCovers(m.Target, d) || pkgCovers(d, m.Target) {
				return true
			}
		}
		for _, k := range keywords {
			if strings.Contains(m.Target, k) {
				return true
			}
		}
	}
	return false
}

// pkgRemoves reports whether c is a recursive rm of one of dirs (or of a
// directory above one, or inside one: `rm -rf /var/cache/yum/*`).
func pkgRemoves(c *shellscript.Command, dirs ...string) bool {
	if !c.Is("rm") || !c.HasFlag("-r", "-R", "--recursive") {
		return false
	}
	for _, a := range c.Positional() {
		for _, d := range dirs {
			if pkgCovers(a.Value, d) || pkgCovers(d, a.Value) {
				return true
			}
		}
	}
	return false
}

// pkgCleanup finds, in one script, the package-manager commands that leave
// a cache (isUse) and whether one of them has no cleanup (isClean) after
// it; it returns the first such command (the first use after the last
// cleanup).
func pkgCleanup(s *shellscript.Script, isUse func(*shellscript.Command) (pkgCall, bool), isClean func(*shellscript.Command) bool) (pkgCall, bool) {
	var first pkgCall
	pending := false
	for _, raw := range s.Commands {
		c := raw.Unwrap()
		if pc, ok := isUse(c); ok {
			if !pending {
				first, pending = pc, true
			}
			continue
		}
		if pending && isClean(c) {
			pending = false
		}
	}
	return first, pending
}

// pkgKeptStages are the stages whose files end up in an image: the last
// stage and every stage another stage is built FROM (hadolint's reading).
func pkgKeptStages(f *dockerfile.File) map[*dockerfile.Stage]bool {
	kept := map[*dockerfile.Stage]bool{}
	if len(f.Stages) == 0 {
		return kept
	}
	kept[f.Stages[len(f.Stages)-1]] = true
	for _, st := range f.Stages {
		if st.BaseStage != nil {
			kept[st.BaseStage] = true
		}
	}
	return kept
}

// pkgShipped reports whether what a script leaves on disk can end up in an
// image: it runs in a kept stage (pkgKeptStages), or is an ONBUILD trigger
// (it runs in whatever image is built on this one).
func pkgShipped(kept map[*dockerfile.Stage]bool, s *shellscript.Script) bool {
	in := s.Instruction
	return in.Name == "onbuild" || in.Stage == nil || kept[in.Stage]
}

// pkgSourceIs reports whether the Dockerfile text at r (one line) is want:
// fixes check it before editing, as positions inside nested strings with
// escapes can drift.
func pkgSourceIs(f *dockerfile.File, r dockerfile.Range, want string) bool {
	if r.Start.Line != r.End.Line || r.Start.Line < 1 || r.Start.Line > len(f.Lines) {
		return false
	}
	line := []rune(f.Lines[r.Start.Line-1])
	s, e := r.Start.Column-1, r.End.Column-1
	if s < 0 || e < s || e > len(line) {
		return false
	}
	return string(line[s:e]) == want
}

// pkgVersionLike reports whether an rpm package spec carries a version:
// name-version[-release], every part after the first dash made of version
// characters and one starting with a digit (hadolint's DL3041 test).
func pkgVersionLike(spec string) bool {
	parts := strings.Split(spec, "-")
	if len(parts) < 2 {
		return false
	}
	digit := false
	for _, part := range parts[1:] {
		if part == "" {
			return false
		}
		for _, r := range part {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(".~^_:+*", r)) {
				return false
			}
		}
		if part[0] >= '0' && part[0] <= '9' {
			digit = true
		}
	}
	return digit
}

// pkgRPMLocal reports whether an rpm-family operand is not a repository
// package name to pin: a file or URL, a group or module (@...), a file
// capability (/usr/bin/x) or another capability (perl(Foo)).
func pkgRPMLocal(v string) bool {
	return strings.HasSuffix(v, ".rpm") || strings.Contains(v, "/") || strings.HasPrefix(v, "@") ||
		strings.ContainsAny(v, "()") || strings.HasPrefix(v, ".")
}

// pkgRPMValue are the yum/dnf/microdnf options that take a separate value.
var pkgRPMValue = pkgFlags("--enablerepo", "--disablerepo", "--setopt", "-x", "--exclude", "--installroot",
	"--releasever", "-c", "--config", "--repo", "--repoid", "-R", "--randomwait", "-d", "--debuglevel",
	"-e", "--errorlevel", "--downloaddir", "--destdir", "--forcearch", "--color", "--rpmverbosity",
	"--comment", "--advisory", "--advisories", "--bz", "--cve", "--sec-severity", "--secseverity",
	"--platform-id", "--repofrompath")

// pkgRPMPromptSubs are the yum/dnf subcommands that ask for a
// confirmation unless -y is given.
var pkgRPMPromptSubs = []string{"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade",
	"update-to", "upgrade-to", "remove", "erase", "downgrade", "autoremove", "distro-sync", "distribution-synchronization",
	"swap", "groupupdate", "groupremove", "groupupgrade", "group", "module"}

// pkgRPMGroupSubs are the actions of `group` and `module` that ask.
var pkgRPMGroupSubs = []string{"install", "remove", "erase", "update", "upgrade", "enable", "disable", "reset", "switch-to", "mark"}

// pkgRPMAsks returns c as a yum/dnf call (tools) that asks for a
// confirmation and has no -y.
func pkgRPMAsks(s *shellscript.Script, c *shellscript.Command, tools []string) (pkgCall, bool) {
	pc, ok := pkgCallOf(s, c, tools, pkgRPMPromptSubs, pkgRPMValue)
	if !ok || c.HasFlag("-y", "--assumeyes", "--assumeno") {
		return pkgCall{}, false
	}
	if pc.Sub.Value == "group" || pc.Sub.Value == "module" {
		ops := pc.Ops(pkgRPMValue, false)
		if len(ops) == 0 || !pkgIn(ops[0].Value, pkgRPMGroupSubs) {
			return pkgCall{}, false
		}
	}
	return pc, true
}

// pkgRPMInstalls returns c as a yum/dnf call that downloads packages into
// the cache.
func pkgRPMInstalls(s *shellscript.Script, c *shellscript.Command, tools []string) (pkgCall, bool) {
	pc, ok := pkgCallOf(s, c, tools, []string{"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "distro-sync", "downgrade", "group", "module"}, pkgRPMValue)
	if !ok {
		return pkgCall{}, false
	}
	if pc.Sub.Value == "group" || pc.Sub.Value == "module" {
		ops := pc.Ops(pkgRPMValue, false)
		if len(ops) == 0 || !pkgIn(ops[0].Value, []string{"install", "update", "upgrade"}) {
			return pkgCall{}, false
		}
	}
	return pc, true
}

// pkgRPMUnpinned reports the unpinned packages of yum/dnf install calls:
// package names without -<version>, modules without :<stream>.
func pkgRPMUnpinned(p *lint.Pass, tools []string, report func(w shellscript.Word, name string, module bool)) {
	eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
		pc, ok := pkgCallOf(s, c, tools, []string{"install", "module"}, pkgRPMValue)
		if !ok {
			return
		}
		ops := pc.Ops(pkgRPMValue, false)
		module := pc.Sub.Value == "module"
		if module {
			if len(ops) == 0 || ops[0].Value != "install" {
				return
			}
			ops = ops[1:]
		}
		for _, w := range ops {
			vals, ok := pkgValues(p, s, w)
			if !ok {
				continue
			}
			for _, v := range vals {
				switch {
				case v == "" || strings.HasPrefix(v, "-"):
				case module:
					if !strings.Contains(v, ":") {
						report(w, v, true)
					}
				case pkgRPMLocal(v) || pkgVersionLike(v):
				default:
					report(w, v, false)
				}
			}
		}
	})
}

// pkgRPMCleaned reports whether c cleans the yum/dnf cache: `<tool> clean
// all` (also `packages`/`metadata` and the like together), or a recursive
// rm of the cache directory.
func pkgRPMCleaned(c *shellscript.Command, tools []string, dirs []string) bool {
	if c.Is(tools...) {
		ops := pkgOperands(c.Args, pkgRPMValue, false)
		return len(ops) >= 2 && ops[0].Value == "clean" && pkgIn("all", pkgValuesOf(ops[1:]))
	}
	return pkgRemoves(c, dirs...)
}

// pkgZypperValue are zypper's options (global and of install) that take a
// separate value.
var pkgZypperValue = pkgFlags("-t", "--type", "-r", "--repo", "--from", "-R", "--root", "-D", "--reposd-path",
	"-C", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir", "-c", "--config",
	"--installroot", "--download", "-p", "--plus-repo", "--plus-content", "--releasever")

// pkgTruthy reports whether an environment value is one pip reads as a
// boolean (pip turns the cache off for any of them, "0" and "false"
// included, for backward compatibility).
func pkgTruthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "0", "true", "false", "yes", "no", "on", "off", "y", "n", "t", "f":
		return true
	}
	return false
}

// pkgAddYes reports an RPM-family call that asks for a confirmation, with
// a fix that puts flag right after the command name (a global option
// there is valid for every subcommand).
func pkgAddYes(p *lint.Pass, pc pkgCall, flag, msg string) {
	var fix *lint.Fix
	name := pc.NameWord
	if pkgSourceIs(p.File, name.Range, name.Raw) {
		text := " " + flag
		if pc.Call == nil { // exec form: a JSON array
			text = `, "` + flag + `"`
		}
		fix = &lint.Fix{Description: "add " + flag, Edits: []lint.Edit{lint.Insert(afterWord(name), text)}}
	}
	p.ReportFix(pc.Span(), msg, fix)
}

func pkgValuesOf(ws []shellscript.Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Value
	}
	return out
}

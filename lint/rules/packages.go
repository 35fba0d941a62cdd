package rules

// The package managers of the language and RPM ecosystems as their rules
// read them: pip, npm, gem, yum, dnf, zypper, yarn and go (DL3013 ...
// DL3062).

import (
	"regexp"
	"slices"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

// toolCall is a package-manager invocation seen through its own argument
// list: for `python -m pip install x` the tool is pip, Args are the words
// after `pip`, and Head is `python` (where the call starts).
type toolCall struct {
	*shellscript.Command
	Script *shellscript.Script
	// Head is the first word of the call.
	Head shellscript.Word
	// Sub is the subcommand word (`install`), SubIdx its index in Args.
	Sub    shellscript.Word
	SubIdx int
}

// Ops returns the operands after the subcommand.
func (tc toolCall) Ops(valueFlags shellscript.ValueFlags) []shellscript.Word {
	return shellscript.Operands(tc.Args[tc.SubIdx+1:], valueFlags)
}

// Span is the range from the call's first word through its subcommand.
func (tc toolCall) Span() dockerfile.Range {
	return dockerfile.Range{Start: tc.Head.Range.Start, End: tc.Sub.Range.End}
}

// subcommandCall finds the first operand of c (skipping the values of
// valueFlags) and returns the call with it as the subcommand. It must be
// literal, and come before any "--".
func subcommandCall(s *shellscript.Script, c *shellscript.Command, head shellscript.Word, valueFlags shellscript.ValueFlags) (toolCall, bool) {
	for i := 0; i < len(c.Args); i++ {
		v := c.Args[i].Value
		if v == "--" {
			return toolCall{}, false
		}
		if strings.HasPrefix(v, "-") && v != "-" {
			if valueFlags.TakesValue(v) {
				i++
			}
			continue
		}
		if !c.Args[i].Literal {
			return toolCall{}, false
		}
		return toolCall{Command: c, Script: s, Head: head, Sub: c.Args[i], SubIdx: i}, true
	}
	return toolCall{}, false
}

// callOf returns c as a call of one of the tools (by base name) with one
// of the subcommands.
func callOf(s *shellscript.Script, c *shellscript.Command, tools []string, subs []string, valueFlags shellscript.ValueFlags) (toolCall, bool) {
	if !c.Is(tools...) {
		return toolCall{}, false
	}
	tc, ok := subcommandCall(s, c, c.NameWord, valueFlags)
	if !ok || !slices.Contains(subs, tc.Sub.Value) {
		return toolCall{}, false
	}
	return tc, true
}

var (
	pipName    = regexp.MustCompile(`^pip[0-9.]*$`)
	pythonName = regexp.MustCompile(`^python[0-9.]*$`)
)

// pipGlobalOptions are pip's general options that take a value.
var pipGlobalOptions = shellscript.NewValueFlags("--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host",
	"--cert", "--client-cert", "--cache-dir", "--log", "--log-file", "--python", "--keyring-provider", "--use-feature", "--use-deprecated")

// pipCall returns c as a pip call with subcommand sub: `pip install`,
// `pip3.12 install`, `/venv/bin/pip install`, `python3 -m pip install`
// (not pipx, pipenv or `uv pip`).
func pipCall(s *shellscript.Script, c *shellscript.Command, sub string) (toolCall, bool) {
	if c.Name == "" {
		return toolCall{}, false
	}
	base := c.Base()
	var inner *shellscript.Command
	switch {
	case pipName.MatchString(base):
		inner = c
	case pythonName.MatchString(base):
		for i, a := range c.Args {
			v := a.Value
			if v == "-m" && i+1 < len(c.Args) && c.Args[i+1].Value == "pip" {
				inner = c.Tail(i + 1)
				break
			}
			if v == "-mpip" {
				inner = c.Tail(i)
				inner.Name = "pip"
				break
			}
			if !strings.HasPrefix(v, "-") {
				break // a script: python x.py -m pip
			}
		}
	}
	if inner == nil {
		return toolCall{}, false
	}
	tc, ok := subcommandCall(s, inner, c.NameWord, pipGlobalOptions)
	if !ok || tc.Sub.Value != sub {
		return toolCall{}, false
	}
	return tc, true
}

// uncleanedUse finds, in one script, the package-manager commands that
// leave a cache (isUse) and whether one of them has no cleanup (isClean)
// after it; it returns the first such command (the first use after the
// last cleanup).
func uncleanedUse(s *shellscript.Script, isUse func(*shellscript.Command) (toolCall, bool), isClean func(*shellscript.Command) bool) (toolCall, bool) {
	var first toolCall
	pending := false
	for _, raw := range s.Commands {
		c := raw.Unwrap()
		if tc, ok := isUse(c); ok {
			if !pending {
				first, pending = tc, true
			}
			continue
		}
		if pending && isClean(c) {
			pending = false
		}
	}
	return first, pending
}

// homeCacheMounted reports a cache mount on a home's .cache directory
// (/home/app/.cache), where the tools of a non-root user keep their caches.
func homeCacheMounted(s *shellscript.Script) bool {
	for _, m := range s.Mounts {
		if (m.Type == "cache" || m.Type == "tmpfs") && strings.HasSuffix(shellDir(m.Target), "/.cache") {
			return true
		}
	}
	return false
}

// rpmVersioned reports whether an rpm package spec carries a version:
// name-version[-release], every part after the first dash made of version
// characters and one starting with a digit (hadolint's DL3041 test).
func rpmVersioned(spec string) bool {
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

// rpmLocal reports whether an rpm-family operand is not a repository
// package name to pin: a file or URL, a group or module (@...), a file
// capability (/usr/bin/x) or another capability (perl(Foo)).
func rpmLocal(v string) bool {
	return strings.HasSuffix(v, ".rpm") || strings.Contains(v, "/") || strings.HasPrefix(v, "@") ||
		strings.ContainsAny(v, "()") || strings.HasPrefix(v, ".")
}

// rpmOptions are the yum/dnf/microdnf options that take a separate value.
var rpmOptions = shellscript.NewValueFlags("--enablerepo", "--disablerepo", "--setopt", "-x", "--exclude", "--installroot",
	"--releasever", "-c", "--config", "--repo", "--repoid", "-R", "--randomwait", "-d", "--debuglevel",
	"-e", "--errorlevel", "--downloaddir", "--destdir", "--forcearch", "--color", "--rpmverbosity",
	"--comment", "--advisory", "--advisories", "--bz", "--cve", "--sec-severity", "--secseverity",
	"--platform-id", "--repofrompath")

// rpmPromptSubs are the yum/dnf subcommands that ask for a confirmation
// unless -y is given.
var rpmPromptSubs = []string{"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade",
	"update-to", "upgrade-to", "remove", "erase", "downgrade", "autoremove", "distro-sync", "distribution-synchronization",
	"swap", "groupupdate", "groupremove", "groupupgrade", "group", "module"}

// rpmGroupSubs are the actions of `group` and `module` that ask.
var rpmGroupSubs = []string{"install", "remove", "erase", "update", "upgrade", "enable", "disable", "reset", "switch-to", "mark"}

// rpmAsks returns c as a yum/dnf call (tools) that asks for a
// confirmation and has no -y.
func rpmAsks(s *shellscript.Script, c *shellscript.Command, tools []string) (toolCall, bool) {
	tc, ok := callOf(s, c, tools, rpmPromptSubs, rpmOptions)
	if !ok || c.HasFlag("-y", "--assumeyes", "--assumeno") {
		return toolCall{}, false
	}
	if tc.Sub.Value == "group" || tc.Sub.Value == "module" {
		ops := tc.Ops(rpmOptions)
		if len(ops) == 0 || !slices.Contains(rpmGroupSubs, ops[0].Value) {
			return toolCall{}, false
		}
	}
	return tc, true
}

// rpmInstalls returns c as a yum/dnf call that downloads packages into
// the cache.
func rpmInstalls(s *shellscript.Script, c *shellscript.Command, tools []string) (toolCall, bool) {
	tc, ok := callOf(s, c, tools, []string{"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "distro-sync", "downgrade", "group", "module"}, rpmOptions)
	if !ok {
		return toolCall{}, false
	}
	if tc.Sub.Value == "group" || tc.Sub.Value == "module" {
		ops := tc.Ops(rpmOptions)
		if len(ops) == 0 || !slices.Contains([]string{"install", "update", "upgrade"}, ops[0].Value) {
			return toolCall{}, false
		}
	}
	return tc, true
}

// rpmUnpinned reports the unpinned packages of yum/dnf install calls:
// package names without -<version>, modules without :<stream>.
func rpmUnpinned(p *lint.Pass, tools []string, report func(w shellscript.Word, name string, module bool)) {
	eachCommand(p, func(s *shellscript.Script, c *shellscript.Command) {
		tc, ok := callOf(s, c, tools, []string{"install", "module"}, rpmOptions)
		if !ok {
			return
		}
		ops := tc.Ops(rpmOptions)
		module := tc.Sub.Value == "module"
		if module {
			if len(ops) == 0 || ops[0].Value != "install" {
				return
			}
			ops = ops[1:]
		}
		eachOperand(p, s, ops, func(w shellscript.Word, v string) {
			switch {
			case strings.HasPrefix(v, "-"):
			case module:
				if !strings.Contains(v, ":") {
					report(w, v, true)
				}
			case rpmLocal(v) || rpmVersioned(v):
			default:
				report(w, v, false)
			}
		})
	})
}

// eachOperand calls fn for every non-empty argument the operand words give
// (wordFields); words whose value is not known are skipped.
func eachOperand(p *lint.Pass, s *shellscript.Script, ops []shellscript.Word, fn func(w shellscript.Word, v string)) {
	for _, w := range ops {
		vals, ok := wordFields(p, s, w)
		if !ok {
			continue
		}
		for _, v := range vals {
			if v != "" {
				fn(w, v)
			}
		}
	}
}

// rpmCacheDirs are where yum, dnf and microdnf keep their caches.
var rpmCacheDirs = []string{"/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5"}

// rpmCleaned reports whether c cleans the yum/dnf cache: `<tool> clean
// all` (also `packages`/`metadata` and the like together), or a recursive
// rm of the cache directory.
func rpmCleaned(c *shellscript.Command, tools []string, dirs []string) bool {
	if c.Is(tools...) {
		ops := c.Operands(rpmOptions)
		return len(ops) >= 2 && ops[0].Value == "clean" && slices.Contains(values(ops[1:]), "all")
	}
	return removesDir(c, dirs...)
}

// rpmCleanupRule reports the RUNs where tools install packages without a
// cache cleanup after them (DL3032, DL3040).
func rpmCleanupRule(p *lint.Pass, tools []string, msg func(tool string) string, keywords ...string) {
	cleaners := []string{"yum", "dnf", "microdnf"}
	for _, s := range shippedScripts(p) {
		if cacheMounted(s, rpmCacheDirs, keywords...) {
			continue
		}
		tc, ok := uncleanedUse(s,
			func(c *shellscript.Command) (toolCall, bool) { return rpmInstalls(s, c, tools) },
			func(c *shellscript.Command) bool { return rpmCleaned(c, cleaners, rpmCacheDirs) })
		if ok {
			p.Report(tc.Span(), msg(tc.Base()))
		}
	}
}

// zypperOptions are zypper's options (global and of install) that take a
// separate value.
var zypperOptions = shellscript.NewValueFlags("-t", "--type", "-r", "--repo", "--from", "-R", "--root", "-D", "--reposd-path",
	"-C", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir", "-c", "--config",
	"--installroot", "--download", "-p", "--plus-repo", "--plus-content", "--releasever")

// reportMissingYes reports a call that asks for a confirmation, with a fix
// that puts flag right after the command name (a global option there is
// valid for every subcommand).
func reportMissingYes(p *lint.Pass, tc toolCall, flag, msg string) {
	p.ReportFix(tc.Span(), msg, optionFix(p, tc.Command, tc.NameWord, flag))
}

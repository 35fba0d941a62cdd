package shellscript

import (
	"path"
	"slices"
	"strings"
)

// Base is the command name without its directory ("/usr/bin/apt-get" -> "apt-get").
func (c *Command) Base() string { return path.Base(c.Name) }

// Is reports whether the command's base name is one of names.
func (c *Command) Is(names ...string) bool {
	return c.Name != "" && slices.Contains(names, c.Base())
}

// wrapper is how a command that runs another command reads its own
// arguments.
type wrapper struct {
	// values are its options that take a value.
	values ValueFlags
	// lookups are its options with which it does not run the command
	// (command -v, sudo -l).
	lookups []string
	// operands is how many operands come before the command (timeout's
	// duration).
	operands int
	// assigns is set when NAME=value words may come before the command (env).
	assigns bool
}

// wrappers run the command that follows their own options. xargs is not
// one: the command it runs gets more arguments from standard input, so its
// words are not the command line (package lists, -I placeholders) and
// rules would judge an incomplete command (`... | xargs apk add` is
// silent). gosu and su-exec (USER COMMAND) are not unwrapped either, as
// before: doing so would be a change of its own for the rules.
var wrappers = map[string]wrapper{
	"sudo": {
		values: NewValueFlags("-u", "--user", "-g", "--group", "-C", "--close-from", "-D", "--chdir", "-h", "--host",
			"-p", "--prompt", "-r", "--role", "-t", "--type", "-U", "--other-user", "-T", "--command-timeout", "-R", "--chroot"),
		lookups: []string{"-l", "--list", "-e", "--edit", "-v", "--validate", "-V", "--version", "-K", "--remove-timestamp"},
	},
	"doas":    {values: NewValueFlags("-u"), lookups: []string{"-C", "-L"}},
	"env":     {values: NewValueFlags("-u", "--unset", "-C", "--chdir", "-S", "--split-string"), assigns: true},
	"nice":    {values: NewValueFlags("-n", "--adjustment")},
	"nohup":   {},
	"exec":    {values: NewValueFlags("-a")},
	"command": {lookups: []string{"-v", "-V"}},
	"time":    {values: NewValueFlags("-f", "--format", "-o", "--output")},
	"timeout": {values: NewValueFlags("-s", "--signal", "-k", "--kill-after"), operands: 1},
}

// Unwrap returns the command that c runs through wrappers such as sudo,
// env, nice, nohup, exec, command and timeout, their options (and option
// values: sudo -u USER, env -u NAME, nice -n N, timeout's duration)
// skipped; c itself when c runs nothing else. `command -v NAME`, `type
// NAME`, `sudo -l` and the like look a command up without running it:
// they are commands of their own. The command of `env -S 'cmd args'` is
// split out of its string (its words then all carry the string's range).
func (c *Command) Unwrap() *Command {
	for {
		next := c.wrapped()
		if next == nil {
			return c
		}
		c = next
	}
}

// WrapperChain returns c and the commands it runs through wrappers, one
// level at a time: `env X=1 sudo -u app make` gives env, sudo and make.
func (c *Command) WrapperChain() []*Command {
	out := []*Command{c}
	for cur := c; ; {
		next := cur.wrapped()
		if next == nil {
			return out
		}
		out = append(out, next)
		cur = next
	}
}

// wrapped is the command a wrapper runs, nil when c is not a wrapper or
// runs no command.
func (c *Command) wrapped() *Command {
	w, ok := wrappers[c.Base()]
	if c.Name == "" || !ok {
		return nil
	}
	operands := w.operands
	options := true
	var split *Word // the value of env -S
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i].Value
		switch {
		case options && a == "--":
			options = false
		case options && strings.HasPrefix(a, "-"):
			if w.lookup(a) {
				return nil
			}
			if c.Is("env") && (strings.HasPrefix(a, "-S") || a == "--split-string" || strings.HasPrefix(a, "--split-string=")) {
				if v, ok := optionValue(c.Args, i, "-S", "--split-string"); ok {
					split = &Word{Value: v.value, Literal: v.word.Literal, Raw: v.word.Raw, Range: v.word.Range}
				}
			}
			if w.values.TakesValue(a) {
				i++
			}
		case w.assigns && strings.Contains(a, "="):
		case operands > 0:
			operands--
		default:
			if split != nil {
				return c.splitString(*split, c.Args[i:])
			}
			return c.Tail(i)
		}
	}
	if split != nil {
		return c.splitString(*split, nil)
	}
	return nil
}

// lookup reports whether option word a is one with which the wrapper
// does not run the command.
func (w wrapper) lookup(a string) bool {
	if len(w.lookups) == 0 {
		return false
	}
	if strings.HasPrefix(a, "--") {
		name, _, _ := strings.Cut(a, "=")
		return slices.Contains(w.lookups, name)
	}
	for i := 1; i < len(a); i++ {
		f := "-" + a[i:i+1]
		if slices.Contains(w.lookups, f) {
			return true
		}
		if w.values[f] {
			return false // the rest of the word is the option's value
		}
	}
	return false
}

// splitString is the command of `env -S 'cmd args' more`: the string's
// fields, then the words after it. The string must be literal and plain
// (no quotes, escapes or $ that env would interpret).
func (c *Command) splitString(s Word, rest []Word) *Command {
	if !s.Literal || strings.ContainsAny(s.Value, `"'\$`) {
		return nil
	}
	fields := strings.Fields(s.Value)
	if len(fields) == 0 {
		return nil
	}
	words := make([]Word, 0, len(fields)+len(rest))
	for _, f := range fields {
		words = append(words, Word{Value: f, Literal: true, Raw: f, Range: s.Range})
	}
	words = append(words, rest...)
	n := *c
	n.NameWord, n.Args, n.Name = words[0], words[1:], words[0].Value
	return &n
}

// Tail is the command whose name is Args[i] and whose arguments are the
// words after it, in c's place in the script: what a wrapper (`sudo
// make`), `python -m pip` or `find -exec chmod` runs. Its Range is c's.
func (c *Command) Tail(i int) *Command {
	n := *c
	n.NameWord, n.Args, n.Name = c.Args[i], c.Args[i+1:], ""
	if n.NameWord.Literal {
		n.Name = n.NameWord.Value
	}
	return &n
}

// HasFlag reports whether any of the flags is given: "-y" matches -y and
// combined short flags such as -yq; "--yes" matches --yes and --yes=...
// Words after "--" are not flags.
func (c *Command) HasFlag(flags ...string) bool {
	_, _, ok := c.flag(flags)
	return ok
}

// FlagValue returns the value of the first of flags given: --opt=value,
// --opt value, -o value, -ovalue, or a short flag combined after others
// (-qO- gives "-" for -O). A flag without a value at the end of the
// command gives "", true.
func (c *Command) FlagValue(flags ...string) (string, bool) {
	v, _, ok := c.FlagValueWord(flags...)
	return v, ok
}

// FlagValueWord is FlagValue with the word that holds the value: the word
// after the flag, or the flag's own word when the value is attached
// (-u1000, --uid=1000); the flag's word when the value is missing.
func (c *Command) FlagValueWord(flags ...string) (string, Word, bool) {
	i, f, ok := c.flag(flags)
	if !ok {
		return "", Word{}, false
	}
	v, _ := optionValue(c.Args, i, f)
	return v.value, v.word, true
}

type flagValue struct {
	value string
	word  Word
}

// optionValue reads the value of flag f (one of flags) given in args[i].
func optionValue(args []Word, i int, flags ...string) (flagValue, bool) {
	a := args[i].Value
	next := func() (flagValue, bool) {
		if i+1 < len(args) {
			return flagValue{args[i+1].Value, args[i+1]}, true
		}
		return flagValue{"", args[i]}, true
	}
	for _, f := range flags {
		switch {
		case strings.HasPrefix(f, "--"):
			if a == f {
				return next()
			}
			if v, ok := strings.CutPrefix(a, f+"="); ok {
				return flagValue{v, args[i]}, true
			}
		case len(f) == 2 && f[0] == '-' && !strings.HasPrefix(a, "--"):
			if k := strings.IndexByte(a[1:], f[1]); k >= 0 {
				if rest := a[k+2:]; rest != "" {
					return flagValue{rest, args[i]}, true
				}
				return next()
			}
		}
	}
	return flagValue{}, false
}

// FlagWord returns the word that holds the first of flags.
func (c *Command) FlagWord(flags ...string) (Word, bool) {
	i, _, ok := c.flag(flags)
	if !ok {
		return Word{}, false
	}
	return c.Args[i], true
}

func (c *Command) flag(flags []string) (int, string, bool) {
	return findFlag(c.Args, flags)
}

// findFlag returns the index of the first word of args that gives one of
// flags, and which flag it gives.
func findFlag(args []Word, flags []string) (int, string, bool) {
	for i, w := range args {
		a := w.Value
		if a == "--" {
			return 0, "", false
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		for _, f := range flags {
			switch {
			case strings.HasPrefix(f, "--"):
				if a == f || strings.HasPrefix(a, f+"=") {
					return i, f, true
				}
			case len(f) == 2 && f[0] == '-':
				if !strings.HasPrefix(a, "--") && strings.ContainsRune(a[1:], rune(f[1])) {
					return i, f, true
				}
			}
		}
	}
	return 0, "", false
}

// Positional returns the arguments that are not flags (all of them after
// "--"). A flag's separate value is not known and counts as positional;
// Operands knows the values of a tool's options.
func (c *Command) Positional() []Word {
	var out []Word
	rest := false
	for _, w := range c.Args {
		if rest {
			out = append(out, w)
			continue
		}
		if w.Value == "--" {
			rest = true
			continue
		}
		if strings.HasPrefix(w.Value, "-") && w.Value != "-" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// ValueFlags is a tool's table of the options that take a value as the
// next word ("-o", "--output"); the rules keep one per tool.
type ValueFlags map[string]bool

// NewValueFlags builds a ValueFlags of the options named.
func NewValueFlags(names ...string) ValueFlags {
	m := make(ValueFlags, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// TakesValue reports whether the option word arg is followed by its value
// as a separate word: a long option of the table written without "=", or
// short options (possibly combined, -qo) whose first letter in the table
// is the word's last (-ofile holds its value).
func (v ValueFlags) TakesValue(arg string) bool {
	if strings.HasPrefix(arg, "--") {
		return !strings.Contains(arg, "=") && v[arg]
	}
	for i := 1; i < len(arg); i++ {
		if v["-"+arg[i:i+1]] {
			return i == len(arg)-1
		}
	}
	return false
}

// Operands returns the arguments that are neither options nor the values
// of options in valueFlags (`--index-url URL`, `-i URL`, combined `-qi
// URL`). After "--" every word is an operand.
func (c *Command) Operands(valueFlags ValueFlags) []Word {
	return Operands(c.Args, valueFlags)
}

// Operands is Command.Operands over any list of arguments (those after a
// subcommand, say).
func Operands(args []Word, valueFlags ValueFlags) []Word {
	return OperandsWith(args, valueFlags.TakesValue)
}

// OperandsWith is Operands for a tool whose options ValueFlags cannot
// describe (go's -ldflags, one dash and never combined): takesValue says
// whether an option word is followed by its value.
func OperandsWith(args []Word, takesValue func(option string) bool) []Word {
	var out []Word
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if v == "--" {
			return append(out, args[i+1:]...)
		}
		if !strings.HasPrefix(v, "-") || v == "-" {
			out = append(out, args[i])
			continue
		}
		if takesValue(v) {
			i++
		}
	}
	return out
}

// Subcommand is the first positional argument ("install" in apt-get -y install x).
func (c *Command) Subcommand() string {
	p := c.Positional()
	if len(p) == 0 {
		return ""
	}
	return p[0].Value
}

// Has reports whether any argument equals one of values.
func (c *Command) Has(values ...string) bool {
	for _, w := range c.Args {
		for _, v := range values {
			if w.Value == v {
				return true
			}
		}
	}
	return false
}

// String is the command as written.
func (c *Command) String() string {
	parts := []string{c.NameWord.Raw}
	for _, a := range c.Args {
		parts = append(parts, a.Raw)
	}
	return strings.Join(parts, " ")
}

package policy

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Functions returns the functions a policy may call: go-cty's stdlib under
// the names Terraform gives them, try and can, and hoist's own (semver_*,
// duration, glob, startswith, endswith, strcontains, sanitize_tag). Each
// call returns a new map, so a caller may add to it.
//
// Left out on purpose: anything that reads files or the environment (file,
// templatefile, env: facts are the only input, and a fact is never
// evaluated as a template) and anything whose result changes between runs
// (timestamp, uuid), so that the same facts always give the same decisions.
func Functions() map[string]function.Function {
	fns := map[string]function.Function{
		// Strings.
		"chomp":         stdlib.ChompFunc,
		"format":        stdlib.FormatFunc,
		"formatlist":    stdlib.FormatListFunc,
		"indent":        stdlib.IndentFunc,
		"join":          stdlib.JoinFunc,
		"lower":         stdlib.LowerFunc,
		"upper":         stdlib.UpperFunc,
		"regex":         stdlib.RegexFunc,
		"regexall":      stdlib.RegexAllFunc,
		"regex_replace": stdlib.RegexReplaceFunc,
		"replace":       stdlib.ReplaceFunc,
		"split":         stdlib.SplitFunc,
		"strrev":        stdlib.ReverseFunc,
		"substr":        stdlib.SubstrFunc,
		"title":         stdlib.TitleFunc,
		"trim":          stdlib.TrimFunc,
		"trimprefix":    stdlib.TrimPrefixFunc,
		"trimsuffix":    stdlib.TrimSuffixFunc,
		"trimspace":     stdlib.TrimSpaceFunc,

		// Collections.
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"keys":            stdlib.KeysFunc,
		"length":          fnLength,
		"lookup":          stdlib.LookupFunc,
		"merge":           stdlib.MergeFunc,
		"range":           stdlib.RangeFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,

		// Numbers.
		"abs":      stdlib.AbsoluteFunc,
		"ceil":     stdlib.CeilFunc,
		"floor":    stdlib.FloorFunc,
		"log":      stdlib.LogFunc,
		"max":      stdlib.MaxFunc,
		"min":      stdlib.MinFunc,
		"parseint": stdlib.ParseIntFunc,
		"pow":      stdlib.PowFunc,
		"signum":   stdlib.SignumFunc,

		// Encoding and dates (formatdate and timeadd work on the RFC 3339
		// strings of facts such as image.created).
		"jsonencode": stdlib.JSONEncodeFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"csvdecode":  stdlib.CSVDecodeFunc,
		"formatdate": stdlib.FormatDateFunc,
		"timeadd":    stdlib.TimeAddFunc,

		// Types and errors.
		"can":      tryfunc.CanFunc,
		"try":      tryfunc.TryFunc,
		"tobool":   stdlib.MakeToFunc(cty.Bool),
		"tonumber": stdlib.MakeToFunc(cty.Number),
		"tostring": stdlib.MakeToFunc(cty.String),
		"tolist":   stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset":    stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tomap":    stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),

		// hoist.
		"duration":     fnDuration,
		"glob":         fnGlob,
		"startswith":   fnStringPredicate("prefix", strings.HasPrefix, "Reports whether the string starts with the prefix; a null string gives false."),
		"endswith":     fnStringPredicate("suffix", strings.HasSuffix, "Reports whether the string ends with the suffix; a null string gives false."),
		"strcontains":  fnStringPredicate("substr", strings.Contains, "Reports whether the string contains the substring; a null string gives false."),
		"sanitize_tag": fnSanitizeTag,
	}
	for name, f := range semverFunctions() {
		fns[name] = f
	}
	return fns
}

func fnNotNull(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() }

// fnLength is Terraform's length: stdlib's counts only collections; a
// policy also wants the length of a string (in characters) and of an object.
var fnLength = function.New(&function.Spec{
	Description: "Returns the number of elements of a list, set, tuple or map, attributes of an object, or characters of a string.",
	Params: []function.Parameter{{
		Name:             "value",
		Type:             cty.DynamicPseudoType,
		AllowDynamicType: true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.String, ty == cty.DynamicPseudoType, ty.IsObjectType(),
			ty.IsListType(), ty.IsSetType(), ty.IsMapType(), ty.IsTupleType():
			return cty.Number, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "length needs a string, list, set, tuple, map or object, not %s", ty.FriendlyName())
	},
	RefineResult: fnNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		switch ty := v.Type(); {
		case ty == cty.String:
			return stdlib.Strlen(v)
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))), nil
		}
		return v.Length(), nil
	},
})

// fnStringPredicate builds startswith and friends. A null string (an
// untagged image's image.tag, a build without git.tag) gives false rather
// than an error: it has no prefix, suffix or substring. A null pattern is
// still an error, since that is a mistake in the policy.
func fnStringPredicate(second string, pred func(s, x string) bool, desc string) function.Function {
	return function.New(&function.Spec{
		Description: desc,
		Params: []function.Parameter{
			{Name: "str", Type: cty.String, AllowNull: true},
			{Name: second, Type: cty.String},
		},
		Type:         function.StaticReturnType(cty.Bool),
		RefineResult: fnNotNull,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if args[0].IsNull() {
				return cty.False, nil
			}
			return cty.BoolVal(pred(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

// ---- duration ----

// durationUnits are the units ParseDuration accepts, largest first.
var durationUnits = []struct {
	name string
	d    time.Duration
}{
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
}

const durationHelp = `write whole numbers with units s (seconds), m (minutes), h (hours), d (days of 24h) or w (weeks of 7d), combined largest first, as in "90m", "36h", "14d", "2w" or "1d12h"`

// ParseDuration reads a policy duration: one or more whole numbers each
// followed by a unit (s, m, h, d = 24h, w = 7d), largest unit first and
// each unit at most once ("90m", "36h", "14d", "2w", "1w3d", "1d12h").
// There are no fractions, signs, spaces, months or years: a month or a year
// has no fixed length, and a retention rule should not depend on the
// calendar.
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty duration: %s", durationHelp)
	}
	var total time.Duration
	next := 0 // index into durationUnits of the largest unit still allowed
	for rest := s; rest != ""; {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("invalid duration %q: expected a number at %q; %s", s, rest, durationHelp)
		}
		digits := rest[:i]
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		if unit == "" {
			return 0, fmt.Errorf("invalid duration %q: %s has no unit; %s", s, digits, durationHelp)
		}
		k := next
		for k < len(durationUnits) && durationUnits[k].name != unit {
			k++
		}
		if k == len(durationUnits) {
			for _, u := range durationUnits[:next] {
				if u.name == unit {
					return 0, fmt.Errorf("invalid duration %q: unit %q repeated or after a smaller unit; %s", s, unit, durationHelp)
				}
			}
			return 0, fmt.Errorf("invalid duration %q: unknown unit %q; %s", s, unit, durationHelp)
		}
		next = k + 1
		n, ok := durationMul(digits, durationUnits[k].d)
		if !ok || total > math.MaxInt64-n {
			return 0, fmt.Errorf("invalid duration %q: too long", s)
		}
		total += n
	}
	return total, nil
}

// durationMul returns digits × unit, false on overflow.
func durationMul(digits string, unit time.Duration) (time.Duration, bool) {
	var n time.Duration
	for _, c := range digits {
		d := time.Duration(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if n > math.MaxInt64/unit {
		return 0, false
	}
	return n * unit, true
}

var fnDuration = function.New(&function.Spec{
	Description: `Returns a duration such as "90m", "36h", "14d", "2w" or "1d12h" in seconds.`,
	Params:      []function.Parameter{{Name: "duration", Type: cty.String}},
	Type:        function.StaticReturnType(cty.Number),
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder {
		return b.NotNull().NumberRangeLowerBound(cty.Zero, true)
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		d, err := ParseDuration(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.Number), function.NewArgError(0, err)
		}
		return cty.NumberIntVal(int64(d / time.Second)), nil
	},
})

// ---- glob ----

// Glob reports whether s matches pattern as a whole. The syntax is
// path.Match's, plus "**":
//
//	"*"      any run of characters except "/"
//	"?"      one character except "/"
//	"[a-z]"  one character in the class; "[^a-z]" or "[!a-z]" one
//	         character not in it and not "/"; "\" escapes in a class too
//	"\x"     the character x itself
//	"**"     any run of characters including "/"; "**/" at the start or
//	         after a "/" may also match nothing, so "a/**/b" matches "a/b"
//	         and "a/x/y/b", and "**/web" matches "web"
//
// Matching is case-sensitive. A malformed pattern is an error, never a
// non-match, so a typo in a protect rule cannot silently protect nothing.
func Glob(pattern, s string) (bool, error) {
	re, err := fnGlobRegexp(pattern)
	if err != nil {
		return false, err
	}
	return re.MatchString(s), nil
}

// fnGlobRegexp translates a glob into an anchored regular expression.
func fnGlobRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	p := pattern
	atSegmentStart := true
	for p != "" {
		c := p[0]
		switch {
		case strings.HasPrefix(p, "**"):
			n := 2
			for n < len(p) && p[n] == '*' {
				n++
			}
			slash := atSegmentStart && n < len(p) && p[n] == '/'
			if slash {
				b.WriteString(`(?:.*/)?`)
				n++
			} else {
				b.WriteString(`.*`)
			}
			p = p[n:]
			atSegmentStart = slash
			continue
		case c == '*':
			b.WriteString(`[^/]*`)
		case c == '?':
			b.WriteString(`[^/]`)
		case c == '\\':
			if len(p) == 1 {
				return nil, fmt.Errorf("invalid glob %q: it ends in a lone \\", pattern)
			}
			r, size := fnGlobRune(p[1:])
			b.WriteString(regexp.QuoteMeta(r))
			p = p[1+size:]
			atSegmentStart = false
			continue
		case c == '[':
			class, n, err := fnGlobClass(p)
			if err != nil {
				return nil, fmt.Errorf("invalid glob %q: %w", pattern, err)
			}
			b.WriteString(class)
			p = p[n:]
			atSegmentStart = false
			continue
		default:
			r, size := fnGlobRune(p)
			b.WriteString(regexp.QuoteMeta(r))
			p = p[size:]
			atSegmentStart = c == '/'
			continue
		}
		p = p[1:]
		atSegmentStart = false
	}
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	if err != nil { // only for a pattern that is not UTF-8
		return nil, fmt.Errorf("invalid glob %q: %w", pattern, err)
	}
	return re, nil
}

// fnGlobRune returns the first character of s (a whole UTF-8 sequence, or
// one byte when s is not valid UTF-8) and its length.
func fnGlobRune(s string) (string, int) {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n], n
}

// fnGlobClass translates the character class at the start of p ("[...]")
// and returns how many bytes of p it took. Every member is written as
// \x{HEX}, which means the character itself in any position of a regexp
// class.
func fnGlobClass(p string) (string, int, error) {
	var b strings.Builder
	b.WriteByte('[')
	i := 1
	if i < len(p) && (p[i] == '^' || p[i] == '!') {
		b.WriteString(`^/`)
		i++
	}
	first := true
	for {
		if i >= len(p) {
			return "", 0, errors.New("a [ is not closed by ]")
		}
		if p[i] == ']' && !first {
			b.WriteByte(']')
			return b.String(), i + 1, nil
		}
		first = false
		lo, n, err := fnGlobClassChar(p[i:])
		if err != nil {
			return "", 0, err
		}
		i += n
		fmt.Fprintf(&b, `\x{%x}`, lo)
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi, n, err := fnGlobClassChar(p[i+1:])
			if err != nil {
				return "", 0, err
			}
			if hi < lo {
				return "", 0, fmt.Errorf("the range %c-%c is backwards", lo, hi)
			}
			fmt.Fprintf(&b, `-\x{%x}`, hi)
			i += 1 + n
		}
	}
}

// fnGlobClassChar reads one (possibly \-escaped) character of a class.
func fnGlobClassChar(p string) (rune, int, error) {
	if p[0] == '\\' {
		if len(p) == 1 {
			return 0, 0, errors.New("a [ is not closed by ]")
		}
		r, n := utf8.DecodeRuneInString(p[1:])
		return r, n + 1, nil
	}
	r, n := utf8.DecodeRuneInString(p)
	return r, n, nil
}

var fnGlob = function.New(&function.Spec{
	Description: `Reports whether the string matches the glob pattern as a whole: * and ? do not cross "/", ** does, [a-z] is a class; a null string gives false.`,
	Params: []function.Parameter{
		{Name: "pattern", Type: cty.String},
		{Name: "str", Type: cty.String, AllowNull: true},
	},
	Type:         function.StaticReturnType(cty.Bool),
	RefineResult: fnNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		re, err := fnGlobRegexp(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.Bool), function.NewArgError(0, err)
		}
		if args[1].IsNull() {
			return cty.False, nil
		}
		return cty.BoolVal(re.MatchString(args[1].AsString())), nil
	},
})

// ---- sanitize_tag ----

// SanitizeTag turns s (typically a branch name) into a valid OCI tag
// ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}): ASCII letters are lower-cased (so
// that Feature/X and feature/x give the same tag), every run of characters
// outside [a-z0-9_.-] becomes one "-", leading and trailing "." and "-" are
// dropped, and the result is cut to 128 characters (then trimmed again).
// "feature/Foo#12" gives "feature-foo-12". A string with nothing left is
// an error: there is no tag to make of it.
func SanitizeTag(s string) (string, error) {
	b := make([]byte, 0, len(s))
	inRun := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' {
			b = append(b, c)
			inRun = false
			continue
		}
		if !inRun {
			b = append(b, '-')
			inRun = true
		}
	}
	t := strings.TrimLeft(string(b), ".-")
	if len(t) > semverMaxTagLen {
		t = t[:semverMaxTagLen]
	}
	t = strings.TrimRight(t, ".-")
	if t == "" {
		return "", fmt.Errorf("cannot make a tag of %q: it has no letter, digit or _ (a tag is [A-Za-z0-9_][A-Za-z0-9._-]{0,127})", s)
	}
	return t, nil
}

var fnSanitizeTag = function.New(&function.Spec{
	Description:  `Turns a string such as a branch name into a valid image tag: lower-case, each run of other characters than a-z 0-9 _ . - becomes "-", no leading or trailing "." or "-", at most 128 characters.`,
	Params:       []function.Parameter{{Name: "str", Type: cty.String}},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: fnNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		t, err := SanitizeTag(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), function.NewArgError(0, err)
		}
		return cty.StringVal(t), nil
	},
})

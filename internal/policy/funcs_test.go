package policy

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// fnEval evaluates src as an HCL expression with Functions() and vars, the
// way a policy's expressions are evaluated.
func fnEval(t *testing.T, src string, vars map[string]cty.Value) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse %s: %s", src, diags.Error())
	}
	return expr.Value(&hcl.EvalContext{Functions: Functions(), Variables: vars})
}

// fnJSON renders a known value as JSON without its type, for comparing.
func fnJSON(t *testing.T, v cty.Value) string {
	t.Helper()
	if !v.IsWhollyKnown() {
		return "<unknown>"
	}
	b, err := ctyjson.SimpleJSONValue{Value: v}.MarshalJSON()
	if err != nil {
		t.Fatalf("marshal %#v: %v", v, err)
	}
	return string(b)
}

// fnCase is one expression and either its value as JSON or a substring of
// the error it must give.
type fnCase struct {
	expr    string
	want    string
	wantErr string
}

func fnRun(t *testing.T, cases []fnCase, vars map[string]cty.Value) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			got, diags := fnEval(t, c.expr, vars)
			if c.wantErr != "" {
				if !diags.HasErrors() {
					t.Fatalf("got %s, want an error containing %q", fnJSON(t, got), c.wantErr)
				}
				if !strings.Contains(diags.Error(), c.wantErr) {
					t.Fatalf("error %q does not contain %q", diags.Error(), c.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("unexpected error: %s", diags.Error())
			}
			if g := fnJSON(t, got); g != c.want {
				t.Errorf("got %s, want %s", g, c.want)
			}
		})
	}
}

func TestFunctionsStdlib(t *testing.T) {
	fnRun(t, []fnCase{
		// Strings.
		{expr: `chomp("a\n")`, want: `"a"`},
		{expr: `format("%s-%d", "pr", 12)`, want: `"pr-12"`},
		{expr: `formatlist("v%s", ["1", "2"])`, want: `["v1","v2"]`},
		{expr: `indent(2, "a\nb")`, want: `"a\n  b"`},
		{expr: `join(",", ["a", "b"])`, want: `"a,b"`},
		{expr: `lower("ABC")`, want: `"abc"`},
		{expr: `upper("abc")`, want: `"ABC"`},
		{expr: `regex("^pr-([0-9]+)$", "pr-12")`, want: `["12"]`},
		{expr: `regexall("[0-9]", "a1b2")`, want: `["1","2"]`},
		{expr: `regex_replace("a1b2", "[0-9]", "_")`, want: `"a_b_"`},
		{expr: `replace("a/b/c", "/", "-")`, want: `"a-b-c"`},
		{expr: `split("/", "refs/heads/main")`, want: `["refs","heads","main"]`},
		{expr: `strrev("abc")`, want: `"cba"`},
		{expr: `substr("abcdef", 1, 3)`, want: `"bcd"`},
		{expr: `title("hello world")`, want: `"Hello World"`},
		{expr: `trim("--a--", "-")`, want: `"a"`},
		{expr: `trimprefix("refs/heads/main", "refs/heads/")`, want: `"main"`},
		{expr: `trimsuffix("app.tar", ".tar")`, want: `"app"`},
		{expr: `trimspace("  a ")`, want: `"a"`},
		// Collections.
		{expr: `chunklist(["a", "b", "c"], 2)`, want: `[["a","b"],["c"]]`},
		{expr: `coalesce(null, "x")`, want: `"x"`},
		{expr: `coalesce(null, "", "x")`, want: `""`}, // only null is skipped (facts are never "")
		{expr: `coalescelist([], ["a"])`, want: `["a"]`},
		{expr: `compact(["a", "", "b"])`, want: `["a","b"]`},
		{expr: `concat(["a"], ["b", "c"])`, want: `["a","b","c"]`},
		{expr: `contains(["latest", "edge"], "edge")`, want: `true`},
		{expr: `contains(["latest", "edge"], "main")`, want: `false`},
		{expr: `distinct(["a", "b", "a"])`, want: `["a","b"]`},
		{expr: `element(["a", "b"], 3)`, want: `"b"`},
		{expr: `flatten([["a"], ["b", ["c"]]])`, want: `["a","b","c"]`},
		{expr: `keys({b = 1, a = 2})`, want: `["a","b"]`},
		{expr: `lookup({a = "x"}, "b", "none")`, want: `"none"`},
		{expr: `merge({a = 1}, {b = 2})`, want: `{"a":1,"b":2}`},
		{expr: `range(3)`, want: `[0,1,2]`},
		{expr: `reverse(["a", "b"])`, want: `["b","a"]`},
		{expr: `setintersection(["a", "b"], ["b", "c"])`, want: `["b"]`},
		{expr: `setproduct(["a"], ["b"])`, want: `[["a","b"]]`},
		{expr: `setsubtract(["a", "b"], ["b"])`, want: `["a"]`},
		{expr: `setunion(["a"], ["b"])`, want: `["a","b"]`},
		{expr: `slice(["a", "b", "c"], 1, 3)`, want: `["b","c"]`},
		{expr: `sort(["b", "a", "c"])`, want: `["a","b","c"]`},
		{expr: `values({a = "x", b = "y"})`, want: `["x","y"]`},
		{expr: `zipmap(["a"], ["x"])`, want: `{"a":"x"}`},
		// length counts strings and objects too, as Terraform's does.
		{expr: `length(["a", "b"])`, want: `2`},
		{expr: `length({a = 1, b = 2, c = 3})`, want: `3`},
		{expr: `length(tomap({a = 1}))`, want: `1`},
		{expr: `length("héllo")`, want: `5`},
		{expr: `length("")`, want: `0`},
		{expr: `length(1)`, wantErr: "length needs a string, list, set, tuple, map or object"},
		// Numbers.
		{expr: `abs(-3)`, want: `3`},
		{expr: `ceil(1.2)`, want: `2`},
		{expr: `floor(1.8)`, want: `1`},
		{expr: `log(8, 2)`, want: `3`},
		{expr: `max(1, 5, 3)`, want: `5`},
		{expr: `min(4, 2)`, want: `2`},
		{expr: `parseint("ff", 16)`, want: `255`},
		{expr: `pow(2, 10)`, want: `1024`},
		{expr: `signum(-7)`, want: `-1`},
		// Encoding and dates.
		{expr: `jsonencode({tags = ["a"]})`, want: `"{\"tags\":[\"a\"]}"`},
		{expr: `jsondecode("{\"a\": 1}").a`, want: `1`},
		{expr: `csvdecode("a,b\n1,2")`, want: `[{"a":"1","b":"2"}]`},
		{expr: `formatdate("YYYY-MM-DD", "2025-03-04T05:06:07Z")`, want: `"2025-03-04"`},
		{expr: `timeadd("2025-03-04T00:00:00Z", "36h")`, want: `"2025-03-05T12:00:00Z"`},
		// Types and errors.
		{expr: `can(regex("^pr-[0-9]+$", "pr-12"))`, want: `true`},
		{expr: `can(regex("^pr-[0-9]+$", "main"))`, want: `false`},
		{expr: `try(regex("^v(.*)$", "main")[0], "none")`, want: `"none"`},
		{expr: `try(regex("^v(.*)$", "v1.2")[0], "none")`, want: `"1.2"`},
		{expr: `tobool("true")`, want: `true`},
		{expr: `tonumber("12")`, want: `12`},
		{expr: `tostring(12)`, want: `"12"`},
		{expr: `tolist(["a", "b"])`, want: `["a","b"]`},
		{expr: `toset(["b", "a", "b"])`, want: `["a","b"]`},
		{expr: `tomap({a = "x"})`, want: `{"a":"x"}`},
	}, nil)
}

// Functions that read the host or change between runs are not there: facts
// are a policy's only input, and the same facts give the same decisions.
func TestFunctionsLeftOut(t *testing.T) {
	fns := Functions()
	for _, name := range []string{"file", "fileexists", "templatefile", "env", "timestamp", "uuid", "plantimestamp", "bcrypt"} {
		if _, ok := fns[name]; ok {
			t.Errorf("Functions() has %q", name)
		}
	}
	want := []string{
		"regex", "regexall", "can", "try", "contains", "length", "lower", "upper", "format", "join",
		"split", "replace", "trimprefix", "trimsuffix", "concat", "distinct", "flatten", "keys", "values",
		"merge", "min", "max", "coalesce", "compact", "element", "slice", "sort", "tostring", "tonumber",
		"tobool", "tolist", "toset", "jsonencode",
		"semver_valid", "semver_compare", "semver_prerelease", "semver_major", "semver_minor",
		"semver_patch", "semver_max", "semver_tags", "duration", "glob", "startswith", "endswith",
		"sanitize_tag",
	}
	for _, name := range want {
		if _, ok := fns[name]; !ok {
			t.Errorf("Functions() lacks %q", name)
		}
	}
	// A fresh map each time: a caller's additions do not leak.
	fns["extra"] = fns["lower"]
	if _, ok := Functions()["extra"]; ok {
		t.Error("Functions() returned a shared map")
	}
}

func TestStringPredicates(t *testing.T) {
	fnRun(t, []fnCase{
		{expr: `startswith("sha-1a2b3c4", "sha-")`, want: `true`},
		{expr: `startswith("pr-12", "sha-")`, want: `false`},
		{expr: `startswith("", "")`, want: `true`},
		{expr: `startswith(null, "sha-")`, want: `false`},
		{expr: `startswith("sha-1", null)`, wantErr: "Invalid function argument"},
		{expr: `endswith("web-debug", "-debug")`, want: `true`},
		{expr: `endswith("web", "-debug")`, want: `false`},
		{expr: `endswith(null, "x")`, want: `false`},
		{expr: `strcontains("feature/x", "/")`, want: `true`},
		{expr: `strcontains("main", "/")`, want: `false`},
		{expr: `strcontains(null, "/")`, want: `false`},
		{expr: `startswith(1, "1")`, want: `true`}, // numbers convert to strings, as everywhere in HCL
	}, nil)
}

func TestDuration(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "90m", want: 90 * time.Minute},
		{in: "36h", want: 36 * time.Hour},
		{in: "14d", want: 14 * 24 * time.Hour},
		{in: "2w", want: 14 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "1w3d", want: 10 * 24 * time.Hour},
		{in: "1h30m15s", want: time.Hour + 30*time.Minute + 15*time.Second},
		{in: "1w1d1h1m1s", want: 7*24*time.Hour + 24*time.Hour + time.Hour + time.Minute + time.Second},
		{in: "0s", want: 0},
		{in: "45s", want: 45 * time.Second},
		{in: "1h90m", want: 150 * time.Minute}, // values need not be normalised
		{in: "007d", want: 7 * 24 * time.Hour},
		{in: "", wantErr: "empty duration"},
		{in: "14", wantErr: "14 has no unit"},
		{in: "1d12", wantErr: "12 has no unit"},
		{in: "1y", wantErr: `unknown unit "y"`},
		{in: "1mo", wantErr: `unknown unit "mo"`},
		{in: "90ms", wantErr: `unknown unit "ms"`},
		{in: "1D", wantErr: `unknown unit "D"`},
		{in: "12h1d", wantErr: `unit "d" repeated or after a smaller unit`},
		{in: "1h1h", wantErr: `unit "h" repeated or after a smaller unit`},
		{in: "1.5h", wantErr: `unknown unit "."`},
		{in: "-1h", wantErr: `expected a number at "-1h"`},
		{in: "h", wantErr: `expected a number at "h"`},
		{in: " 1h", wantErr: `expected a number`},
		{in: "1h ", wantErr: `unknown unit "h "`},
		{in: "99999999999w", wantErr: "too long"},
		{in: "15250w", want: 15250 * 7 * 24 * time.Hour},
		{in: "15251w", wantErr: "too long"},
		{in: "99999999999999999999999s", wantErr: "too long"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseDuration(c.in)
			if c.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseDuration(%q) = %v, want error", c.in, got)
				}
				if !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %q does not contain %q", err, c.wantErr)
				}
				// Every error says how to write a duration.
				if !strings.Contains(err.Error(), "too long") && !strings.Contains(err.Error(), "w (weeks of 7d)") {
					t.Errorf("error %q does not list the units", err)
				}
			} else if err != nil || got != c.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}

			// The same through HCL, in seconds.
			v, diags := fnEval(t, `duration(d)`, map[string]cty.Value{"d": cty.StringVal(c.in)})
			if c.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), c.wantErr) {
					t.Fatalf("duration(%q): diagnostics %q, want %q", c.in, diags.Error(), c.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if !v.RawEquals(cty.NumberIntVal(int64(c.want / time.Second))) {
				t.Fatalf("duration(%q) = %#v, want %d", c.in, v, int64(c.want/time.Second))
			}
		})
	}
}

func TestDurationInExpressions(t *testing.T) {
	vars := map[string]cty.Value{"age": cty.NumberIntVal(15 * 24 * 3600)}
	fnRun(t, []fnCase{
		{expr: `age > duration("14d")`, want: `true`},
		{expr: `age > duration("2w1d")`, want: `false`},
		{expr: `duration("1d") == 86400`, want: `true`},
		{expr: `duration(null)`, wantErr: "Invalid function argument"},
	}, vars)
}

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
		wantErr    string
	}{
		{pattern: "ghcr.io/acme/*", s: "ghcr.io/acme/web", want: true},
		{pattern: "ghcr.io/acme/*", s: "ghcr.io/acme/team/web", want: false},
		{pattern: "ghcr.io/acme/**", s: "ghcr.io/acme/team/web", want: true},
		{pattern: "ghcr.io/acme/**", s: "ghcr.io/acme/", want: true},
		{pattern: "ghcr.io/acme/**", s: "ghcr.io/acme", want: false},
		{pattern: "**/web", s: "web", want: true},
		{pattern: "**/web", s: "ghcr.io/acme/web", want: true},
		{pattern: "**/web", s: "ghcr.io/acme/webapp", want: false},
		{pattern: "a/**/b", s: "a/b", want: true},
		{pattern: "a/**/b", s: "a/x/y/b", want: true},
		{pattern: "a/**/b", s: "ab", want: false},
		{pattern: "a**b", s: "a/x/b", want: true},
		{pattern: "**", s: "", want: true},
		{pattern: "**", s: "any/thing", want: true},
		{pattern: "*", s: "", want: true},
		{pattern: "*", s: "a/b", want: false},
		{pattern: "", s: "", want: true},
		{pattern: "", s: "a", want: false},
		{pattern: "sha-*", s: "sha-1a2b3c4", want: true},
		{pattern: "sha-*", s: "pr-1", want: false},
		{pattern: "v?.*", s: "v1.2", want: true},
		{pattern: "v?.*", s: "v10.2", want: false},
		{pattern: "?", s: "/", want: false},
		{pattern: "?", s: "é", want: true},
		{pattern: "pr-[0-9]*", s: "pr-12", want: true},
		{pattern: "pr-[0-9]*", s: "pr-x", want: false},
		{pattern: "[^0-9]*", s: "x1", want: true},
		{pattern: "[!0-9]*", s: "1x", want: false},
		{pattern: "a[^x]b", s: "a/b", want: false},
		{pattern: "[abc]", s: "b", want: true},
		{pattern: "[]]", s: "]", want: true},
		{pattern: "[a-]", s: "-", want: true},
		{pattern: `[\]]`, s: "]", want: true},
		{pattern: `[\\]`, s: `\`, want: true},
		{pattern: "[.]", s: "x", want: false},
		{pattern: "[é-ë]", s: "ê", want: true},
		{pattern: `\*`, s: "*", want: true},
		{pattern: `\*`, s: "x", want: false},
		{pattern: `a\?`, s: "a?", want: true},
		{pattern: "1.2.*", s: "1.2.3", want: true},
		{pattern: "1.2.*", s: "1x2.3", want: false}, // "." is literal
		{pattern: "(a|b)", s: "(a|b)", want: true},  // regexp syntax is literal
		{pattern: "(a|b)", s: "a", want: false},
		{pattern: "^a$", s: "^a$", want: true},
		{pattern: "Web", s: "web", want: false}, // case-sensitive
		{pattern: "line*", s: "line\nbreak", want: true},
		{pattern: "[", wantErr: "not closed"},
		{pattern: "[a-", wantErr: "not closed"},
		{pattern: "[]", wantErr: "not closed"},
		{pattern: "[z-a]", wantErr: "backwards"},
		{pattern: `a\`, wantErr: `lone \`},
		{pattern: `[\`, wantErr: "not closed"},
		{pattern: "a\xff", wantErr: "invalid glob"}, // not UTF-8 (only Go callers can pass that)
	}
	for _, c := range cases {
		t.Run(c.pattern+"|"+c.s, func(t *testing.T) {
			got, err := Glob(c.pattern, c.s)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Glob(%q, %q) = %v, %v; want error %q", c.pattern, c.s, got, err, c.wantErr)
				}
			} else if err != nil || got != c.want {
				t.Fatalf("Glob(%q, %q) = %v, %v; want %v", c.pattern, c.s, got, err, c.want)
			}

			if !utf8.ValidString(c.pattern) {
				return
			}
			v, diags := fnEval(t, `glob(p, s)`, map[string]cty.Value{"p": cty.StringVal(c.pattern), "s": cty.StringVal(c.s)})
			if c.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), c.wantErr) {
					t.Fatalf("glob: diagnostics %q, want %q", diags.Error(), c.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if v.True() != c.want {
				t.Fatalf("glob(%q, %q) = %v, want %v", c.pattern, c.s, v.True(), c.want)
			}
		})
	}
}

func TestGlobNull(t *testing.T) {
	fnRun(t, []fnCase{
		{expr: `glob("sha-*", null)`, want: `false`},
		{expr: `glob(null, "x")`, wantErr: "Invalid function argument"},
		{expr: `glob("[", null)`, wantErr: "not closed"}, // a broken pattern fails even without a string
	}, nil)
}

func TestSanitizeTag(t *testing.T) {
	long := strings.Repeat("a", 200)
	cases := []struct {
		in, want, wantErr string
	}{
		{in: "feature/Foo#12", want: "feature-foo-12"},
		{in: "main", want: "main"},
		{in: "MAIN", want: "main"},
		{in: "release/1.2", want: "release-1.2"},
		{in: "dependabot/npm_and_yarn/lodash-4.17.21", want: "dependabot-npm_and_yarn-lodash-4.17.21"},
		{in: "a//b", want: "a-b"},
		{in: "a / b", want: "a-b"},
		{in: "a-/b", want: "a--b"}, // only runs of illegal characters collapse
		{in: "feature/", want: "feature"},
		{in: "/feature", want: "feature"},
		{in: ".hidden", want: "hidden"},
		{in: "-x-", want: "x"},
		{in: "..a..", want: "a"},
		{in: "_x", want: "_x"},
		{in: "__", want: "__"},
		{in: "café", want: "caf"},
		{in: "naïve-ü", want: "na-ve"},
		{in: "İ", wantErr: "cannot make a tag"}, // ASCII lower-casing only: no Unicode folding to "i"
		{in: "日本", wantErr: "cannot make a tag"},
		{in: "\xff\xfeab", want: "ab"},
		{in: `${file("/etc/passwd")}`, want: "file-etc-passwd"},
		{in: "v1.2.3+build", want: "v1.2.3-build"},
		{in: long, want: long[:128]},
		{in: strings.Repeat("a", 127) + "/b", want: strings.Repeat("a", 127)},
		{in: "-" + long, want: long[:128]},
		{in: "", wantErr: "cannot make a tag"},
		{in: "///", wantErr: "cannot make a tag"},
		{in: "...", wantErr: "cannot make a tag"},
		{in: "-.-", wantErr: "cannot make a tag"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := SanitizeTag(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("SanitizeTag(%q) = %q, %v; want error %q", c.in, got, err, c.wantErr)
				}
			} else if err != nil || got != c.want {
				t.Fatalf("SanitizeTag(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			if !utf8.ValidString(c.in) {
				return // HCL strings are always UTF-8; only the Go function sees these
			}
			v, diags := fnEval(t, `sanitize_tag(s)`, map[string]cty.Value{"s": cty.StringVal(c.in)})
			if c.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), c.wantErr) {
					t.Fatalf("sanitize_tag: diagnostics %q, want %q", diags.Error(), c.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if v.AsString() != c.want {
				t.Fatalf("sanitize_tag(%q) = %q, want %q", c.in, v.AsString(), c.want)
			}
		})
	}
}

// fnTagGrammar is the OCI distribution spec's tag grammar.
var fnTagGrammar = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

func FuzzSanitizeTag(f *testing.F) {
	for _, s := range []string{"feature/Foo#12", "", "...", "-a-", strings.Repeat("x/", 100), "café", "\xff", "_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := SanitizeTag(s)
		if err != nil {
			return
		}
		if !fnTagGrammar.MatchString(got) {
			t.Fatalf("SanitizeTag(%q) = %q, not a valid tag", s, got)
		}
		if got != strings.ToLower(got) {
			t.Fatalf("SanitizeTag(%q) = %q, not lower-case", s, got)
		}
		if again, err := SanitizeTag(got); err != nil || again != got {
			t.Fatalf("SanitizeTag not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}

func FuzzGlob(f *testing.F) {
	for _, p := range []string{"a/**/b", "[a-z]*", `\*`, "[", "**", "?x", "[^/]"} {
		f.Add(p, "a/x/b")
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		// Any pattern: no panic, and an error only for a malformed one.
		_, _ = Glob(pattern, s)
		if !utf8.ValidString(s) {
			return
		}
		// s with every character escaped matches s and nothing longer.
		var esc strings.Builder
		for _, r := range s {
			esc.WriteByte('\\')
			esc.WriteRune(r)
		}
		if ok, err := Glob(esc.String(), s); err != nil || !ok {
			t.Fatalf("Glob(%q, %q) = %v, %v; want true", esc.String(), s, ok, err)
		}
		if ok, err := Glob(esc.String(), s+"x"); err != nil || ok {
			t.Fatalf("Glob(%q, %q) = %v, %v; want false", esc.String(), s+"x", ok, err)
		}
		// "**" matches everything, "*" everything without a "/".
		if ok, err := Glob("**", s); err != nil || !ok {
			t.Fatalf("Glob(**, %q) = %v, %v", s, ok, err)
		}
		if ok, err := Glob("*", s); err != nil || ok == strings.Contains(s, "/") {
			t.Fatalf("Glob(*, %q) = %v, %v", s, ok, err)
		}
	})
}

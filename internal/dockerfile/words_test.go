package dockerfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// instructionAt returns the instruction that starts on line.
func instructionAt(t *testing.T, f *File, line int) *Instruction {
	t.Helper()
	for _, in := range f.Instructions {
		if in.Range.Start.Line == line {
			return in
		}
	}
	t.Fatalf("no instruction on line %d", line)
	return nil
}

func TestKeyValues(t *testing.T) {
	type kv struct {
		Key, Value       string
		HasValue, Legacy bool
		KeyAt, ValueAt   string
		At               string
	}
	cases := []struct {
		name string
		src  string
		line int
		want []kv
	}{
		{
			name: "env pairs, quoted and empty values",
			src:  "FROM a\nENV A=1 B=\"x y\" C=\n",
			line: 2,
			want: []kv{
				{"A", "1", true, false, "2:5-2:6", "2:7-2:8", "2:5-2:8"},
				{"B", `"x y"`, true, false, "2:9-2:10", "2:11-2:16", "2:9-2:16"},
				{"C", "", true, false, "2:17-2:18", "2:19-2:19", "2:17-2:19"},
			},
		},
		{
			name: "label over continuation lines, lower-case keyword",
			src:  "FROM a\nlabel a=1 \\\n  b=\"2\"\n",
			line: 2,
			want: []kv{
				{"a", "1", true, false, "2:7-2:8", "2:9-2:10", "2:7-2:10"},
				{"b", `"2"`, true, false, "3:3-3:4", "3:5-3:8", "3:3-3:8"},
			},
		},
		{
			name: "legacy form: the value is the rest of the line",
			src:  "FROM a\nENV K  some value \n",
			line: 2,
			want: []kv{{"K", "some value", true, true, "2:5-2:6", "2:8-2:18", "2:5-2:18"}},
		},
		{
			name: "arg with and without defaults",
			src:  "ARG A B=2 C=\"\"\nFROM a\n",
			line: 1,
			want: []kv{
				{"A", "", false, false, "1:5-1:6", "1:6-1:6", "1:5-1:6"},
				{"B", "2", true, false, "1:7-1:8", "1:9-1:10", "1:7-1:10"},
				{"C", `""`, true, false, "1:11-1:12", "1:13-1:15", "1:11-1:15"},
			},
		},
		{
			name: "backtick escape protects a blank",
			src:  "# escape=`\nFROM a\nENV A=x` y B=2\n",
			line: 3,
			want: []kv{
				{"A", "x` y", true, false, "3:5-3:6", "3:7-3:11", "3:5-3:11"},
				{"B", "2", true, false, "3:12-3:13", "3:14-3:15", "3:12-3:15"},
			},
		},
		{
			name: "escapes in double quotes, none in single quotes, '=' inside quotes",
			src:  "FROM a\nENV A=\"a\\\"b c\" B='x\\' C=\"k=v\"\n",
			line: 2,
			want: []kv{
				{"A", `"a\"b c"`, true, false, "2:5-2:6", "2:7-2:15", "2:5-2:15"},
				{"B", `'x\'`, true, false, "2:16-2:17", "2:18-2:22", "2:16-2:22"},
				{"C", `"k=v"`, true, false, "2:23-2:24", "2:25-2:30", "2:23-2:30"},
			},
		},
		{
			name: "onbuild trigger",
			src:  "FROM a\nONBUILD ENV X=1 Y=2\n",
			line: 2,
			want: []kv{
				{"X", "1", true, false, "2:13-2:14", "2:15-2:16", "2:13-2:16"},
				{"Y", "2", true, false, "2:17-2:18", "2:19-2:20", "2:17-2:20"},
			},
		},
		{
			name: "unicode: columns count code points, any unicode blank separates",
			src:  "FROM a\nLABEL é=ü\u2003b=c\n",
			line: 2,
			want: []kv{
				{"é", "ü", true, false, "2:7-2:8", "2:9-2:10", "2:7-2:10"},
				{"b", "c", true, false, "2:11-2:12", "2:13-2:14", "2:11-2:14"},
			},
		},
		{name: "arg with an empty name", src: "ARG =x\nFROM a\n", line: 1},
		{name: "not a key/value instruction", src: "FROM a\nRUN x=1\n", line: 2},
		{name: "onbuild of another instruction", src: "FROM a\nONBUILD RUN x=1\n", line: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Parse("Dockerfile", []byte(c.src))
			var got []kv
			for _, p := range instructionAt(t, f, c.line).KeyValues() {
				got = append(got, kv{p.Key, p.Value, p.HasValue, p.Legacy, p.KeyRange.String(), p.ValueRange.String(), p.Range.String()})
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestSplitKeyValuesErrors: where BuildKit's parser reports a syntax error
// (the file then does not parse), the split fails too.
func TestSplitKeyValuesErrors(t *testing.T) {
	for _, c := range []struct{ kind, rest string }{
		{"env", "A=1 B"},
		{"label", "A"},
		{"arg", "=x"},
		{"arg", "A =x"},
	} {
		if got, ok := splitKeyValues(c.kind, c.rest, '\\'); ok {
			t.Errorf("%s %q: got %v, want an error", c.kind, c.rest, got)
		}
	}
	if got, ok := splitKeyValues("env", "", '\\'); !ok || got != nil {
		t.Errorf("empty arguments: %v, %v", got, ok)
	}
}

// TestKeyValuesMatchBuildKit checks, on every real Dockerfile and the rule
// testdata, that the pairs and their offsets agree with BuildKit's typed
// ARG, ENV and LABEL instructions.
func TestKeyValuesMatchBuildKit(t *testing.T) {
	var paths []string
	for _, root := range []string{filepath.Join("..", "..", "..", "shared", "corpus", "dockerfiles"), filepath.Join("..", "..", "lint", "rules", "testdata")} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".golden") {
				paths = append(paths, path)
			}
			return nil
		})
	}
	if len(paths) == 0 {
		t.Skip("no corpus")
	}
	n := 0
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f := Parse(path, src)
		for _, in := range f.Instructions {
			type pair struct {
				k, v   string
				hasV   bool
				legacy bool
			}
			var want []pair
			switch c := in.Typed.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					want = append(want, pair{kv.Key, kv.Value, true, kv.NoDelim})
				}
			case *instructions.LabelCommand:
				for _, kv := range c.Labels {
					want = append(want, pair{kv.Key, kv.Value, true, kv.NoDelim})
				}
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					p := pair{k: kv.Key}
					if kv.Value != nil {
						p.v, p.hasV = *kv.Value, true
					}
					want = append(want, p)
				}
			default:
				continue
			}
			var got []pair
			for _, kv := range in.KeyValues() {
				got = append(got, pair{kv.Key, kv.Value, kv.HasValue, kv.Legacy})
				logical := in.Logical()
				if logical[kv.KeyOffset:kv.KeyOffset+len(kv.Key)] != kv.Key || logical[kv.ValueOffset:kv.ValueOffset+len(kv.Value)] != kv.Value {
					t.Errorf("%s:%d: offsets of %q=%q are off", path, in.Range.Start.Line, kv.Key, kv.Value)
				}
			}
			n++
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:%d: got %+v, BuildKit %+v", path, in.Range.Start.Line, got, want)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d ARG/ENV/LABEL instructions checked", n)
	}
}

func TestVarRefs(t *testing.T) {
	cases := []struct {
		text   string
		escape rune
		raw    bool
		want   []VarRef
	}{
		{text: "$A", want: []VarRef{{"A", 0, 2, false}}},
		{text: "x${B}y", want: []VarRef{{"B", 1, 3, true}}},
		{text: "${C:-$D}", want: []VarRef{{"C", 0, 3, true}, {"D", 5, 2, false}}},
		{text: `\$A $B`, want: []VarRef{{"B", 4, 2, false}}},
		{text: `'$A' "$B" "'$C'"`, want: []VarRef{{"B", 6, 2, false}, {"C", 12, 2, false}}},
		{text: `"\$A"`, want: nil},
		{text: "$$A", want: []VarRef{{"$", 0, 2, false}}},
		{text: "$1x $@", want: []VarRef{{"1", 0, 2, false}, {"@", 4, 2, false}}},
		{text: "$ÉT_1-", want: []VarRef{{"ÉT_1", 0, 6, false}}},
		{text: "a$ ${} $-", want: []VarRef{{"-", 7, 2, false}}},
		{text: "`$A $B", escape: '`', want: []VarRef{{"B", 4, 2, false}}},
		{text: `\$A`, escape: '`', want: []VarRef{{"A", 1, 2, false}}},
		{text: `'$A' \$B "$C"`, raw: true, want: []VarRef{{"A", 1, 2, false}, {"C", 10, 2, false}}},
	}
	for _, c := range cases {
		esc := c.escape
		if esc == 0 {
			esc = '\\'
		}
		got := VarRefs(c.text, esc)
		if c.raw {
			got = RawVarRefs(c.text)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("refs of %q (escape %c, raw %v) = %+v, want %+v", c.text, esc, c.raw, got, c.want)
		}
	}
}

func TestUnquote(t *testing.T) {
	cases := []struct {
		word   string
		escape rune
		want   string
		ok     bool
	}{
		{"plain", '\\', "plain", true},
		{"", '\\', "", true},
		{`"a b"`, '\\', "a b", true},
		{`'a\'`, '\\', `a\`, true},
		{`a\ b`, '\\', "a b", true},
		{`"x\"y"`, '\\', `x"y`, true},
		{"$X", '\\', "$X", false},
		{`"x$Y"`, '\\', `"x$Y"`, false},
		{`'$Y'`, '\\', "$Y", true},
		{`"unterminated`, '\\', `"unterminated`, false},
		{"a` b", '`', "a b", true},
		{`a\b`, '`', `a\b`, true},
	}
	for _, c := range cases {
		got, ok := Unquote(c.word, c.escape)
		if got != c.want || ok != c.ok {
			t.Errorf("Unquote(%q, %c) = %q, %v; want %q, %v", c.word, c.escape, got, ok, c.want, c.ok)
		}
	}
}

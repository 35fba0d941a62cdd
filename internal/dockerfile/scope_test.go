package dockerfile

import (
	"reflect"
	"testing"
)

func TestScopes(t *testing.T) {
	cases := []struct {
		name string
		src  string
		line int // the instruction whose scope expands word (0: the global scope)
		word string

		want                string
		known               bool
		unmatched, unknown  []string
		open                bool
		declared, undeclare []string
	}{
		{
			name: "a global ARG is seen by FROM",
			src:  "ARG V=1\nARG W=${V}2\nFROM img:$W\n",
			word: "img:$W", want: "img:12", known: true, declared: []string{"V", "W"},
		},
		{
			name: "automatic ARGs are global, TARGETSTAGE is the last stage",
			src:  "FROM scratch AS one\nFROM scratch AS Two\n",
			word: "$TARGETOS/$TARGETARCH-$TARGETSTAGE-$BUILDOSVERSION", want: "linux/amd64-two-", known: true,
		},
		{
			// two stages on one base each change its ENV: neither sees the
			// other's (the base's list is copied, never changed in place)
			name: "sibling stages do not share ENV changes",
			src:  "FROM scratch AS base\nENV A=1 B=2\nFROM base AS x\nENV C=x A=x\nFROM base AS y\nENV C=y\nFROM x AS z\nRUN x\nFROM y\nRUN y\n", line: 10,
			word: "$A$B$C", want: "12y", known: true,
		},
		{
			name: "a stage on a sibling keeps that sibling's ENV",
			src:  "FROM scratch AS base\nENV A=1 B=2\nFROM base AS x\nENV C=x A=x\nFROM base AS y\nENV C=y\nFROM x AS z\nRUN x\nFROM y\nRUN y\n", line: 8,
			word: "$A$B$C", want: "x2x", known: true,
		},
		{
			name: "a global ARG is not seen in a stage that does not redeclare it",
			src:  "ARG V=1\nFROM scratch\nRUN x\n", line: 3,
			word: "$V", want: "", unmatched: []string{"V"}, undeclare: []string{"V"},
		},
		{
			name: "redeclared, it takes the global value",
			src:  "ARG V=1\nFROM scratch\nARG V\nRUN x\n", line: 4,
			word: "$V", want: "1", known: true, declared: []string{"V"},
		},
		{
			name: "each ARG default sees the pairs before it",
			src:  "FROM scratch\nARG A=1 B=${A}2\nRUN x\n", line: 3,
			word: "$B", want: "12", known: true,
		},
		{
			name: "ENV expands all its pairs before setting any",
			src:  "FROM scratch\nENV A=1 B=${A}x\nRUN x\n", line: 3,
			word: "$A$B", want: "1x", unknown: []string{"B"},
		},
		{
			name: "the last assignment wins, ARG or ENV",
			src:  "FROM scratch\nENV U=root\nARG U=app\nRUN x\n", line: 4,
			word: "$U", want: "app", known: true,
		},
		{
			name: "an ARG without default is declared, without a value",
			src:  "FROM scratch\nARG X\nRUN x\n", line: 3,
			word: "a${X}b", want: "ab", unmatched: []string{"X"}, declared: []string{"X"},
		},
		{
			name: "the instruction does not see itself",
			src:  "FROM scratch\nENV A=1\n", line: 2,
			word: "$A", want: "", unmatched: []string{"A"},
		},
		{
			name: "values and declarations are inherited along FROM-stage chains",
			src:  "FROM scratch AS base\nARG A=1\nARG D\nENV E=2\nFROM base AS mid\nFROM mid\nRUN x\n", line: 7,
			word: "$A$E$D", want: "12", unmatched: []string{"D"}, declared: []string{"A", "D"},
		},
		{
			name: "the base stage's ENV is set again over its ARG of the same name",
			src:  "FROM scratch AS b\nENV X=env\nARG X=arg\nFROM b\nRUN y\n", line: 5,
			word: "$X", want: "env", known: true,
		},
		{
			name: "scratch has PATH",
			src:  "FROM scratch\nRUN x\n", line: 2,
			word: "$PATH", want: DefaultPath, known: true,
		},
		{
			name: "an image's environment is unknown",
			src:  "FROM alpine:3.20\nENV A=$HOME/x\nRUN x\n", line: 3,
			word: "$A:$HOME", want: "/x:", unmatched: []string{"HOME"}, unknown: []string{"A"}, open: true,
		},
		{
			name: "an unresolved base is open",
			src:  "ARG B\nFROM $B\nRUN x\n", line: 3,
			word: "$V", want: "", unmatched: []string{"V"}, open: true,
		},
		{
			name: "ONBUILD triggers of the base stage run first in the stage built FROM it",
			src:  "FROM scratch AS b\nENV A=1\nONBUILD ENV A=2\nFROM b\nRUN y\n", line: 5,
			word: "$A", want: "2", known: true,
		},
		{
			name: "an ONBUILD ARG trigger declares the ARG in the child",
			src:  "FROM scratch AS b\nONBUILD ARG V=3\nFROM b\nRUN y\n", line: 4,
			word: "$V", want: "3", known: true, declared: []string{"V"},
		},
		{
			name: "a trigger that does not parse leaves what the base passes on unknown",
			src:  "FROM scratch AS b\nENV A=1\nONBUILD ENV\nFROM b\nRUN y\n", line: 5,
			word: "$A", want: "1", unknown: []string{"A"}, open: true,
		},
		{
			name: "BuildKit's SBOM ARGs are declared but never in the environment",
			src:  "FROM scratch\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nRUN x\n", line: 3,
			word: "$BUILDKIT_SBOM_SCAN_STAGE", want: "", unmatched: []string{"BUILDKIT_SBOM_SCAN_STAGE"}, declared: []string{"BUILDKIT_SBOM_SCAN_STAGE"},
		},
		{
			name: "ENV keys are expanded",
			src:  "FROM scratch\nENV \"A\"=1\nRUN x\n", line: 3,
			word: "$A", want: "1", known: true,
		},
		{
			name: "a default built on an ARG without default is not known",
			src:  "ARG X\nARG Y=${X:-d}\nFROM scratch\nARG Y\nRUN x\n", line: 5,
			word: "$Y", want: "d", unknown: []string{"Y"},
		},
		{
			name: "after a lexer error the value is the text as written",
			src:  "FROM scratch\nENV P=${X:?no}\nRUN x\n", line: 3,
			word: "$P", want: "${X:?no}", unknown: []string{"P"},
		},
		{
			name: "quotes and escapes are processed",
			src:  "FROM scratch\nENV A=1\nRUN x\n", line: 3,
			word: `"$A"'$A'\$A`, want: "1$A$A", known: true,
		},
		{
			name: "the escape directive",
			src:  "# escape=`\nFROM scratch\nENV A=1\nRUN x\n", line: 4,
			word: "$A`$A\\", want: `1$A\`, known: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Parse("Dockerfile", []byte(c.src))
			if f.Err != nil {
				t.Fatal(f.Err)
			}
			sc := f.Scopes().Global()
			if c.line > 0 {
				sc = f.Scopes().Before(instructionAt(t, f, c.line))
			}
			e := sc.Expand(c.word)
			if e.Result != c.want || e.Known() != c.known || !reflect.DeepEqual(e.Unmatched, c.unmatched) || !reflect.DeepEqual(e.Unknown, c.unknown) {
				t.Errorf("Expand(%q) = %q known %v unmatched %v unknown %v (err %v); want %q known %v unmatched %v unknown %v",
					c.word, e.Result, e.Known(), e.Unmatched, e.Unknown, e.Err, c.want, c.known, c.unmatched, c.unknown)
			}
			if sc.Open() != c.open {
				t.Errorf("Open() = %v", sc.Open())
			}
			for _, n := range c.declared {
				if !sc.Declared(n) {
					t.Errorf("%s not declared", n)
				}
			}
			for _, n := range c.undeclare {
				if sc.Declared(n) {
					t.Errorf("%s declared", n)
				}
			}
		})
	}
}

func TestScopeOptions(t *testing.T) {
	src := "ARG V=1\nFROM alpine:3.20 AS img\nARG V\nARG W=2\nARG TARGETARCH\nARG TARGETSTAGE\nRUN x\nFROM img\nRUN y\n"
	f := Parse("Dockerfile", []byte(src))
	ss := f.NewScopes(ScopeOptions{
		BuildArgs: map[string]string{"V": "9", "W": "8"},
		Platform:  map[string]string{"TARGETARCH": "arm64"},
		Target:    "img",
		ImageEnv: func(s *Stage) ([]string, bool) {
			if s.Base == "alpine:3.20" {
				return []string{"HOME=/root"}, true
			}
			return nil, false
		},
	})
	run := ss.Before(instructionAt(t, f, 7))
	if e := run.Expand("$V$W-$TARGETARCH-$TARGETSTAGE-$HOME-$PATH"); e.Result != "98-arm64-img-/root-"+DefaultPath || !e.Known() {
		t.Errorf("got %q (known %v)", e.Result, e.Known())
	}
	if run.Open() {
		t.Error("a stage whose image environment is given is not open")
	}
	if e := ss.Before(instructionAt(t, f, 9)).Expand("$HOME$V"); e.Result != "/root9" || !e.Known() {
		t.Errorf("inherited: %q (known %v)", e.Result, e.Known())
	}
	if got := f.Scopes().Before(instructionAt(t, f, 7)).Expand("$HOME"); got.Result != "" || !f.Scopes().Before(instructionAt(t, f, 7)).Open() {
		t.Errorf("the lint scopes must not know the image: %q", got.Result)
	}
	env := f.GlobalEnv(map[string]string{"V": "3", "TARGETOS": "windows"})
	if v, _ := env.Get("V"); v != "3" {
		t.Errorf("GlobalEnv V = %q", v)
	}
	if v, _ := env.Get("TARGETOS"); v != "windows" {
		t.Errorf("GlobalEnv TARGETOS = %q", v)
	}
	if v, _ := f.GlobalEnv(nil).Get("TARGETSTAGE"); v != "default" {
		t.Errorf("GlobalEnv TARGETSTAGE of an unnamed last stage = %q", v)
	}
}

func TestScopeDefinitions(t *testing.T) {
	f := Parse("Dockerfile", []byte("FROM scratch\nARG A=$X B=$A C\nENV D=$Y E=$D\nRUN x\n"))
	ss := f.Scopes()
	type def struct {
		name      string
		hasValue  bool
		unmatched []string
		unknown   []string
		declared  bool // the name is declared in the scope the value was expanded in
	}
	var got []def
	for _, line := range []int{2, 3} {
		for _, d := range ss.Definitions(instructionAt(t, f, line)) {
			got = append(got, def{d.Var.Name, d.HasValue, append(d.Key.Unmatched, d.Value.Unmatched...), d.Value.Unknown, d.Scope.Declared(d.Var.Name)})
		}
	}
	want := []def{
		{"A", true, []string{"X"}, nil, false},
		{"B", true, nil, []string{"A"}, false},
		{"C", false, nil, nil, false},
		{"D", true, []string{"Y"}, nil, false},
		{"E", true, []string{"D"}, nil, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if ss.Definitions(instructionAt(t, f, 4)) != nil {
		t.Error("RUN defines nothing")
	}
	names := ss.Before(instructionAt(t, f, 4)).Names()
	if !reflect.DeepEqual(names, []string{"A", "B", "C", "D", "E", "PATH"}) {
		t.Errorf("names = %v", names)
	}
	other := Parse("Dockerfile", []byte("FROM scratch\nRUN x\n"))
	if ss.Before(other.Instructions[1]) != nil || ss.End(other.Stages[0]) != nil {
		t.Error("an instruction of another file has no scope here")
	}
	if e := ss.Before(other.Instructions[1]).Expand("a$B"); e.Result != "a" || len(e.Unmatched) != 1 {
		t.Errorf("a nil scope expands with nothing defined: %+v", e)
	}
}

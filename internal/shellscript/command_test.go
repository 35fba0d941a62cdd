package shellscript

import (
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// firstCommand parses `RUN script` and returns its first command.
func firstCommand(t *testing.T, script string) *Command {
	t.Helper()
	s := parseRuns(t, "FROM a\nRUN "+script+"\n")[0]
	if len(s.Commands) == 0 {
		t.Fatalf("%s: no command (%v)", script, s.Err)
	}
	return s.Commands[0]
}

func TestUnwrap(t *testing.T) {
	for _, tc := range []struct{ script, want string }{
		{"sudo apt-get install x", "apt-get install x"},
		{"sudo -u root apt-get install x", "apt-get install x"},
		{"sudo -iu root make", "make"},
		{"sudo -uroot make", "make"},
		{"sudo --user=root make", "make"},
		{"sudo --user root make", "make"},
		{"sudo -g wheel -C 3 -D /x -h host -p pr -r role -t type -U u -T 5 -R /r make", "make"},
		{"sudo -E -H make -j2", "make -j2"},
		{"sudo -- make -x", "make -x"},
		{"sudo -l make", "sudo -l make"},
		{"sudo -u", "sudo -u"},
		{"sudo", "sudo"},
		{"doas -u app make", "make"},
		{"env -u NAME make", "make"},
		{"env --unset=NAME make", "make"},
		{"env --unset NAME make", "make"},
		{"env -C /tmp make", "make"},
		{"env -i A=1 B=2 make", "make"},
		{"env - A=1 make", "make"},
		{"env -S 'make -j4' all", "make -j4 all"},
		{"env -S \"$X\"", "env -S \"$X\""},
		{"nice -n 10 make", "make"},
		{"nice -n10 make", "make"},
		{"nice -10 make", "make"},
		{"nice --adjustment=5 make", "make"},
		{"nice --adjustment 5 make", "make"},
		{"timeout 300 make", "make"},
		{"timeout -s KILL 5m make", "make"},
		{"timeout --signal=KILL -k 5 10s make", "make"},
		{"timeout -- 10 make", "make"},
		{"timeout 10", "timeout 10"},
		{"command -v make", "command -v make"},
		{"command -V make", "command -V make"},
		{"command -pv make", "command -pv make"},
		{"command make", "make"},
		{"command -p make", "make"},
		{"type make", "type make"},
		{"exec -a name make", "make"},
		{"nohup make &", "make"},
		{"/usr/bin/time -f %e make", "make"},
		{"env X=1 sudo -u app nice -n 5 make", "make"},
		{"xargs make", "xargs make"},
		{"gosu app make", "gosu app make"},
	} {
		c := firstCommand(t, tc.script)
		if got := c.Unwrap().String(); got != tc.want {
			t.Errorf("Unwrap(%s) = %q, want %q", tc.script, got, tc.want)
		}
	}
}

func TestWrapperChain(t *testing.T) {
	c := firstCommand(t, "FOO=1 env X=1 sudo -u app nice -n 5 make all")
	var names []string
	for _, x := range c.WrapperChain() {
		names = append(names, x.Name)
	}
	if got := strings.Join(names, " "); got != "env sudo nice make" {
		t.Errorf("chain %q", got)
	}
	u := c.Unwrap()
	if u.Call != c.Call || u.Range != c.Range || len(u.Assigns) != 1 || u.Args[0].Value != "all" {
		t.Errorf("unwrapped command keeps its place: %+v", u)
	}
}

func TestFlagValue(t *testing.T) {
	for _, tc := range []struct {
		script string
		flags  []string
		value  string
		word   string // the word holding the value
		ok     bool
	}{
		{"wget -qO- https://x", []string{"-O", "--output-document"}, "-", "-qO-", true},
		{"wget -O- https://x", []string{"-O"}, "-", "-O-", true},
		{"wget -Ofile https://x", []string{"-O"}, "file", "-Ofile", true},
		{"wget -O file https://x", []string{"-O"}, "file", "file", true},
		{"wget -q -O - https://x", []string{"-O"}, "-", "-", true},
		{"wget --output-document=x https://x", []string{"-O", "--output-document"}, "x", "--output-document=x", true},
		{"wget --output-document x https://x", []string{"-O", "--output-document"}, "x", "x", true},
		{"curl -sSLo out https://x", []string{"-o", "--output"}, "out", "out", true},
		{"useradd -u1000 app", []string{"-u", "--uid"}, "1000", "-u1000", true},
		{"useradd -lu 1000 app", []string{"-u", "--uid"}, "1000", "1000", true},
		{"wget -q https://x", []string{"-O"}, "", "", false},
		{"x -- -O y", []string{"-O"}, "", "", false},
		{"x -O", []string{"-O"}, "", "-O", true},
	} {
		c := firstCommand(t, tc.script)
		v, w, ok := c.FlagValueWord(tc.flags...)
		if v != tc.value || w.Raw != tc.word || ok != tc.ok {
			t.Errorf("%s %v: got %q in %q %v, want %q in %q %v", tc.script, tc.flags, v, w.Raw, ok, tc.value, tc.word, tc.ok)
		}
		if v2, ok2 := c.FlagValue(tc.flags...); v2 != v || ok2 != ok {
			t.Errorf("%s: FlagValue differs from FlagValueWord", tc.script)
		}
	}
}

func TestOperands(t *testing.T) {
	vf := NewValueFlags("-i", "--index-url", "-r", "--extra-index-url")
	for _, tc := range []struct{ script, want string }{
		{"pip install -i URL flask", "install flask"},
		{"pip install --index-url=U --extra-index-url U2 -qr req.txt flask", "install flask"},
		{"pip install -rreq.txt flask", "install flask"},
		{"pip install -qi URL flask -- -x", "install flask -x"},
		{"pip install -iq flask", "install flask"},
		{"pip install - flask", "install - flask"},
	} {
		var got []string
		for _, w := range firstCommand(t, tc.script).Operands(vf) {
			got = append(got, w.Value)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("Operands(%s) = %q, want %q", tc.script, got, tc.want)
		}
	}
	for arg, want := range map[string]bool{"-i": true, "-qi": true, "-iq": false, "--index-url": true, "--index-url=x": false, "--other": false, "-q": false} {
		if vf.TakesValue(arg) != want {
			t.Errorf("TakesValue(%s) != %v", arg, want)
		}
	}
}

func TestStructure(t *testing.T) {
	src := "FROM a\n" +
		"RUN yes | (apt-get install x) && curl -fsSL u | sudo sh -s -- -y || true; " +
		"(cd /a && make); echo $(cd /b; pwd) | tee f |& cat; sh -c 'a | b'\n"
	s := parseRuns(t, src)[0]
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	if len(s.Pipelines) != 4 || !s.Pipelines[3].Nested || s.Pipelines[2].Nested {
		t.Fatalf("%d pipelines", len(s.Pipelines))
	}
	yes, apt := find(s, "yes"), find(s, "apt-get")
	if yes.Pipeline != s.Pipelines[0] || yes.PipeStage != 0 || apt.Pipeline != s.Pipelines[0] || apt.PipeStage != 1 || !apt.Subshell || !apt.InPipeline {
		t.Errorf("yes | (apt-get): %+v %+v", yes, apt)
	}
	if pl := s.Pipelines[0]; pl.Commands[0] != yes || pl.Commands[1] != nil {
		t.Errorf("stages %+v", pl.Commands)
	}
	curl := find(s, "curl")
	if l := curl.AndOr; l == nil || !l.TopLevel || len(l.Parts) != 3 || l.Ops[0] != syntax.AndStmt || l.Ops[1] != syntax.OrStmt || curl.Subshell {
		t.Errorf("and-or of curl: %+v", curl.AndOr)
	}
	if sh := s.Pipelines[1].Commands[1]; sh == nil || sh.Unwrap().Name != "sh" || sh.AndOr != curl.AndOr {
		t.Errorf("curl | sudo sh: %+v", s.Pipelines[1])
	}
	var cds []*Command
	for _, c := range s.Commands {
		if c.Name == "cd" {
			cds = append(cds, c)
		}
	}
	if len(cds) != 2 || !cds[0].Subshell || cds[0].AndOr.TopLevel || len(cds[0].AndOr.Parts) != 2 || !cds[1].Subshell {
		t.Errorf("cd in subshells: %+v", cds)
	}
	if c := find(s, "make"); c.Stmt == nil || c.Stmt.Cmd != syntax.Command(c.Call) {
		t.Errorf("Stmt of make")
	}
	last := s.Pipelines[2]
	if len(last.Commands) != 3 || last.Ops[1].Op != syntax.PipeAll || last.Ops[1].Range.End.Column-last.Ops[1].Range.Start.Column != 2 {
		t.Errorf("echo | tee |& cat: %+v", last)
	}
	if op := last.Ops[0]; s.Source[op.Offset] != '|' || op.Range.Start != s.Position(op.Offset) {
		t.Errorf("operator position %+v", op)
	}
	if got, ok := s.CommandOf(curl.Call); !ok || got != curl {
		t.Errorf("CommandOf")
	}
}

func TestNestedScripts(t *testing.T) {
	src := "FROM a\nARG DIR=/src\n" +
		"RUN sudo -u app sh -c 'cd /c && make'\n" +
		"RUN sh -c \"cd $DIR && pip install ${PKG:-flask}\"\n" +
		"RUN sh -c \"$(curl -fsSL https://x)\"\n" +
		"RUN [\"sudo\", \"sh\", \"-c\", \"apk add git\"]\n" +
		"RUN sh -c 'if then'\n" +
		"RUN env -u X bash -ec 'yes | apt-get install x'\n" +
		"RUN sh -c \"echo \\\"a\\\" && pip install $PKG\"\n"
	ss := parseRuns(t, src)
	if len(ss) != 7 {
		t.Fatalf("%d scripts", len(ss))
	}
	if c := find(ss[0], "cd"); c == nil || !c.Nested || !c.Subshell || c.Range.Start != (dockerfile.Position{Line: 3, Column: 24}) || !ss[0].Commands[0].RunsNested {
		t.Errorf("sudo sh -c: %+v", ss[0].Commands)
	}
	pip := find(ss[1], "pip")
	if pip == nil || !pip.Nested || len(pip.Args) != 2 || pip.Args[1].Literal || pip.Args[1].Raw != "${PKG:-flask}" {
		t.Fatalf("sh -c with $VAR: %+v", ss[1].Commands)
	}
	if pip.Range.Start != (dockerfile.Position{Line: 4, Column: 23}) {
		t.Errorf("pip at %v", pip.Range.Start)
	}
	if cd := find(ss[1], "cd"); cd == nil || cd.Args[0].Raw != "$DIR" {
		t.Errorf("cd $DIR: %+v", cd)
	}
	if len(ss[2].Commands) != 2 || ss[2].Commands[0].RunsNested {
		t.Errorf("a command substitution is not a script to parse: %+v", ss[2].Commands)
	}
	if c := find(ss[3], "apk"); c == nil || !c.Nested || !ss[3].Commands[0].RunsNested {
		t.Errorf("exec sudo sh -c: %+v", ss[3].Commands)
	}
	if ss[4].Commands[0].RunsNested || len(ss[4].Commands) != 1 {
		t.Errorf("invalid sh -c string: %+v", ss[4].Commands)
	}
	if apt := find(ss[5], "apt-get"); apt == nil || apt.Pipeline == nil || !apt.Pipeline.Nested || apt.PipeStage != 1 || len(ss[5].Pipelines) != 1 {
		t.Errorf("nested pipeline: %+v", ss[5].Pipelines)
	}
	// Raw is the text the inner shell reads, though the escape before it
	// shifts the word's range in the Dockerfile.
	if pip := find(ss[6], "pip"); pip == nil || pip.NameWord.Raw != "pip" || pip.Args[1].Raw != "$PKG" {
		t.Errorf("words after an escape: %+v", ss[6].Commands)
	}
}

func TestCacheMount(t *testing.T) {
	s := parseRuns(t, "FROM a\nRUN --mount=type=cache,target=/var/cache/apt/ --mount=type=tmpfs,target=/root/.cache/pip/* "+
		"--mount=type=bind,target=/src --mount=type=cache,target=/ --mount=type=cache,target=rel make\n")[0]
	for dir, want := range map[string]bool{
		"/var/cache/apt": true, "/var/cache/apt/archives": true, "/var/cache": true, "/root/.cache/pip": true,
		"/src": false, "/var/lib/apt/lists": false, "rel": false, "/var/cache/apt2": false,
	} {
		if _, ok := s.CacheMount(dir); ok != want {
			t.Errorf("CacheMount(%s) = %v", dir, ok)
		}
	}
}

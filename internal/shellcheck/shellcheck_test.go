package shellcheck

import (
	"context"
	"testing"
)

func TestRun(t *testing.T) {
	bin, err := LookPath()
	if err != nil {
		t.Skip("shellcheck is not installed (apt-get install shellcheck); .ci/run installs it")
	}
	comments, err := Run(context.Background(), bin, []Script{
		{Shell: "sh", Text: "echo $UNSET_X\n\tcd /tmp\n", Declared: []string{"KNOWN"}},
		{Shell: "bash", Text: "echo \"$KNOWN\"\n", Declared: []string{"KNOWN"}},
		{Shell: "sh", Text: "source ./x.sh\n"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, c := range comments {
		codes = append(codes, c.Code)
		if c.Script == 1 {
			t.Errorf("script 1 is clean, got SC%d: %s", c.Code, c.Message)
		}
		if c.Code == 2164 && (c.Script != 0 || c.Line != 2 || c.Column != 2) {
			t.Errorf("SC2164 at script %d %d:%d, want script 0 2:2", c.Script, c.Line, c.Column)
		}
		if c.Code == 1091 || c.Code == 1090 {
			t.Errorf("excluded code reported: %+v", c)
		}
	}
	want := map[int]bool{2086: false, 2164: false}
	for _, c := range codes {
		if _, ok := want[c]; ok {
			want[c] = true
		}
	}
	for c, seen := range want {
		if !seen {
			t.Errorf("SC%d not reported (got %v)", c, codes)
		}
	}
}

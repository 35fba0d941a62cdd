package ui

import (
	"os"
	"testing"
)

func TestUseColor(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases := []struct {
		mode ColorMode
		env  map[string]string
		want bool
	}{
		{ColorAlways, map[string]string{"NO_COLOR": "1"}, true},
		{ColorNever, nil, false},
		{ColorAuto, nil, false}, // a regular file is not a terminal
		{ColorAuto, map[string]string{"NO_COLOR": "1"}, false},
	}
	for _, c := range cases {
		if got := UseColor(c.mode, f, env(c.env)); got != c.want {
			t.Errorf("UseColor(%s, %v) = %v, want %v", c.mode, c.env, got, c.want)
		}
	}
	if _, err := ParseColorMode("sometimes"); err == nil {
		t.Error("ParseColorMode accepted an invalid mode")
	}
}

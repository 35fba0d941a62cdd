package fileop

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

// The umask-0 cases of dchapes-mode's TestApply (the parser BuildKit's
// --chmod uses; its FuzzParseWithUmask and these agree with this port).
func TestChmodSymbolic(t *testing.T) {
	for _, tc := range []struct {
		omode, nmode fs.FileMode
		str          string
	}{
		{0o777, 0o000, "="},
		{0o777, 0o777, "+"},
		{0o421, 0o421, "-"},
		{0o421, fs.ModeSticky | 0o421, "+t"},
		{fs.ModeSticky | 0o421, 0o421, "-t"},
		{0o000, 0o400, "u+r"},
		{0o000, 0o000, "u+X"},
		{0o001, 0o101, "u+X"},
		{fs.ModeDir, fs.ModeDir | 0o100, "u+X"},
		{0o000, fs.ModeSetuid, "u+s"},
		{0o100, 0o110, "g+X"},
		{0o000, fs.ModeSetgid, "g+s"},
		{0o000, 0o000, "o+s"},
		{0o000, 0o421, "0421"},
		{0o000, fs.ModeSticky | fs.ModeSetuid | fs.ModeSetgid | 0o421, "07421"},
		{0o000, 0o444, "+r"},
		{0o010, 0o111, "+X"},
		{fs.ModeDir, fs.ModeDir | 0o111, "+X"},
		{0o000, fs.ModeSetuid | fs.ModeSetgid, "+s"},
		{0o777, 0o666, "-X"},
		{fs.ModeDir | 0o777, fs.ModeDir | 0o666, "-X"},
		{fs.ModeSetuid | fs.ModeSetgid | 0o777, 0o777, "-s"},
		{0o777, 0o677, "u=rw"},
		{0o777, 0o077, "u="},
		{0o742, 0o442, "u=g"},
		{0o762, 0o462, "u=g-w"},
		{0o021, 0o321, "u+go"},
		{0o777, 0o764, "a=r,ug=rw,u+x"},
		{fs.ModeSetgid | 0o100, fs.ModeSticky | 0o724, "o+r,g+w,a+t,g-s,u+og"},
		{fs.ModeDir | fs.ModeSetuid | fs.ModeSetgid, fs.ModeDir | fs.ModeSetuid | fs.ModeSticky | 0o624, "o+r,g+w,a+t,g-s,u+og"},
		{0o777, 0o644, "644"},
		{0o777, 0o755, "go-w"},
		{0o000, 0o755, "u=rwx,go=u-w"},
		{0o770, 0o755, "go=u-w"},
		{0o444, 0o644, "u=rwX,go=rX"},
		{fs.ModeDir | 0o442, fs.ModeDir | 0o755, "u=rwX,go=rX"},
		{0o424, 0o000, "=X"},
		{0o421, 0o555, "=rX"},
	} {
		set, err := parseModeSet(tc.str)
		if err != nil {
			t.Errorf("parse %q: %v", tc.str, err)
			continue
		}
		if got := set.apply(tc.omode); got != tc.nmode {
			t.Errorf("%q on %v = %v, want %v", tc.str, tc.omode, got, tc.nmode)
		}
	}
}

func TestParseChmod(t *testing.T) {
	for i := 0; i <= 0o7777; i++ {
		for _, s := range []string{strconv.FormatInt(int64(i), 8), fmt.Sprintf("%04o", i)} {
			f, err := ParseChmod(s)
			if err != nil {
				t.Fatalf("ParseChmod(%q): %v", s, err)
			}
			if got := f(fs.ModeDir | 0o777 | fs.ModeSetuid | fs.ModeSticky); got != fs.ModeDir|octalToMode(uint32(i)) {
				t.Fatalf("ParseChmod(%q) on a directory gave %v", s, got)
			}
		}
	}
	for _, tc := range []struct{ in, err string }{
		// testCopyInvalidChmod / testAddInvalidChmod
		{"64a", "invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777"},
		{"10000", "invalid chmod parameter: '10000'. it should be octal string and between 0 and 07777"},
		{"9", "it should be octal string"},
		{"0o755", "it should be octal string"},
		// dchapes-mode TestParseError
		{"", "invalid syntax"},
		{",", "invalid syntax"},
		{"q+r", "invalid syntax"},
		{"z", "invalid syntax"},
		{"u", "invalid syntax"},
		{"go", "invalid syntax"},
		{"+5", "invalid syntax"},
	} {
		_, err := ParseChmod(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseChmod(%q) = %v, want an error containing %q", tc.in, err, tc.err)
		}
	}
	if d := dirPerm(nil); d != fs.ModeDir|0o755 {
		t.Errorf("dirPerm(nil) = %v", d)
	}
}

// FuzzChmod: any --chmod value either fails to parse or changes only
// permission, setuid, setgid and sticky bits, never panicking; an octal value
// gives the same mode whatever it is applied to.
func FuzzChmod(f *testing.F) {
	for _, s := range []string{"0755", "755", "4755", "07777", "u+x,g-w", "a=rX", "go=u-w", "u=rwX,go=rX", "+t", "-t", "o+r,g+w,a+t,g-s,u+og", "=", "64a", "10000", "", ",", "u=g-w,o=u"} {
		f.Add(s)
	}
	const special = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseChmod(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid chmod parameter: '") {
				t.Fatalf("%q: error %v", s, err)
			}
			return
		}
		var first fs.FileMode
		for i, m := range []fs.FileMode{0, 0o777, fs.ModeDir | 0o124, fs.ModeSetuid | 0o4755, fs.ModeSymlink | 0o777, fs.ModeDevice | fs.ModeCharDevice | 0o600} {
			got := c.apply(m)
			if got&^special != m&^special {
				t.Fatalf("%q changed type bits: %v -> %v", s, m, got)
			}
			if c.octal {
				if i == 0 {
					first = got & special
				} else if got&special != first {
					t.Fatalf("octal %q depends on the input mode: %v", s, got)
				}
			}
		}
		if d := dirPerm(c); d&^fs.ModePerm != fs.ModeDir {
			t.Fatalf("%q: created directory mode %v", s, d)
		}
	})
}

package fileop

import (
	"strings"
	"testing"

	"github.com/hoistci/hoist/build/buildfs"
)

func TestResolveOwner(t *testing.T) {
	dst := passwdDst()
	for _, tc := range []struct {
		chown    string
		dst      buildfs.FS
		uid, gid int
		missing  string
		rule     string
	}{
		{"1000", dst, 1000, 1000, "", "llb WithUser: a numeric user alone is used as uid and gid (readUser: us.GID = ByID)"},
		{"1000:1000", dst, 1000, 1000, "", "numeric user and group"},
		{"1000:50", dst, 1000, 50, "", "numeric user and group"},
		{"app", dst, 1001, 1002, "", "readUser: a name alone takes uid and the primary gid from /etc/passwd"},
		{"app:staff", dst, 1001, 50, "", "the group name from /etc/group replaces the gid"},
		{"app:1000", dst, 1001, 1000, "", "user by name, group by number"},
		{"1000:staff", dst, 1000, 50, "", "user by number, group by name"},
		{"app:", dst, 1001, 1002, "", "WithUser: an omitted group uses the same default as a user without a colon"},
		{"root", nil, 0, 0, "", "parseUID: \"root\" is 0 without reading /etc/passwd"},
		{"root:root", nil, 0, 0, "", "parseUID for the group too"},
		{":50", dst, 0, 50, "", "an empty user name is marshalled as ID 0"},
		{"ghost", dst, 0, 0, "ghost", "readUser: a user not in /etc/passwd leaves 0:0, no error"},
		{"app:ghosts", dst, 1001, 1002, "ghosts", "readUser: a group not in /etc/group leaves the user's gid"},
		{"app", buildfs.NewTree(), 0, 0, "app", "readUser: a missing /etc/passwd counts as not found"},
		{"app", tree(F("etc", "file", 0o644)), 0, 0, "app", "readUser: ENOTDIR counts as not found"},
		{"app", tree(F("usr/share/passwd", "app:x:7:8::/:/bin/sh\n", 0o644), L("etc/passwd", "../usr/share/passwd")), 7, 8, "", "openUserFile resolves /etc/passwd with fs.RootPath"},
		{"www", tree(F("etc/passwd", "  \n#c:x:1:1::/:/\nwww:x:33:33::/:/bin/sh\nwww:x:44:44::/:/bin/sh\n", 0o644)), 33, 33, "", "moby/sys/user: lines trimmed, first match wins"},
		{"app:grp", tree(F("etc/passwd", "app:x:5:6\n", 0o644), F("etc/group", "# grp:x:9:\ngrp:x:10:\n", 0o644)), 5, 10, "", "moby/sys/user ParseGroupFilter skips # comments"},
	} {
		o, err := LookupOwner(tc.dst, tc.chown)
		if err != nil {
			t.Errorf("%q: %v (%s)", tc.chown, err, tc.rule)
			continue
		}
		if o.UID != tc.uid || o.GID != tc.gid || o.MissingUser+o.MissingGroup != tc.missing {
			t.Errorf("%q = %+v, want %d:%d missing %q (%s)", tc.chown, o, tc.uid, tc.gid, tc.missing, tc.rule)
		}
		uid, gid, err := ResolveOwner(tc.dst, tc.chown)
		if err != nil || uid != tc.uid || gid != tc.gid {
			t.Errorf("ResolveOwner(%q) = %d, %d, %v", tc.chown, uid, gid, err)
		}
	}
	for _, tc := range []struct{ chown, err string }{
		{"", "empty value"},
		{"-1", "negative IDs"},
		{"1:-5", "negative IDs"},
		{"4294967296", "out of range"},
	} {
		if _, _, err := ResolveOwner(dst, tc.chown); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ResolveOwner(%q) = %v, want %q", tc.chown, err, tc.err)
		}
	}
	if _, _, err := ResolveOwner(tree(D("etc/passwd", 0o755)), "app"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("passwd directory: %v", err)
	}
	big := &buildfs.Entry{Path: "etc/passwd", Mode: 0o644, Size: maxUserFileBytes + 1, Open: content(strings.Repeat("x", maxUserFileBytes+1))}
	if _, _, err := ResolveOwner(tree(big), "app"); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("huge passwd: %v", err)
	}
}

func TestChownByName(t *testing.T) {
	for in, want := range map[string]bool{"1000": false, "1000:1000": false, "root": false, "root:root": false, "app": true, "1000:staff": true, "app:1000": true, ":50": false, "app:": true} {
		if got := ChownByName(in); got != want {
			t.Errorf("ChownByName(%q) = %v, want %v (dispatchCopy: names are refused with --link)", in, got, want)
		}
	}
}

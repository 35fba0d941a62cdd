package fileop

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/hoistci/hoist/build/buildfs"
)

// maxUserFileBytes is the size limit BuildKit puts on /etc/passwd and
// /etc/group when it resolves --chown names (solver/llbsolver/ops/user_linux.go).
const maxUserFileBytes = 10 << 20

// Owner is a resolved --chown value.
type Owner struct {
	UID, GID int
	// MissingUser and MissingGroup name a user or group that was looked up
	// by name and not found. BuildKit does not fail then: a missing user
	// counts as uid 0 and gid 0, a missing group leaves the gid the user
	// part gave. The builder may warn about them.
	MissingUser, MissingGroup string
}

// ResolveOwner resolves a --chown value against dst's /etc/passwd and
// /etc/group exactly as BuildKit does (client/llb WithUser + parseUID, and
// solver/llbsolver/ops/user_linux.go readUser):
//
//   - "1000" is uid 1000 and gid 1000: a numeric user alone sets both, no
//     file is read; "root" is read as the number 0.
//   - "app" is the uid and the primary gid of app in /etc/passwd.
//   - "app:staff", "app:1000", "1000:staff": the group part replaces the gid
//     (a name from /etc/group); "app:" is the same as "app".
//   - a name that is not found (or a missing /etc/passwd or /etc/group) is not
//     an error, as in BuildKit: a missing user gives 0:0, a missing group
//     leaves the gid. LookupOwner reports those names.
//
// Unlike BuildKit, a negative or out-of-range number is an error (BuildKit
// would read "-1" as 4294967295 and "4294967296" as a user name).
func ResolveOwner(dst buildfs.FS, chown string) (uid, gid int, err error) {
	o, err := LookupOwner(dst, chown)
	if err != nil {
		return 0, 0, err
	}
	return o.UID, o.GID, nil
}

// LookupOwner is ResolveOwner reporting the names it did not find.
func LookupOwner(dst buildfs.FS, chown string) (Owner, error) {
	var o Owner
	if chown == "" {
		return o, errors.New("--chown: empty value; give user[:group] as names or numbers")
	}
	userPart, groupPart, _ := strings.Cut(chown, ":")

	uid, isNum, err := parseID(userPart)
	if err != nil {
		return o, fmt.Errorf("--chown=%s: user %q: %w", chown, userPart, err)
	}
	switch {
	case isNum:
		o.UID, o.GID = uid, uid
	case userPart == "":
		// An empty name is marshalled by ID 0 (llb UserOpt.marshal).
	default:
		found, err := lookupDB(dst, "/etc/passwd", userPart, func(fields []string) (int, int) {
			return atoi(fields, 2), atoi(fields, 3)
		})
		if err != nil {
			return o, fmt.Errorf("--chown=%s: %w", chown, err)
		}
		if found != nil {
			o.UID, o.GID = found[0], found[1]
		} else {
			o.MissingUser = userPart
		}
	}

	if groupPart == "" {
		return o, nil
	}
	gid, isNum, err := parseID(groupPart)
	if err != nil {
		return o, fmt.Errorf("--chown=%s: group %q: %w", chown, groupPart, err)
	}
	if isNum {
		o.GID = gid
		return o, nil
	}
	found, err := lookupDB(dst, "/etc/group", groupPart, func(fields []string) (int, int) {
		return atoi(fields, 2), 0
	})
	if err != nil {
		return o, fmt.Errorf("--chown=%s: %w", chown, err)
	}
	if found != nil {
		o.GID = found[0]
	} else {
		o.MissingGroup = groupPart
	}
	return o, nil
}

// parseID is llb's parseUID: "root" is 0, a base-10 int32 is an ID,
// anything else a name. Numbers BuildKit would misread are errors here.
func parseID(s string) (id int, numeric bool, err error) {
	if s == "root" {
		return 0, true, nil
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err == nil {
		if v < 0 {
			return 0, false, fmt.Errorf("negative IDs are not valid")
		}
		return int(v), true, nil
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, false, fmt.Errorf("ID out of range (at most %d)", int32(^uint32(0)>>1))
	}
	return 0, false, nil
}

// atoi parses field i as moby/sys/user's parseLine does: conversion errors
// give 0.
func atoi(fields []string, i int) int {
	if i >= len(fields) {
		return 0
	}
	v, _ := strconv.Atoi(fields[i])
	return v
}

// lookupDB finds the first line of the passwd- or group-format file at name
// in dst whose first field is want, as moby/sys/user's ParsePasswdFilter and
// ParseGroupFilter do (lines trimmed, blank lines skipped, and in the group
// file "#" comments). A missing file, or a path through a non-directory, is
// "not found"; a file that is not regular or exceeds 10 MiB is an error, as
// in BuildKit's openUserFile. It returns nil when not found.
func lookupDB(dst buildfs.FS, name, want string, parse func([]string) (int, int)) ([]int, error) {
	if dst == nil {
		return nil, nil
	}
	p, err := resolvePath(dst.Lstat, ".", name, true, false)
	if err != nil {
		if errors.Is(err, errNotDir) || errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	e, err := dst.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !e.IsRegular() || e.Open == nil {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	rc, err := e.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxUserFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxUserFileBytes {
		return nil, fmt.Errorf("%q exceeds %d bytes", name, maxUserFileBytes)
	}
	group := name == "/etc/group"
	sc := bufio.NewScanner(bytes.NewReader(data))
	if group {
		sc.Buffer(nil, 1024*1024)
	}
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || group && line[0] == '#' {
			continue
		}
		fields := strings.Split(string(line), ":")
		if fields[0] != want {
			continue
		}
		a, b := parse(fields)
		return []int{a, b}, nil
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return nil, nil
}

// ChownByName reports whether a --chown value names a user or a group, so
// that it needs the destination's /etc/passwd or /etc/group. dispatchCopy
// refuses those with --link ("--chown=%s: user and group names can't be
// resolved when used with --link, use numeric uid[:gid] instead").
func ChownByName(chown string) bool {
	userPart, groupPart, _ := strings.Cut(chown, ":")
	for _, p := range []string{userPart, groupPart} {
		if p == "" {
			continue
		}
		if _, numeric, err := parseID(p); err == nil && !numeric {
			return true
		}
	}
	return false
}

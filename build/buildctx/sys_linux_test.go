//go:build linux

package buildctx

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestXattrs(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, "plain", "attr")
	p := filepath.Join(dir, "attr")
	if err := syscall.Setxattr(p, "user.hoist", []byte("v1"), 0); err != nil {
		t.Skipf("no user xattrs on %s: %v", dir, err)
	}
	long := make([]byte, 3000)
	for i := range long {
		long[i] = byte('a' + i%26)
	}
	must(t, syscall.Setxattr(p, "user.long", long, 0))
	// Enough names to overflow the first llistxattr buffer.
	for _, n := range []string{"user.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "user.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "user.cccccccccccccccccccccccccccccccccccccccccccccccccccccccc", "user.dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "user.eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"} {
		must(t, syscall.Setxattr(p, n, []byte("x"), 0))
	}
	c := openIgnore(t, dir, "")
	e, err := c.Lstat("attr")
	must(t, err)
	if e.Xattrs["user.hoist"] != "v1" || e.Xattrs["user.long"] != string(long) || len(e.Xattrs) != 7 {
		t.Errorf("xattrs %d: user.hoist=%q, user.long %d bytes", len(e.Xattrs), e.Xattrs["user.hoist"], len(e.Xattrs["user.long"]))
	}
	e, err = c.Lstat("plain")
	must(t, err)
	if e.Xattrs != nil {
		t.Errorf("plain has xattrs %v", e.Xattrs)
	}
}

func TestDeviceNumbers(t *testing.T) {
	fi, err := os.Lstat("/dev/null")
	if err != nil {
		t.Skip("no /dev/null")
	}
	if maj, min := deviceNumbers(fi); maj != 1 || min != 3 {
		t.Errorf("/dev/null is %d:%d, want 1:3", maj, min)
	}
}

//go:build linux

package buildctx

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// deviceNumbers splits a device node's st_rdev.
func deviceNumbers(fi fs.FileInfo) (major, minor int64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0
	}
	return int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev)))
}

// readXattrs returns the extended attributes of path (not following a
// final symlink), as BuildKit's fsutil reads them: all of them but macOS's
// com.apple.* ones. A file system without xattr support has none. The
// common case, no attributes, costs one llistxattr call.
func readXattrs(path string) (map[string]string, error) {
	var small [256]byte
	names := small[:]
	n, err := unix.Llistxattr(path, names)
	for tries := 0; errors.Is(err, unix.ERANGE) && tries < 4; tries++ {
		if n, err = unix.Llistxattr(path, nil); err != nil {
			break
		}
		names = make([]byte, n+64)
		n, err = unix.Llistxattr(path, names)
	}
	switch {
	case errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.ENOSYS):
		return nil, nil
	case err != nil:
		return nil, &fs.PathError{Op: "llistxattr", Path: path, Err: err}
	case n == 0:
		return nil, nil
	}
	var m map[string]string
	for key := range strings.SplitSeq(string(names[:n]), "\x00") {
		if key == "" || strings.HasPrefix(key, "com.apple.") {
			continue
		}
		v, err := lgetxattr(path, key)
		if err != nil {
			continue // removed meanwhile, or not readable: as fsutil
		}
		if m == nil {
			m = map[string]string{}
		}
		m[key] = string(v)
	}
	return m, nil
}

func lgetxattr(path, name string) ([]byte, error) {
	buf := make([]byte, 256)
	for tries := 0; tries < 4; tries++ {
		n, err := unix.Lgetxattr(path, name, buf)
		if err == nil {
			return buf[:n], nil
		}
		if !errors.Is(err, unix.ERANGE) {
			return nil, err
		}
		if n, err = unix.Lgetxattr(path, name, nil); err != nil {
			return nil, err
		}
		buf = make([]byte, n+64)
	}
	return nil, unix.ERANGE
}

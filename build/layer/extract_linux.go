package layer

import (
	"io/fs"
	"os"
	"path"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"github.com/hoistci/hoist/build/buildfs"
)

// parentFd opens name's parent through root (so it cannot be outside) for
// the *at system calls os.Root lacks.
func parentFd(root *os.Root, name string) (*os.File, string, error) {
	d, err := root.Open(path.Dir(name))
	if err != nil {
		return nil, "", err
	}
	return d, path.Base(name), nil
}

// lutimes sets a symlink's own mtime (os.Root.Chtimes follows links).
func lutimes(root *os.Root, name string, mt time.Time) error {
	if mt.IsZero() {
		mt = time.Unix(0, 0)
	}
	d, base, err := parentFd(root, name)
	if err != nil {
		return err
	}
	defer d.Close()
	p, err := syscall.BytePtrFromString(base)
	if err != nil {
		return err
	}
	ts := [2]syscall.Timespec{syscall.NsecToTimespec(mt.UnixNano()), syscall.NsecToTimespec(mt.UnixNano())}
	const atSymlinkNofollow = 0x100
	_, _, errno := syscall.Syscall6(syscall.SYS_UTIMENSAT, d.Fd(), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(&ts[0])), atSymlinkNofollow, 0, 0)
	runtime.KeepAlive(d)
	if errno != 0 {
		return &fs.PathError{Op: "utimensat", Path: name, Err: errno}
	}
	return nil
}

func mknod(root *os.Root, name string, e *buildfs.Entry) error {
	d, base, err := parentFd(root, name)
	if err != nil {
		return err
	}
	defer d.Close()
	mode := uint32(0o600)
	var dev int
	switch {
	case e.Mode&fs.ModeNamedPipe != 0:
		mode |= syscall.S_IFIFO
	case e.Mode&fs.ModeCharDevice != 0:
		mode |= syscall.S_IFCHR
		dev = mkdev(e.Devmajor, e.Devminor)
	default:
		mode |= syscall.S_IFBLK
		dev = mkdev(e.Devmajor, e.Devminor)
	}
	err = syscall.Mknodat(int(d.Fd()), base, mode, dev)
	runtime.KeepAlive(d)
	if err != nil {
		return &fs.PathError{Op: "mknodat", Path: name, Err: err}
	}
	return nil
}

// mkdev encodes a device number as glibc's makedev does.
func mkdev(major, minor int64) int {
	return int((minor & 0xff) | (major&0xfff)<<8 | (minor&^0xff)<<12 | (major&^0xfff)<<32)
}

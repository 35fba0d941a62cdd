//go:build unix

package store

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// flock locks f: shared or exclusive, waiting or not (then errWouldBlock
// when another holder has it). The lock goes with the open file.
func flock(f *os.File, exclusive, wait bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errWouldBlock
		}
		return err
	}
}

// funlock releases f's lock.
func funlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// hardLinkID is a file's inode when it has more than one link.
func hardLinkID(fi fs.FileInfo) (uint64, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		return uint64(st.Ino), true
	}
	return 0, false
}

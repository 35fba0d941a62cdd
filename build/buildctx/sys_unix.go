//go:build unix

package buildctx

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

func inode(fi fs.FileInfo) (dev, ino uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return uint64(st.Dev), uint64(st.Ino), true
}

// openContent opens a regular file of the context for reading by its
// absolute path: one openat, where going through the os.Root costs one per
// path component (a third of the hashing time of the benchmark context).
// It stays inside the context because the caller checks that the
// descriptor's device and inode are the ones listed, and listings are read
// through the root, relative to directory descriptors: if a path component
// was swapped for a symlink meanwhile, whatever it opens is refused
// unread. O_NOFOLLOW refuses a final symlink; O_NONBLOCK keeps a file
// replaced by a FIFO from blocking (it fails the identity check instead).
func (c *Context) openContent(rel string) (*os.File, error) {
	if !c.top.inoOK {
		return c.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	}
	return os.OpenFile(filepath.Join(c.dir, filepath.FromSlash(rel)), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}

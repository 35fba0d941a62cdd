//go:build !unix

package buildctx

import (
	"io/fs"
	"os"
)

func inode(fs.FileInfo) (dev, ino uint64, ok bool) { return 0, 0, false }

// openContent opens a regular file of the context for reading, through the
// root: without inode numbers nothing could tell a file reached through a
// swapped path component from the one listed.
func (c *Context) openContent(rel string) (*os.File, error) {
	return c.root.OpenFile(rel, os.O_RDONLY, 0)
}

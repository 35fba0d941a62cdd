package buildctx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

// openChecked opens regular file n for reading and checks that it is still
// the file that was listed, with the same size and modification time.
func (c *Context) openChecked(n *node) (*os.File, error) {
	c.opens.Add(1)
	f, err := c.openContent(n.rel)
	if err != nil {
		if isNotExist(err) || errors.Is(err, syscall.ELOOP) {
			return nil, c.changed(n.rel)
		}
		return nil, c.readError(n.rel, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, c.readError(n.rel, err)
	}
	if !sameContent(n, fi) {
		f.Close()
		return nil, c.changed(n.rel)
	}
	return f, nil
}

func (c *Context) readError(rel string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("build context %s: cannot read %s: %w; make it readable or exclude it in .dockerignore", c.dir, rel, fs.ErrPermission)
	}
	return fmt.Errorf("build context %s: cannot read %s: %w", c.dir, rel, unwrapPathError(err))
}

// openFile is Entry.Open of a regular file: a reader that fails with the
// "changed" error when the content turns out not to have the listed size,
// or the file was modified while it was read.
func (c *Context) openFile(n *node) (io.ReadCloser, error) {
	f, err := c.openChecked(n)
	if err != nil {
		return nil, err
	}
	return &checkedReader{c: c, n: n, f: f}, nil
}

type checkedReader struct {
	c    *Context
	n    *node
	f    *os.File
	read int64
}

func (r *checkedReader) Read(p []byte) (int, error) {
	k, err := r.f.Read(p)
	r.read += int64(k)
	if r.read > r.n.entry.Size {
		return k, r.c.changed(r.n.rel)
	}
	if errors.Is(err, io.EOF) {
		if r.read != r.n.entry.Size {
			return k, r.c.changed(r.n.rel)
		}
		if fi, serr := r.f.Stat(); serr != nil || !sameContent(r.n, fi) {
			return k, r.c.changed(r.n.rel)
		}
		return k, io.EOF
	}
	if err != nil {
		return k, r.c.readError(r.n.rel, err)
	}
	return k, nil
}

func (r *checkedReader) Close() error { return r.f.Close() }

// bufPool holds copy buffers for hashing: many goroutines hash at once
// and a 32 KiB buffer per call would be garbage.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 128<<10); return &b }}

// hash is Entry.Hash of a regular file: the hex sha256 of its content,
// computed at most once per Context. Errors are remembered too: a file that
// changed during the build stays an error for this build.
func (c *Context) hash(n *node) (string, error) {
	n.hashOnce.Do(func() { n.sum, n.hashErr = c.computeHash(n) })
	return n.sum, n.hashErr
}

func (c *Context) computeHash(n *node) (string, error) {
	r, err := c.openFile(n)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	if _, err := io.CopyBuffer(h, r, *bp); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

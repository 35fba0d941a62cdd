package output

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"time"

	"github.com/hoistci/hoist/build/buildfs"
)

// WriteRootfsTar writes the file system fsys (a stage's merged root) to w
// as one tar (--output type=tar): entries in lexical order, a directory
// before its contents, with owners, modes, times, links, device nodes and
// extended attributes (as PAX SCHILY.xattr records). The root itself has no
// entry; sockets are left out (tar cannot hold them).
func WriteRootfsTar(ctx context.Context, w io.Writer, fsys buildfs.FS) error {
	tw := tar.NewWriter(ctxWriter{ctx, w})
	err := buildfs.Walk(fsys, ".", func(e *buildfs.Entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.Path == "." {
			return nil
		}
		hdr, ok := rootfsHeader(e)
		if !ok {
			return nil
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", e.Path, err)
		}
		if hdr.Typeflag == tar.TypeReg && hdr.Size > 0 {
			return copyContent(tw, e)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write root file system tar: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write root file system tar: %w", err)
	}
	return nil
}

func rootfsHeader(e *buildfs.Entry) (*tar.Header, bool) {
	hdr := &tar.Header{
		Name:    e.Path,
		Mode:    int64(e.Mode.Perm()),
		Uid:     e.UID,
		Gid:     e.GID,
		ModTime: e.ModTime,
	}
	if hdr.ModTime.IsZero() {
		// Year 1 is outside what tar's octal fields hold; other tools
		// read the epoch better.
		hdr.ModTime = time.Unix(0, 0)
	}
	if e.Mode&fs.ModeSetuid != 0 {
		hdr.Mode |= 0o4000
	}
	if e.Mode&fs.ModeSetgid != 0 {
		hdr.Mode |= 0o2000
	}
	if e.Mode&fs.ModeSticky != 0 {
		hdr.Mode |= 0o1000
	}
	switch t := e.Mode.Type(); {
	case t == fs.ModeDir:
		hdr.Typeflag, hdr.Name = tar.TypeDir, e.Path+"/"
	case t == fs.ModeSymlink:
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.Linkname
	case t&fs.ModeCharDevice != 0:
		hdr.Typeflag, hdr.Devmajor, hdr.Devminor = tar.TypeChar, e.Devmajor, e.Devminor
	case t == fs.ModeDevice:
		hdr.Typeflag, hdr.Devmajor, hdr.Devminor = tar.TypeBlock, e.Devmajor, e.Devminor
	case t == fs.ModeNamedPipe:
		hdr.Typeflag = tar.TypeFifo
	case t == 0 && e.HardLink != "":
		hdr.Typeflag, hdr.Linkname = tar.TypeLink, e.HardLink
	case t == 0:
		hdr.Typeflag, hdr.Size = tar.TypeReg, e.Size
	default: // sockets, irregular files
		return nil, false
	}
	if len(e.Xattrs) > 0 {
		hdr.PAXRecords = map[string]string{}
		keys := make([]string, 0, len(e.Xattrs))
		for k := range e.Xattrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			hdr.PAXRecords["SCHILY.xattr."+k] = e.Xattrs[k]
		}
	}
	return hdr, true
}

// copyContent writes exactly e.Size bytes of e's content: a file whose
// content does not match its recorded size would corrupt the tar stream.
func copyContent(w io.Writer, e *buildfs.Entry) error {
	if e.Open == nil {
		return fmt.Errorf("%s: regular file without content", e.Path)
	}
	rc, err := e.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", e.Path, err)
	}
	defer rc.Close()
	n, err := io.CopyN(w, rc, e.Size)
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: content is %d bytes, its entry says %d (the file changed during the build?)", e.Path, n, e.Size)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", e.Path, err)
	}
	if m, _ := io.CopyN(io.Discard, rc, 1); m > 0 {
		return fmt.Errorf("%s: content is longer than its entry's %d bytes (the file changed during the build?)", e.Path, e.Size)
	}
	return nil
}

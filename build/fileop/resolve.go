package fileop

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/hoistci/hoist/build/buildfs"
)

// maxSymlinks bounds symlink resolution, as continuity's fs.RootPath does
// (BuildKit resolves COPY paths with it): a cycle is an error, never a hang.
const maxSymlinks = 255

var (
	errTooManyLinks = errors.New("too many levels of symbolic links")
	errNotDir       = errors.New("not a directory")
)

// escapeError reports a symlink that leaves the build context.
type escapeError struct {
	link, target string
}

func (e *escapeError) Error() string {
	return fmt.Sprintf("symlink %q -> %q points outside the build context; copy what it points to into the context instead", errPath(e.link), e.target)
}

// lstatFunc is the one lookup path resolution needs.
type lstatFunc func(p string) (*buildfs.Entry, error)

// joinPath joins Entry paths, "." being the root.
func joinPath(dir, name string) string {
	if dir == "." || dir == "" {
		return buildfs.Clean(name)
	}
	if name == "." || name == "" {
		return dir
	}
	return dir + "/" + name
}

// splitComps returns the non-empty, non-"." components of a slash path.
func splitComps(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

// resolvePath resolves p (relative to scope; a leading "/" means scope
// itself) through the symlinks that lstat reports, the way continuity's
// fs.RootPath does for BuildKit's copy: every symlink met on the way is
// followed, the last one only when followFinal; a missing component ends the
// lookups (the rest is appended as written); an absolute symlink target
// starts again at scope and ".." stops at scope, so the result never leaves
// scope. In strict mode (the build context) a symlink whose target is
// absolute or climbs above scope is an *escapeError instead. p must already
// be lexically clean of ".." except leading ones, which stop at scope (or
// are refused in strict mode by the caller beforehand). The result is a
// clean Entry path under scope.
func resolvePath(lstat lstatFunc, scope, p string, followFinal, strict bool) (string, error) {
	queue := splitComps(p)
	var stack []string
	links := 0
	missing := false
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == ".." {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		stack = append(stack, c)
		if missing {
			continue
		}
		cur := joinPath(scope, strings.Join(stack, "/"))
		e, err := lstat(cur)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				missing = true
				continue
			}
			return "", err
		}
		final := len(queue) == 0
		if e.IsSymlink() && (!final || followFinal) {
			links++
			if links > maxSymlinks {
				return "", &fs.PathError{Op: "resolve", Path: cur, Err: errTooManyLinks}
			}
			target := e.Linkname
			base := stack[:len(stack)-1]
			if path.IsAbs(target) {
				if strict {
					return "", &escapeError{link: cur, target: target}
				}
				base = nil
			}
			var next []string
			next = append(next, base...)
			for _, tc := range splitComps(target) {
				if tc == ".." {
					if len(next) == 0 {
						if strict {
							return "", &escapeError{link: cur, target: target}
						}
						continue
					}
					next = next[:len(next)-1]
					continue
				}
				next = append(next, tc)
			}
			// Start again from scope with the target spliced in: the
			// prefix is already free of symlinks, so walking it again
			// only re-checks it, as RootPath's outer loop does.
			queue = append(next, queue...)
			stack = nil
			continue
		}
		if !final && !e.IsDir() && !e.IsSymlink() {
			return "", &fs.PathError{Op: "lstat", Path: joinPath(cur, queue[0]), Err: errNotDir}
		}
	}
	return joinPath(scope, strings.Join(stack, "/")), nil
}

// view is the destination tree as the copy changes it: dst overlaid with the
// entries written so far, minus the subtrees the copy replaced.
type view struct {
	base buildfs.FS
	out  map[string]*buildfs.Entry
	gone map[string]bool // removed from base, with everything below
}

func newView(base buildfs.FS) *view {
	if base == nil {
		base = buildfs.NewTree()
	}
	return &view{base: base, out: map[string]*buildfs.Entry{}, gone: map[string]bool{}}
}

func (v *view) lstat(p string) (*buildfs.Entry, error) {
	if e, ok := v.out[p]; ok {
		return e, nil
	}
	for q := p; ; q = path.Dir(q) {
		if v.gone[q] {
			return nil, &fs.PathError{Op: "lstat", Path: p, Err: fs.ErrNotExist}
		}
		if q == "." {
			break
		}
	}
	return v.base.Lstat(p)
}

// get is lstat without the error: nil when p does not exist.
func (v *view) get(p string) *buildfs.Entry {
	e, err := v.lstat(p)
	if err != nil {
		return nil
	}
	return e
}

// removeAll deletes p and everything below it from the view.
func (v *view) removeAll(p string) {
	prefix := p + "/"
	if p == "." {
		prefix = ""
	}
	for q := range v.out {
		if q == p || strings.HasPrefix(q, prefix) {
			delete(v.out, q)
		}
	}
	if _, err := v.base.Lstat(p); err == nil {
		v.gone[p] = true
	}
}

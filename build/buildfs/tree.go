package buildfs

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// Tree is an in-memory FS: the merged view of an image's layers, a test
// fixture, or the entries a step produces. The zero value is not usable;
// call NewTree.
type Tree struct {
	mu       sync.RWMutex
	entries  map[string]*Entry
	children map[string][]string // dir path -> child base names, unsorted
}

// NewTree returns a tree holding only the root directory (0755, root).
func NewTree() *Tree {
	t := &Tree{entries: map[string]*Entry{}, children: map[string][]string{}}
	t.entries["."] = &Entry{Path: ".", Mode: fs.ModeDir | 0o755}
	return t
}

// Put adds or replaces e (e.Path must be in Clean form). Missing parent
// directories are created as 0755 root:root. Replacing a directory by a
// non-directory removes what was below it.
func (t *Tree) Put(e *Entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.put(e)
}

func (t *Tree) put(e *Entry) {
	if e.Path == "." {
		t.entries["."] = e
		return
	}
	dir := path.Dir(e.Path)
	if p, ok := t.entries[dir]; !ok || !p.IsDir() {
		t.put(&Entry{Path: dir, Mode: fs.ModeDir | 0o755})
	}
	old, ok := t.entries[e.Path]
	if ok && old.IsDir() && !e.IsDir() {
		t.removeBelow(e.Path)
	}
	if !ok {
		t.children[dir] = append(t.children[dir], path.Base(e.Path))
	}
	t.entries[e.Path] = e
}

// Remove deletes p and everything below it; a missing p is not an error.
func (t *Tree) Remove(p string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p == "." {
		t.removeBelow(".")
		return
	}
	if _, ok := t.entries[p]; !ok {
		return
	}
	t.removeBelow(p)
	delete(t.entries, p)
	dir := path.Dir(p)
	t.children[dir] = slices.DeleteFunc(t.children[dir], func(n string) bool { return n == path.Base(p) })
}

// RemoveChildren deletes everything below directory p (an opaque
// whiteout), keeping p.
func (t *Tree) RemoveChildren(p string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removeBelow(p)
}

func (t *Tree) removeBelow(p string) {
	for _, n := range t.children[p] {
		c := join(p, n)
		t.removeBelow(c)
		delete(t.entries, c)
	}
	delete(t.children, p)
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// Lstat implements FS.
func (t *Tree) Lstat(p string) (*Entry, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	e, ok := t.entries[p]
	if !ok {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: fs.ErrNotExist}
	}
	return e, nil
}

// ReadDir implements FS.
func (t *Tree) ReadDir(p string) ([]*Entry, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	e, ok := t.entries[p]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: p, Err: fs.ErrNotExist}
	}
	if !e.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: p, Err: fmt.Errorf("not a directory")}
	}
	names := slices.Clone(t.children[p])
	slices.Sort(names)
	out := make([]*Entry, len(names))
	for i, n := range names {
		out[i] = t.entries[join(p, n)]
	}
	return out, nil
}

// Len is the number of entries, the root included.
func (t *Tree) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.entries)
}

// Paths returns every path but the root, sorted.
func (t *Tree) Paths() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]string, 0, len(t.entries))
	for p := range t.entries {
		if p != "." {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(a, b) })
	return out
}

// Clone returns an independent copy of t (entries are shared: they are
// never mutated once put).
func (t *Tree) Clone() *Tree {
	t.mu.RLock()
	defer t.mu.RUnlock()
	c := &Tree{entries: make(map[string]*Entry, len(t.entries)), children: make(map[string][]string, len(t.children))}
	for k, v := range t.entries {
		c.entries[k] = v
	}
	for k, v := range t.children {
		c.children[k] = slices.Clone(v)
	}
	return c
}

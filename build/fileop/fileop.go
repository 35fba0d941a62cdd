// Package fileop computes what a Dockerfile COPY or ADD does to a file
// tree, with BuildKit's semantics: the frontend's dispatchCopy
// (frontend/dockerfile/dockerfile2llb/convert_copy.go), the FileOp copy
// backend (solver/llbsolver/file/backend.go docopy and unpack.go) and
// tonistiigi/fsutil/copy, which does the copying. It reads buildfs trees and
// returns entries; it writes no layer.
//
// A COPY is done in two steps, so that the builder can compute the cache
// key before deciding whether to copy: Select resolves the sources to the
// exact entries that will be copied, and Apply computes the entries the
// instruction adds on top of the destination tree.
//
// Where this package deliberately differs from BuildKit, it is stricter and
// says so in an error, never silently: a source path that climbs out of the
// build context with ".." is refused (BuildKit clamps it to the context
// root); in the build context a symlink whose target leaves the context is
// refused (BuildKit resolves it inside the context); several sources copied
// onto one file path (COPY a b /dest without a trailing slash, where BuildKit
// keeps only the last) are refused with the classic builder's message; an
// ADD archive entry whose name or link climbs out of the destination is
// refused (BuildKit, extracting in a chroot, clamps it).
package fileop

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/moby/patternmatcher"
)

// Copy describes one COPY or ADD of local sources, its arguments expanded.
type Copy struct {
	// Sources are source paths or patterns relative to the source root; a
	// leading "/" means the same. Wildcards (*, ?, [...], \ escapes) follow
	// filepath.Match, resolved per path component as fsutil's
	// ResolveWildcards does; with Parents, "/./" marks the pivot.
	Sources []string
	// Dest is the destination as written (expanded). A trailing "/" or "/."
	// makes it a directory.
	Dest string
	// Workdir is the image WORKDIR, for a relative Dest ("" = "/").
	Workdir string
	// Chown is --chown: "", "1000", "1000:1000", "app", "app:staff", ...
	Chown string
	// Chmod is --chmod: octal ("0755", "755") or symbolic ("u+x,g-w").
	Chmod string
	// Excludes are the --exclude patterns (patternmatcher syntax), matched
	// against paths below each copied directory.
	Excludes []string
	// Parents is --parents.
	Parents bool
	// IsAdd makes local tar archives (plain, gzip, bzip2, xz, zstd; found
	// by content) extract into Dest instead of being copied: ADD, unless
	// --unpack=false.
	IsAdd bool
	// SourceIsRootFS is set when the source is a stage's or an image's root
	// file system (COPY --from): symlinks there resolve against that root
	// as BuildKit resolves them (an absolute target starts at the root, ".."
	// stops at it). Otherwise the source is the build context, and a
	// symlink that leaves it is refused.
	SourceIsRootFS bool
	// Literal makes Sources plain names, not patterns: heredoc files and
	// the file of an ADD <url> (BuildKit copies those without wildcards).
	Literal bool
	// DirTime is the ModTime of the directories the copy creates on the way
	// to Dest (BuildKit stamps them with the time of the copy). Zero means
	// the Unix epoch.
	DirTime time.Time
	// TmpDir receives the content of the files extracted from ADD archives;
	// the returned entries read it until the caller removes it. Required
	// when an archive is extracted.
	TmpDir string
}

// Match is one source entry a COPY copies.
type Match struct {
	// Source is the entry in the source tree, with its path there (a
	// followed symlink gives its target's entry).
	Source *buildfs.Entry
	// Rel is the entry's path relative to the copy root it belongs to: "."
	// for the root itself (a file source, or a directory whose contents are
	// copied), "sub/file" below it. The root lands on Dest (or Dest/Name
	// when Dest is a directory and the root a file); the others on
	// <root's destination>/Rel.
	Rel string
	// Root numbers the copy roots in order: one per source, or per
	// wildcard match. The matches of one root are contiguous, root first.
	Root int
	// Name is the last element of the root's source path as written (a
	// symlink keeps its own name), used when a file lands in a directory.
	Name string
	// ParentOnly marks a directory that is not selected itself but holds
	// selected entries (because of --parents or --exclude patterns): it is
	// created with its source metadata when missing, and an existing one
	// only takes its mode (fsutil's createParentDirs).
	ParentOnly bool
}

// Select resolves the sources of c in src and returns every source entry
// the instruction copies, in a deterministic order: sources in order,
// wildcard matches in lexical order, each directory before its contents.
//
// As in BuildKit: a directory source copies its contents; a wildcard that
// matches nothing is not an error (dockerfile2llb sets AllowEmptyWildcard,
// so `COPY go.mod go.sum* ./` works without go.sum), but a source without
// wildcards that does not exist is ("not found", wrapping fs.ErrNotExist),
// as is a wildcard under a missing directory; a symlink named by a source
// (or on the way to it) is followed, a symlink inside a copied directory is
// copied as a symlink.
func Select(src buildfs.FS, c Copy) ([]Match, error) {
	if src == nil {
		return nil, errors.New("no source tree")
	}
	if len(c.Sources) == 0 {
		return nil, errors.New("no source files were specified")
	}
	s := &selector{src: src, c: c}
	if len(c.Excludes) > 0 {
		pm, err := patternmatcher.New(c.Excludes)
		if err != nil {
			return nil, fmt.Errorf("--exclude %q: %w", c.Excludes, err)
		}
		s.exc = pm
	}
	for _, raw := range c.Sources {
		var err error
		if c.Parents {
			err = s.addParents(raw)
		} else {
			err = s.addSource(raw, raw, nil)
		}
		if err != nil {
			return nil, err
		}
	}
	return s.out, nil
}

type selector struct {
	src  buildfs.FS
	c    Copy
	exc  *patternmatcher.PatternMatcher
	out  []Match
	root int
}

// cleanSource turns a source as written into an Entry path, refusing one
// that climbs out of the source root.
func cleanSource(raw string) (string, error) {
	p := path.Clean(raw)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("source %q: path is outside the build context; sources are relative to the context root", raw)
	}
	return buildfs.Clean(p), nil
}

func (s *selector) resolve(raw, p string) (string, error) {
	r, err := resolvePath(s.src.Lstat, ".", p, true, !s.c.SourceIsRootFS)
	if err != nil {
		return "", fmt.Errorf("source %q: %w", raw, err)
	}
	return r, nil
}

func notFound(raw, p string) error {
	return fmt.Errorf("source %q: %q: not found (%w)", raw, "/"+strings.TrimPrefix(p, "."), fs.ErrNotExist)
}

// addSource adds the roots of one source: raw is the source as written (for
// errors), p the path to resolve, inc the --parents include pattern.
func (s *selector) addSource(raw, p string, inc *patternmatcher.PatternMatcher) error {
	p, err := cleanSource(p)
	if err != nil {
		return err
	}
	matches := []string{p}
	if !s.c.Literal && containsWildcards(p) {
		matches, err = s.resolveWildcards(raw, p)
		if err != nil {
			return err
		}
	}
	for _, m := range matches {
		if err := s.addRoot(raw, m, inc); err != nil {
			return err
		}
	}
	return nil
}

// resolveWildcards is fsutil's ResolveWildcards with followLinks: the part
// before the first component holding a wildcard is resolved, symlinks
// followed; below it every path is matched whole against the rest with
// filepath.Match, and a matching directory is not entered.
func (s *selector) resolveWildcards(raw, p string) ([]string, error) {
	d1, d2 := splitWildcards(p)
	base, err := s.resolve(raw, d1)
	if err != nil {
		return nil, err
	}
	if _, err := s.src.Lstat(base); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, notFound(raw, d1)
		}
		return nil, fmt.Errorf("source %q: %w", raw, err)
	}
	var out []string
	err = buildfs.Walk(s.src, base, func(e *buildfs.Entry) error {
		if e.Path == base {
			return nil
		}
		rel := e.Path
		if base != "." {
			rel = strings.TrimPrefix(e.Path, base+"/")
		}
		if ok, _ := path.Match(d2, rel); !ok {
			return nil
		}
		out = append(out, e.Path)
		if e.IsDir() {
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", raw, err)
	}
	return out, nil
}

func (s *selector) addRoot(raw, m string, inc *patternmatcher.PatternMatcher) error {
	rp, err := s.resolve(raw, m)
	if err != nil {
		return err
	}
	e, err := s.src.Lstat(rp)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return notFound(raw, m)
		}
		return fmt.Errorf("source %q: %w", raw, err)
	}
	root := s.root
	s.root++
	s.out = append(s.out, Match{Source: e, Rel: ".", Root: root, Name: path.Base(m)})
	if !e.IsDir() {
		return nil
	}
	pending := []pendingDir{{done: true}}
	return s.walkDir(e, "", root, inc, patternmatcher.MatchInfo{}, patternmatcher.MatchInfo{}, &pending)
}

type pendingDir struct {
	e    *buildfs.Entry
	rel  string
	done bool
}

// walkDir is fsutil's copier.copy/copyDirectory traversal: include and
// exclude patterns are matched against paths relative to the root, an
// excluded directory is skipped whole unless an exclude pattern has
// exceptions ("!"), and a directory that is not selected itself is emitted
// (ParentOnly) just before the first selected entry below it.
func (s *selector) walkDir(dir *buildfs.Entry, rel string, root int, inc *patternmatcher.PatternMatcher, incInfo, excInfo patternmatcher.MatchInfo, pending *[]pendingDir) error {
	children, err := s.src.ReadDir(dir.Path)
	if err != nil {
		return fmt.Errorf("read %q: %w", "/"+dir.Path, err)
	}
	for _, ch := range children {
		crel := path.Base(ch.Path)
		if rel != "" {
			crel = rel + "/" + crel
		}
		include, excluded := true, false
		var ci, ei patternmatcher.MatchInfo
		if inc != nil {
			m, info, err := inc.MatchesUsingParentResults(crel, incInfo)
			if err != nil {
				return fmt.Errorf("--parents pattern: %w", err)
			}
			include, ci = m, info
		}
		if s.exc != nil {
			m, info, err := s.exc.MatchesUsingParentResults(crel, excInfo)
			if err != nil {
				return fmt.Errorf("--exclude: %w", err)
			}
			ei = info
			if m {
				include, excluded = false, true
			}
		}
		noExceptions := s.exc == nil || !s.exc.Exclusions()
		if !include && inc == nil && noExceptions {
			continue
		}
		if !include && !ch.IsDir() {
			continue
		}
		if include {
			for i := range *pending {
				if p := &(*pending)[i]; !p.done {
					s.out = append(s.out, Match{Source: p.e, Rel: p.rel, Root: root, ParentOnly: true})
					p.done = true
				}
			}
		}
		if !ch.IsDir() {
			s.out = append(s.out, Match{Source: ch, Rel: crel, Root: root})
			continue
		}
		if include {
			s.out = append(s.out, Match{Source: ch, Rel: crel, Root: root})
		}
		if excluded && noExceptions {
			continue
		}
		*pending = append(*pending, pendingDir{e: ch, rel: crel, done: include})
		err := s.walkDir(ch, crel, root, inc, ci, ei, pending)
		*pending = (*pending)[:len(*pending)-1]
		if err != nil {
			return err
		}
	}
	return nil
}

// addParents is dispatchCopy's --parents: the source splits at "/./" into
// the directory that is copied (the whole source root when there is no
// "/./") and a pattern that selects what below it is copied with its path.
// Without wildcards the selected path must exist.
func (s *selector) addParents(raw string) error {
	parent, pattern, ok := strings.Cut(raw, "/./")
	if !ok {
		pattern, parent = raw, "/"
	}
	if _, err := cleanSource(parent); err != nil {
		return err
	}
	if _, err := cleanSource(pattern); err != nil {
		return err
	}
	pattern = strings.TrimPrefix(path.Clean("/"+pattern), "/")
	inc, err := patternmatcher.New([]string{pattern})
	if err != nil {
		return fmt.Errorf("source %q: %w", raw, err)
	}
	var required string
	if !containsWildcards(parent) && !containsWildcards(pattern) {
		required = joinPath(buildfs.Clean(parent), buildfs.Clean(pattern))
	}
	first := len(s.out)
	if err := s.addSource(raw, parent, inc); err != nil {
		return err
	}
	if required == "" {
		return nil
	}
	base := buildfs.Clean(parent)
	for _, m := range s.out[first:] {
		if m.Rel == "." {
			continue
		}
		if p := joinPath(base, m.Rel); p == required || strings.HasPrefix(p, required+"/") {
			return nil
		}
	}
	return notFound(raw, required)
}

// containsWildcards is fsutil's: '*', '?' or '[' not escaped by '\'.
func containsWildcards(name string) bool {
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++
		case '*', '?', '[':
			return true
		}
	}
	return false
}

// splitWildcards splits an Entry path before its first component holding a
// wildcard.
func splitWildcards(p string) (d1, d2 string) {
	parts := strings.Split(p, "/")
	for i, c := range parts {
		if containsWildcards(c) {
			d1 = strings.Join(parts[:i], "/")
			if d1 == "" {
				d1 = "."
			}
			return d1, strings.Join(parts[i:], "/")
		}
	}
	return p, ""
}

// destPath is dispatchCopy's pathRelativeToWorkingDir followed by llb's
// normalizePath and the backend's cleanPath: an absolute, clean path that
// keeps a trailing "/" or "/.".
func destPath(workdir, dest string) string {
	wd := path.Join("/", workdir)
	orig := dest
	var p string
	if path.IsAbs(dest) {
		p = path.Clean(dest)
	} else {
		if dest == "." || dest == "" {
			orig = "./"
		}
		p = path.Join(wd, orig)
	}
	if strings.HasSuffix(orig, "/") && !strings.HasSuffix(p, "/") {
		p += "/"
	} else if strings.HasSuffix(orig, "/.") {
		if p != "/" {
			p += "/"
		}
		p += "."
	}
	return p
}

// destIsDir reports whether a destination as destPath returns it names a
// directory by its form.
func destIsDir(d string) bool {
	return strings.HasSuffix(d, "/") || strings.HasSuffix(d, "/.")
}

// Apply computes the entries the instruction writes on top of dst (the
// destination stage's tree; nil is an empty one) for matches as Select
// returned them: the copied entries and the directories created on the way,
// sorted by Path (so a directory comes before its contents). Directories
// that already exist in dst are not emitted unless the copy changes their
// metadata.
//
// As in BuildKit: the ownership is --chown's (resolved in dst) for every
// copied and created entry, else the source's for copied entries and 0:0
// for created directories; --chmod applies to every copied file and
// directory (not to symlinks), and an octal --chmod is also the mode of the
// directories created on the way (fsutil MkdirAll gets it as perm), which
// are 0755 otherwise; copied entries keep their source ModTime; symlinks on
// the way to Dest (Dest itself included) are followed inside dst; a file
// copied onto an existing file or symlink replaces it, but not a directory
// ("cannot replace directory ... with a file"), and a directory is not
// copied onto a non-directory. ADD extracts archive roots (see IsAdd).
func Apply(src, dst buildfs.FS, c Copy, matches []Match) (entries []*buildfs.Entry, err error) {
	a := &applier{
		src:     src,
		c:       c,
		v:       newView(dst),
		dest:    destPath(c.Workdir, c.Dest),
		dirTime: c.DirTime,
		ino:     map[string]int{},
		inoMeta: map[int]*buildfs.Entry{},
		rootPut: map[string]int{},
	}
	if a.dirTime.IsZero() {
		a.dirTime = time.Unix(0, 0).UTC()
	}
	defer func() {
		if err != nil {
			a.cleanup()
		}
	}()
	if c.Chmod != "" {
		if a.chmod, err = parseChmod(c.Chmod); err != nil {
			return nil, err
		}
	}
	if c.Chown != "" {
		o, err := LookupOwner(dst, c.Chown)
		if err != nil {
			return nil, err
		}
		a.owner = &o
	}
	for i := 0; i < len(matches); {
		j := i + 1
		for j < len(matches) && matches[j].Root == matches[i].Root {
			j++
		}
		group := matches[i:j]
		i = j
		if group[0].Rel != "." || group[0].Source == nil {
			return nil, fmt.Errorf("matches not as Select returns them: root %d does not start with its root entry", group[0].Root)
		}
		if c.IsAdd && len(group) == 1 && group[0].Source.IsRegular() {
			done, err := a.tryUnpack(group[0])
			if err != nil {
				return nil, err
			}
			if done {
				continue
			}
		}
		if err := a.copyRoot(group); err != nil {
			return nil, err
		}
	}
	return a.finish(), nil
}

type applier struct {
	src     buildfs.FS
	c       Copy
	v       *view
	dest    string
	dirTime time.Time
	chmod   *chmodSpec
	owner   *Owner

	// Hard links: regular entries sharing an inode number share content and
	// metadata; inoMeta holds the inode's latest metadata.
	ino     map[string]int
	inoMeta map[int]*buildfs.Entry
	nextIno int
	srcIno  map[string]int // source inode key -> inode, per copy root (fsutil's copier.inodes)

	rootPut map[string]int // file path -> root that copied a non-directory there
	spools  []*spool
}

func (a *applier) cleanup() {
	for _, s := range a.spools {
		s.remove()
	}
}

// newOwner is the owner of created directories: --chown's, else root
// (fsutil's MkdirAll only chowns when a chowner is set).
func (a *applier) newOwner() (int, int) {
	if a.owner != nil {
		return a.owner.UID, a.owner.GID
	}
	return 0, 0
}

func errPath(p string) string {
	if p == "." {
		return "/"
	}
	return "/" + p
}

// mkdirAll is fsutil's MkdirAll on a resolved path.
func (a *applier) mkdirAll(p string, mode fs.FileMode, uid, gid int) error {
	if p == "." {
		return nil
	}
	if e := a.v.get(p); e != nil {
		if e.IsDir() {
			return nil
		}
		return &fs.PathError{Op: "mkdir", Path: errPath(p), Err: errNotDir}
	}
	if err := a.mkdirAll(path.Dir(p), mode, uid, gid); err != nil {
		return err
	}
	a.put(&buildfs.Entry{Path: p, Mode: mode, UID: uid, GID: gid, ModTime: a.dirTime}, -1)
	return nil
}

// put records e in the view; ino is e's inode when it is a hard link to an
// earlier entry, -1 for a new one.
func (a *applier) put(e *buildfs.Entry, ino int) {
	a.v.out[e.Path] = e
	if !e.IsRegular() {
		delete(a.ino, e.Path)
		return
	}
	if ino < 0 {
		ino = a.nextIno
		a.nextIno++
	}
	a.ino[e.Path] = ino
	a.inoMeta[ino] = e
}

func (a *applier) resolveDst(p string) (string, error) {
	r, err := resolvePath(a.v.lstat, ".", p, true, false)
	if err != nil {
		return "", fmt.Errorf("destination %q: %w", a.dest, err)
	}
	return r, nil
}

// copyRoot is fsutil's Copy for one source: create the destination's
// parents, decide where the root lands (prepareTargetDir), copy.
func (a *applier) copyRoot(group []Match) error {
	root := group[0]
	ensure := a.dest
	if d, f := path.Split(a.dest); f != "" && f != "." {
		ensure = d
	}
	uid, gid := a.newOwner()
	perm := dirPerm(a.chmod)
	ens, err := a.resolveDst(ensure)
	if err != nil {
		return err
	}
	if err := a.mkdirAll(ens, perm, uid, gid); err != nil {
		return err
	}
	dst, err := a.resolveDst(a.dest)
	if err != nil {
		return err
	}
	srcIsDir := root.Source.IsDir()
	fiDest := a.v.get(dst)
	if fiDest != nil && fiDest.IsSymlink() {
		fiDest = nil // dangling: resolution followed every link that leads somewhere
	}
	if !srcIsDir && fiDest != nil && fiDest.IsDir() {
		dst = joinPath(dst, root.Name)
	}
	target := path.Dir(dst)
	if srcIsDir && fiDest == nil {
		target = dst
	}
	if err := a.mkdirAll(target, perm, uid, gid); err != nil {
		return err
	}
	if !destIsDir(a.dest) {
		if prev, ok := a.rootPut[dst]; ok && prev != root.Root {
			return fmt.Errorf("When using COPY with more than one source file, the destination must be a directory and end with a /: %q would be written by more than one source", errPath(dst))
		}
	}
	a.srcIno = map[string]int{}
	for _, m := range group {
		t := dst
		if m.Rel != "." {
			t = joinPath(dst, m.Rel)
		}
		if err := a.copyOne(m, t, m.Rel != "."); err != nil {
			return err
		}
	}
	if !srcIsDir {
		a.rootPut[dst] = root.Root
	}
	return nil
}

// copyOne is fsutil's copier.copy for one entry landing at t; overwrite is
// its overwriteTargetMetadata (false only for the root).
func (a *applier) copyOne(m Match, t string, overwrite bool) error {
	s := m.Source
	ex := a.v.get(t)
	if !s.IsDir() {
		if ex != nil && ex.IsDir() {
			return fmt.Errorf("cannot replace directory %q with a file from %q", errPath(t), errPath(s.Path))
		}
		e := a.meta(s, t, nil)
		ino := -1
		if e.IsRegular() {
			key := s.Path
			if s.HardLink != "" {
				key = buildfs.Clean(s.HardLink)
				if e.Open == nil {
					if te, err := a.src.Lstat(key); err == nil && te.IsRegular() {
						e.Open, e.Hash, e.Size = te.Open, te.Hash, te.Size
					}
				}
			}
			if n, ok := a.srcIno[key]; ok {
				ino = n
			}
			a.put(e, ino)
			a.srcIno[key] = a.ino[t]
			return nil
		}
		a.put(e, -1)
		return nil
	}
	switch {
	case ex == nil:
		a.put(a.meta(s, t, nil), -1)
	case !ex.IsDir():
		return fmt.Errorf("cannot copy to non-directory: %s", errPath(t))
	case m.ParentOnly:
		ne := *ex
		ne.Path = t
		ne.Mode = ex.Mode.Type() | s.Mode&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
		a.put(&ne, -1)
	case overwrite:
		a.put(a.meta(s, t, ex.Xattrs), -1)
	default:
		// The root copied onto an existing directory: fsutil only gives it
		// the source directory's times.
		if o, ok := a.v.out[t]; ok {
			o.ModTime = s.ModTime
		}
	}
	return nil
}

// meta is the entry for s copied to t: fsutil's copyFileInfo (chown,
// chmod except on symlinks, source times) and copyXAttrs.
func (a *applier) meta(s *buildfs.Entry, t string, keepXattrs map[string]string) *buildfs.Entry {
	e := &buildfs.Entry{
		Path: t, Mode: s.Mode, UID: s.UID, GID: s.GID, Size: s.Size,
		Linkname: s.Linkname, ModTime: s.ModTime, Devmajor: s.Devmajor, Devminor: s.Devminor,
		Open: s.Open, Hash: s.Hash,
	}
	if a.owner != nil {
		e.UID, e.GID = a.owner.UID, a.owner.GID
	}
	if a.chmod != nil && !s.IsSymlink() {
		e.Mode = a.chmod.apply(e.Mode)
	}
	e.Xattrs = mergeXattrs(keepXattrs, s.Xattrs)
	return e
}

func mergeXattrs(a, b map[string]string) map[string]string {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	m := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// finish links hard-link groups (the lexically first path holds the
// content, the others point at it) and sorts the entries.
func (a *applier) finish() []*buildfs.Entry {
	groups := map[int][]string{}
	for p, n := range a.ino {
		if e, ok := a.v.out[p]; ok && e.IsRegular() {
			groups[n] = append(groups[n], p)
		}
	}
	for n, ps := range groups {
		if len(ps) < 2 {
			continue
		}
		slices.Sort(ps)
		c := a.inoMeta[n]
		for i, p := range ps {
			e := a.v.out[p]
			ne := *c
			ne.Path = p
			ne.Xattrs = mergeXattrs(nil, c.Xattrs)
			ne.HardLink = ""
			if i > 0 {
				ne.HardLink = ps[0]
			}
			*e = ne
		}
	}
	out := make([]*buildfs.Entry, 0, len(a.v.out))
	for _, e := range a.v.out {
		out = append(out, e)
	}
	slices.SortFunc(out, func(x, y *buildfs.Entry) int { return strings.Compare(x.Path, y.Path) })
	return out
}

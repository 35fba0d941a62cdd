package buildctx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hoistci/hoist/build/buildfs"
)

// mkTree creates paths below dir: "d/" is a directory, "l -> target" a
// symlink, anything else a file whose content is its own path.
func mkTree(t testing.TB, dir string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		switch {
		case strings.Contains(p, " -> "):
			name, target, _ := strings.Cut(p, " -> ")
			must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
			must(t, os.Symlink(target, filepath.Join(dir, name)))
		case strings.HasSuffix(p, "/"):
			must(t, os.MkdirAll(filepath.Join(dir, p), 0o755))
		default:
			must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755))
			must(t, os.WriteFile(filepath.Join(dir, p), []byte(p), 0o644))
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// visible lists every path of c but the root, in walk order.
func visible(t testing.TB, c *Context) []string {
	t.Helper()
	var out []string
	err := buildfs.Walk(c, ".", func(e *buildfs.Entry) error {
		if e.Path != "." {
			out = append(out, e.Path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return out
}

// diskPaths lists every path below dir, sorted as a walk visits them.
func diskPaths(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel != "." {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	must(t, err)
	return out
}

func openIgnore(t testing.TB, dir, ignore string) *Context {
	t.Helper()
	root, err := os.OpenRoot(dir)
	must(t, err)
	c, err := openWithIgnore(dir, root, filepath.Join(dir, ".dockerignore"), []byte(ignore))
	if err != nil {
		root.Close()
		t.Fatalf("open with %q: %v", ignore, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var ignoreTree = []string{
	"Dockerfile",
	"README.md", "README-secret.md", "README-dev.md", "CHANGELOG.md",
	"docs/guide.md", "docs/README.md",
	"main.go", "cmd/app/main.go", "cmd/app/main_test.go", "vendor/lib/lib.go",
	"temp", "tempa", "tempdir/x",
	"somedir/temporary.txt", "somedir/temp/file", "somedir/subdir/temporary.txt", "somedir/keep.txt",
	"dir/keep.txt", "dir/drop.txt", "dir/sub/keep.txt", "dir/sub/drop.txt",
	"foo/bar",
	"node_modules/pkg/index.js", "node_modules/pkg/README.md",
	"empty/",
}

// TestIgnore checks .dockerignore semantics against Docker's documented
// examples (docs.docker.com/build/concepts/context/#dockerignore-files) and
// against a port of BuildKit's filter walker.
func TestIgnore(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, ignoreTree...)
	all := diskPaths(t, dir)
	for _, tc := range []struct {
		name, ignore string
		hidden       []string // every path of ignoreTree that must be invisible
	}{
		{name: "none", ignore: ""},
		{
			name:   "docs example with comment",
			ignore: "# comment\n#README.md\n*/temp*\n*/*/temp*\ntemp?\n",
			hidden: []string{"somedir/subdir/temporary.txt", "somedir/temp", "somedir/temp/file", "somedir/temporary.txt", "tempa"},
		},
		{
			name:   "double star",
			ignore: "**/*.go",
			hidden: []string{"cmd/app/main.go", "cmd/app/main_test.go", "main.go", "vendor/lib/lib.go"},
		},
		{
			name:   "exception",
			ignore: "*.md\n!README.md",
			hidden: []string{"CHANGELOG.md", "README-dev.md", "README-secret.md"},
		},
		{
			name:   "exception then exclusion",
			ignore: "*.md\n!README*.md\nREADME-secret.md",
			hidden: []string{"CHANGELOG.md", "README-secret.md"},
		},
		{
			name:   "exclusion then exception",
			ignore: "*.md\nREADME-secret.md\n!README*.md",
			hidden: []string{"CHANGELOG.md"},
		},
		{
			name:   "double star exception",
			ignore: "**/*.md\n!**/README.md",
			hidden: []string{"CHANGELOG.md", "README-dev.md", "README-secret.md", "docs/guide.md"},
		},
		{
			name:   "leading slash",
			ignore: "/foo/bar\n/main.go",
			hidden: []string{"foo/bar", "main.go"},
		},
		{name: "dot is ignored", ignore: ".\n./\n"},
		{
			name:   "trailing slash",
			ignore: "dir/\nfoo/",
			hidden: []string{"dir", "dir/drop.txt", "dir/keep.txt", "dir/sub", "dir/sub/drop.txt", "dir/sub/keep.txt", "foo", "foo/bar"},
		},
		{
			name:   "excluded dir with a re-included file",
			ignore: "dir\n!dir/keep.txt",
			hidden: []string{"dir/drop.txt", "dir/sub", "dir/sub/drop.txt", "dir/sub/keep.txt"},
		},
		{
			name:   "excluded dir with a wildcard exception",
			ignore: "dir\n!dir/**/keep.txt",
			hidden: []string{"dir/drop.txt", "dir/sub/drop.txt"},
		},
		{
			name:   "deep re-include",
			ignore: "node_modules\n!node_modules/pkg/README.md",
			hidden: []string{"node_modules/pkg/index.js"},
		},
		{
			name:   "everything but one dir",
			ignore: "*\n!cmd",
			hidden: []string{
				"CHANGELOG.md", "Dockerfile", "README-dev.md", "README-secret.md", "README.md",
				"dir", "dir/drop.txt", "dir/keep.txt", "dir/sub", "dir/sub/drop.txt", "dir/sub/keep.txt",
				"docs", "docs/README.md", "docs/guide.md", "empty", "foo", "foo/bar", "main.go",
				"node_modules", "node_modules/pkg", "node_modules/pkg/README.md", "node_modules/pkg/index.js",
				"somedir", "somedir/keep.txt", "somedir/subdir", "somedir/subdir/temporary.txt",
				"somedir/temp", "somedir/temp/file", "somedir/temporary.txt",
				"temp", "tempa", "tempdir", "tempdir/x", "vendor", "vendor/lib", "vendor/lib/lib.go",
			},
		},
		{
			name:   "exception for something absent keeps an excluded dir hidden",
			ignore: "empty\ndir\n!empty/x\n!dir/nothing",
			hidden: []string{"dir", "dir/drop.txt", "dir/keep.txt", "dir/sub", "dir/sub/drop.txt", "dir/sub/keep.txt", "empty"},
		},
		{
			// An exception is matched against the parents of a path only
			// through the parent's results, as BuildKit's walker does:
			// "!dir" does not re-include dir/sub here (patternmatcher's
			// MatchesOrParentMatches alone would).
			name:   "parent results",
			ignore: "dir/sub\n!dir",
			hidden: []string{"dir/sub", "dir/sub/drop.txt", "dir/sub/keep.txt"},
		},
		{
			name:   "Dockerfile is not special",
			ignore: "Dockerfile\n.dockerignore",
			hidden: []string{"Dockerfile"},
		},
		{
			name:   "whitespace and question mark",
			ignore: "  temp?  \n\n\t\n",
			hidden: []string{"tempa"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := openIgnore(t, dir, tc.ignore)
			got := visible(t, c)
			var hidden []string
			for _, p := range all {
				if !slices.Contains(got, p) {
					hidden = append(hidden, p)
				}
			}
			slices.Sort(hidden)
			want := slices.Sorted(slices.Values(tc.hidden))
			if !slices.Equal(hidden, want) {
				t.Errorf("hidden:\n got %q\nwant %q", hidden, want)
			}
			oracle, err := fsutilWalk(dir, c.Patterns())
			must(t, err)
			if !slices.Equal(got, oracle) {
				t.Errorf("differs from BuildKit's walker:\n got %q\nwant %q", got, oracle)
			}
			for _, p := range tc.hidden {
				if _, err := c.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Lstat(%s) of a hidden path: %v, want not exist", p, err)
				}
			}
		})
	}
}

func TestIgnoreFilePrecedence(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, "a", "b", "c", "d")
	must(t, os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("a\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "Dockerfile.dockerignore"), []byte("b\n"), 0o644))
	other := t.TempDir()
	must(t, os.WriteFile(filepath.Join(other, "app.Dockerfile.dockerignore"), []byte("c\n"), 0o644))
	for _, tc := range []struct {
		name, dockerfile, ignoreFile, hidden string
	}{
		{"default Dockerfile", "", filepath.Join(dir, "Dockerfile.dockerignore"), "b"},
		{"Dockerfile in the context", filepath.Join(dir, "Dockerfile"), filepath.Join(dir, "Dockerfile.dockerignore"), "b"},
		{"Dockerfile outside the context", filepath.Join(other, "app.Dockerfile"), filepath.Join(other, "app.Dockerfile.dockerignore"), "c"},
		{"no Dockerfile-specific file", filepath.Join(other, "x.Dockerfile"), filepath.Join(dir, ".dockerignore"), "a"},
		{"stdin", "-", filepath.Join(dir, ".dockerignore"), "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Open(dir, Options{Dockerfile: tc.dockerfile})
			must(t, err)
			defer c.Close()
			if c.IgnoreFile() != tc.ignoreFile {
				t.Errorf("IgnoreFile() = %q, want %q", c.IgnoreFile(), tc.ignoreFile)
			}
			if got := c.Patterns(); !slices.Equal(got, []string{tc.hidden}) {
				t.Errorf("Patterns() = %q", got)
			}
			got := visible(t, c)
			if slices.Contains(got, tc.hidden) {
				t.Errorf("%s visible: %q", tc.hidden, got)
			}
			if len(got) != 5 { // a b c d, one hidden, and the two ignore files
				t.Errorf("visible %q", got)
			}
		})
	}
	// Without any ignore file.
	bare := t.TempDir()
	mkTree(t, bare, "x")
	c, err := Open(bare, Options{})
	must(t, err)
	defer c.Close()
	if c.IgnoreFile() != "" || c.Patterns() != nil {
		t.Errorf("ignore file %q, patterns %q", c.IgnoreFile(), c.Patterns())
	}
}

func TestIgnoreErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ ignore, want string }{
		{"a\n# c\n\n[z-a]\n", `.dockerignore:4: invalid pattern "[z-a]"`},
		{"a\n  !  \n", `.dockerignore:2: invalid pattern "!": illegal exclusion pattern`},
		{"\xEF\xBB\xBFok\n!a[\n", `.dockerignore:2: invalid pattern "!a["`},
		{"x\\", `.dockerignore:1: invalid pattern "x\\"`},
	} {
		root, err := os.OpenRoot(dir)
		must(t, err)
		_, err = openWithIgnore(dir, root, filepath.Join(dir, ".dockerignore"), []byte(tc.ignore))
		root.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), dir) {
			t.Errorf("%q: error %v, want one with %q", tc.ignore, err, tc.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, "file")
	missing := filepath.Join(dir, "nope")
	if _, err := Open(missing, Options{}); err == nil || !strings.HasPrefix(err.Error(), "build context "+missing+": no such directory") {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "file"), Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file as context: %v", err)
	}
	// An ignore file that is a directory is an error, not silently skipped.
	must(t, os.Mkdir(filepath.Join(dir, "Dockerfile.dockerignore"), 0o755))
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "Dockerfile.dockerignore") {
		t.Errorf("ignore file is a dir: %v", err)
	}
}

func TestUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions are not enforced")
	}
	dir := t.TempDir()
	mkTree(t, dir, "secret/x", "locked/keep", "ok", "file")
	must(t, os.Chmod(filepath.Join(dir, "file"), 0))
	must(t, os.Chmod(filepath.Join(dir, "secret"), 0))
	must(t, os.Chmod(filepath.Join(dir, "locked"), 0))
	t.Cleanup(func() {
		os.Chmod(filepath.Join(dir, "secret"), 0o755)
		os.Chmod(filepath.Join(dir, "locked"), 0o755)
	})
	c := openIgnore(t, dir, "locked\n!locked/keep\n")
	if _, err := c.ReadDir("secret"); err == nil || !strings.Contains(err.Error(), "cannot read secret: permission denied") {
		t.Errorf("unreadable dir: %v", err)
	}
	e, err := c.Lstat("file")
	must(t, err)
	if _, err := e.Hash(); err == nil || !strings.Contains(err.Error(), "cannot read file: permission denied") {
		t.Errorf("unreadable file: %v", err)
	}
	// An excluded unreadable dir is skipped, as BuildKit does.
	if _, err := c.Lstat("locked"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("excluded unreadable dir: %v", err)
	}
}

func TestEntries(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, "f", "d/", "d/g", "l -> d/g", "esc -> ../../etc/passwd", "abs -> /etc/passwd")
	must(t, os.Chmod(filepath.Join(dir, "f"), fs.ModeSetuid|0o755))
	must(t, os.Chmod(filepath.Join(dir, "d"), fs.ModeSticky|fs.ModeSetgid|0o777))
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 600, time.UTC)
	must(t, os.Chtimes(filepath.Join(dir, "f"), mtime, mtime))
	must(t, os.Link(filepath.Join(dir, "f"), filepath.Join(dir, "hard")))
	c := openIgnore(t, dir, "")

	f, err := c.Lstat("f")
	must(t, err)
	if f.Mode != fs.ModeSetuid|0o755 || f.Size != 1 || !f.ModTime.Equal(mtime) || f.UID != 0 || f.GID != 0 || f.Path != "f" {
		t.Errorf("f: %+v", f)
	}
	if f.Open == nil || f.Hash == nil || f.Linkname != "" {
		t.Errorf("f: Open/Hash missing or Linkname set")
	}
	d, err := c.Lstat("d/")
	must(t, err)
	if d.Mode != fs.ModeDir|fs.ModeSticky|fs.ModeSetgid|0o777 || d.Path != "d" || d.Open != nil || d.Size != 0 {
		t.Errorf("d: %+v (mode %v)", d, d.Mode)
	}
	root, err := c.Lstat(".")
	must(t, err)
	if !root.IsDir() || root.Path != "." {
		t.Errorf("root: %+v", root)
	}

	// Symlinks are reported as stored and never followed.
	for name, target := range map[string]string{"l": "d/g", "esc": "../../etc/passwd", "abs": "/etc/passwd"} {
		e, err := c.Lstat(name)
		must(t, err)
		if !e.IsSymlink() || e.Linkname != target || e.Open != nil || e.Hash != nil || e.Size != 0 {
			t.Errorf("%s: %+v", name, e)
		}
	}
	if _, err := c.Lstat("l/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("path through a symlink: %v", err)
	}
	if _, err := c.ReadDir("l"); err == nil {
		t.Errorf("ReadDir of a symlink succeeded")
	}
	if _, err := c.Lstat("f/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("path through a file: %v", err)
	}

	// Hard links: regular files, the same inode.
	h, err := c.Lstat("hard")
	must(t, err)
	if !h.IsRegular() || h.HardLink != "" {
		t.Errorf("hard: %+v", h)
	}
	d1, i1, ok1 := c.Inode("f")
	d2, i2, ok2 := c.Inode("hard")
	_, i3, _ := c.Inode("d/g")
	if !ok1 || !ok2 || d1 != d2 || i1 != i2 || i1 == i3 {
		t.Errorf("inodes f %d/%d %v, hard %d/%d %v, d/g %d", d1, i1, ok1, d2, i2, ok2, i3)
	}
	if _, _, ok := c.Inode("nope"); ok {
		t.Errorf("Inode of a missing path is ok")
	}

	// Entries are copies: changing one does not change the context.
	f.UID, f.Path = 7, "x"
	again, _ := c.Lstat("f")
	if again.UID != 0 || again.Path != "f" {
		t.Errorf("entry shared: %+v", again)
	}

	names := func(es []*buildfs.Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Path)
		}
		return out
	}
	top, err := c.ReadDir(".")
	must(t, err)
	if got, want := names(top), []string{"abs", "d", "esc", "f", "hard", "l"}; !slices.Equal(got, want) {
		t.Errorf("ReadDir(.) = %q, want %q", got, want)
	}
	if _, err := c.ReadDir("f"); err == nil {
		t.Errorf("ReadDir of a file succeeded")
	}
	// The context is read once: later changes to listings are not seen.
	mkTree(t, dir, "late")
	top, _ = c.ReadDir(".")
	if slices.Contains(names(top), "late") {
		t.Errorf("listing not cached: %q", names(top))
	}
}

func TestEscapingPaths(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, "x", "etc/passwd", "sub/y")
	c := openIgnore(t, dir, "")
	for p, want := range map[string]string{
		"../x": "x", "../../../x": "x", "/etc/passwd": "etc/passwd", "sub/../../x": "x",
		"/../sub/./y": "sub/y", "": ".", "/": ".", "..": ".",
	} {
		e, err := c.Lstat(p)
		if err != nil || e.Path != want {
			t.Errorf("Lstat(%q) = %v, %v; want %s", p, e, err, want)
			continue
		}
		if e.IsRegular() {
			sum, err := e.Hash()
			must(t, err)
			if sum != sha(want) {
				t.Errorf("Lstat(%q): hash of something else", p)
			}
		}
	}
	if _, err := c.Lstat("/etc/shadow"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("/etc/shadow: %v", err)
	}
}

func TestContextSymlink(t *testing.T) {
	real := t.TempDir()
	mkTree(t, real, "a")
	link := filepath.Join(t.TempDir(), "ctx")
	must(t, os.Symlink(real, link))
	c, err := Open(link, Options{})
	must(t, err)
	defer c.Close()
	want, _ := filepath.EvalSymlinks(real)
	if c.Dir() != want {
		t.Errorf("Dir() = %q, want %q", c.Dir(), want)
	}
	if got := visible(t, c); !slices.Equal(got, []string{"a"}) {
		t.Errorf("visible %q", got)
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestHashMemoised(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 20 {
		files = append(files, filepath.Join("d", strings.Repeat("x", i+1)))
	}
	mkTree(t, dir, files...)
	c := openIgnore(t, dir, "")
	var wg sync.WaitGroup
	errs := make(chan error, 20*len(files))
	for range 20 {
		for _, f := range files {
			wg.Go(func() {
				e, err := c.Lstat(f)
				if err != nil {
					errs <- err
					return
				}
				sum, err := e.Hash()
				if err != nil {
					errs <- err
				} else if sum != sha(f) {
					errs <- errors.New(f + ": wrong hash " + sum)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := c.opens.Load(); got != int64(len(files)) {
		t.Errorf("%d opens for %d files hashed 20 times each", got, len(files))
	}
	// Open reads the content each time.
	e, _ := c.Lstat(files[0])
	for range 2 {
		r, err := e.Open()
		must(t, err)
		b, err := io.ReadAll(r)
		must(t, err)
		r.Close()
		if string(b) != files[0] {
			t.Errorf("content %q", b)
		}
	}
	if got := c.opens.Load(); got != int64(len(files))+2 {
		t.Errorf("opens %d after two Open calls", got)
	}
}

func TestChanged(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, "grow", "touch", "gone", "replaced", "readgrow", "ok")
	c := openIgnore(t, dir, "")
	entries := map[string]*buildfs.Entry{}
	top, err := c.ReadDir(".")
	must(t, err)
	for _, e := range top {
		entries[e.Path] = e
	}
	must(t, os.WriteFile(filepath.Join(dir, "grow"), []byte("grown"), 0o644))
	later := time.Now().Add(time.Hour)
	must(t, os.Chtimes(filepath.Join(dir, "touch"), later, later))
	must(t, os.Remove(filepath.Join(dir, "gone")))
	must(t, os.Remove(filepath.Join(dir, "replaced")))
	must(t, os.Symlink("ok", filepath.Join(dir, "replaced")))
	for _, name := range []string{"grow", "touch", "gone", "replaced"} {
		_, err := entries[name].Hash()
		want := "the build context changed while it was read: " + name + "; retry the build"
		if !errors.Is(err, ErrChanged) || err.Error() != want {
			t.Errorf("%s: %v", name, err)
		}
	}
	if sum, err := entries["ok"].Hash(); err != nil || sum != sha("ok") {
		t.Errorf("ok: %s %v", sum, err)
	}
	// A file that grows while it is read.
	r, err := entries["readgrow"].Open()
	must(t, err)
	defer r.Close()
	fh, err := os.OpenFile(filepath.Join(dir, "readgrow"), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = fh.WriteString(" and more")
	must(t, err)
	fh.Close()
	if _, err := io.ReadAll(r); !errors.Is(err, ErrChanged) {
		t.Errorf("read of a growing file: %v", err)
	}
}

func TestFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := mkfifo(filepath.Join(dir, "pipe")); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	c := openIgnore(t, dir, "")
	e, err := c.Lstat("pipe")
	must(t, err)
	if e.Mode.Type() != fs.ModeNamedPipe || e.Open != nil || e.Hash != nil {
		t.Errorf("pipe: %+v", e)
	}
}

// TestSwappedForSymlink replaces a directory of the context by a symlink to
// a look-alike outside it, after the listing: nothing outside is read.
func TestSwappedForSymlink(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	mkTree(t, dir, "sub/f", "list/g")
	mkTree(t, outside, "sub/f", "list/g")
	c := openIgnore(t, dir, "")
	f, err := c.Lstat("sub/f")
	must(t, err)
	if _, err := c.Lstat("list"); err != nil {
		t.Fatal(err)
	}
	// Same name, size and modification time, another inode.
	fi, _ := os.Lstat(filepath.Join(dir, "sub/f"))
	must(t, os.Chtimes(filepath.Join(outside, "sub/f"), fi.ModTime(), fi.ModTime()))
	for _, d := range []string{"sub", "list"} {
		must(t, os.Rename(filepath.Join(dir, d), filepath.Join(dir, d+".old")))
		must(t, os.Symlink(filepath.Join(outside, d), filepath.Join(dir, d)))
	}
	if _, err := f.Hash(); !errors.Is(err, ErrChanged) {
		t.Errorf("hash through a swapped directory: %v", err)
	}
	if r, err := f.Open(); !errors.Is(err, ErrChanged) {
		t.Errorf("open through a swapped directory: %v", err)
		if err == nil {
			r.Close()
		}
	}
	if _, err := c.ReadDir("list"); !errors.Is(err, ErrChanged) {
		t.Errorf("listing a swapped directory: %v", err)
	}
}

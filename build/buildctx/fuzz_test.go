package buildctx

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
)

var fuzzTree = append(slices.Clone(ignoreTree),
	"a/b/c/d.go", "a/b/x.txt", "a/.hidden", ".git/config", ".git/objects/ab/cd",
	"sp ace/f", "br[ack]et/f", "q?/f", "star*/f", `back\slash/f`, "dot.dir/.x", "ünï/cödé",
	"l -> a/b", "a/b/esc -> ../../../etc",
)

// FuzzPatterns feeds arbitrary ignore files to a fixed tree: Open must not
// panic, a file it accepts must behave exactly as BuildKit's walker, and an
// excluded path is never visible.
func FuzzPatterns(f *testing.F) {
	for _, s := range []string{
		"", "*", ".", "**", "!", "!*", "#x\n*.go", "**/*.go\n!cmd/**", "*.md\n!README*.md\nREADME-secret.md",
		"dir\n!dir/keep.txt", "dir\n!dir/**/keep.txt", "/foo/bar/\n", "dir/sub\n!dir", "*\n!a\n!a/b/c",
		"[z-a]", "a[", "x\\", "\xEF\xBB\xBF*.go", "**/\n!**/b/**", "?/f\n!q?", "star\\*", "../a\n!/a/./b",
		"a\n!a/b\na/b/c\n!a/b/c/d.go", "**/.git", "!**\n*", "ü*/**\n!ünï/*",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	mkTree(f, dir, fuzzTree...)
	all := diskPaths(f, dir)
	f.Fuzz(func(t *testing.T, ignore string) {
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		c, err := openWithIgnore(dir, root, ".dockerignore", []byte(ignore))
		if err != nil {
			root.Close()
			if !strings.HasPrefix(err.Error(), ".dockerignore") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		defer c.Close()
		got := visible(t, c)
		want, err := fsutilWalk(dir, c.Patterns())
		if err != nil {
			t.Fatalf("accepted patterns %q that BuildKit's walker rejects: %v", c.Patterns(), err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("patterns %q:\n got %q\nwant %q", c.Patterns(), got, want)
		}
		excluded := excludedPaths(t, all, c.Patterns())
		for _, p := range all {
			e, err := c.Lstat(p)
			switch {
			case err == nil && excluded[p] && !e.IsDir():
				t.Fatalf("patterns %q: excluded %s is visible", c.Patterns(), p)
			case err == nil && !slices.Contains(got, p):
				t.Fatalf("patterns %q: Lstat finds %s that a walk does not", c.Patterns(), p)
			case err != nil && !errors.Is(err, fs.ErrNotExist):
				t.Fatalf("Lstat(%s): %v", p, err)
			case err != nil && slices.Contains(got, p):
				t.Fatalf("patterns %q: walk finds %s that Lstat does not", c.Patterns(), p)
			}
		}
	})
}

// excludedPaths computes, for every path, whether the patterns exclude it,
// chaining parent results down from the root.
func excludedPaths(t *testing.T, paths []string, patterns []string) map[string]bool {
	out := map[string]bool{}
	if len(patterns) == 0 {
		return out
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	infos := map[string]patternmatcher.MatchInfo{}
	for _, p := range paths { // parents come before children
		m, info, err := pm.MatchesUsingParentResults(p, infos[path.Dir(p)])
		if err != nil {
			t.Fatal(err)
		}
		infos[p], out[p] = info, m
	}
	return out
}

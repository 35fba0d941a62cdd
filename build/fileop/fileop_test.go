package fileop

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hoistci/hoist/build/buildfs"
)

// The build context of BuildKit's testCopyWildcards
// (frontend/dockerfile/dockerfile_copy_test.go) plus a few files.
func wildCtx() *buildfs.Tree {
	return tree(
		F("foo.go", "foo-contents", 0o600),
		F("bar.go", "bar-contents", 0o600),
		D("sub", 0o700), D("sub/dir1", 0o700), D("sub/dir1/dir2", 0o700),
		F("sub/dir1/dir2/foo", "foo-contents", 0o600),
		F("a.txt", "A", 0o644), F("b.txt", "B", 0o644), F("c.txt", "C", 0o644),
	)
}

// The context of testCopySymlinks and testCopyFollowAllSymlinks.
func linkCtx() *buildfs.Tree {
	return tree(
		F("bar", "bar-contents", 0o600),
		L("foo", "bar"),
		D("sub", 0o700),
		F("sub/lfile", "lfile-contents", 0o600),
		L("sub/l0", "subfile"),
		F("sub/subfile", "subfile-contents", 0o600),
		L("sub/l1", "second"),
		L("sub/second", "baz"),
		F("sub/baz", "baz-contents", 0o600),
		D("fdir", 0o700), L("fdir/sub", "../bar"),
		L("link", "sub"),
		L("up", "../../etc/passwd"),
		L("abs", "/etc/passwd"),
		L("etcdir", "/etc"),
	)
}

func passwdDst(extra ...*buildfs.Entry) *buildfs.Tree {
	t := tree(
		F("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1001:1002::/home/app:/bin/sh\n", 0o644),
		F("etc/group", "root:x:0:\nstaff:x:50:app\n", 0o644),
	)
	for _, e := range extra {
		t.Put(e)
	}
	return t
}

type copyRow struct {
	name string
	rule string // the BuildKit behaviour the row pins
	src  *buildfs.Tree
	dst  *buildfs.Tree
	c    Copy
	want []string
	err  string
}

func runRows(t *testing.T, rows []copyRow) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			dst := r.dst
			if dst == nil {
				dst = buildfs.NewTree()
			}
			got, err := run(t, r.src, dst, r.c)
			if r.err != "" {
				if err == nil || !strings.Contains(err.Error(), r.err) {
					t.Fatalf("rule: %s\nerror %v, want one containing %q", r.rule, err, r.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("rule: %s\nerror: %v", r.rule, err)
			}
			if diff := cmp.Diff(r.want, describeAll(t, got)); diff != "" {
				t.Errorf("rule: %s\nentries (-want +got):\n%s", r.rule, diff)
			}
		})
	}
}

func TestCopyDestAndWildcards(t *testing.T) {
	runRows(t, []copyRow{
		{
			name: "trailing slash makes a directory",
			rule: "reference.md: `ADD test.txt /abs/` creates /abs/test.txt; testPreserveDestDirSlash",
			src:  wildCtx(), c: Copy{Sources: []string{"a.txt"}, Dest: "/abs/"},
			want: []string{"d abs 0755 0:0", "f abs/a.txt 0644 0:0 =A"},
		},
		{
			name: "no trailing slash names the file",
			rule: "reference.md: `ADD test.txt /abs` creates a file at /abs",
			src:  wildCtx(), c: Copy{Sources: []string{"a.txt"}, Dest: "/abs"},
			want: []string{"f abs 0644 0:0 =A"},
		},
		{
			name: "existing directory without slash receives the file; existing parents not emitted",
			rule: "fsutil prepareTargetDir: a file onto an existing directory lands at dir/base(src)",
			src:  wildCtx(), dst: tree(D("app", 0o755)), c: Copy{Sources: []string{"a.txt"}, Dest: "/app"},
			want: []string{"f app/a.txt 0644 0:0 =A"},
		},
		{
			name: "missing parents are created 0755 root",
			rule: "fsutil Copy: MkdirAll(dirname(dest), 0755) before copying",
			src:  wildCtx(), c: Copy{Sources: []string{"a.txt"}, Dest: "/a/b/c/"},
			want: []string{"d a 0755 0:0", "d a/b 0755 0:0", "d a/b/c 0755 0:0", "f a/b/c/a.txt 0644 0:0 =A"},
		},
		{
			name: "relative dest is relative to WORKDIR",
			rule: "testCopyRelative: WORKDIR /test1/test2; ADD foo ./bar/baz",
			src:  wildCtx(), dst: tree(D("test1/test2", 0o755)),
			c:    Copy{Sources: []string{"a.txt"}, Dest: "./bar/baz", Workdir: "/test1/test2", IsAdd: true},
			want: []string{"d test1/test2/bar 0755 0:0", "f test1/test2/bar/baz 0644 0:0 =A"},
		},
		{
			name: "dest ../ climbs from WORKDIR",
			rule: "testCopyRelative: WORKDIR /test5/test6; COPY foo ../",
			src:  wildCtx(), dst: tree(D("test5/test6", 0o755)),
			c:    Copy{Sources: []string{"a.txt"}, Dest: "../", Workdir: "/test5/test6"},
			want: []string{"f test5/a.txt 0644 0:0 =A"},
		},
		{
			name: "empty dest is the WORKDIR",
			rule: "testEmptyDestDir: COPY testfile $empty (pathRelativeToWorkingDir turns \"\" into ./)",
			src:  wildCtx(), dst: tree(D("w", 0o755)), c: Copy{Sources: []string{"a.txt"}, Dest: "", Workdir: "/w"},
			want: []string{"f w/a.txt 0644 0:0 =A"},
		},
		{
			name: "dot dest creates a missing WORKDIR",
			rule: "testCopyLinkDotDestDir: WORKDIR /var/www; COPY testfile .",
			src:  wildCtx(), c: Copy{Sources: []string{"a.txt"}, Dest: ".", Workdir: "/var/www"},
			want: []string{"d var 0755 0:0", "d var/www 0755 0:0", "f var/www/a.txt 0644 0:0 =A"},
		},
		{
			name: "*.go into a directory",
			rule: "testCopyWildcards: COPY *.go /gofiles/",
			src:  wildCtx(), c: Copy{Sources: []string{"*.go"}, Dest: "/gofiles/"},
			want: []string{"d gofiles 0755 0:0", "f gofiles/bar.go 0600 0:0 =bar-contents", "f gofiles/foo.go 0600 0:0 =foo-contents"},
		},
		{
			name: "one wildcard match onto a file name",
			rule: "testCopyWildcards: COPY f*.go foo2.go",
			src:  wildCtx(), c: Copy{Sources: []string{"f*.go"}, Dest: "foo2.go"},
			want: []string{"f foo2.go 0600 0:0 =foo-contents"},
		},
		{
			name: "a directory matched by a wildcard copies its contents",
			rule: "testCopyWildcards: COPY sub/* /subdest/ gives /subdest/dir2/foo",
			src:  wildCtx(), c: Copy{Sources: []string{"sub/*"}, Dest: "/subdest/"},
			want: []string{"d subdest 0755 0:0", "d subdest/dir2 0700 0:0", "f subdest/dir2/foo 0600 0:0 =foo-contents"},
		},
		{
			name: "wildcard in a middle component",
			rule: "testCopyWildcards: COPY sub/*/dir2/foo /subdest2/",
			src:  wildCtx(), c: Copy{Sources: []string{"sub/*/dir2/foo"}, Dest: "/subdest2/"},
			want: []string{"d subdest2 0755 0:0", "f subdest2/foo 0600 0:0 =foo-contents"},
		},
		{
			name: "wildcard in a middle component onto a file name",
			rule: "testCopyWildcards: COPY sub/*/dir2/foo /subdest3/bar",
			src:  wildCtx(), c: Copy{Sources: []string{"sub/*/dir2/foo"}, Dest: "/subdest3/bar"},
			want: []string{"d subdest3 0755 0:0", "f subdest3/bar 0600 0:0 =foo-contents"},
		},
		{
			name: "character class",
			rule: "fsutil resolveWildcards uses filepath.Match: [ab].txt",
			src:  wildCtx(), c: Copy{Sources: []string{"[ab].txt"}, Dest: "/x/"},
			want: []string{"d x 0755 0:0", "f x/a.txt 0644 0:0 =A", "f x/b.txt 0644 0:0 =B"},
		},
		{
			name: "escaped wildcard is literal",
			rule: "fsutil containsWildcards: a backslash escapes the next character",
			src:  tree(F(`q\*`, "lit", 0o644)), c: Copy{Sources: []string{`q\*`}, Dest: "/x/"},
			want: []string{"d x 0755 0:0", `f x/q\* 0644 0:0 =lit`},
		},
		{
			name: "directory source copies its contents",
			rule: "testCopyWildcards: COPY sub/dir1 subdest6 (CopyDirContentsOnly); the created root takes 0755 from MkdirAll",
			src:  wildCtx(), c: Copy{Sources: []string{"sub/dir1"}, Dest: "subdest6"},
			want: []string{"d subdest6 0755 0:0", "d subdest6/dir2 0700 0:0", "f subdest6/dir2/foo 0600 0:0 =foo-contents"},
		},
		{
			name: "directory source with trailing slash",
			rule: "testCopyWildcards: COPY sub/dir1/ subdest4",
			src:  wildCtx(), c: Copy{Sources: []string{"sub/dir1/"}, Dest: "subdest4"},
			want: []string{"d subdest4 0755 0:0", "d subdest4/dir2 0700 0:0", "f subdest4/dir2/foo 0600 0:0 =foo-contents"},
		},
		{
			name: "directory source with /.",
			rule: "testCopyWildcards: COPY sub/dir1/. subdest5",
			src:  wildCtx(), c: Copy{Sources: []string{"sub/dir1/."}, Dest: "subdest5"},
			want: []string{"d subdest5 0755 0:0", "d subdest5/dir2 0700 0:0", "f subdest5/dir2/foo 0600 0:0 =foo-contents"},
		},
		{
			name: "a wildcard that matches nothing is skipped",
			rule: "testEmptyWildcard: COPY foo nomatch* / (dispatchCopy sets AllowEmptyWildcard)",
			src:  wildCtx(), c: Copy{Sources: []string{"a.txt", "nomatch*"}, Dest: "/"},
			want: []string{"f a.txt 0644 0:0 =A"},
		},
		{
			name: "only empty wildcards: nothing, not even the destination",
			rule: "backend.go docopy: no matches with AllowEmptyWildcard returns before copying",
			src:  wildCtx(), c: Copy{Sources: []string{"nomatch*"}, Dest: "/x/"},
			want: []string{},
		},
		{
			name: "a missing source without wildcards is an error",
			rule: "testCopyParentsMissingDirectory: \"/test/nonexistent-file\": not found",
			src:  wildCtx(), c: Copy{Sources: []string{"nope"}, Dest: "/x/"},
			err: `source "nope": "/nope": not found`,
		},
		{
			name: "a wildcard below a missing directory is an error",
			rule: "fsutil ResolveWildcards: filepath.Walk of the missing prefix fails (lstat ... no such file)",
			src:  wildCtx(), c: Copy{Sources: []string{"nope/*.txt"}, Dest: "/x/"},
			err: `"/nope": not found`,
		},
		{
			name: "several files onto one missing path",
			rule: "reference.md: with several sources the destination must be a directory and end with a / (BuildKit silently keeps the last; refused)",
			src:  wildCtx(), c: Copy{Sources: []string{"a.txt", "b.txt"}, Dest: "/dir"},
			err: "When using COPY with more than one source file, the destination must be a directory and end with a /",
		},
		{
			name: "several wildcard matches onto one missing path",
			rule: "reference.md: \"either directly or using a wildcard\"",
			src:  wildCtx(), c: Copy{Sources: []string{"*.txt"}, Dest: "/dir"},
			err: "the destination must be a directory and end with a /",
		},
		{
			name: "several files into an existing directory without slash",
			rule: "fsutil prepareTargetDir: an existing directory receives each file (BuildKit accepts this)",
			src:  wildCtx(), dst: tree(D("dir", 0o755)), c: Copy{Sources: []string{"a.txt", "b.txt"}, Dest: "/dir"},
			want: []string{"f dir/a.txt 0644 0:0 =A", "f dir/b.txt 0644 0:0 =B"},
		},
		{
			name: "several files with a trailing slash",
			rule: "reference.md: COPY file1.txt file2.txt /usr/src/things/",
			src:  wildCtx(), c: Copy{Sources: []string{"a.txt", "b.txt"}, Dest: "/dir/"},
			want: []string{"d dir 0755 0:0", "f dir/a.txt 0644 0:0 =A", "f dir/b.txt 0644 0:0 =B"},
		},
		{
			name: "a directory then a file without slash",
			rule: "the directory creates dest, the file then lands inside it (fsutil prepareTargetDir)",
			src:  wildCtx(), c: Copy{Sources: []string{"sub/dir1", "a.txt"}, Dest: "/dir"},
			want: []string{"d dir 0755 0:0", "f dir/a.txt 0644 0:0 =A", "d dir/dir2 0700 0:0", "f dir/dir2/foo 0600 0:0 =foo-contents"},
		},
		{
			name: "a source climbing out of the context",
			rule: "issue 5: `..` is refused (BuildKit clamps it to the context root)",
			src:  wildCtx(), c: Copy{Sources: []string{"sub/../../a.txt"}, Dest: "/"},
			err: "outside the build context",
		},
		{
			name: "a leading slash is the context root",
			rule: "dispatchCopy: NormalizePath(\"/\", src); /../a.txt is /a.txt",
			src:  wildCtx(), c: Copy{Sources: []string{"/../a.txt"}, Dest: "/x"},
			want: []string{"f x 0644 0:0 =A"},
		},
	})
}

func TestCopySymlinksAndExisting(t *testing.T) {
	runRows(t, []copyRow{
		{
			name: "a top-level symlink is followed",
			rule: "testCopySymlinks: COPY foo / where foo -> bar gives a file foo with bar's content",
			src:  linkCtx(), c: Copy{Sources: []string{"foo"}, Dest: "/"},
			want: []string{"f foo 0600 0:0 =bar-contents"},
		},
		{
			name: "wildcard matches are followed, chains too",
			rule: "testCopySymlinks: COPY sub/l* alllinks/",
			src:  linkCtx(), c: Copy{Sources: []string{"sub/l*"}, Dest: "alllinks/"},
			want: []string{"d alllinks 0755 0:0", "f alllinks/l0 0600 0:0 =subfile-contents", "f alllinks/l1 0600 0:0 =baz-contents", "f alllinks/lfile 0600 0:0 =lfile-contents"},
		},
		{
			name: "symlinks inside a copied directory stay symlinks",
			rule: "fsutil copier.copy: os.Readlink + os.Symlink for entries below the root",
			src:  linkCtx(), c: Copy{Sources: []string{"sub"}, Dest: "/s/"},
			want: []string{
				"d s 0755 0:0", "f s/baz 0600 0:0 =baz-contents", "l s/l0 0777 0:0 -> subfile", "l s/l1 0777 0:0 -> second",
				"f s/lfile 0600 0:0 =lfile-contents", "l s/second 0777 0:0 -> baz", "f s/subfile 0600 0:0 =subfile-contents",
			},
		},
		{
			name: "a symlinked directory on the way",
			rule: "testCopyThroughSymlinkContext: COPY link/foo . where link -> sub",
			src:  linkCtx(), c: Copy{Sources: []string{"link/lfile"}, Dest: "."},
			want: []string{"f lfile 0600 0:0 =lfile-contents"},
		},
		{
			name: "a relative symlink with .. that stays inside",
			rule: "testCopyFollowAllSymlinks (#1197): COPY foo/sub bar where foo/sub -> ../bar",
			src:  linkCtx(), c: Copy{Sources: []string{"fdir/sub"}, Dest: "bar2"},
			want: []string{"f bar2 0600 0:0 =bar-contents"},
		},
		{
			name: "a symlink climbing out of the context",
			rule: "issue 5: an escaping symlink is refused (BuildKit resolves it inside the context)",
			src:  linkCtx(), c: Copy{Sources: []string{"up"}, Dest: "/x"},
			err: `source "up": symlink "/up" -> "../../etc/passwd" points outside the build context`,
		},
		{
			name: "an absolute symlink in the context",
			rule: "issue 5: an absolute target is outside the context",
			src:  linkCtx(), c: Copy{Sources: []string{"abs"}, Dest: "/x"},
			err: "points outside the build context",
		},
		{
			name: "an escaping symlink on the way",
			rule: "issue 5: every symlink on the source path is checked",
			src:  linkCtx(), c: Copy{Sources: []string{"etcdir/passwd"}, Dest: "/x"},
			err: "points outside the build context",
		},
		{
			name: "an escaping symlink matched by a wildcard",
			rule: "fsutil follows each wildcard match (FollowSymlinks)",
			src:  linkCtx(), c: Copy{Sources: []string{"u*"}, Dest: "/x/"},
			err: "points outside the build context",
		},
		{
			name: "an escaping symlink inside a copied directory is just copied",
			rule: "fsutil: symlinks below the root are not followed",
			src:  tree(D("d", 0o755), L("d/up", "../../etc/passwd")), c: Copy{Sources: []string{"d"}, Dest: "/x/"},
			want: []string{"d x 0755 0:0", "l x/up 0777 0:0 -> ../../etc/passwd"},
		},
		{
			name: "absolute symlinks of a stage resolve in its root",
			rule: "testCopyThroughSymlinkMultiStage: COPY --from=build /sub/foo . with /sub -> /out/sub",
			src:  tree(F("out/sub/foo", "data", 0o644), L("sub", "/out/sub"), L("sub2", "out/sub")),
			c:    Copy{Sources: []string{"/sub/foo"}, Dest: ".", SourceIsRootFS: true},
			want: []string{"f foo 0644 0:0 =data"},
		},
		{
			name: "relative symlinks of a stage",
			rule: "testCopyThroughSymlinkMultiStage: COPY --from=build /sub2/foo bar",
			src:  tree(F("out/sub/foo", "data", 0o644), L("sub", "/out/sub"), L("sub2", "out/sub")),
			c:    Copy{Sources: []string{"/sub2/foo"}, Dest: "bar", SourceIsRootFS: true},
			want: []string{"f bar 0644 0:0 =data"},
		},
		{
			name: ".. in a stage's symlink stops at its root",
			rule: "continuity fs.RootPath scopes resolution to the root",
			src:  tree(F("out/sub/foo", "data", 0o644), D("deep/er", 0o755), L("deep/er/l", "../../../../out/sub/foo")),
			c:    Copy{Sources: []string{"deep/er/l"}, Dest: "/x", SourceIsRootFS: true},
			want: []string{"f x 0644 0:0 =data"},
		},
		{
			name: "onto an existing file",
			rule: "fsutil ensureEmptyFileTarget removes the old file",
			src:  wildCtx(), dst: tree(F("etc/conf", "old", 0o600)), c: Copy{Sources: []string{"a.txt"}, Dest: "/etc/conf"},
			want: []string{"f etc/conf 0644 0:0 =A"},
		},
		{
			name: "onto an existing symlink writes through it",
			rule: "fsutil Copy: the destination is fs.RootPath-resolved, a final symlink included",
			src:  wildCtx(), dst: tree(F("etc/real", "old", 0o600), L("etc/conf", "/etc/real")), c: Copy{Sources: []string{"a.txt"}, Dest: "/etc/conf"},
			want: []string{"f etc/real 0644 0:0 =A"},
		},
		{
			name: "destination through a symlinked directory",
			rule: "fsutil Copy: fs.RootPath(dstRoot, dest)",
			src:  wildCtx(), dst: tree(D("srv/app", 0o755), L("app", "/srv/app")), c: Copy{Sources: []string{"a.txt"}, Dest: "/app/"},
			want: []string{"f srv/app/a.txt 0644 0:0 =A"},
		},
		{
			name: "a file onto an existing directory path",
			rule: "fsutil ensureEmptyFileTarget: cannot replace to directory ... with file",
			src:  wildCtx(), dst: tree(D("app/a.txt", 0o755)), c: Copy{Sources: []string{"a.txt"}, Dest: "/app/"},
			err: `cannot replace directory "/app/a.txt" with a file`,
		},
		{
			name: "a directory onto an existing file",
			rule: "fsutil copyDirectoryOnly: cannot copy to non-directory",
			src:  wildCtx(), dst: tree(F("x", "f", 0o644)), c: Copy{Sources: []string{"sub/dir1"}, Dest: "/x"},
			err: "cannot copy to non-directory: /x",
		},
		{
			name: "a directory below the destination is a symlink",
			rule: "fsutil copyDirectoryOnly Lstats the target: a symlink is not a directory",
			src:  wildCtx(), dst: tree(D("usr/dir2", 0o755), L("app/dir2", "/usr/dir2")), c: Copy{Sources: []string{"sub/dir1"}, Dest: "/app"},
			err: "cannot copy to non-directory: /app/dir2",
		},
		{
			name: "a destination component is a file",
			rule: "fsutil MkdirAll: not a directory",
			src:  wildCtx(), dst: tree(F("etc/passwd", "x", 0o644)), c: Copy{Sources: []string{"a.txt"}, Dest: "/etc/passwd/x"},
			err: "not a directory",
		},
		{
			name: "an existing directory below the destination takes the source's metadata",
			rule: "fsutil copyDirectoryOnly with overwriteTargetMetadata, then copyFileInfo",
			src:  tree(D("s", 0o755), D("s/d", 0o700), F("s/d/f", "x", 0o644)),
			dst:  tree(own(D("app", 0o755), 5, 5), own(D("app/d", 0o777), 5, 5), F("app/d/old", "o", 0o644)),
			c:    Copy{Sources: []string{"s"}, Dest: "/app"},
			want: []string{"d app/d 0700 0:0", "f app/d/f 0644 0:0 =x"},
		},
	})
}

func TestCopyOwnershipAndMode(t *testing.T) {
	chownSrc := func() *buildfs.Tree {
		return tree(
			own(F("file", "f", 0o644), 100, 200),
			own(D("dir", 0o755), 100, 200),
			own(D("dir/subdir", 0o755), 101, 201),
			own(F("dir/subdir/nestedfile", "n", 0o644), 102, 202),
		)
	}
	existing := func() *buildfs.Tree {
		return tree(
			own(D("existingdir", 0o755), 500, 600),
			own(D("existingdir/existingsubdir", 0o755), 501, 601),
			own(F("existingdir/existingfile", "e", 0o644), 501, 601),
		)
	}
	chmodSrc := tree(F("foo", "foo-contents", 0o600), F("bar", "bar-contents", 0o700),
		F("file", "", 0o666), D("dir", 0o124), D("tree", 0o755), D("tree/d", 0o700), F("tree/f", "t", 0o600), L("tree/l", "f"))
	runRows(t, []copyRow{
		{
			name: "without --chown copied entries keep their owner, created dirs are root's",
			rule: "testCopyChownExistingDir: COPY --from=source /dir /dir gives /dir 0:0, /dir/subdir 101:201",
			src:  chownSrc(), dst: existing(), c: Copy{Sources: []string{"/dir"}, Dest: "/dir", SourceIsRootFS: true},
			want: []string{"d dir 0755 0:0", "d dir/subdir 0755 101:201", "f dir/subdir/nestedfile 0644 102:202 =n"},
		},
		{
			name: "without --chown into an existing directory: it keeps its owner",
			rule: "testCopyChownExistingDir: COPY --from=source /dir/. /existingdir keeps /existingdir 500:600",
			src:  chownSrc(), dst: existing(), c: Copy{Sources: []string{"/dir/."}, Dest: "/existingdir", SourceIsRootFS: true},
			want: []string{"d existingdir/subdir 0755 101:201", "f existingdir/subdir/nestedfile 0644 102:202 =n"},
		},
		{
			name: "--chown applies to copied entries and created directories",
			rule: "testCopyChownExistingDir: COPY --chown=300:400 /dir /dir gives 300:400 throughout",
			src:  chownSrc(), dst: existing(), c: Copy{Sources: []string{"/dir"}, Dest: "/dir", Chown: "300:400", SourceIsRootFS: true},
			want: []string{"d dir 0755 300:400", "d dir/subdir 0755 300:400", "f dir/subdir/nestedfile 0644 300:400 =n"},
		},
		{
			name: "--chown leaves an existing destination directory alone",
			rule: "testCopyChownExistingDir: --chown=300:400 /dir/. /existingdir keeps /existingdir 500:600",
			src:  chownSrc(), dst: existing(), c: Copy{Sources: []string{"/dir/."}, Dest: "/existingdir", Chown: "300:400", SourceIsRootFS: true},
			want: []string{"d existingdir/subdir 0755 300:400", "f existingdir/subdir/nestedfile 0644 300:400 =n"},
		},
		{
			name: "--chown=1000 is 1000:1000, on created parents too",
			rule: "llb WithUser: a numeric user alone sets uid and gid; fsutil MkdirAll chowns created dirs",
			src:  chownSrc(), c: Copy{Sources: []string{"file"}, Dest: "/new/dir/", Chown: "1000"},
			want: []string{"d new 0755 1000:1000", "d new/dir 0755 1000:1000", "f new/dir/file 0644 1000:1000 =f"},
		},
		{
			name: "--chown by name",
			rule: "testCopyChownCreateDest: COPY --chown=user:user . /dest; names resolved in the destination's /etc/passwd and /etc/group",
			src:  chownSrc(), dst: passwdDst(), c: Copy{Sources: []string{"file"}, Dest: "/d/", Chown: "app:staff"},
			want: []string{"d d 0755 1001:50", "f d/file 0644 1001:50 =f"},
		},
		{
			name: "--chmod=0644",
			rule: "testCopyChmod: COPY --chmod=0644 foo /",
			src:  chmodSrc, c: Copy{Sources: []string{"foo"}, Dest: "/", Chmod: "0644"},
			want: []string{"f foo 0644 0:0 =foo-contents"},
		},
		{
			name: "--chmod=777",
			rule: "testCopyChmod: COPY --chmod=777 bar /baz",
			src:  chmodSrc, c: Copy{Sources: []string{"bar"}, Dest: "/baz", Chmod: "777"},
			want: []string{"f baz 0777 0:0 =bar-contents"},
		},
		{
			name: "--chmod=0",
			rule: "testCopyChmod: COPY --chmod=0 foo /foobis",
			src:  chmodSrc, c: Copy{Sources: []string{"foo"}, Dest: "/foobis", Chmod: "0"},
			want: []string{"f foobis 0000 0:0 =foo-contents"},
		},
		{
			name: "octal --chmod is also the mode of created parents",
			rule: "testCopyChmod: COPY --chmod=777 foo /parent/foo gives /parent 0777",
			src:  chmodSrc, c: Copy{Sources: []string{"foo"}, Dest: "/parent/foo", Chmod: "777"},
			want: []string{"d parent 0777 0:0", "f parent/foo 0777 0:0 =foo-contents"},
		},
		{
			name: "octal --chmod on a created nested parent",
			rule: "testCopyChmod: COPY --chmod=770 foo /parent/sub/foo gives /parent/sub 0770",
			src:  chmodSrc, dst: tree(D("parent", 0o777)), c: Copy{Sources: []string{"foo"}, Dest: "/parent/sub/foo", Chmod: "770"},
			want: []string{"d parent/sub 0770 0:0", "f parent/sub/foo 0770 0:0 =foo-contents"},
		},
		{
			name: "octal --chmod with special bits",
			rule: "fsutil copyFileInfo: S_ISUID/S_ISGID/S_ISVTX of the octal value; MkdirAll takes only its permission bits",
			src:  chmodSrc, c: Copy{Sources: []string{"foo"}, Dest: "/p/foo", Chmod: "4755"},
			want: []string{"d p 0755 0:0", "f p/foo 4755 0:0 =foo-contents"},
		},
		{
			name: "--chmod applies to directories and files, not symlinks",
			rule: "fsutil copyFileInfo: chmod unless the entry is a symlink",
			src:  chmodSrc, c: Copy{Sources: []string{"tree"}, Dest: "/t", Chmod: "0640"},
			want: []string{"d t 0640 0:0", "d t/d 0640 0:0", "f t/f 0640 0:0 =t", "l t/l 0777 0:0 -> f"},
		},
		{
			name: "symbolic --chmod go-w on a file",
			rule: "testChmodNonOctal: file 0666 with go-w",
			src:  chmodSrc, c: Copy{Sources: []string{"file"}, Dest: "/f1", Chmod: "go-w"},
			want: []string{"f f1 0644 0:0 ="},
		},
		{
			name: "symbolic --chmod u=rw,g=r,o=r",
			rule: "testChmodNonOctal: file 0666 with u=rw,g=r,o=r",
			src:  chmodSrc, c: Copy{Sources: []string{"file"}, Dest: "/f2", Chmod: "u=rw,g=r,o=r"},
			want: []string{"f f2 0644 0:0 ="},
		},
		{
			name: "symbolic --chmod a+X leaves a non-executable file",
			rule: "testChmodNonOctal: file 0666 with a+X",
			src:  chmodSrc, c: Copy{Sources: []string{"file"}, Dest: "/f3", Chmod: "a+X"},
			want: []string{"f f3 0666 0:0 ="},
		},
		{
			name: "symbolic --chmod on directories; created parents stay 0755",
			rule: "testChmodNonOctal: dir 0124 with go-w, u+rw,g+r,o-x,o+w and a+X; MkdirAll gets 0755 for a symbolic mode",
			src:  tree(D("in/d1/d1", 0o124), D("in/d2/d2", 0o124), D("in/d3/d3", 0o124)),
			c:    Copy{Sources: []string{"in/d1"}, Dest: "/out/", Chmod: "go-w"},
			want: []string{"d out 0755 0:0", "d out/d1 0104 0:0"},
		},
		{
			name: "symbolic --chmod u+rw,g+r,o-x,o+w",
			rule: "testChmodNonOctal",
			src:  tree(D("in/d2/d2", 0o124)), c: Copy{Sources: []string{"in/d2"}, Dest: "/", Chmod: "u+rw,g+r,o-x,o+w"},
			want: []string{"d d2 0766 0:0"},
		},
		{
			name: "symbolic --chmod a+X on a directory",
			rule: "testChmodNonOctal: X sets execute on directories",
			src:  tree(D("in/d3/d3", 0o124)), c: Copy{Sources: []string{"in/d3"}, Dest: "/", Chmod: "a+X"},
			want: []string{"d d3 0135 0:0"},
		},
		{
			name: "invalid --chmod",
			rule: "testCopyInvalidChmod",
			src:  chmodSrc, c: Copy{Sources: []string{"foo"}, Dest: "/", Chmod: "64a"},
			err: "invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777",
		},
	})
}

func TestCopyExcludeAndParents(t *testing.T) {
	exCtx := tree(
		F("app/a.go", "a", 0o644), F("app/README.md", "r", 0o644), D("app/docs", 0o700), F("app/docs/x.md", "x", 0o644),
		F("app/node_modules/m.js", "m", 0o644), F("top.md", "t", 0o644),
	)
	parCtx := tree(D("foo1", 0o700), D("foo1/foo2", 0o700), F("foo1/foo2/bar", "testing", 0o600), F("foo1/foo2/baz", "testing2", 0o600))
	runRows(t, []copyRow{
		{
			name: "--exclude a pattern below the copied directory",
			rule: "fsutil copier: exclude patterns match paths relative to the source; *.md does not cross /",
			src:  exCtx, c: Copy{Sources: []string{"app"}, Dest: "/dst", Excludes: []string{"*.md"}},
			want: []string{"d dst 0755 0:0", "f dst/a.go 0644 0:0 =a", "d dst/docs 0700 0:0", "f dst/docs/x.md 0644 0:0 =x", "d dst/node_modules 0755 0:0", "f dst/node_modules/m.js 0644 0:0 =m"},
		},
		{
			name: "--exclude with **",
			rule: "patternmatcher: **/*.md matches at any depth",
			src:  exCtx, c: Copy{Sources: []string{"app"}, Dest: "/dst", Excludes: []string{"**/*.md", "node_modules"}},
			want: []string{"d dst 0755 0:0", "f dst/a.go 0644 0:0 =a", "d dst/docs 0700 0:0"},
		},
		{
			name: "--exclude with an exception",
			rule: "fsutil TestCopyIncludeExclude \"exclude bar*, !bar/baz\": the excluded directory is made for the re-included file",
			src:  exCtx, c: Copy{Sources: []string{"app"}, Dest: "/dst", Excludes: []string{"docs", "!docs/x.md"}},
			want: []string{"d dst 0755 0:0", "f dst/README.md 0644 0:0 =r", "f dst/a.go 0644 0:0 =a", "d dst/docs 0700 0:0", "f dst/docs/x.md 0644 0:0 =x", "d dst/node_modules 0755 0:0", "f dst/node_modules/m.js 0644 0:0 =m"},
		},
		{
			name: "--exclude never drops a source named directly",
			rule: "fsutil copier.copy: the root (srcComponents \"\") is not matched",
			src:  exCtx, c: Copy{Sources: []string{"top.md", "app/*.md"}, Dest: "/dst/", Excludes: []string{"*.md"}},
			want: []string{"d dst 0755 0:0", "f dst/README.md 0644 0:0 =r", "f dst/top.md 0644 0:0 =t"},
		},
		{
			name: "--parents keeps the path",
			rule: "testCopyParents: COPY --parents foo1/foo2/bar /",
			src:  parCtx, c: Copy{Sources: []string{"foo1/foo2/bar"}, Dest: "/", Parents: true},
			want: []string{"d foo1 0700 0:0", "d foo1/foo2 0700 0:0", "f foo1/foo2/bar 0600 0:0 =testing"},
		},
		{
			name: "--parents with a wildcard",
			rule: "testCopyParents: WORKDIR /test; COPY --parents foo1/foo2/ba* .",
			src:  parCtx, c: Copy{Sources: []string{"foo1/foo2/ba*"}, Dest: ".", Workdir: "/test", Parents: true},
			want: []string{"d test 0755 0:0", "d test/foo1 0700 0:0", "d test/foo1/foo2 0700 0:0", "f test/foo1/foo2/bar 0600 0:0 =testing", "f test/foo1/foo2/baz 0600 0:0 =testing2"},
		},
		{
			name: "--parents with a ./ pivot",
			rule: "brief: COPY --parents ./a/./b/c /dst keeps b/c",
			src:  tree(F("a/b/c", "abc", 0o644), F("a/b/d", "no", 0o644)), c: Copy{Sources: []string{"./a/./b/c"}, Dest: "/dst", Parents: true},
			want: []string{"d dst 0755 0:0", "d dst/b 0755 0:0", "f dst/b/c 0644 0:0 =abc"},
		},
		{
			name: "--parents of a missing path",
			rule: "testCopyParentsMissingDirectory nonexistentfile: \"/test/nonexistent-file\": not found",
			src:  parCtx, c: Copy{Sources: []string{"/foo1/nonexistent-file"}, Dest: "/out/", Parents: true},
			err: `"/foo1/nonexistent-file": not found`,
		},
		{
			name: "--parents with a wildcard that matches nothing still makes the destination",
			rule: "testCopyParentsMissingDirectory wildcard-nonexistent: [ -d /out ]",
			src:  parCtx, c: Copy{Sources: []string{"/foo1/b2*/c"}, Dest: "/out/", Parents: true},
			want: []string{"d out 0755 0:0"},
		},
	})
}

// testCopyRelativeParents (frontend/dockerfile/dockerfile_parents_test.go),
// compared by path.
func TestCopyRelativeParents(t *testing.T) {
	base := tree(
		D("test/a/b/c/d/e", 0o755), D("test/a/b2/c/d/e", 0o755), D("test/a/b/c2/d/e", 0o755), D("test/a/b/c2/d/e2", 0o755),
		F("test/a/b/c/d/foo", "", 0o644), F("test/a/b/c/d/e/bay", "", 0o644), F("test/a/b2/c/d/e/bar", "", 0o644),
		F("test/a/b/c2/d/e/baz", "", 0o644), F("test/a/b/c2/d/e2/baz", "", 0o644),
	)
	for _, tc := range []struct {
		target  string
		sources []string
		want    []string
	}{
		{"middle", []string{"/test/a/b/./c/d"}, []string{"out", "out/c", "out/c/d", "out/c/d/e", "out/c/d/e/bay", "out/c/d/foo"}},
		{"end", []string{"/test/a/b/c/d/."}, []string{"out", "out/test", "out/test/a", "out/test/a/b", "out/test/a/b/c", "out/test/a/b/c/d", "out/test/a/b/c/d/e", "out/test/a/b/c/d/e/bay", "out/test/a/b/c/d/foo"}},
		{"start", []string{"./test/a/b/c/d"}, []string{"out", "out/test", "out/test/a", "out/test/a/b", "out/test/a/b/c", "out/test/a/b/c/d", "out/test/a/b/c/d/e", "out/test/a/b/c/d/e/bay", "out/test/a/b/c/d/foo"}},
		{"double", []string{"/test/a/./b/./c"}, []string{"out", "out/b", "out/b/c", "out/b/c/d", "out/b/c/d/e", "out/b/c/d/e/bay", "out/b/c/d/foo"}},
		{"wildcard", []string{"/test/a/./*/c"}, []string{"out", "out/b", "out/b/c", "out/b/c/d", "out/b/c/d/e", "out/b/c/d/e/bay", "out/b/c/d/foo", "out/b2", "out/b2/c", "out/b2/c/d", "out/b2/c/d/e", "out/b2/c/d/e/bar"}},
		{"doublewildcard", []string{"/test/a/b*/./c/**/e"}, []string{"out", "out/c", "out/c/d", "out/c/d/e", "out/c/d/e/bar", "out/c/d/e/bay"}},
		{"doubleinputs", []string{"/test/a/b/c*/./d/**/baz", "/test/a/b*/./c/**/bar"}, []string{"out", "out/c", "out/c/d", "out/c/d/e", "out/c/d/e/bar", "out/d", "out/d/e", "out/d/e/baz", "out/d/e2", "out/d/e2/baz"}},
	} {
		t.Run(tc.target, func(t *testing.T) {
			got, err := run(t, base, buildfs.NewTree(), Copy{Sources: tc.sources, Dest: "/out/", Parents: true, SourceIsRootFS: true})
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, e := range got {
				paths = append(paths, e.Path)
			}
			if diff := cmp.Diff(tc.want, paths); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
		})
	}
}

// fsutil's TestCopyIncludeExclude (tonistiigi/fsutil/copy/copy_test.go), run
// through the selector: include patterns come from --parents, excludes from
// --exclude.
func TestSelectIncludeExclude(t *testing.T) {
	src := tree(D("bar", 0o755), F("bar/foo", "", 0o755), D("bar/baz", 0o755), F("bar/baz/foo3", "", 0o755), F("foo2", "", 0o755))
	for _, tc := range []struct {
		name     string
		include  []string
		exclude  []string
		expected []string
	}{
		{"include bar", []string{"bar"}, nil, []string{"bar", "bar/baz", "bar/baz/foo3", "bar/foo"}},
		{"include *", []string{"*"}, nil, []string{"bar", "bar/baz", "bar/baz/foo3", "bar/foo", "foo2"}},
		{"include bar/foo", []string{"bar/foo"}, nil, []string{"bar", "bar/foo"}},
		{"include bar except bar/foo", []string{"bar", "!bar/foo"}, nil, []string{"bar", "bar/baz", "bar/baz/foo3"}},
		{"include bar/foo and foo*", []string{"bar/foo", "foo*"}, nil, []string{"bar", "bar/foo", "foo2"}},
		{"include b*", []string{"b*"}, nil, []string{"bar", "bar/baz", "bar/baz/foo3", "bar/foo"}},
		{"include bar/f*", []string{"bar/f*"}, nil, []string{"bar", "bar/foo"}},
		{"include bar/g*", []string{"bar/g*"}, nil, nil},
		{"include b*/f*", []string{"b*/f*"}, nil, []string{"bar", "bar/foo"}},
		{"include b*/foo", []string{"b*/foo"}, nil, []string{"bar", "bar/foo"}},
		{"include b*/", []string{"b*/"}, nil, []string{"bar", "bar/baz", "bar/baz/foo3", "bar/foo"}},
		{"include bar/*/foo3", []string{"bar/*/foo3"}, nil, []string{"bar", "bar/baz", "bar/baz/foo3"}},
		{"exclude bar*, !bar/baz", nil, []string{"bar*", "!bar/baz"}, []string{"bar", "bar/baz", "bar/baz/foo3", "foo2"}},
		{"exclude **, !bar/baz", nil, []string{"**", "!bar/baz"}, []string{"bar", "bar/baz", "bar/baz/foo3"}},
		{"exclude **, !bar/baz, bar/baz/foo3", nil, []string{"**", "!bar/baz", "bar/baz/foo3"}, []string{"bar", "bar/baz"}},
		{"include bar, exclude bar/baz", []string{"bar"}, []string{"bar/baz"}, []string{"bar", "bar/foo"}},
		{"doublestar include", []string{"**/foo3"}, nil, []string{"bar", "bar/baz", "bar/baz/foo3"}},
		{"doublestar matching second item in path", []string{"**/baz"}, nil, []string{"bar", "bar/baz", "bar/baz/foo3"}},
		{"doublestar matching first item in path", []string{"**/bar"}, nil, []string{"bar", "bar/baz", "bar/baz/foo3", "bar/foo"}},
		{"doublestar exclude", []string{"bar"}, []string{"**/foo3"}, []string{"bar", "bar/baz", "bar/foo"}},
		{"exclude bar/baz", nil, []string{"bar/baz"}, []string{"bar", "bar/foo", "foo2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Copy{Sources: []string{"."}, Dest: "/", Excludes: tc.exclude}
			s, err := newTestSelector(src, c, tc.include)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range s.out {
				if m.Rel != "." {
					got = append(got, m.Rel)
				}
			}
			slicesSort(got)
			if diff := cmp.Diff(tc.expected, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCopyTimes(t *testing.T) {
	dirTime := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	srcDir := D("s", 0o700)
	srcDir.ModTime = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	src := tree(srcDir, F("s/f", "x", 0o644))
	got, err := run(t, src, nil, Copy{Sources: []string{"s", "s/f"}, Dest: "/a/b/", DirTime: dirTime})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{
		"a":     dirTime,        // created by MkdirAll: the time of the copy
		"a/b":   srcDir.ModTime, // created, then given the copied root's times (fsutil restoreFileTimestamp)
		"a/b/f": t0,             // copied: the source's
	}
	for _, e := range got {
		if !e.ModTime.Equal(want[e.Path]) {
			t.Errorf("%s: ModTime %v, want %v", e.Path, e.ModTime, want[e.Path])
		}
	}
	if len(got) != 3 {
		t.Errorf("entries %v", describeAll(t, got))
	}
	// Without DirTime, created directories get the Unix epoch.
	got, err = run(t, src, nil, Copy{Sources: []string{"s/f"}, Dest: "/new/"})
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].ModTime.Equal(time.Unix(0, 0)) {
		t.Errorf("created dir time %v", got[0].ModTime)
	}
}

func TestCopyHardLinks(t *testing.T) {
	src := tree(
		F("h/z", "data", 0o644),
		&buildfs.Entry{Path: "h/b", Mode: 0o644, HardLink: "h/z"}, // as an image tree may hold a TypeLink
		F("h/c", "other", 0o644),
	)
	got, err := run(t, src, nil, Copy{Sources: []string{"h"}, Dest: "/x/", Chmod: "0600"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"d x 0600 0:0", "f x/b 0600 0:0 =data", "f x/c 0600 0:0 =other", "f x/z 0600 0:0 =data hl=x/b"}
	if diff := cmp.Diff(want, describeAll(t, got)); diff != "" {
		t.Errorf("rule: fsutil getLinkSource keeps hard links within one copy; the first path holds the content (-want +got):\n%s", diff)
	}
	// Copied alone, the link is a plain file with the target's content.
	got, err = run(t, src, nil, Copy{Sources: []string{"h/b"}, Dest: "/y"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"f y 0644 0:0 =data"}, describeAll(t, got)); diff != "" {
		t.Error(diff)
	}
}

func TestSelectErrors(t *testing.T) {
	_, err := Select(wildCtx(), Copy{Dest: "/"})
	if err == nil || !strings.Contains(err.Error(), "no source files were specified") {
		t.Errorf("no sources: %v", err)
	}
	_, err = Select(wildCtx(), Copy{Sources: []string{"nope"}, Dest: "/"})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing source does not wrap fs.ErrNotExist: %v", err)
	}
	cyc := tree(L("a", "b"), L("b", "a"))
	_, err = Select(cyc, Copy{Sources: []string{"a"}, Dest: "/"})
	if err == nil || !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Errorf("symlink cycle: %v", err)
	}
	_, err = Apply(wildCtx(), nil, Copy{Dest: "/"}, []Match{{Source: F("a.txt", "A", 0o644), Rel: "x"}})
	if err == nil {
		t.Error("Apply accepted a group without its root")
	}
}

func TestLiteralSources(t *testing.T) {
	src := tree(F("file[1].txt", "heredoc", 0o644), F("file1.txt", "other", 0o644))
	got, err := run(t, src, nil, Copy{Sources: []string{"file[1].txt"}, Dest: "/d/", Literal: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"d d 0755 0:0", "f d/file[1].txt 0644 0:0 =heredoc"}, describeAll(t, got)); diff != "" {
		t.Errorf("rule: heredocs and ADD <url> are copied by name, without wildcards (-want +got):\n%s", diff)
	}
}

func TestDestPath(t *testing.T) {
	for _, tc := range []struct{ wd, dest, want string }{
		{"", "/app", "/app"},
		{"", "/app/", "/app/"},
		{"", "/app/.", "/app/."},
		{"/w", "", "/w/"},
		{"/w", ".", "/w/"},
		{"/w", "x/", "/w/x/"},
		{"/w/v", "../", "/w/"},
		{"w", "x", "/w/x"},
		{"", "/", "/"},
		{"", "/.", "/."},
		{"/", "/../x", "/x"},
	} {
		if got := destPath(tc.wd, tc.dest); got != tc.want {
			t.Errorf("destPath(%q, %q) = %q, want %q", tc.wd, tc.dest, got, tc.want)
		}
	}
}

package build_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hoistci/hoist/build"
	"github.com/hoistci/hoist/build/output"
	"github.com/hoistci/hoist/internal/imagetest"
	"github.com/hoistci/hoist/internal/store"
)

// TestCacheKeys checks the cache against kaniko's known bugs (DESIGN.md
// §4.2): every change that changes a step's result changes its key, and
// nothing else does.
func TestCacheKeys(t *testing.T) {
	type change struct {
		name string
		// edit changes the context or the Dockerfile; args are the build
		// args of the second build.
		edit func(t *testing.T, dir string)
		args map[string]string
		// hits and misses of the second build (keys are cumulative: a
		// changed step also rebuilds the steps after it in its stage).
		hits, misses int
	}
	const dockerfile = "FROM scratch AS src\nCOPY gen/ /gen/\n\nFROM scratch\nARG DEST=/app\nCOPY files/ ${DEST}/\nCOPY --from=src /gen/ /gen/\n"
	write := func(t *testing.T, dir, rel, content string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []change{
		{name: "nothing changed", edit: func(*testing.T, string) {}, hits: 3},
		{name: "mtime only", edit: func(t *testing.T, dir string) {
			p := filepath.Join(dir, "files", "a.txt")
			if err := os.Chtimes(p, farFuture, farFuture); err != nil {
				t.Fatal(err)
			}
		}, hits: 3},
		// kaniko: file paths were not part of directory hashes.
		{name: "file renamed, same content", edit: func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "files", "a.txt"), filepath.Join(dir, "files", "b.txt")); err != nil {
				t.Fatal(err)
			}
		}, hits: 1, misses: 2},
		// kaniko: ARGs used by COPY were not in its key.
		{name: "ARG used in COPY dest", edit: func(*testing.T, string) {}, args: map[string]string{"DEST": "/srv"}, hits: 1, misses: 2},
		// kaniko: COPY --from hit the cache when the source stage changed.
		{name: "source stage changed", edit: func(t *testing.T, dir string) {
			write(t, dir, "gen/g.txt", "generated v2\n")
		}, hits: 1, misses: 2},
		{name: "mode changed", edit: func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, "files", "a.txt"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, hits: 1, misses: 2},
		// Ambiguous concatenation: "ab"+"c" must not equal "a"+"bc".
		{name: "content moved between files", edit: func(t *testing.T, dir string) {
			write(t, dir, "files/a.txt", "ab")
			write(t, dir, "files/z.txt", "c")
		}, hits: 1, misses: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "Dockerfile", dockerfile)
			write(t, dir, "files/a.txt", "a")
			write(t, dir, "files/z.txt", "bc")
			write(t, dir, "gen/g.txt", "generated\n")
			st, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			opts := build.Options{ContextDir: dir, Store: st}
			first, err := build.Build(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if first.CacheMisses != 3 {
				t.Fatalf("first build: %d misses, want 3", first.CacheMisses)
			}
			c.edit(t, dir)
			opts.BuildArgs = c.args
			second, err := build.Build(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if second.CacheHits != c.hits || second.CacheMisses != c.misses {
				t.Fatalf("second build: %d hits, %d misses; want %d, %d", second.CacheHits, second.CacheMisses, c.hits, c.misses)
			}
		})
	}
}

var farFuture = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// TestRunCacheKeys: a RUN's key covers its heredoc's content and what its
// bind mounts show, and nothing it does not read.
func TestRunCacheKeys(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("RUN needs root")
	}
	base := imagetest.Busybox(t)
	build1 := func(t *testing.T, st *store.Store, dir string) *build.Result {
		t.Helper()
		res, err := build.Build(context.Background(), build.Options{ContextDir: dir, Store: st})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	cases := []struct {
		name         string
		edit         func(dir string)
		hits, misses int
	}{
		{"nothing", func(string) {}, 2, 0},
		{"unrelated file", func(dir string) { os.WriteFile(filepath.Join(dir, "other.txt"), []byte("x"), 0o644) }, 2, 0},
		{"bind-mounted file", func(dir string) { os.WriteFile(filepath.Join(dir, "in", "data.txt"), []byte("v2"), 0o644) }, 0, 2},
		{"heredoc", func(dir string) {
			os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(runKeysDockerfile("two")), 0o644)
		}, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "in"), 0o755)
			os.WriteFile(filepath.Join(dir, "in", "data.txt"), []byte("v1"), 0o644)
			os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(runKeysDockerfile("one")), 0o644)
			st, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.WriteImage(context.Background(), base, "busybox"); err != nil {
				t.Fatal(err)
			}
			if first := build1(t, st, dir); first.CacheMisses != 2 {
				t.Fatalf("first build: %d misses", first.CacheMisses)
			}
			c.edit(dir)
			second := build1(t, st, dir)
			if second.CacheHits != c.hits || second.CacheMisses != c.misses {
				t.Fatalf("second build: %d hits %d misses, want %d, %d", second.CacheHits, second.CacheMisses, c.hits, c.misses)
			}
		})
	}
}

func runKeysDockerfile(word string) string {
	return "FROM busybox\n" +
		"RUN --mount=type=bind,source=in,target=/in cat /in/data.txt > /data\n" +
		"RUN <<EOF\necho " + word + " > /word\nEOF\n"
}

// TestRunCacheHitExtractsNothing: on a fresh store, RUN steps found in a
// cache neither run nor extract a snapshot.
func TestRunCacheHitExtractsNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("RUN needs root")
	}
	base := imagetest.Busybox(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n"), 0o644)
	cacheDir := filepath.Join(t.TempDir(), "cache")
	newStore := func() *store.Store {
		st, err := store.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.WriteImage(context.Background(), base, "busybox"); err != nil {
			t.Fatal(err)
		}
		return st
	}
	ctx := context.Background()
	if _, err := build.Build(ctx, build.Options{ContextDir: dir, Store: newStore(), CacheTo: []output.CacheSpec{{Type: "local", Dest: cacheDir, Mode: "max"}}}); err != nil {
		t.Fatal(err)
	}
	st := newStore()
	res, err := build.Build(ctx, build.Options{ContextDir: dir, Store: st, CacheFrom: []output.CacheSpec{{Type: "local", Src: cacheDir}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.CacheHits != 2 || res.CacheMisses != 0 {
		t.Fatalf("%d hits, %d misses", res.CacheHits, res.CacheMisses)
	}
	if snaps, err := st.Snapshots(); err != nil || len(snaps) != 0 {
		t.Fatalf("a fully cached build extracted %d snapshots (%v)", len(snaps), err)
	}
}

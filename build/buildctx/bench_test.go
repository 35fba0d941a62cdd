package buildctx

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/hoistci/hoist/build/buildfs"
)

// genTree writes files below dir, spread over directories of 50 files,
// sizes drawn around avg; it returns the total size.
func genTree(tb testing.TB, dir string, files int, avg int64) int64 {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 4*avg)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	var total int64
	for i := range files {
		d := filepath.Join(dir, "src", fmt.Sprintf("pkg%03d", i/50), fmt.Sprintf("sub%d", i%5))
		must(tb, os.MkdirAll(d, 0o755))
		size := avg/2 + rng.Int64N(avg)
		off := rng.Int64N(int64(len(buf)) - size)
		must(tb, os.WriteFile(filepath.Join(d, fmt.Sprintf("file%05d.dat", i)), buf[off:off+size], 0o644))
		total += size
	}
	return total
}

// BenchmarkOpenAndHash opens the benchmark context (2,000 files,
// ~54 MB), walks it and hashes every file with one goroutine per CPU, as
// the builder does for a cache key. The page cache is warm after the first
// iteration.
func BenchmarkOpenAndHash(b *testing.B) {
	dir := b.TempDir()
	total := genTree(b, dir, 2000, 27_000)
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		c, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		files := make(chan *buildfs.Entry, 256)
		var wg sync.WaitGroup
		var hashErr error
		var mu sync.Mutex
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for e := range files {
					if _, err := e.Hash(); err != nil {
						mu.Lock()
						hashErr = err
						mu.Unlock()
					}
				}
			})
		}
		err = buildfs.Walk(c, ".", func(e *buildfs.Entry) error {
			if e.IsRegular() {
				files <- e
			}
			return nil
		})
		close(files)
		wg.Wait()
		if err != nil || hashErr != nil {
			b.Fatal(err, hashErr)
		}
		c.Close()
	}
}

// BenchmarkOpenAndWalk10k lists a 10,000-file tree with a .dockerignore
// that has an exception, without reading any content.
func BenchmarkOpenAndWalk10k(b *testing.B) {
	dir := b.TempDir()
	genTree(b, dir, 10_000, 16)
	must(b, os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("**/sub4\n!**/file09999.dat\n*.tmp\n"), 0o644))
	b.ReportAllocs()
	for b.Loop() {
		c, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		err = buildfs.Walk(c, ".", func(e *buildfs.Entry) error { n++; return nil })
		if err != nil {
			b.Fatal(err)
		}
		if n < 8000 {
			b.Fatalf("walked %d entries", n)
		}
		c.Close()
	}
}

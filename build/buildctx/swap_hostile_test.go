package buildctx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// secretLookalike makes, outside the context, a "passwd" with the same
// size and modification time as the context's file f: a swap defeats any
// check on size and time, so only the identity check can refuse it.
func secretLookalike(t *testing.T, dir string) (outside string, original, secret []byte) {
	t.Helper()
	original = []byte("an ordinary file of the build context\n")
	secret = bytes.Repeat([]byte("S"), len(original))
	copy(secret, "root:x:0:0:SECRET:/root:/bin/sh\n")
	must(t, os.WriteFile(filepath.Join(dir, "f"), original, 0o644))
	outside = filepath.Join(t.TempDir(), "passwd")
	must(t, os.WriteFile(outside, secret, 0o644))
	fi, err := os.Stat(filepath.Join(dir, "f"))
	must(t, err)
	must(t, os.Chtimes(outside, fi.ModTime(), fi.ModTime()))
	return outside, original, secret
}

// TestFileSwappedForSymlinkOrLink: a file listed in the context, then
// replaced by a symlink to a look-alike passwd outside it (or by a hard
// link to it), is refused with ErrChanged by Open and Hash: never read.
func TestFileSwappedForSymlinkOrLink(t *testing.T) {
	for _, swap := range []string{"symlink", "hardlink"} {
		t.Run(swap, func(t *testing.T) {
			dir := t.TempDir()
			outside, _, _ := secretLookalike(t, dir)
			c := openIgnore(t, dir, "")
			e, err := c.Lstat("f")
			must(t, err)
			f := filepath.Join(dir, "f")
			must(t, os.Remove(f))
			if swap == "symlink" {
				must(t, os.Symlink(outside, f))
			} else if err := os.Link(outside, f); err != nil {
				t.Skipf("hard link: %v", err)
			}
			if r, err := e.Open(); !errors.Is(err, ErrChanged) {
				t.Errorf("open after the swap: %v", err)
				if err == nil {
					b, _ := io.ReadAll(r)
					r.Close()
					t.Errorf("read %q", b)
				}
			}
			if _, err := e.Hash(); !errors.Is(err, ErrChanged) {
				t.Errorf("hash after the swap: %v", err)
			}
		})
	}
}

// TestSymlinkSwapRace swaps a context file for a symlink to a look-alike
// passwd outside the context and back, as fast as it can, while another
// goroutine lists and reads it: every read gives the original content or
// ErrChanged (or sees a symlink, which is not followed), never the outside
// file. Bounded by iterations, not time.
func TestSymlinkSwapRace(t *testing.T) {
	dir := t.TempDir()
	outside, original, secret := secretLookalike(t, dir)
	f := filepath.Join(dir, "f")
	parked := filepath.Join(dir, ".parked")
	link := filepath.Join(dir, ".link")
	must(t, os.Link(f, parked)) // the original inode, to rename back
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			// rename(2) is atomic: f is always either the original or the link.
			_ = os.Symlink(outside, link)
			_ = os.Rename(link, f)
			_ = os.Link(parked, link)
			_ = os.Rename(link, f)
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()

	var reads, changed, links int
	for range 3000 {
		c := openIgnore(t, dir, ".parked\n.link\n")
		e, err := c.Lstat("f")
		if err != nil {
			continue // vanished for an instant: not a read
		}
		if e.IsSymlink() {
			links++
			if e.Open != nil {
				t.Fatal("a symlink entry can be opened")
			}
			c.Close()
			continue
		}
		r, err := e.Open()
		if err != nil {
			if !errors.Is(err, ErrChanged) {
				t.Fatalf("open: %v", err)
			}
			changed++
			c.Close()
			continue
		}
		b, err := io.ReadAll(r)
		r.Close()
		c.Close()
		switch {
		case bytes.Equal(b, secret) || bytes.Contains(b, []byte("SECRET")):
			t.Fatalf("read the file outside the context through a swapped symlink: %q", b)
		case errors.Is(err, ErrChanged):
			changed++
		case err != nil:
			t.Fatalf("read: %v", err)
		case !bytes.Equal(b, original):
			t.Fatalf("read %q", b)
		default:
			reads++
		}
	}
	t.Logf("%d reads of the original, %d refused as changed, %d listed as a symlink", reads, changed, links)
}

package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/hoistci/hoist/build/cache"
	"github.com/hoistci/hoist/build/layer"
	"github.com/hoistci/hoist/internal/store"
)

// emptyTarDiffID is the diffID of a tar without entries (two zero
// blocks): a step that changed nothing. Such layers are dropped from the
// image and their history entries marked empty, as BuildKit's exporter
// does.
var emptyTarDiffID = v1.Hash{Algorithm: "sha256", Hex: "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}

// contentHash is a regular file's hex sha256.
func contentHash(e *buildfs.Entry) (string, error) {
	if e.Hash != nil {
		return e.Hash()
	}
	if e.Open == nil {
		return "", fmt.Errorf("%s: no content", e.Path)
	}
	rc, err := e.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("reading %s: %w", e.Path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// modTime is the time given to files a step creates (directories of
// WORKDIR, heredocs): the epoch when reproducible.
func (b *builder) modTime() time.Time {
	if b.opts.Epoch != nil {
		return *b.opts.Epoch
	}
	return b.opts.Now().UTC().Truncate(time.Second)
}

// lookup finds a cache key in the local store, then in the imported
// caches. --no-cache finds nothing.
func (b *builder) lookup(key cache.Key) (layerRef, bool) {
	if b.opts.NoCache {
		return layerRef{}, false
	}
	if rec, ok := b.opts.Store.GetCache(string(key)); ok {
		d, diffID := rec.Layer, rec.DiffID
		l := layerRef{desc: d, diffID: diffID, key: key, created: rec.Created, open: func() (v1.Layer, error) { return b.opts.Store.Layer(d, diffID) }}
		b.hit(l)
		return l, true
	}
	for _, c := range b.caches {
		rec, ok := c.Lookup(key)
		if !ok {
			continue
		}
		c := c
		l := layerRef{desc: rec.Layer, diffID: rec.DiffID, key: key, created: rec.Created, open: func() (v1.Layer, error) { return c.Layer(rec) }}
		b.hit(l)
		return l, true
	}
	return layerRef{}, false
}

func (b *builder) hit(l layerRef) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.hits++
	b.steps[l.key] = l
}

func (b *builder) miss() {
	b.mu.Lock()
	b.misses++
	b.mu.Unlock()
}

// commitLayer writes a step's entries as a layer into the store, records
// it in the local cache and adds it to the stage.
func (b *builder) commitLayer(r *stageRun, i int, key cache.Key, entries []*buildfs.Entry) error {
	return b.commitLayerWith(r, i, key, entries, true)
}

// commitLayerWith is commitLayer; keep says whether the entries may
// advance the stage's tree directly (false when they hold whiteouts).
func (b *builder) commitLayerWith(r *stageRun, i int, key cache.Key, entries []*buildfs.Entry, keep bool) error {
	b.miss()
	if keep {
		// Parent directories that exist below go into the layer with their
		// metadata (as BuildKit's differ writes them): a layer extracted on
		// its own must not imply them as 0755 root directories.
		r.mu.Lock()
		t := r.tree
		r.mu.Unlock()
		if t != nil {
			entries = withParents(entries, t)
		}
	}
	l, err := layer.Write(b.ctx, entries, layer.WriteOptions{Compression: b.opts.Compression, Epoch: b.opts.Epoch, TempDir: b.tmp})
	if err != nil {
		return err
	}
	defer os.Remove(l.Path)
	f, err := os.Open(l.Path)
	if err != nil {
		return err
	}
	_, _, err = b.opts.Store.WriteBlob(b.ctx, f, l.Digest)
	f.Close()
	if err != nil {
		return fmt.Errorf("writing the layer to the local store: %w", err)
	}
	desc := v1.Descriptor{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size}
	rec := store.CacheRecord{Key: string(key), Layer: desc, DiffID: l.DiffID, Created: b.opts.Now().UTC()}
	if err := b.opts.Store.PutCache(b.ctx, rec); err != nil {
		return fmt.Errorf("recording the layer in the local cache: %w", err)
	}
	diffID := l.DiffID
	kept := entries
	if !keep {
		kept = nil
	}
	ref := layerRef{desc: desc, diffID: diffID, entries: kept, hist: r.hist[i], key: key, created: rec.Created,
		open: func() (v1.Layer, error) { return b.opts.Store.Layer(desc, diffID) }}
	b.mu.Lock()
	b.steps[key] = ref
	b.mu.Unlock()
	r.addLayer(ref)
	r.key = key
	r.mu.Lock()
	if keep && r.tree != nil && r.treeN == len(r.layers)-1 {
		for _, e := range entries {
			r.tree.Put(e)
		}
		r.treeN++
	}
	r.mu.Unlock()
	return nil
}

// withParents adds to entries the ancestors of every entry that t holds
// and entries lack.
func withParents(entries []*buildfs.Entry, t buildfs.FS) []*buildfs.Entry {
	have := make(map[string]bool, len(entries))
	for _, e := range entries {
		have[e.Path] = true
	}
	out := entries
	for _, e := range entries {
		for p := parentDir(e.Path); p != "."; p = parentDir(p) {
			if have[p] {
				continue
			}
			have[p] = true
			if pe, err := t.Lstat(p); err == nil && pe.IsDir() {
				out = append(out, pe)
			}
		}
	}
	return out
}

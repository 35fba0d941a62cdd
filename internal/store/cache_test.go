package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func cacheKey(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// storeLayer writes a random layer's blob and returns a record for key.
func storeLayer(t *testing.T, s *Store, key string, size int64) CacheRecord {
	t.Helper()
	l, err := random.Layer(size, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	return storeGivenLayer(t, s, key, l)
}

func storeGivenLayer(t *testing.T, s *Store, key string, l v1.Layer) CacheRecord {
	t.Helper()
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h, n, err := s.WriteBlob(context.Background(), rc, v1.Hash{})
	if err != nil {
		t.Fatal(err)
	}
	diffID, err := l.DiffID()
	if err != nil {
		t.Fatal(err)
	}
	return CacheRecord{Key: key, Layer: v1.Descriptor{MediaType: types.OCILayer, Size: n, Digest: h}, DiffID: diffID}
}

func mustPut(t *testing.T, s *Store, r CacheRecord) {
	t.Helper()
	if err := s.PutCache(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

// age sets a file's modification time to d ago.
func age(t *testing.T, path string, d time.Duration) {
	t.Helper()
	past := time.Now().Add(-d)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
}

func TestCacheRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	key := cacheKey("step 1")
	r := storeLayer(t, s, key, 2048)
	mustPut(t, s, r)
	if _, err := os.Stat(filepath.Join(s.Dir(), "cache", key[:2], key+".json")); err != nil {
		t.Fatalf("record file: %v", err)
	}

	got, ok := s.GetCache(key)
	if !ok {
		t.Fatal("GetCache missed a record just written")
	}
	if got.Key != key || got.Layer.Digest != r.Layer.Digest || got.Layer.Size != r.Layer.Size || got.DiffID != r.DiffID {
		t.Fatalf("GetCache = %+v, want %+v", got, r)
	}
	if got.Created.IsZero() || time.Since(got.LastUsed) > time.Minute {
		t.Errorf("Created %v / LastUsed %v not set", got.Created, got.LastUsed)
	}
	if _, ok := s.GetCache(cacheKey("other step")); ok {
		t.Error("hit for an unknown key")
	}
	if _, ok := s.GetCache("../../index"); ok {
		t.Error("hit for an invalid key")
	}

	// An image assembled from the cached layer, stored and read back.
	l, err := s.Layer(got.Layer, got.DiffID)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := l.Digest(); d != r.Layer.Digest {
		t.Errorf("Layer digest = %s", d)
	}
	if d, _ := l.DiffID(); d != r.DiffID {
		t.Errorf("Layer diffID = %s", d)
	}
	if mt, _ := l.MediaType(); mt != types.OCILayer {
		t.Errorf("Layer media type = %s", mt)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteImage(ctx, img, "cached:1"); err != nil {
		t.Fatal(err)
	}
	back, err := s.Image("cached:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(back); err != nil {
		t.Fatal(err)
	}

	// Without a diffID, it is computed from the blob.
	l2, err := s.Layer(got.Layer, v1.Hash{})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := l2.DiffID(); err != nil || d != r.DiffID {
		t.Errorf("computed diffID = %s, %v; want %s", d, err, r.DiffID)
	}

	recs, err := s.CacheRecords()
	if err != nil || len(recs) != 1 || recs[0].Key != key {
		t.Fatalf("CacheRecords = %+v, %v", recs, err)
	}
	if probs, _ := s.Verify(ctx); len(probs) != 0 {
		t.Errorf("Verify = %v", probs)
	}
}

func TestCacheHitRefreshesLastUse(t *testing.T) {
	s := newStore(t)
	key := cacheKey("k")
	r := storeLayer(t, s, key, 512)
	mustPut(t, s, r)
	age(t, s.cachePath(key), 48*time.Hour)
	age(t, s.blobPath(r.Layer.Digest), 48*time.Hour)
	if _, ok := s.GetCache(key); !ok {
		t.Fatal("miss")
	}
	for _, p := range []string{s.cachePath(key), s.blobPath(r.Layer.Digest)} {
		fi, err := os.Stat(p)
		if err != nil || time.Since(fi.ModTime()) > time.Minute {
			t.Errorf("%s not refreshed by a hit: %v", p, err)
		}
	}
}

func TestPutCacheRefuses(t *testing.T) {
	s := newStore(t)
	good := storeLayer(t, s, cacheKey("good"), 512)
	missing := good
	missing.Layer.Digest = v1.Hash{Algorithm: "sha256", Hex: cacheKey("no such blob")}
	wrongSize := good
	wrongSize.Layer.Size++
	tests := []struct {
		name    string
		mod     func(r *CacheRecord)
		wantErr string
	}{
		{"missing blob", func(r *CacheRecord) { *r = missing }, "is not in the local store"},
		{"wrong size", func(r *CacheRecord) { *r = wrongSize }, "descriptor says"},
		{"short key", func(r *CacheRecord) { r.Key = "abc" }, "not 64 lowercase hex"},
		{"upper-case key", func(r *CacheRecord) { r.Key = strings.ToUpper(r.Key) }, "not 64 lowercase hex"},
		{"path in key", func(r *CacheRecord) { r.Key = "../" + r.Key[3:] }, "not 64 lowercase hex"},
		{"no media type", func(r *CacheRecord) { r.Layer.MediaType = "" }, "no media type"},
		{"no diffID", func(r *CacheRecord) { r.DiffID = v1.Hash{} }, "diffID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.mod(&r)
			err := s.PutCache(context.Background(), r)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("PutCache error = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if recs, _ := s.CacheRecords(); len(recs) != 0 {
		t.Errorf("a refused record was written: %+v", recs)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "cache")); err == nil {
		if probs, _ := s.Verify(context.Background()); len(probs) != 0 {
			t.Errorf("Verify = %v", probs)
		}
	}
}

func TestCacheBrokenRecordsAreMisses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		damage   func(t *testing.T, s *Store, r CacheRecord)
		wantKind ProblemKind
	}{
		{"corrupt json", func(t *testing.T, s *Store, r CacheRecord) {
			mustWrite(t, s.cachePath(r.Key), `{"key": "`)
		}, ProblemCache},
		{"wrong key inside", func(t *testing.T, s *Store, r CacheRecord) {
			b, _ := os.ReadFile(s.cachePath(r.Key))
			mustWrite(t, s.cachePath(r.Key), strings.Replace(string(b), r.Key, cacheKey("elsewhere"), 1))
		}, ProblemCache},
		{"blob missing", func(t *testing.T, s *Store, r CacheRecord) {
			if err := os.Remove(s.blobPath(r.Layer.Digest)); err != nil {
				t.Fatal(err)
			}
		}, ProblemMissing},
		{"blob of the wrong size", func(t *testing.T, s *Store, r CacheRecord) {
			corrupt(t, s, r.Layer.Digest)
		}, ProblemCache},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			r := storeLayer(t, s, cacheKey(tt.name), 1024)
			mustPut(t, s, r)
			tt.damage(t, s, r)

			probs, err := s.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range probs {
				if p.Kind == tt.wantKind && strings.Contains(p.Ref, r.Key) {
					found = true
				}
			}
			if !found {
				t.Errorf("Verify = %v, want a %s problem naming the record", probs, tt.wantKind)
			}
			if recs, _ := s.CacheRecords(); len(recs) != 0 && tt.wantKind != ProblemCache {
				t.Errorf("CacheRecords lists a record whose blob is missing: %+v", recs)
			}
			if _, ok := s.GetCache(r.Key); ok {
				t.Fatal("a broken record was a hit")
			}
			if _, err := os.Stat(s.cachePath(r.Key)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the broken record was not removed: %v", err)
			}
		})
	}
}

func TestLayerVerifiesOnRead(t *testing.T) {
	s := newStore(t)
	r := storeLayer(t, s, cacheKey("x"), 1024)
	l, err := s.Layer(r.Layer, r.DiffID)
	if err != nil {
		t.Fatal(err)
	}
	// Same size, different content: only hashing can tell.
	p := s.blobPath(r.Layer.Digest)
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	b[len(b)/2] ^= 0xff
	mustWrite(t, p, string(b))
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	var ce *CorruptBlobError
	if !errors.As(err, &ce) {
		t.Fatalf("reading a corrupt blob: %v, want a CorruptBlobError", err)
	}

	os.Remove(p)
	if _, err := s.Layer(r.Layer, r.DiffID); err == nil || !strings.Contains(err.Error(), "missing from the local store") {
		t.Errorf("Layer of a missing blob: %v", err)
	}
	if _, err := s.Layer(v1.Descriptor{Digest: r.Layer.Digest, Size: r.Layer.Size}, r.DiffID); err == nil {
		t.Error("Layer without a media type succeeded")
	}
}

// gcAt runs GC with a one-minute grace period: files the test aged are old,
// files it just wrote are young.
func gcAt(t *testing.T, s *Store, opts GCOptions) GCResult {
	t.Helper()
	opts.GracePeriod = time.Minute
	res, err := s.GC(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func droppedKeys(res GCResult) map[string]CacheDropReason {
	m := map[string]CacheDropReason{}
	for _, d := range res.CacheDropped {
		m[d.Record.Key] = d.Reason
	}
	return m
}

func TestGCCacheRecordsAreRoots(t *testing.T) {
	s := newStore(t)
	r := storeLayer(t, s, cacheKey("root"), 1024)
	mustPut(t, s, r)
	age(t, s.blobPath(r.Layer.Digest), 30*24*time.Hour)
	res := gcAt(t, s, GCOptions{})
	if len(res.Blobs) != 0 || res.CacheRecords != 0 {
		t.Fatalf("GC = %+v; a cache record's blob is in use", res)
	}
	if !s.HasBlob(r.Layer.Digest) {
		t.Fatal("blob removed")
	}
}

func TestGCCacheMaxAge(t *testing.T) {
	s := newStore(t)
	old := storeLayer(t, s, cacheKey("old"), 1024)
	fresh := storeLayer(t, s, cacheKey("fresh"), 1024)
	mustPut(t, s, old)
	mustPut(t, s, fresh)
	for _, p := range []string{s.cachePath(old.Key), s.blobPath(old.Layer.Digest), s.blobPath(fresh.Layer.Digest)} {
		age(t, p, 10*24*time.Hour)
	}
	age(t, s.cachePath(fresh.Key), 2*24*time.Hour)

	dry := gcAt(t, s, GCOptions{CacheMaxAge: 7 * 24 * time.Hour, DryRun: true})
	if dry.CacheRecords != 1 || len(dry.Blobs) != 1 {
		t.Fatalf("dry run = %+v", dry)
	}
	if _, err := os.Stat(s.cachePath(old.Key)); err != nil {
		t.Fatal("dry run removed the record")
	}
	res := gcAt(t, s, GCOptions{CacheMaxAge: 7 * 24 * time.Hour})
	if got := droppedKeys(res); len(got) != 1 || got[old.Key] != CacheDropMaxAge {
		t.Fatalf("dropped = %v", got)
	}
	if len(res.Blobs) != 1 || res.Blobs[0] != old.Layer.Digest {
		t.Fatalf("blobs = %v", res.Blobs)
	}
	fi, _ := os.Stat(s.blobPath(fresh.Layer.Digest))
	if res.BytesFreed <= old.Layer.Size || s.HasBlob(old.Layer.Digest) || fi == nil {
		t.Fatalf("freed %d; old blob kept %v; fresh blob present %v", res.BytesFreed, s.HasBlob(old.Layer.Digest), fi != nil)
	}
	if _, ok := s.GetCache(fresh.Key); !ok {
		t.Error("the recently used record was dropped")
	}
	if probs, _ := s.Verify(context.Background()); len(probs) != 0 {
		t.Errorf("Verify = %v", probs)
	}
}

func TestGCCacheMaxSize(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	// a < b < c < d by last use; b and c share a blob; d's blob is an image's.
	a := storeLayer(t, s, cacheKey("a"), 4096)
	b := storeLayer(t, s, cacheKey("b"), 4096)
	c := b
	c.Key = cacheKey("c")
	dl, _ := random.Layer(4096, types.OCILayer)
	d := storeGivenLayer(t, s, cacheKey("d"), dl)
	img, _ := mutate.AppendLayers(empty.Image, dl)
	if _, err := s.WriteImage(ctx, img, "app:1"); err != nil {
		t.Fatal(err)
	}
	e := storeLayer(t, s, cacheKey("e"), 4096)
	for i, r := range []CacheRecord{d, a, b, c, e} {
		mustPut(t, s, r)
		age(t, s.cachePath(r.Key), time.Duration(10-i)*time.Hour)
		age(t, s.blobPath(r.Layer.Digest), 10*time.Hour)
	}
	sz := func(r CacheRecord) int64 { return r.Layer.Size }

	tests := []struct {
		name    string
		max     int64
		dropped []string
	}{
		{"everything fits", sz(a) + sz(b) + sz(e), nil},
		// Dropping a alone fits; d is the oldest but costs nothing (an image keeps its blob).
		{"one over", sz(b) + sz(e), []string{a.Key}},
		// b's blob stays while c uses it: both go before e.
		{"shared blob", sz(e), []string{a.Key, b.Key, c.Key}},
		{"nothing fits", 1, []string{a.Key, b.Key, c.Key, e.Key}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := gcAt(t, s, GCOptions{CacheMaxSize: tt.max, DryRun: true})
			var got []string
			for _, dr := range res.CacheDropped {
				if dr.Reason != CacheDropMaxSize {
					t.Errorf("reason %s", dr.Reason)
				}
				got = append(got, dr.Record.Key)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.dropped) {
				t.Errorf("dropped %v, want %v (least recently used first)", got, tt.dropped)
			}
		})
	}
	res := gcAt(t, s, GCOptions{CacheMaxSize: 1})
	if res.CacheRecords != 4 || len(res.Blobs) != 3 {
		t.Fatalf("GC = %+v", res)
	}
	if !s.HasBlob(d.Layer.Digest) {
		t.Fatal("a blob an image reaches was removed")
	}
	if _, ok := s.GetCache(d.Key); !ok {
		t.Error("the record whose blob an image keeps was dropped")
	}
}

func TestGCCacheAll(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	dl, _ := random.Layer(1024, types.OCILayer)
	inImage := storeGivenLayer(t, s, cacheKey("in image"), dl)
	img, _ := mutate.AppendLayers(empty.Image, dl)
	if _, err := s.WriteImage(ctx, img, "app:1"); err != nil {
		t.Fatal(err)
	}
	only := storeLayer(t, s, cacheKey("only cache"), 1024)
	young := storeLayer(t, s, cacheKey("young"), 1024)
	for _, r := range []CacheRecord{inImage, only, young} {
		mustPut(t, s, r)
	}
	for _, r := range []CacheRecord{inImage, only} {
		age(t, s.blobPath(r.Layer.Digest), 2*time.Hour)
	}
	res := gcAt(t, s, GCOptions{CacheAll: true})
	if res.CacheRecords != 3 {
		t.Fatalf("dropped %d records, want 3", res.CacheRecords)
	}
	for _, reason := range droppedKeys(res) {
		if reason != CacheDropAll {
			t.Errorf("reason = %s", reason)
		}
	}
	if len(res.Blobs) != 1 || res.Blobs[0] != only.Layer.Digest {
		t.Errorf("removed %v, want only the cache-only blob", res.Blobs)
	}
	if res.KeptYoung != 1 || res.KeptYoungBytes != young.Layer.Size {
		t.Errorf("kept young = %d (%d bytes), want the young blob", res.KeptYoung, res.KeptYoungBytes)
	}
	if !s.HasBlob(inImage.Layer.Digest) {
		t.Fatal("a blob an image reaches was removed")
	}
	if recs, _ := s.CacheRecords(); len(recs) != 0 {
		t.Errorf("records left: %+v", recs)
	}
	if probs, _ := s.Verify(ctx); len(probs) != 0 {
		t.Errorf("Verify = %v", probs)
	}
}

func TestGCDropsBrokenCacheRecords(t *testing.T) {
	s := newStore(t)
	gone := storeLayer(t, s, cacheKey("gone"), 1024)
	mustPut(t, s, gone)
	os.Remove(s.blobPath(gone.Layer.Digest))
	bad := storeLayer(t, s, cacheKey("bad"), 1024)
	mustPut(t, s, bad)
	mustWrite(t, s.cachePath(bad.Key), "not json")
	bitrot := storeLayer(t, s, cacheKey("bitrot"), 1024)
	mustPut(t, s, bitrot)
	p := s.blobPath(bitrot.Layer.Digest)
	os.Chmod(p, 0o644)
	b, _ := os.ReadFile(p)
	b[0] ^= 1
	mustWrite(t, p, string(b))

	res := gcAt(t, s, GCOptions{RemoveCorrupt: true})
	got := droppedKeys(res)
	if len(got) != 3 || got[gone.Key] != CacheDropBroken || got[bad.Key] != CacheDropBroken || got[bitrot.Key] != CacheDropBroken {
		t.Fatalf("dropped = %v", got)
	}
	if s.HasBlob(bitrot.Layer.Digest) {
		t.Error("corrupt blob kept")
	}
	if probs, _ := s.Verify(context.Background()); len(probs) != 0 {
		t.Errorf("Verify = %v", probs)
	}
}

func TestGCCandidates(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a, b := randomImage(t, 1), randomImage(t, 1)
	for n, img := range map[string]v1.Image{"a:1": a, "b:1": b} {
		if _, err := s.WriteImage(ctx, img, n); err != nil {
			t.Fatal(err)
		}
	}
	blobsA, err := s.BlobsOf("a:1")
	if err != nil || len(blobsA) != 3 {
		t.Fatalf("BlobsOf = %v, %v", blobsA, err)
	}
	for _, n := range []string{"a:1", "b:1"} {
		if err := s.Untag(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.GC(ctx, GCOptions{Candidates: blobsA, GracePeriod: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Blobs) != 3 {
		t.Errorf("GC removed %v, want a's 3 blobs", res.Blobs)
	}
	if !s.HasBlob(digestOf(t, b)) {
		t.Error("a blob outside the candidates was removed")
	}
}

// TestConcurrentGCAndPutCache races GC against writers of old blobs (garbage
// until their cache record exists) and their cache records, and readers: a record must never be left pointing at a deleted blob.
func TestConcurrentGCAndPutCache(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	s1, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	var stored, refused atomic.Int64
	var wg, writers sync.WaitGroup
	errs := make(chan error, 4*n)
	done := make(chan struct{})
	// GC runs whenever a writer is about to record a blob: a GC in a tight
	// loop would starve the writers of the lock.
	kick := make(chan struct{}, 1)
	for w := range 2 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range n {
				l, err := random.Layer(256, types.OCILayer)
				if err != nil {
					errs <- err
					return
				}
				rc, _ := l.Compressed()
				h, size, err := s1.WriteBlob(ctx, rc, v1.Hash{})
				rc.Close()
				if err != nil {
					errs <- err
					return
				}
				// An old blob: garbage to GC until the record exists.
				age(t, s1.blobPath(h), 2*DefaultGracePeriod)
				select {
				case kick <- struct{}{}: // a GC now races this PutCache
				default:
				}
				diffID, _ := l.DiffID()
				r := CacheRecord{Key: cacheKey(fmt.Sprint(w, i)), Layer: v1.Descriptor{MediaType: types.OCILayer, Size: size, Digest: h}, DiffID: diffID}
				if err := s1.PutCache(ctx, r); err != nil {
					if !strings.Contains(err.Error(), "is not in the local store") {
						errs <- err
					}
					refused.Add(1)
					continue
				}
				stored.Add(1)
				if got, ok := s1.GetCache(r.Key); !ok || got.Layer.Digest != h {
					errs <- fmt.Errorf("record %s missed right after PutCache", r.Key)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-kick:
			}
			if _, err := s2.GC(ctx, GCOptions{}); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			recs, err := s2.CacheRecords()
			if err != nil {
				errs <- err
				return
			}
			for _, r := range recs {
				if _, err := s2.Layer(r.Layer, r.DiffID); err != nil {
					errs <- fmt.Errorf("a listed record's layer: %w", err)
					return
				}
			}
		}
	}()
	// The writers finish first; then GC and the reader stop.
	writers.Wait()
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := s1.GC(ctx, GCOptions{}); err != nil {
		t.Fatal(err)
	}
	probs, err := s1.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 0 {
		t.Fatalf("Verify after the race = %v", probs)
	}
	recs, _ := s1.CacheRecords()
	if int64(len(recs)) != stored.Load() {
		t.Fatalf("%d records usable, %d stored: GC removed a recorded blob", len(recs), stored.Load())
	}
	t.Logf("%d records stored, %d refused because GC took the blob first", stored.Load(), refused.Load())
}

// Package cache owns hoist's build-cache keys and the cache formats shared
// through registries and directories: a cache key is a content-based,
// cumulative sha256 over a canonical encoding of a step's inputs, and a
// cache is one OCI image manifest whose config blob maps keys to layer
// descriptors and whose layers are the cached blobs.
package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Key is a cache key: 64 lower-case hex digits of a sha256.
type Key string

// Valid reports whether k has the form of a key.
func (k Key) Valid() bool {
	if len(k) != 64 {
		return false
	}
	for _, c := range []byte(k) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Short is the first 12 hex digits, for logs.
func (k Key) Short() string {
	if len(k) > 12 {
		return string(k[:12])
	}
	return string(k)
}

// keyDomain versions the encoding: change it, and every key changes, which is
// what a change of encoding must do.
const keyDomain = "hoist.cache.key/v1"

// Field type tags: a value of one type can never encode like a value of
// another (String("n", "1") differs from Int("n", 1) and from
// Strings("n", []string{"1"})).
const (
	tagKind    byte = 'K'
	tagString  byte = 's'
	tagStrings byte = 'l'
	tagKey     byte = 'k'
	tagInt     byte = 'i'
	tagBool    byte = 'b'
	tagBytes   byte = 'y'
	tagMap     byte = 'm'
	tagDigest  byte = 'd'
)

// Hasher builds a Key from named fields. Every field is written as its type,
// its name (length + bytes) and its value (length + bytes, lists and maps
// with their element count first), so no two different sequences of fields
// encode alike: "ab"+"c" differs from "a"+"bc", ["a b"] from ["a","b"], an
// empty list from a list of one empty string, {"A":"B=C"} from {"A=B":"C"}.
// Field order matters: callers write fields in a fixed order.
//
// kaniko's cache bugs came from the opposite (keys joined without
// separators, file contents hashed without their paths, build args left
// out): the encoding makes the first impossible; callers must add every
// input, paths included.
type Hasher struct {
	h   hash.Hash
	buf [8]byte
}

// NewHasher starts a key for a kind of step ("run", "copy", "base", ...):
// steps of different kinds never share keys.
func NewHasher(kind string) *Hasher {
	h := &Hasher{h: sha256.New()}
	h.h.Write([]byte(keyDomain))
	h.field(tagKind, "kind")
	h.bytes([]byte(kind))
	return h
}

func (h *Hasher) uint(n uint64) {
	binary.BigEndian.PutUint64(h.buf[:], n)
	h.h.Write(h.buf[:])
}

func (h *Hasher) bytes(b []byte) {
	h.uint(uint64(len(b)))
	h.h.Write(b)
}

func (h *Hasher) str(s string) {
	h.uint(uint64(len(s)))
	h.h.Write([]byte(s))
}

func (h *Hasher) field(tag byte, name string) {
	h.h.Write([]byte{tag})
	h.str(name)
}

// String adds a string field.
func (h *Hasher) String(name, v string) {
	h.field(tagString, name)
	h.str(v)
}

// Strings adds a list of strings (order matters; nil and empty are equal).
func (h *Hasher) Strings(name string, v []string) {
	h.field(tagStrings, name)
	h.uint(uint64(len(v)))
	for _, s := range v {
		h.str(s)
	}
}

// Key adds another key (the parent state's, a source stage's).
func (h *Hasher) Key(name string, k Key) {
	h.field(tagKey, name)
	h.str(string(k))
}

// Int adds an integer (mode, uid, gid, size, time).
func (h *Hasher) Int(name string, v int64) {
	h.field(tagInt, name)
	h.uint(uint64(v))
}

// Bool adds a flag.
func (h *Hasher) Bool(name string, v bool) {
	h.field(tagBool, name)
	b := byte(0)
	if v {
		b = 1
	}
	h.h.Write([]byte{b})
}

// Bytes adds raw bytes.
func (h *Hasher) Bytes(name string, v []byte) {
	h.field(tagBytes, name)
	h.bytes(v)
}

// Map adds a string map, in key order (so map iteration order never
// changes a key).
func (h *Hasher) Map(name string, m map[string]string) {
	h.field(tagMap, name)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h.uint(uint64(len(keys)))
	for _, k := range keys {
		h.str(k)
		h.str(m[k])
	}
}

// Digest adds a content digest (a base image's manifest, a file's content).
func (h *Hasher) Digest(name string, d v1.Hash) {
	h.field(tagDigest, name)
	h.str(d.Algorithm)
	h.str(d.Hex)
}

// Sum returns the key of the fields written so far. Writing more fields
// afterwards continues from there.
func (h *Hasher) Sum() Key {
	return Key(hex.EncodeToString(h.h.Sum(nil)))
}

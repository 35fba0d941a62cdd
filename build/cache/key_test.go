package cache

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func hashOf(kind string, fields func(h *Hasher)) Key {
	h := NewHasher(kind)
	fields(h)
	return h.Sum()
}

var (
	contentA = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}
	contentB = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("b", 64)}
	parent1  = Key(strings.Repeat("1", 64))
	parent2  = Key(strings.Repeat("2", 64))
)

// Every pair encodes different inputs; kaniko-style concatenation (or a
// careless encoding) gives both the same key. Each must differ.
func TestHasherUnambiguous(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b func(h *Hasher)
	}{
		{"concatenated strings: ab+c vs a+bc",
			func(h *Hasher) { h.String("x", "ab"); h.String("y", "c") },
			func(h *Hasher) { h.String("x", "a"); h.String("y", "bc") }},
		{"RUN args joined with spaces (kaniko): [sh -c 'a b'] vs [sh -c a b]",
			func(h *Hasher) { h.Strings("cmd", []string{"sh", "-c", "a b"}) },
			func(h *Hasher) { h.Strings("cmd", []string{"sh", "-c", "a", "b"}) }},
		{"list joined with a separator: [a-b] vs [a b]",
			func(h *Hasher) { h.Strings("l", []string{"a-b"}) },
			func(h *Hasher) { h.Strings("l", []string{"a", "b"}) }},
		{"env as K=V strings: A=B=C split differently",
			func(h *Hasher) { h.Map("env", map[string]string{"A": "B=C"}) },
			func(h *Hasher) { h.Map("env", map[string]string{"A=B": "C"}) }},
		{"two env entries vs one holding both",
			func(h *Hasher) { h.Map("env", map[string]string{"A": "1", "B": "2"}) },
			func(h *Hasher) { h.Map("env", map[string]string{"A": "1\x00B=2"}) }},
		{"empty list vs list of one empty string",
			func(h *Hasher) { h.Strings("l", nil) },
			func(h *Hasher) { h.Strings("l", []string{""}) }},
		{"absent field vs empty string",
			func(h *Hasher) {},
			func(h *Hasher) { h.String("workdir", "") }},
		{"field name/value boundary",
			func(h *Hasher) { h.String("ab", "c") },
			func(h *Hasher) { h.String("a", "bc") }},
		{"string vs one-element list",
			func(h *Hasher) { h.String("x", "1") },
			func(h *Hasher) { h.Strings("x", []string{"1"}) }},
		{"int vs its decimal string",
			func(h *Hasher) { h.Int("uid", 1000) },
			func(h *Hasher) { h.String("uid", "1000") }},
		{"file renamed, same content (kaniko hashed contents without paths)",
			func(h *Hasher) { h.String("path", "app/a.txt"); h.Digest("content", contentA) },
			func(h *Hasher) { h.String("path", "app/b.txt"); h.Digest("content", contentA) }},
		{"file moved between directories: a/b + c vs a + b/c",
			func(h *Hasher) { h.String("dir", "a/b"); h.String("file", "c") },
			func(h *Hasher) { h.String("dir", "a"); h.String("file", "b/c") }},
		{"two files' contents swapped",
			func(h *Hasher) {
				h.String("path", "x")
				h.Digest("content", contentA)
				h.String("path", "y")
				h.Digest("content", contentB)
			},
			func(h *Hasher) {
				h.String("path", "x")
				h.Digest("content", contentB)
				h.String("path", "y")
				h.Digest("content", contentA)
			}},
		{"build ARG used by COPY changed (kaniko left it out)",
			func(h *Hasher) { h.Map("args", map[string]string{"VERSION": "1"}); h.String("src", "app-${VERSION}") },
			func(h *Hasher) { h.Map("args", map[string]string{"VERSION": "2"}); h.String("src", "app-${VERSION}") }},
		{"COPY --from a stage whose content changed (kaniko keyed the stage name)",
			func(h *Hasher) { h.String("from", "builder"); h.Key("from-state", parent1) },
			func(h *Hasher) { h.String("from", "builder"); h.Key("from-state", parent2) }},
		{"parent state differs",
			func(h *Hasher) { h.Key("parent", parent1) },
			func(h *Hasher) { h.Key("parent", parent2) }},
		{"mode differs",
			func(h *Hasher) { h.Int("mode", 0o644) },
			func(h *Hasher) { h.Int("mode", 0o755) }},
		{"negative vs large int",
			func(h *Hasher) { h.Int("n", -1) },
			func(h *Hasher) { h.Bytes("n", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) }},
		{"bool vs bytes",
			func(h *Hasher) { h.Bool("link", true) },
			func(h *Hasher) { h.Bytes("link", []byte{1}) }},
		{"field order",
			func(h *Hasher) { h.String("a", "1"); h.String("b", "2") },
			func(h *Hasher) { h.String("b", "2"); h.String("a", "1") }},
		{"digest algorithm/hex boundary",
			func(h *Hasher) { h.Digest("d", v1.Hash{Algorithm: "sha256", Hex: "ab"}) },
			func(h *Hasher) { h.Digest("d", v1.Hash{Algorithm: "sha256a", Hex: "b"}) }},
		{"key vs string of the same hex",
			func(h *Hasher) { h.Key("p", parent1) },
			func(h *Hasher) { h.String("p", string(parent1)) }},
	} {
		a, b := hashOf("copy", tc.a), hashOf("copy", tc.b)
		if a == b {
			t.Errorf("%s: both give %s", tc.name, a)
		}
		if !a.Valid() || !b.Valid() {
			t.Errorf("%s: invalid keys %q %q", tc.name, a, b)
		}
	}

	if hashOf("run", func(h *Hasher) { h.String("x", "1") }) == hashOf("copy", func(h *Hasher) { h.String("x", "1") }) {
		t.Error("steps of different kinds share a key")
	}
	if hashOf("ab", func(h *Hasher) { h.String("c", "") }) == hashOf("a", func(h *Hasher) { h.String("bc", "") }) {
		t.Error("kind/field boundary is ambiguous")
	}
}

func TestHasherDeterministic(t *testing.T) {
	env := map[string]string{}
	for i := 0; i < 50; i++ {
		env[strings.Repeat("K", i+1)] = strings.Repeat("v", i)
	}
	first := hashOf("run", func(h *Hasher) { h.Map("env", env) })
	for i := 0; i < 20; i++ { // map iteration order varies between runs
		if got := hashOf("run", func(h *Hasher) { h.Map("env", env) }); got != first {
			t.Fatalf("Map gave %s then %s", first, got)
		}
	}
	if hashOf("x", func(h *Hasher) { h.Strings("l", nil) }) != hashOf("x", func(h *Hasher) { h.Strings("l", []string{}) }) {
		t.Error("nil and empty lists differ")
	}
	h := NewHasher("x")
	h.String("a", "1")
	k1 := h.Sum()
	if k2 := h.Sum(); k1 != k2 {
		t.Error("Sum is not repeatable")
	}
	h.String("b", "2")
	if h.Sum() == k1 {
		t.Error("fields after Sum are ignored")
	}
}

// The golden key pins the encoding: if this test fails, every cache key
// hoist ever wrote changes. Change keyDomain when that is the intent.
func TestHasherGolden(t *testing.T) {
	h := NewHasher("copy")
	h.Key("parent", parent1)
	h.String("instruction", "COPY --chmod=644 src/ /app/")
	h.Strings("sources", []string{"src/a.txt", "src/b.txt"})
	h.Digest("content", contentA)
	h.Int("uid", 1000)
	h.Int("gid", -1)
	h.Bool("link", false)
	h.Map("args", map[string]string{"B": "2", "A": "1"})
	h.Bytes("raw", []byte{0, 1, 2})
	h.String("platform", "linux/amd64")
	// Computed independently from the documented encoding (type byte, 8-byte
	// big-endian lengths, sorted map keys), not copied from a run.
	const golden = "0cc8ddc82128be7b7c7270ee814ceb39f076cdcdf09e332e58c4f6443b52c513"
	if got := h.Sum(); got != golden {
		t.Errorf("golden key changed:\n got %s\nwant %s", got, golden)
	}
}

func TestKeyValid(t *testing.T) {
	for k, want := range map[Key]bool{
		Key(strings.Repeat("0", 64)):             true,
		Key(strings.Repeat("f", 64)):             true,
		Key(strings.Repeat("F", 64)):             false,
		Key(strings.Repeat("0", 63)):             false,
		Key(strings.Repeat("0", 65)):             false,
		Key("sha256:" + strings.Repeat("0", 57)): false,
		"":                                       false,
	} {
		if got := k.Valid(); got != want {
			t.Errorf("Key(%q).Valid() = %v, want %v", k, got, want)
		}
	}
}

package buildfs

import (
	"io/fs"
	"slices"
	"testing"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{"/": ".", "": ".", "/app/./src/": "app/src", "../../etc": "etc", "a/../b": "b"} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTree(t *testing.T) {
	tr := NewTree()
	tr.Put(&Entry{Path: "app/src/main.go", Mode: 0o644, Size: 3})
	tr.Put(&Entry{Path: "app/b", Mode: fs.ModeSymlink | 0o777, Linkname: "src"})
	if got, want := tr.Paths(), []string{"app", "app/b", "app/src", "app/src/main.go"}; !slices.Equal(got, want) {
		t.Fatalf("paths %v, want %v", got, want)
	}
	var walked []string
	if err := Walk(tr, ".", func(e *Entry) error { walked = append(walked, e.Path); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{".", "app", "app/b", "app/src", "app/src/main.go"}; !slices.Equal(walked, want) {
		t.Fatalf("walk %v, want %v", walked, want)
	}
	// A file replacing a directory removes its contents.
	tr.Put(&Entry{Path: "app/src", Mode: 0o600})
	if _, err := tr.Lstat("app/src/main.go"); !errorsIsNotExist(err) {
		t.Fatalf("app/src/main.go survived: %v", err)
	}
	tr.Put(&Entry{Path: "app/src", Mode: fs.ModeDir | 0o755})
	tr.Put(&Entry{Path: "app/src/x", Mode: 0o644})
	tr.RemoveChildren("app")
	if got := tr.Paths(); !slices.Equal(got, []string{"app"}) {
		t.Fatalf("after RemoveChildren: %v", got)
	}
	tr.Remove("app")
	if tr.Len() != 1 {
		t.Fatalf("after Remove: %v", tr.Paths())
	}
	if _, err := tr.ReadDir("nope"); !errorsIsNotExist(err) {
		t.Fatalf("ReadDir(nope): %v", err)
	}
}

func errorsIsNotExist(err error) bool {
	pe, ok := err.(*fs.PathError)
	return ok && pe.Err == fs.ErrNotExist
}

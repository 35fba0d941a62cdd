package fileop

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	digest "github.com/opencontainers/go-digest"
)

func TestURLFileName(t *testing.T) {
	for in, want := range map[string]string{
		"http://example.com/foo":                "foo",
		"http://example.com/dir/t.tar.gz?x=1#y": "t.tar.gz",
		"http://example.com/":                   "__unnamed__", // testDockerfileADDFromURL: dest/__unnamed__
		"http://example.com":                    "__unnamed__",
		"http://example.com/a%20b":              "a b",
		"http://example.com/dir/":               "dir",
		"http://example.com/%0A":                "download", // pathutil.SafeFileName: control characters
		"http://example.com/..":                 "download",
		"http://example.com/x/%20":              "download",
	} {
		if got := URLFileName(in); got != want {
			t.Errorf("URLFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFetchURL(t *testing.T) {
	modTime := time.Date(2023, 3, 4, 5, 6, 7, 0, time.UTC)
	tarGz := gz(t, mkTar(t, tarEnt{name: "foo", data: "content0"}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/foo":
			w.Write([]byte("content1"))
		case "/":
			w.Header().Set("Last-Modified", modTime.Format(http.TimeFormat))
			w.Header().Set("Content-Disposition", `attachment; filename="ignored.txt"`)
			w.Write([]byte("content2"))
		case "/t.tar.gz":
			w.Write(tarGz)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	tmp := t.TempDir()
	sum := digest.FromBytes([]byte("content1"))

	f, err := FetchURL(ctx, srv.Client(), srv.URL+"/foo", sum.String(), tmp)
	if err != nil {
		t.Fatal(err)
	}
	if f.Digest != sum.String() {
		t.Errorf("digest %s, want %s", f.Digest, sum)
	}
	e := f.Entry
	if got := describe(t, e); got != "f foo 0600 0:0 =content1" {
		t.Errorf("entry %s (BuildKit http source: mode 0600, owner 0:0, named after the URL path)", got)
	}
	if !e.ModTime.Equal(time.Unix(0, 0)) {
		t.Errorf("mtime without Last-Modified %v, want the epoch", e.ModTime)
	}
	if h, _ := e.Hash(); "sha256:"+h != sum.String() {
		t.Errorf("hash %s", h)
	}

	// testAddURLChmod and testDockerfileADDFromURL: ADD <url> /dest/ and
	// ADD --chmod=644 <url> /tmp/foo1.
	src, c := f.Source(Copy{Dest: "/dest/", IsAdd: true})
	got, err := run(t, src, nil, c)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"d dest 0755 0:0", "f dest/foo 0600 0:0 =content1"}, describeAll(t, got)); diff != "" {
		t.Error(diff)
	}
	src, c = f.Source(Copy{Dest: "/tmp/foo1", Chmod: "644", IsAdd: true})
	got, err = run(t, src, nil, c)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"d tmp 0644 0:0", "f tmp/foo1 0644 0:0 =content1"}, describeAll(t, got)); diff != "" {
		t.Error(diff)
	}
	f.Cleanup()
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("Cleanup left %v", left)
	}

	// Last-Modified gives the mtime; Content-Disposition is ignored.
	f, err = FetchURL(ctx, srv.Client(), srv.URL+"/", "", tmp)
	if err != nil {
		t.Fatal(err)
	}
	if f.Entry.Path != "__unnamed__" || !f.Entry.ModTime.Equal(modTime) {
		t.Errorf("entry %s %v, want __unnamed__ at %v", f.Entry.Path, f.Entry.ModTime, modTime)
	}
	f.Cleanup()

	// A remote archive is not extracted (testDockerfileAddArchive: ADD from
	// URL doesn't extract; moby/buildkit#386: ADD <url> /newname.tar.gz).
	f, err = FetchURL(ctx, srv.Client(), srv.URL+"/t.tar.gz", "", tmp)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Cleanup()
	src, c = f.Source(Copy{Dest: "/newname.tar.gz", IsAdd: true})
	got, err = run(t, src, nil, c)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"f newname.tar.gz 0600 0:0 =" + string(tarGz)}, describeAll(t, got)); diff != "" {
		t.Error(diff)
	}

	h512 := sha512.Sum512([]byte("content1"))
	if _, err := FetchURL(ctx, srv.Client(), srv.URL+"/foo", "sha512:"+hex.EncodeToString(h512[:]), tmp); err != nil {
		t.Errorf("sha512 checksum: %v", err)
	}

	for _, tc := range []struct{ url, checksum, err string }{
		{srv.URL + "/foo", digest.FromBytes(nil).String(), "checksum mismatch: the download is " + sum.String() + " but --checksum is " + digest.FromBytes(nil).String()},
		{srv.URL + "/foo", "md5:7e55db001d319a94b0b713529a756623", "unsupported digest algorithm"},
		{srv.URL + "/foo", "unknown:" + sum.Encoded(), "unsupported digest algorithm"},
		{srv.URL + "/foo", sum.Encoded(), "invalid checksum digest format"},
		{srv.URL + "/missing", "", "invalid response status 404"},
		{"ftp://example.com/x", "", "only http and https"},
	} {
		_, err := FetchURL(ctx, srv.Client(), tc.url, tc.checksum, tmp)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("FetchURL(%s, %q) = %v, want %q", tc.url, tc.checksum, err, tc.err)
		}
	}
	u := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1) + "/missing"
	if _, err := FetchURL(ctx, srv.Client(), u, "", tmp); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("credentials not redacted: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 2 {
		t.Errorf("temporary files: %d, want the two still held", len(left))
	}
}

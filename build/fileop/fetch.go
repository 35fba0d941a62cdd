package fileop

import (
	"context"
	"crypto/sha256"
	_ "crypto/sha512" // sha384 and sha512 for --checksum
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/hoistci/hoist/build/buildfs"
	digest "github.com/opencontainers/go-digest"
)

// Fetched is the file an ADD <url> downloads.
type Fetched struct {
	// Entry is the file as BuildKit's HTTP source stores it: named after
	// the URL path, mode 0600, owned by 0:0, ModTime from Last-Modified (the
	// Unix epoch without one), its content in a temporary file.
	Entry *buildfs.Entry
	// Digest is the content's "sha256:<hex>".
	Digest string
	// Cleanup removes the temporary file.
	Cleanup func()
}

// Source returns a tree holding only the fetched file and c adjusted so
// that Select and Apply copy it as BuildKit copies an ADD <url>: by name,
// without wildcards, not extracted (Docker does not unpack remote archives;
// for ADD --unpack=true set IsAdd on the returned Copy).
func (f *Fetched) Source(c Copy) (buildfs.FS, Copy) {
	t := buildfs.NewTree()
	t.Put(f.Entry)
	c.Sources = []string{f.Entry.Path}
	c.Literal = true
	c.IsAdd = false
	c.Parents = false
	c.Excludes = nil
	return t, c
}

// URLFileName is the name BuildKit gives the file of an ADD <url>
// (dockerfile2llb dispatchCopy, then source/util/pathutil.SafeFileName):
// the last element of the URL path, "__unnamed__" when the path has none;
// a name that is empty, "..", or holds control characters becomes
// "download". Content-Disposition plays no part for a Dockerfile ADD (the
// frontend always passes the name).
func URLFileName(rawURL string) string {
	f := "__unnamed__"
	if u, err := url.Parse(rawURL); err == nil {
		if base := path.Base(u.Path); base != "." && base != "/" {
			f = base
		}
	}
	name := filepath.Base(strings.TrimSpace(f))
	if name == "" || name == "." || name == ".." || name == "/" {
		return "download"
	}
	for _, r := range name {
		if r == 0 || unicode.IsControl(r) {
			return "download"
		}
	}
	return name
}

// FetchURL downloads rawURL for ADD into a temporary file in tmpDir. A
// --checksum ("sha256:<hex>"; sha384 and sha512 are verified too) is
// checked before the file is returned; a mismatch is an error naming both
// digests. A status outside 200-399 is an error, as in BuildKit.
func FetchURL(ctx context.Context, client *http.Client, rawURL, checksum, tmpDir string) (*Fetched, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("ADD %s: only http and https URLs can be fetched", u.Redacted())
	}
	shown := u.Redacted()
	var want digest.Digest
	if checksum != "" {
		want, err = digest.Parse(checksum)
		if err != nil {
			return nil, fmt.Errorf("ADD --checksum=%s: %w (expected sha256:<64 hex digits>)", checksum, err)
		}
	}
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("ADD %s: %w", shown, err)
	}
	req.Header.Set("User-Agent", "hoist")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("ADD %s: %w", shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return nil, fmt.Errorf("ADD %s: invalid response status %d", shown, resp.StatusCode)
	}

	f, err := os.CreateTemp(tmpDir, "hoist-url-*")
	if err != nil {
		return nil, fmt.Errorf("ADD %s: %w", shown, err)
	}
	name := f.Name()
	cleanup := func() { os.Remove(name) }
	h := sha256.New()
	var verify digest.Verifier
	ws := []io.Writer{f, h}
	if want != "" && want.Algorithm() != digest.SHA256 {
		verify = want.Verifier()
		ws = append(ws, verify)
	}
	n, err := io.Copy(io.MultiWriter(ws...), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("ADD %s: reading the response: %w", shown, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	got := digest.NewDigestFromEncoded(digest.SHA256, sum)
	if want != "" {
		ok := got == want
		if verify != nil {
			ok = verify.Verified()
		}
		if !ok {
			cleanup()
			return nil, fmt.Errorf("ADD %s: checksum mismatch: the download is %s but --checksum is %s", shown, got, want)
		}
	}

	mtime := time.Unix(0, 0).UTC()
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		if t, err := http.ParseTime(lm); err == nil {
			mtime = t.UTC()
		}
	}
	e := &buildfs.Entry{
		Path:    URLFileName(rawURL),
		Mode:    0o600,
		Size:    n,
		ModTime: mtime,
		Open: func() (io.ReadCloser, error) {
			return os.Open(name)
		},
		Hash: func() (string, error) { return sum, nil },
	}
	return &Fetched{Entry: e, Digest: got.String(), Cleanup: cleanup}, nil
}

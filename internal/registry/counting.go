package registry

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// CountingTransport counts the bytes of blob uploads (Up) and downloads
// (Down) that pass through it, for the "bytes pushed" and "bytes
// downloaded" a build or a release reports.
type CountingTransport struct {
	Base     http.RoundTripper
	Up, Down *atomic.Int64
}

// RoundTrip implements http.RoundTripper.
func (t *CountingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	blob := strings.Contains(req.URL.Path, "/blobs/")
	if blob && (req.Method == http.MethodPatch || req.Method == http.MethodPut) && req.ContentLength > 0 {
		t.Up.Add(req.ContentLength)
	}
	resp, err := t.Base.RoundTrip(req)
	if err == nil && blob && req.Method == http.MethodGet && resp.StatusCode == http.StatusOK {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: t.Down}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

package buildkit

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/hoistci/hoist/build/output"
	"github.com/hoistci/hoist/internal/store"
)

// Where an extracted layout goes.
const (
	layoutStore = iota // the local store
	layoutDir          // an OCI layout directory
)

// layoutOutput is an OCI exporter's tarball, extracted into dir, for the
// local store or an OCI layout directory (dest).
type layoutOutput struct {
	dir   string
	kind  int
	dest  string
	names []string
	used  atomic.Bool
}

// layout returns an exporter output that extracts the OCI exporter's
// tarball (oci-layout, index.json, blobs/sha256/...) into a new directory
// of tmp as it streams in.
func (r *request) layout(tmp string, kind int, dest string, names []string) func(map[string]string) (io.WriteCloser, error) {
	l := &layoutOutput{dir: filepath.Join(tmp, fmt.Sprintf("layout-%d", len(r.layouts))), kind: kind, dest: dest, names: names}
	r.layouts = append(r.layouts, l)
	return func(map[string]string) (io.WriteCloser, error) {
		if err := os.MkdirAll(l.dir, 0o755); err != nil {
			return nil, err
		}
		l.used.Store(true)
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := extractLayout(pr, l.dir)
			if err == nil {
				// Padding after the end of the archive: read it all, so
				// that the writer never fails on a closed pipe.
				_, err = io.Copy(io.Discard, pr)
			}
			pr.CloseWithError(err)
			done <- err
		}()
		return &extractWriter{pw: pw, done: done}, nil
	}
}

type extractWriter struct {
	pw   *io.PipeWriter
	done chan error
}

func (w *extractWriter) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *extractWriter) Close() error {
	w.pw.Close()
	return <-w.done
}

// extractLayout writes the regular files and directories of an OCI layout
// tarball under dir; any other entry, or a path leaving dir, is an error.
func extractLayout(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the OCI layout from buildkitd: %w", err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == "." {
			continue
		}
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("the OCI layout from buildkitd holds %q, outside the layout", h.Name)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("the OCI layout from buildkitd holds %q of unexpected type %c", h.Name, h.Typeflag)
		}
	}
}

// artifact is the image (or index) of an extracted layout.
func (l *layoutOutput) artifact() (img v1.Image, idx v1.ImageIndex, err error) {
	ii, err := layout.ImageIndexFromPath(l.dir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the image buildkitd exported: %w", err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the image buildkitd exported: %w", err)
	}
	if len(im.Manifests) == 0 {
		return nil, nil, errors.New("buildkitd exported no image")
	}
	d := im.Manifests[0]
	if d.MediaType.IsIndex() {
		idx, err = ii.ImageIndex(d.Digest)
	} else {
		img, err = ii.Image(d.Digest)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the image buildkitd exported: %w", err)
	}
	return img, idx, nil
}

// write puts the extracted image where it goes, and returns its images
// (one per platform).
func (l *layoutOutput) write(ctx context.Context, st *store.Store) ([]v1.Image, error) {
	img, idx, err := l.artifact()
	if err != nil {
		return nil, err
	}
	var a output.Artifact = img
	imgs := []v1.Image{img}
	if idx != nil {
		a = idx
		if imgs, err = indexImages(idx); err != nil {
			return nil, err
		}
	}
	switch l.kind {
	case layoutStore:
		if idx != nil {
			_, err = st.WriteIndex(ctx, idx, l.names...)
		} else {
			_, err = st.WriteImage(ctx, img, l.names...)
		}
		if err != nil {
			return nil, fmt.Errorf("writing the image into the local store: %w", err)
		}
	case layoutDir:
		if err := output.WriteOCIDir(ctx, l.dest, a, l.names); err != nil {
			return nil, fmt.Errorf("output oci %s: %w", l.dest, err)
		}
	}
	return imgs, nil
}

// indexImages lists the images of an index (attestation manifests, which
// have no platform of their own, excluded).
func indexImages(idx v1.ImageIndex) ([]v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var imgs []v1.Image
	for _, d := range im.Manifests {
		if d.MediaType.IsIndex() || d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		imgs = append(imgs, img)
	}
	return imgs, nil
}

// imageSize is the sum of config and layer sizes of imgs.
func imageSize(imgs []v1.Image) int64 {
	var n int64
	for _, img := range imgs {
		m, err := img.Manifest()
		if err != nil {
			continue
		}
		n += m.Config.Size
		for _, l := range m.Layers {
			n += l.Size
		}
	}
	return n
}

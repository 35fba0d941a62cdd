package output

import (
	"context"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Write writes a to the destination of an oci or docker Spec: a "-" Dest
// goes to stdout, an oci Spec is a tarball or a directory as Spec.OCITar
// says. Other types are not files of an image: image/registry go to the
// store or a registry, local and tar are the root file system
// (WriteRootfsTar, the layer package's Extract); a docker Spec without
// Dest means loading into a Docker daemon, which the caller does.
func Write(ctx context.Context, s Spec, a Artifact, stdout io.Writer) error {
	switch s.Type {
	case TypeOCI:
		switch {
		case s.Dest == "-":
			return WriteOCIArchive(ctx, stdout, a, s.Names)
		case s.OCITar():
			if err := writeFileAtomic(s.Dest, func(w io.Writer) error {
				return WriteOCIArchive(ctx, w, a, s.Names)
			}); err != nil {
				return fmt.Errorf("write OCI archive %s: %w", s.Dest, err)
			}
			return nil
		default:
			return WriteOCIDir(ctx, s.Dest, a, s.Names)
		}
	case TypeDocker:
		mt, err := a.MediaType()
		if err != nil {
			return err
		}
		img, ok := a.(v1.Image)
		if !ok || mt.IsIndex() {
			return fmt.Errorf("type=docker holds one image, and this build made a multi-platform index: use type=oci, or build one --platform")
		}
		switch s.Dest {
		case "":
			return fmt.Errorf("type=docker without dest means loading into a Docker daemon (--load), which is not a file to write; give dest=FILE for an archive")
		case "-":
			return WriteDockerTo(ctx, stdout, img, s.Names)
		default:
			return WriteDocker(ctx, s.Dest, img, s.Names)
		}
	}
	return fmt.Errorf("output.Write writes type=oci and type=docker, not type=%s", s.Type)
}

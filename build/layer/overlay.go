package layer

import (
	"fmt"
	"strings"
)

// Overlay form ("diff" form) is how overlayfs keeps one layer in a
// directory: the layer's own files, a deletion as a character device 0/0 of
// the deleted name (a whiteout), and a directory that hides everything
// below it in lower layers marked with the xattr trusted.overlay.opaque="y".
// ExtractOverlay turns an OCI layer into that form, so the directory can be
// a lowerdir of an overlay mount; DiffEntries reads an overlay upper
// directory (what a RUN changed) back as OCI layer entries.

const (
	overlayXattrPrefix     = "trusted.overlay."
	userOverlayXattrPrefix = "user.overlay."
	overlayOpaqueXattr     = "trusted.overlay.opaque"
	userOverlayOpaqueXattr = "user.overlay.opaque"
)

// ForeignHardLinkError is the error of ExtractOverlay for a hard link whose
// target is not in the layer being extracted (it is in an earlier layer: a
// snapshot holds one layer, so the link cannot be made there). The caller
// can resolve it with the lower layers at hand, e.g. by copying the
// target's content, or by extracting the stack into one directory.
type ForeignHardLinkError struct {
	Entry  string // the link's name, as the tar has it
	Target string // the name it links to
}

func (e *ForeignHardLinkError) Error() string {
	return fmt.Sprintf("layer entry %q is a hard link to %q, which is not in this layer (it is in an earlier layer, or missing); a snapshot holds one layer, so the link must be resolved against the lower layers", e.Entry, e.Target)
}

// overlayName checks a tar name for ExtractOverlay and returns it in
// Entry.Path form ("." for the root). Absolute names and ".." components
// are refused: a layer written by a well-behaved tool has neither.
func overlayName(name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("layer entry %q: absolute name; refusing to extract it", name)
	}
	if strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("layer entry %q: NUL in name; refusing to extract it", name)
	}
	var parts []string
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			return "", fmt.Errorf("layer entry %q: \"..\" in name would escape the snapshot; refusing to extract it", name)
		}
		parts = append(parts, c)
	}
	if len(parts) == 0 {
		return ".", nil
	}
	return strings.Join(parts, "/"), nil
}

// skipXattr says whether an xattr of a layer entry is left out of overlay
// form (and out of entries read from an upper directory): overlayfs's own
// attributes would change how the overlay interprets the directory.
func skipXattr(name string) bool {
	return strings.HasPrefix(name, overlayXattrPrefix) || strings.HasPrefix(name, userOverlayXattrPrefix)
}

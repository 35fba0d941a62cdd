// Package output owns where a build's result goes: it parses the
// buildx-compatible --output, --cache-from and --cache-to values and writes
// images to destinations that are not a registry (OCI layouts, docker
// archives, root file system tarballs).
package output

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/tonistiigi/go-csvvalue"
)

// Output types, as buildx names them.
const (
	TypeRegistry = "registry" // an image pushed to a registry (image,push=true)
	TypeImage    = "image"    // an image in the local store, pushed with push=true
	TypeOCI      = "oci"      // an OCI image layout, as a tarball or a directory
	TypeDocker   = "docker"   // a docker-archive tarball (docker load, podman load)
	TypeLocal    = "local"    // the root file system, written to a directory
	TypeTar      = "tar"      // the root file system as one tarball
)

var outputTypes = []string{TypeRegistry, TypeImage, TypeOCI, TypeDocker, TypeLocal, TypeTar}

// Spec is one --output. Type "registry" is normalised to "image" with Push
// set, as buildx does.
type Spec struct {
	Type string
	// Dest is the file or directory to write; "-" is standard output. For
	// oci and tar it defaults to "-"; for docker an empty Dest means "load
	// into the Docker daemon" (buildx's behaviour; not done here).
	Dest string
	// Names are the image names of the name= attribute (a comma-separated
	// list, quoted in the CSV: "name=a:1,b:2"). The caller adds the -t
	// tags when it is empty, as buildx does.
	Names []string
	Push  bool
	// Attrs holds the other key=value attributes (compression, annotation.*,
	// tar, ...), validated.
	Attrs map[string]string
}

// OCITar reports whether an oci output is a tarball (the tar attribute, or
// else a Dest of "-" or ending in ".tar") rather than a layout directory.
func (s Spec) OCITar() bool {
	if v, ok := s.Attrs["tar"]; ok {
		b, _ := parseBool(v)
		return b
	}
	return s.Dest == "-" || strings.HasSuffix(s.Dest, ".tar")
}

// Attribute keys accepted per output type (besides type, dest, name and
// push, which Spec holds). annotation keys are checked by prefix.
var (
	imageKeys = []string{
		"compression", "compression-level", "force-compression",
		"oci-mediatypes", "rewrite-timestamp",
	}
	registryKeys = []string{"push-by-digest", "registry.insecure"}
	fileKeys     = []string{"platform-split"}
	annotations  = []string{
		"annotation.", "annotation-index.", "annotation-manifest.",
		"annotation-index-descriptor.", "annotation-manifest-descriptor.",
	}
	boolKeys = []string{
		"force-compression", "oci-mediatypes", "rewrite-timestamp", "push-by-digest",
		"registry.insecure", "platform-split", "tar", "push",
		"ignore-error", "image-manifest",
	}
	compressions = []string{"gzip", "zstd", "uncompressed"}
)

// validKeys lists the keys an output type takes, for checks and errors.
func validKeys(typ string) []string {
	var keys []string
	switch typ {
	case TypeImage:
		keys = append(keys, "name", "push")
		keys = append(keys, registryKeys...)
		keys = append(keys, imageKeys...)
	case TypeOCI:
		keys = append(keys, "dest", "name", "tar")
		keys = append(keys, imageKeys...)
	case TypeDocker:
		keys = append(keys, "dest", "name")
		keys = append(keys, imageKeys...)
	case TypeLocal, TypeTar:
		keys = append(keys, "dest")
		keys = append(keys, fileKeys...)
	}
	if typ == TypeImage || typ == TypeOCI || typ == TypeDocker {
		for _, a := range annotations {
			keys = append(keys, a+"KEY")
		}
	}
	return keys
}

func keyAllowed(typ, key string) bool {
	for _, a := range annotations {
		if strings.HasPrefix(key, a) && len(key) > len(a) {
			return typ == TypeImage || typ == TypeOCI || typ == TypeDocker
		}
	}
	return slices.Contains(validKeys(typ), key)
}

// ParseOutput parses an --output value with buildx's syntax: CSV fields
// (a field holding a comma is quoted: `"name=a:1,b:2"`), "type=oci,
// dest=out.tar", "type=registry" (= image,push=true), a bare DIR
// (= type=local,dest=DIR) and "-" (= type=tar to standard output).
func ParseOutput(s string) (Spec, error) {
	if strings.TrimSpace(s) == "" {
		return Spec{}, fmt.Errorf("empty --output: use type=%s,... or a directory", strings.Join(outputTypes, "|type="))
	}
	if s == "-" {
		return Spec{Type: TypeTar, Dest: "-"}, nil
	}
	fields, err := csvvalue.Fields(s, nil)
	if err != nil {
		return Spec{}, fmt.Errorf("invalid --output %q: %v (quote a value holding a comma: \"name=a,b\")", s, err)
	}
	if len(fields) == 1 && !strings.Contains(s, "=") {
		switch fields[0] {
		case "":
			return Spec{}, fmt.Errorf("invalid --output %q: empty directory name", s)
		case "-":
			return Spec{Type: TypeTar, Dest: "-"}, nil
		}
		return Spec{Type: TypeLocal, Dest: fields[0]}, nil
	}
	attrs := map[string]string{}
	var typ string
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return Spec{}, fmt.Errorf("invalid --output %q: field %q is not KEY=VALUE", s, f)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "type" {
			typ = v
			continue
		}
		attrs[k] = v
	}
	if typ == "" {
		return Spec{}, fmt.Errorf("invalid --output %q: type is required (type=%s)", s, strings.Join(outputTypes, "|"))
	}
	if !slices.Contains(outputTypes, typ) {
		return Spec{}, fmt.Errorf("invalid --output %q: unknown type %q; valid types: %s", s, typ, strings.Join(outputTypes, ", "))
	}
	spec := Spec{Type: typ}
	if typ == TypeRegistry {
		spec.Type = TypeImage
		if _, ok := attrs["push"]; !ok {
			attrs["push"] = "true"
		}
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if !keyAllowed(spec.Type, k) {
			return Spec{}, fmt.Errorf("invalid --output %q: type=%s does not take %q; valid keys: %s", s, typ, k, strings.Join(validKeys(spec.Type), ", "))
		}
		if err := checkValue(k, attrs[k]); err != nil {
			return Spec{}, fmt.Errorf("invalid --output %q: %w", s, err)
		}
	}
	if v, ok := attrs["push"]; ok {
		spec.Push, _ = parseBool(v)
		delete(attrs, "push")
	}
	if v, ok := attrs["name"]; ok {
		delete(attrs, "name")
		for n := range strings.SplitSeq(v, ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			if _, err := name.ParseReference(n); err != nil {
				return Spec{}, fmt.Errorf("invalid --output %q: image name %q: %v", s, n, err)
			}
			spec.Names = append(spec.Names, n)
		}
	}
	dest, hasDest := attrs["dest"]
	delete(attrs, "dest")
	switch spec.Type {
	case TypeLocal:
		if dest == "" {
			return Spec{}, fmt.Errorf("invalid --output %q: type=local needs dest=DIR", s)
		}
		if dest == "-" {
			return Spec{}, fmt.Errorf("invalid --output %q: type=local writes a directory, not standard output; use type=tar for a stream", s)
		}
	case TypeOCI, TypeTar:
		if !hasDest || dest == "" {
			dest = "-"
		}
	}
	spec.Dest = dest
	if len(attrs) > 0 {
		spec.Attrs = attrs
	}
	return spec, nil
}

// checkValue validates the value of a known key.
func checkValue(k, v string) error {
	switch {
	case slices.Contains(boolKeys, k):
		if _, err := parseBool(v); err != nil {
			return fmt.Errorf("%s=%q: want true or false", k, v)
		}
	case k == "compression":
		if !slices.Contains(compressions, v) {
			return fmt.Errorf("compression=%q: use %s", v, strings.Join(compressions, ", "))
		}
	case k == "compression-level":
		if n, err := strconv.Atoi(v); err != nil || n < -1 || n > 22 {
			return fmt.Errorf("compression-level=%q: want a number (gzip 0-9, zstd 0-22)", v)
		}
	case k == "mode":
		if v != "min" && v != "max" {
			return fmt.Errorf("mode=%q: use min or max", v)
		}
	case k == "ref":
		if _, err := name.ParseReference(v); err != nil {
			return fmt.Errorf("ref=%q: %v", v, err)
		}
	case k == "dest" || k == "src":
		if v == "" {
			return fmt.Errorf("%s is empty", k)
		}
	}
	return nil
}

// parseBool is BuildKit's boolean attribute: an empty value is true.
func parseBool(v string) (bool, error) {
	if v == "" {
		return true, nil
	}
	return strconv.ParseBool(v)
}

// Cache types hoist reads and writes.
const (
	CacheRegistry = "registry"
	CacheLocal    = "local"
	CacheInline   = "inline"
)

// CacheSpec is one --cache-from or --cache-to.
type CacheSpec struct {
	Type string
	// Ref is the registry cache's image reference.
	Ref string
	// Src is the directory a local cache is read from; Dest the one it is
	// written to.
	Src, Dest string
	// Mode is "min" (the final image's layers) or "max" (every step's);
	// --cache-to defaults to min, --cache-from has none.
	Mode string
	// Attrs holds the other attributes (ignore-error, registry.insecure,
	// ...), validated.
	Attrs map[string]string
}

var (
	cacheFromKeys = map[string][]string{
		CacheRegistry: {"ref", "registry.insecure"},
		CacheLocal:    {"src"},
	}
	// image-manifest and oci-mediatypes are accepted for buildx users'
	// habits: hoist's cache is always an OCI image manifest.
	cacheToKeys = map[string][]string{
		CacheRegistry: {"ref", "mode", "ignore-error", "registry.insecure", "image-manifest", "oci-mediatypes", "compression", "compression-level", "force-compression"},
		CacheLocal:    {"dest", "mode", "ignore-error", "compression", "compression-level", "force-compression"},
		CacheInline:   {},
	}
)

// ParseCacheFrom parses a --cache-from value: "type=registry,ref=R",
// "type=local,src=DIR", or a bare reference R (= type=registry,ref=R).
func ParseCacheFrom(s string) (CacheSpec, error) {
	return parseCache("--cache-from", s, cacheFromKeys)
}

// ParseCacheTo parses a --cache-to value: "type=registry,ref=R[,mode=max]",
// "type=local,dest=DIR", "type=inline".
func ParseCacheTo(s string) (CacheSpec, error) {
	c, err := parseCache("--cache-to", s, cacheToKeys)
	if err == nil && c.Mode == "" && c.Type != CacheInline {
		c.Mode = "min"
	}
	return c, err
}

func parseCache(flag, s string, keys map[string][]string) (CacheSpec, error) {
	types := slices.Sorted(maps.Keys(keys))
	if strings.TrimSpace(s) == "" {
		return CacheSpec{}, fmt.Errorf("empty %s: use type=%s,...", flag, strings.Join(types, "|type="))
	}
	fields, err := csvvalue.Fields(s, nil)
	if err != nil {
		return CacheSpec{}, fmt.Errorf("invalid %s %q: %v", flag, s, err)
	}
	if !strings.Contains(s, "=") {
		if len(fields) != 1 {
			return CacheSpec{}, fmt.Errorf("invalid %s %q: one reference per flag; repeat %s for more", flag, s, flag)
		}
		if _, ok := keys[CacheRegistry]; !ok {
			return CacheSpec{}, fmt.Errorf("invalid %s %q: type is required", flag, s)
		}
		if _, err := name.ParseReference(fields[0]); err != nil {
			return CacheSpec{}, fmt.Errorf("invalid %s %q: %v", flag, s, err)
		}
		return CacheSpec{Type: CacheRegistry, Ref: fields[0]}, nil
	}
	attrs := map[string]string{}
	var typ string
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return CacheSpec{}, fmt.Errorf("invalid %s %q: field %q is not KEY=VALUE", flag, s, f)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "type" {
			typ = v
			continue
		}
		attrs[k] = v
	}
	if typ == "" {
		return CacheSpec{}, fmt.Errorf("invalid %s %q: type is required (type=%s)", flag, s, strings.Join(types, "|"))
	}
	valid, ok := keys[typ]
	if !ok && typ == CacheInline {
		return CacheSpec{}, fmt.Errorf("invalid %s %q: an inline cache is read from the image: use %s type=registry,ref=IMAGE", flag, s, flag)
	}
	if !ok {
		return CacheSpec{}, fmt.Errorf("invalid %s %q: unknown cache type %q; hoist supports: %s", flag, s, typ, strings.Join(types, ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if !slices.Contains(valid, k) {
			if len(valid) == 0 {
				return CacheSpec{}, fmt.Errorf("invalid %s %q: type=%s takes no attributes (%q)", flag, s, typ, k)
			}
			return CacheSpec{}, fmt.Errorf("invalid %s %q: type=%s does not take %q; valid keys: %s", flag, s, typ, k, strings.Join(valid, ", "))
		}
		if err := checkValue(k, attrs[k]); err != nil {
			return CacheSpec{}, fmt.Errorf("invalid %s %q: %w", flag, s, err)
		}
	}
	c := CacheSpec{Type: typ, Ref: attrs["ref"], Src: attrs["src"], Dest: attrs["dest"], Mode: attrs["mode"]}
	for _, k := range []string{"ref", "src", "dest", "mode"} {
		delete(attrs, k)
	}
	switch {
	case typ == CacheRegistry && c.Ref == "":
		return CacheSpec{}, fmt.Errorf("invalid %s %q: type=registry needs ref=REF", flag, s)
	case typ == CacheLocal && slices.Contains(valid, "src") && c.Src == "":
		return CacheSpec{}, fmt.Errorf("invalid %s %q: type=local needs src=DIR", flag, s)
	case typ == CacheLocal && slices.Contains(valid, "dest") && c.Dest == "":
		return CacheSpec{}, fmt.Errorf("invalid %s %q: type=local needs dest=DIR", flag, s)
	}
	if len(attrs) > 0 {
		c.Attrs = attrs
	}
	return c, nil
}

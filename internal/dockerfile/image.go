package dockerfile

import "strings"

// ImageRef is an image reference split into its parts, without
// normalisation: "ubuntu" has no Registry and no Tag.
type ImageRef struct {
	Registry   string // "ghcr.io", "localhost:5000"; "" for Docker Hub short names
	Repository string // "library/ubuntu" is kept as written: "ubuntu"
	Tag        string
	Digest     string // "sha256:..."
}

// ParseImageRef splits ref into registry, repository, tag and digest the way
// the Docker reference grammar does: the first path component is a registry
// when it contains '.' or ':' or is "localhost".
func ParseImageRef(ref string) ImageRef {
	var r ImageRef
	name := ref
	if i := strings.Index(name, "@"); i >= 0 {
		r.Digest = name[i+1:]
		name = name[:i]
	}
	if i := strings.LastIndex(name, ":"); i >= 0 && !strings.Contains(name[i+1:], "/") {
		r.Tag = name[i+1:]
		name = name[:i]
	}
	if i := strings.Index(name, "/"); i >= 0 {
		first := name[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" {
			r.Registry = first
			name = name[i+1:]
		}
	}
	r.Repository = name
	return r
}

// Name is the repository with its registry, without tag or digest.
func (r ImageRef) Name() string {
	if r.Registry == "" {
		return r.Repository
	}
	return r.Registry + "/" + r.Repository
}

// RegistryOrDefault is the registry, "docker.io" for short names.
func (r ImageRef) RegistryOrDefault() string {
	if r.Registry == "" {
		return "docker.io"
	}
	return r.Registry
}

// ShortRepository drops Docker Hub's "library/" prefix: "library/node" -> "node".
func (r ImageRef) ShortRepository() string {
	if r.Registry == "" || r.Registry == "docker.io" || r.Registry == "index.docker.io" || r.Registry == "registry-1.docker.io" {
		return strings.TrimPrefix(r.Repository, "library/")
	}
	return r.Repository
}

package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
)

// dockerHubRegistries are the names Docker Hub's images are pulled by.
var dockerHubRegistries = map[string]bool{
	"":                     true,
	"docker.io":            true,
	"index.docker.io":      true,
	"registry-1.docker.io": true,
}

// officialImage returns the short name of a Docker Hub official image
// ("ubuntu" for ubuntu, library/ubuntu, docker.io/library/ubuntu and the
// well-known mirrors of the library), or false for any other image.
func officialImage(ref dockerfile.ImageRef) (string, bool) {
	reg := strings.ToLower(ref.Registry)
	repo := ref.Repository
	switch {
	case dockerHubRegistries[reg]:
		repo = strings.TrimPrefix(repo, "library/")
	case reg == "public.ecr.aws" && strings.HasPrefix(repo, "docker/library/"):
		repo = strings.TrimPrefix(repo, "docker/library/")
	case reg == "mirror.gcr.io" && strings.HasPrefix(repo, "library/"):
		repo = strings.TrimPrefix(repo, "library/")
	default:
		return "", false
	}
	if repo == "" || strings.Contains(repo, "/") {
		return "", false
	}
	return strings.ToLower(repo), true
}

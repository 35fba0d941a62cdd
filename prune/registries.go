package prune

import (
	"fmt"
	"strings"
)

// DeleteSupport says how a registry host deletes, as far as hoist knows
// before asking it: "" (the OCI distribution API, DELETE by digest; the
// registry may still refuse with 405, which Apply explains), or why hoist
// cannot delete there and what to do instead.
func DeleteSupport(host string) string {
	h := strings.ToLower(host)
	switch {
	case h == "docker.io" || h == "index.docker.io" || h == "registry-1.docker.io":
		return "Docker Hub's registry API does not delete manifests or tags (it answers DELETE with 405 UNSUPPORTED), and hoist does not call Docker Hub's own API (hub.docker.com) yet: " +
			"delete on hub.docker.com (or with its API: DELETE /v2/namespaces/NAMESPACE/repositories/NAME/tags/TAG with a personal access token), or plan with hoist prune (without --apply) and feed the plan's tags to that API"
	case strings.HasSuffix(h, ".amazonaws.com") && strings.Contains(h, ".dkr.ecr."):
		return "Amazon ECR deletes through its own API (BatchDeleteImage), not the registry API, and hoist does not call it yet: " +
			"plan with hoist prune --format json and pass the digests to `aws ecr batch-delete-image`, or use an ECR lifecycle policy"
	case h == "public.ecr.aws":
		return "Amazon ECR Public deletes through its own API (aws ecr-public batch-delete-image), which hoist does not call yet: plan with hoist prune --format json and pass the digests to it"
	}
	return ""
}

// unsupportedHint is what to do when host answered a DELETE with 405 or
// UNSUPPORTED.
func unsupportedHint(host string) string {
	if s := DeleteSupport(host); s != "" {
		return s
	}
	h := strings.ToLower(host)
	switch {
	case h == "quay.io" || strings.HasSuffix(h, ".quay.io"):
		return "Quay deletes tags through its API (DELETE /api/v1/repository/NAMESPACE/NAME/tag/TAG) or its tag expiration; its registry API deletes only when the repository allows it"
	case strings.HasSuffix(h, ".azurecr.io"):
		return "Azure Container Registry refuses deletes on locked manifests or repositories (az acr repository update --delete-enabled true) and for tokens without the delete permission"
	case strings.HasSuffix(h, "pkg.dev") || h == "gcr.io" || strings.HasSuffix(h, ".gcr.io"):
		return "Artifact Registry deletes through the registry API for principals with artifactregistry.versions.delete (roles/artifactregistry.repoAdmin); check the token's role and any immutable-tags setting"
	}
	return fmt.Sprintf("if %s is a distribution registry (registry:2, Harbor, Zot...), enable deletes in its config (distribution: storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true; Harbor: the robot account needs delete permission)", host)
}

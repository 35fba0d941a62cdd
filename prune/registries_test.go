package prune

import (
	"strings"
	"testing"
)

func TestDeleteSupport(t *testing.T) {
	for host, want := range map[string]string{
		"docker.io":       "Docker Hub's registry API does not delete",
		"index.docker.io": "Docker Hub",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "BatchDeleteImage",
		"public.ecr.aws":        "ecr-public batch-delete-image",
		"ghcr.io":               "",
		"127.0.0.1:5000":        "",
		"europe-docker.pkg.dev": "",
	} {
		got := DeleteSupport(host)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("DeleteSupport(%s) = %q, want %q", host, got, want)
		}
	}
	for host, want := range map[string]string{
		"quay.io":               "/api/v1/repository",
		"acme.azurecr.io":       "delete-enabled",
		"europe-docker.pkg.dev": "artifactregistry.versions.delete",
		"127.0.0.1:5000":        "storage.delete.enabled: true",
		"docker.io":             "hub.docker.com",
	} {
		if got := unsupportedHint(host); !strings.Contains(got, want) {
			t.Errorf("unsupportedHint(%s) = %q, want %q", host, got, want)
		}
	}
}

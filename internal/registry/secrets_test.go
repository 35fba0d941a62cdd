package registry

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	docker := filepath.Join(dir, "docker")
	if err := os.MkdirAll(docker, 0o755); err != nil {
		t.Fatal(err)
	}
	auth := base64.StdEncoding.EncodeToString([]byte("user:s3cret"))
	write := func(path, content string) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(docker, "config.json"), `{"auths": {"r.example": {"auth": "`+auth+`"}, "ghcr.io": {"identitytoken": "idtok", "registrytoken": "regtok"}}, "credsStore": "none"}`)
	podman := filepath.Join(dir, "auth.json")
	write(podman, `{"auths": {"quay.io": {"username": "u", "password": "pw\nline2"}, "bad": {"auth": "%%%"}}}`)
	t.Setenv("DOCKER_CONFIG", docker)
	t.Setenv("REGISTRY_AUTH_FILE", podman)
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(dir, "none"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "none"))
	t.Setenv("HOME", filepath.Join(dir, "home"))
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_TOKEN", "ghs_token")

	got := map[string]bool{}
	for _, s := range Secrets() {
		got[s] = true
	}
	want := map[string]bool{auth: true, "s3cret": true, "idtok": true, "regtok": true, "pw\nline2": true, "%%%": true, "ghs_token": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("secrets %v, want %v", got, want)
	}

	t.Setenv("GITHUB_ACTIONS", "")
	write(podman, "not json")
	got = map[string]bool{}
	for _, s := range Secrets() {
		got[s] = true
	}
	if got["ghs_token"] || got["pw\nline2"] || !got["s3cret"] {
		t.Errorf("outside Actions, with an invalid podman file: %v", got)
	}
}

package registry

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// Secrets returns the registry credentials hoist may send that can be read
// without running a credential helper: the passwords and tokens of
// docker's config.json ($DOCKER_CONFIG/config.json, else
// ~/.docker/config.json) and of podman's auth.json files, and GITHUB_TOKEN
// when it is lent to ghcr.io (GITHUB_ACTIONS=true). The CLI masks them in
// GitHub Actions logs; unreadable or invalid files are skipped here (using
// them reports the error).
func Secrets() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	files := []string{}
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		files = append(files, filepath.Join(d, "config.json"))
	} else if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".docker", "config.json"))
	}
	files = append(files, podmanAuthFiles()...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var af struct {
			Auths map[string]struct {
				authEntry
				RegistryToken string `json:"registrytoken"`
			} `json:"auths"`
		}
		if json.Unmarshal(b, &af) != nil {
			continue
		}
		for _, e := range af.Auths {
			add(e.Auth)
			if cfg, err := e.config(); err == nil {
				add(cfg.Password)
				add(cfg.IdentityToken)
			}
			add(e.RegistryToken)
		}
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		add(os.Getenv("GITHUB_TOKEN"))
	}
	return out
}

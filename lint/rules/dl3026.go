package rules

import (
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

var DL3026 = register(&lint.Rule{
	ID:       "DL3026",
	Name:     "trusted-registry",
	Severity: lint.Error,
	Summary:  "Use only an allowed registry in the FROM image",
	Rationale: "With `trustedRegistries` configured, every base image must come from one of them, " +
		"so that no build pulls code from a registry the organisation has not vetted. With the list " +
		"empty the rule is silent.\n\n" +
		"As in hadolint, an image without a registry (`ubuntu`, `acme/app`) is on Docker Hub, which " +
		"is trusted when the list names it as `docker.io`, `hub.docker.com`, `index.docker.io` or " +
		"`registry-1.docker.io` (hoist treats all four spellings as one registry, on both sides); " +
		"entries may be `*` (anything), `*.example.com` (a suffix) or `registry.example*` (a prefix). " +
		"`scratch` and earlier stages are not images. ARG defaults are expanded first; an image " +
		"naming an ARG without a default is not guessed.\n\n" +
		"hoist also checks `COPY --from=IMAGE` with a constant image reference: it pulls an image " +
		"just as FROM does, and hadolint lets it through.",
	Bad:           "FROM quay.io/acme/base:1.4\n",
	Good:          "FROM ghcr.io/acme/base:1.4\n",
	ExampleConfig: "trustedRegistries:\n  - ghcr.io\n",
	Run: func(p *lint.Pass) {
		trusted := p.Config.TrustedRegistries
		if len(trusted) == 0 {
			return
		}
		list := strings.Join(trusted, ", ")
		for _, s := range p.File.Stages {
			if img, ok := s.Image(); ok && !registryTrusted(img.Registry, trusted) {
				p.Reportf(s.BaseWord().Range, "Use only an allowed registry in the FROM image (%s is from %s, not one of the trusted registries: %s)",
					s.Base, registryName(img), list)
			}
			for _, in := range s.Instructions {
				if in.Name != "copy" {
					continue
				}
				fl, ok := in.Flag("from")
				if !ok || fl.Value == "" || len(dockerfile.VarRefs(fl.Value, p.File.EscapeToken)) > 0 || p.File.FindStage(fl.Value, s.Index) != nil {
					continue
				}
				if isDigits(fl.Value) || strings.EqualFold(fl.Value, "scratch") {
					continue // a stage index, even a wrong one, is not an image
				}
				img := dockerfile.ParseImageRef(fl.Value)
				if registryTrusted(img.Registry, trusted) {
					continue
				}
				p.Reportf(fl.Range, "Use only an allowed registry in the FROM image (COPY --from=%s pulls from %s, not one of the trusted registries: %s)",
					fl.Value, registryName(img), list)
			}
		}
	},
})

func registryName(img dockerfile.ImageRef) string {
	if img.Registry == "" {
		return "docker.io"
	}
	return img.Registry
}

// dockerHubSpellings are the spellings of Docker Hub's registry in image
// references and in trusted-registry lists.
var dockerHubSpellings = []string{"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"}

func isDockerHub(registry string) bool {
	registry = strings.ToLower(registry)
	for _, h := range dockerHubSpellings {
		if registry == h {
			return true
		}
	}
	return false
}

// registryMatches is hadolint's pattern match: "*" matches all,
// "*.example.com" a suffix, "registry.example*" a prefix, anything else the
// exact host (case-insensitive: host names are).
func registryMatches(pattern, registry string) bool {
	pattern = strings.ToLower(strings.TrimSpace(pattern))
	registry = strings.ToLower(registry)
	switch {
	case pattern == "":
		return false
	case pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(registry, pattern[1:])
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(registry, pattern[:len(pattern)-1])
	}
	return registry == pattern
}

// registryTrusted checks registry against the trusted list; Docker Hub is
// trusted under any of its spellings.
func registryTrusted(registry string, trusted []string) bool {
	candidates := []string{registry}
	if registry == "" || isDockerHub(registry) {
		candidates = dockerHubSpellings
	}
	for _, p := range trusted {
		for _, c := range candidates {
			if registryMatches(p, c) {
				return true
			}
		}
	}
	return false
}

package tag

import (
	"strings"
	"time"

	"github.com/hoistci/hoist/internal/policy"
)

// LabelInfo is what the OCI labels say besides the git facts.
type LabelInfo struct {
	Version     string
	Created     time.Time
	Title       string
	Description string
	Licenses    string
	// SourceURL is the repository's web address (GITHUB_SERVER_URL/
	// GITHUB_REPOSITORY, CI_PROJECT_URL); "" leaves source and url out.
	SourceURL string
}

// Labels are the org.opencontainers.image.* labels (and, with the same
// keys, manifest annotations) for an image built from the facts, as
// metadata-action sets them: created, version, revision, source, url,
// title, description, licenses; empty values are left out.
func Labels(g *policy.Git, li LabelInfo) map[string]string {
	out := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			out["org.opencontainers.image."+k] = v
		}
	}
	if !li.Created.IsZero() {
		set("created", li.Created.UTC().Format(time.RFC3339))
	}
	set("version", li.Version)
	if g != nil {
		set("revision", g.SHA)
	}
	set("source", li.SourceURL)
	set("url", li.SourceURL)
	title := li.Title
	if title == "" && g != nil && g.Repository != "" {
		title = g.Repository[strings.LastIndex(g.Repository, "/")+1:]
	}
	set("title", title)
	set("description", li.Description)
	set("licenses", li.Licenses)
	return out
}

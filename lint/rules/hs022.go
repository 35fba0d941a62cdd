package rules

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/lint"
)

var HS022 = register(&lint.Rule{
	ID:       "HS022",
	Name:     "add-url-without-checksum",
	Severity: lint.Warning,
	Summary:  "ADD of a remote URL without --checksum: the download is not verified",
	Rationale: "`ADD https://example.com/tool.tar.gz /opt/` takes whatever the server returns when the " +
		"build runs: a changed, truncated or tampered file goes into the image without notice, and two " +
		"builds of the same Dockerfile can differ. `ADD --checksum=sha256:<digest> <url> <dest>` (Dockerfile " +
		"syntax 1.6 and later) makes the build fail when the file is not the one you recorded. For a git " +
		"source (`https://host/repo.git#ref`, `git@host:repo.git`) a branch or tag can move: the rule is " +
		"silent when the ref is a full commit hash, or when `--checksum` (or `?checksum=`) names the " +
		"commit, which BuildKit then verifies. ADD of a local file is not this rule's business (see DL3020).",
	Bad:  "FROM debian:12\nADD https://example.com/tool-1.2.3.tar.gz /opt/\n",
	Good: "FROM debian:12\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.2.3.tar.gz /opt/\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			c, ok := in.Typed.(*instructions.AddCommand)
			if !ok {
				continue
			}
			checksum := c.Checksum
			if fl, ok := in.Flag("checksum"); ok && fl.Value != "" {
				checksum = fl.Value
			}
			words := in.Words()
			used := map[int]bool{}
			for _, src := range c.SourcePaths {
				at := sourceRange(in, words, used, src)
				url := src
				if strings.Contains(src, "$") {
					url = p.File.Scopes().Before(in).Expand(src).Result
				}
				if msg := remoteSourceProblem(url, checksum != ""); msg != "" {
					p.Report(at, msg)
				}
			}
		}
	},
})

// remoteSourceProblem returns the finding for an ADD source, or "".
func remoteSourceProblem(src string, hasChecksum bool) string {
	if ref, ok := parseGitSource(src); ok {
		if hasChecksum || ref.checksum != "" || isCommitHash(ref.ref) {
			return ""
		}
		what := "its default branch"
		if ref.ref != "" {
			what = fmt.Sprintf("`%s`, a branch or tag that can move", ref.ref)
		}
		return fmt.Sprintf("ADD of a git repository without a pinned commit: %s is fetched at %s; pin a commit "+
			"(`%s#<commit sha>`) or add `--checksum=<commit sha>` so the build verifies it", display(ref.remote, 80), what, display(ref.remote, 80))
	}
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return ""
	}
	if hasChecksum {
		return ""
	}
	return fmt.Sprintf("ADD of a remote URL without --checksum: %s is downloaded unverified at build time; add "+
		"`--checksum=sha256:<digest of the file>` so the build fails when the file changes", display(src, 100))
}

// isCommitHash reports whether a git ref is a full commit hash (SHA-1 or SHA-256).
func isCommitHash(ref string) bool {
	if len(ref) != 40 && len(ref) != 64 {
		return false
	}
	for i := 0; i < len(ref); i++ {
		if !isHex(ref[i]) {
			return false
		}
	}
	return true
}

// gitSource is a git source of ADD as BuildKit reads it
// (frontend/dockerfile/dfgitutil): REMOTE[?query][#ref[:subdir]].
type gitSource struct {
	remote, ref, checksum string
}

var scpLike = regexp.MustCompile(`^[A-Za-z0-9_.+-]+@[A-Za-z0-9.-]+:`)

// parseGitSource recognises git sources: git://, ssh://, user@host:path,
// and http(s) URLs whose path ends in .git.
func parseGitSource(src string) (gitSource, bool) {
	rest, frag, _ := strings.Cut(src, "#")
	remote, query, _ := strings.Cut(rest, "?")
	switch {
	case strings.HasPrefix(remote, "git://"), strings.HasPrefix(remote, "ssh://"), scpLike.MatchString(remote):
	case strings.HasPrefix(remote, "http://"), strings.HasPrefix(remote, "https://"):
		if !strings.HasSuffix(remote, ".git") {
			return gitSource{}, false
		}
	default:
		return gitSource{}, false
	}
	g := gitSource{remote: remote}
	g.ref, _, _ = strings.Cut(frag, ":")
	if q, err := url.ParseQuery(query); err == nil {
		for _, k := range []string{"ref", "tag", "branch"} {
			if v := q.Get(k); v != "" && g.ref == "" {
				g.ref = v
			}
		}
		for _, k := range []string{"checksum", "commit"} {
			if v := q.Get(k); v != "" {
				g.checksum = v
			}
		}
	}
	return g, true
}

package rules

import (
	"regexp"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// archiveExtensions are hadolint's archive suffixes: a local file ending
// in one of them is one ADD would extract.
var archiveExtensions = []string{
	".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz", ".tpz", ".txz", ".xz",
}

var DL3020 = register(&lint.Rule{
	ID:       "DL3020",
	Name:     "copy-instead-of-add",
	Severity: lint.Error,
	Summary:  "Use COPY instead of ADD for files and folders",
	Rationale: "ADD does more than copy: it downloads URLs, clones Git repositories and unpacks local tar " +
		"archives. For plain files and folders COPY does the same with no surprise (a file that happens to " +
		"be a tar archive is not unpacked). ADD is fine when every source is an http(s) URL, a Git " +
		"reference (`https://github.com/org/repo.git#v1`, `git@host:org/repo`) or a local archive with " +
		"one of hadolint's archive extensions (.tar, .gz, .tgz, .bz2, .xz, ...; .zip is not unpacked by " +
		"ADD), and with `--checksum` or `--keep-git-dir`, which only apply to remote sources. Sources " +
		"given by a variable without a known value are not guessed.",
	Bad:  "FROM alpine:3.20\nADD app.conf /etc/app/\n",
	Good: "FROM alpine:3.20\nCOPY app.conf /etc/app/\nADD rootfs.tar.gz /\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			add, ok := in.Typed.(*instructions.AddCommand)
			if !ok || in.Stage == nil || add.Checksum != "" || add.KeepGitDir != nil {
				continue
			}
			sc := p.File.Scopes().Before(in)
			var plain string
			for _, src := range add.SourcePaths {
				if addSourceOK(src, sc) {
					continue
				}
				plain = src
				break
			}
			if plain == "" && len(add.SourceContents) > 0 {
				plain = "<<" + add.SourceContents[0].Path
			}
			if plain == "" {
				continue
			}
			p.Reportf(in.KeywordRange(), "Use COPY instead of ADD for files and folders (%s is neither a URL, a Git repository nor a tar archive to extract)", plain)
		}
	},
})

// addSourceOK reports whether an ADD source needs ADD (URL, Git, archive)
// or cannot be known.
func addSourceOK(src string, sc *dockerfile.Scope) bool {
	if needsAdd(dropQuotes(src)) {
		return true
	}
	if !strings.Contains(src, "$") {
		return false
	}
	e := sc.Expand(src)
	return !e.Known() || needsAdd(e.Result)
}

func needsAdd(src string) bool {
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		return true
	}
	if isGitSource(src) {
		return true
	}
	for _, ext := range archiveExtensions {
		if strings.HasSuffix(src, ext) {
			return true
		}
	}
	return false
}

// scpGitRe is BuildKit's scp-style Git URL (git@github.com:org/repo.git).
var scpGitRe = regexp.MustCompile(`^([a-zA-Z0-9-_]+)@([a-zA-Z0-9-.]+):(.*?)(?:\?(.*?))?(?:#(.*))?$`)

// isGitSource mirrors BuildKit's Git source detection for ADD (dfgitutil.ParseGitRef,
// which hoist cannot import without more dependencies): git:// and ssh:// URLs,
// scp-style user@host:path, and the deprecated github.com/ prefix. http(s) URLs
// are accepted by the caller anyway.
func isGitSource(src string) bool {
	lower := strings.ToLower(src)
	for _, p := range []string{"git://", "ssh://", "github.com/"} {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return !strings.Contains(src, "://") && scpGitRe.MatchString(src)
}

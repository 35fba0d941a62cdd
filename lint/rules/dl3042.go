package rules

import (
	"regexp"
	"strings"

	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3042 = register(&lint.Rule{
	ID:       "DL3042",
	Name:     "pip-no-cache-dir",
	Severity: lint.Warning,
	Summary:  "Avoid use of cache directory with pip",
	Rationale: "pip keeps every downloaded archive and built wheel in ~/.cache/pip; in an image that cache is dead " +
		"weight in the layer, often tens of megabytes. Pass `--no-cache-dir`, or keep the cache out of the image " +
		"with a BuildKit cache mount (`RUN --mount=type=cache,target=/root/.cache/pip`), which also makes " +
		"rebuilds faster. PIP_NO_CACHE_DIR set by ENV, ARG or in the RUN counts, with any value pip accepts: " +
		"pip turns the cache off for `0` and `false` too (for backward compatibility), so unlike hadolint those " +
		"are not reported. Removing the cache later in the same RUN (`pip cache purge`, `rm -rf ~/.cache/pip`) " +
		"counts as well. Unlike hadolint, only stages whose layers end up in the image are checked: the last " +
		"stage and the stages it is built FROM (a builder stage whose site-packages are copied out leaves its " +
		"cache behind, and so does a stage that only builder stages are built on).",
	Bad:  "FROM python:3.12-slim\nRUN pip install flask==3.0.3\n",
	Good: "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3\n",
	Fix:  "adds --no-cache-dir after `pip install`",
	Run: func(p *lint.Pass) {
		for _, s := range shippedScripts(p) {
			if pipNoCacheEnv(p, s) || cacheMounted(s, pipCacheDirs(p, s), "pip") || homeCacheMounted(s) {
				continue
			}
			var pending []toolCall
			for _, raw := range s.Commands {
				c := raw.Unwrap()
				if tc, ok := pipCall(s, c, "install"); ok {
					if !tc.HasFlag("--no-cache-dir") {
						pending = append(pending, tc)
					}
					continue
				}
				if pipCachePurged(s, c) {
					pending = nil
				}
			}
			for _, tc := range pending {
				reportNoCacheDir(p, tc)
			}
		}
	},
})

func reportNoCacheDir(p *lint.Pass, tc toolCall) {
	msg := "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>` (or a cache mount on /root/.cache/pip)"
	var fix *lint.Fix
	// A --cache-dir the user chose is left alone: the two options fight.
	if !tc.HasFlag("--cache-dir") {
		fix = optionFix(p, tc.Command, tc.Sub, "--no-cache-dir")
	}
	p.ReportFix(tc.Span(), msg, fix)
}

var pipNoCacheAssign = regexp.MustCompile(`PIP_NO_CACHE_DIR=["']?([A-Za-z0-9]*)`)

// pipNoCacheEnv reports whether PIP_NO_CACHE_DIR is set for the RUN:
// by ENV or ARG in scope, or in the script (NAME=value prefix, export, env).
func pipNoCacheEnv(p *lint.Pass, s *shellscript.Script) bool {
	if sc := p.File.Scopes().Before(s.Instruction); sc != nil {
		if v, ok := sc.Lookup("PIP_NO_CACHE_DIR"); ok && (!v.Known || pipBool(v.Value)) {
			return true
		}
	}
	for _, m := range pipNoCacheAssign.FindAllStringSubmatch(s.Source, -1) {
		if pipBool(m[1]) {
			return true
		}
	}
	return false
}

// pipCacheDirs are where pip's cache may be: root's, and PIP_CACHE_DIR.
func pipCacheDirs(p *lint.Pass, s *shellscript.Script) []string {
	dirs := []string{"/root/.cache/pip"}
	if sc := p.File.Scopes().Before(s.Instruction); sc != nil {
		if v, ok := sc.Lookup("PIP_CACHE_DIR"); ok && v.Known && strings.HasPrefix(v.Value, "/") {
			dirs = append(dirs, v.Value)
		}
	}
	return dirs
}

// pipCachePurged reports a command that empties pip's cache.
func pipCachePurged(s *shellscript.Script, c *shellscript.Command) bool {
	if tc, ok := pipCall(s, c, "cache"); ok {
		ops := tc.Ops(nil)
		return len(ops) > 0 && (ops[0].Value == "purge" || ops[0].Value == "remove")
	}
	if !c.Is("rm") || !c.HasFlag("-r", "-R", "--recursive") {
		return false
	}
	for _, a := range c.Positional() {
		d := shellDir(a.Value)
		if strings.HasSuffix(d, "/.cache/pip") || strings.HasSuffix(d, "/.cache") {
			return true
		}
	}
	return false
}

// pipBool reports whether an environment value is one pip reads as a
// boolean (pip turns the cache off for any of them, "0" and "false"
// included, for backward compatibility).
func pipBool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "0", "true", "false", "yes", "no", "on", "off", "y", "n", "t", "f":
		return true
	}
	return false
}

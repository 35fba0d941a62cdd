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
		"counts as well. As hadolint does for DL3060 (not for this rule), only stages that end up in an image are " +
		"checked: the last stage and the stages others are built FROM; a builder stage whose site-packages are " +
		"copied out leaves its cache behind.",
	Bad:  "FROM python:3.12-slim\nRUN pip install flask==3.0.3\n",
	Good: "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3\n",
	Fix:  "adds --no-cache-dir after `pip install`",
	Run: func(p *lint.Pass) {
		kept := pkgKeptStages(p.File)
		for _, s := range scripts(p) {
			if s.Skipped != "" || !pkgShipped(kept, s) {
				continue
			}
			if pkgPipNoCacheEnv(p, s) || pkgCacheMount(s, pkgPipCacheDirs(p, s), "pip") || pkgHomeCacheMount(s) {
				continue
			}
			var pending []pkgCall
			for _, raw := range s.Commands {
				c := raw.Unwrap()
				if pc, ok := pkgPip(s, c, "install"); ok {
					if !pc.HasFlag("--no-cache-dir") {
						pending = append(pending, pc)
					}
					continue
				}
				if pkgPipCachePurged(s, c) {
					pending = nil
				}
			}
			for _, pc := range pending {
				pkgReportNoCacheDir(p, pc)
			}
		}
	},
})

func pkgReportNoCacheDir(p *lint.Pass, pc pkgCall) {
	msg := "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>` (or a cache mount on /root/.cache/pip)"
	var fix *lint.Fix
	sub := pc.Sub
	// A --cache-dir the user chose is left alone: the two options fight.
	if !pc.HasFlag("--cache-dir") && pkgSourceIs(p.File, sub.Range, sub.Raw) {
		text := " --no-cache-dir"
		if pc.Call == nil { // exec form: a JSON array
			text = `, "--no-cache-dir"`
		}
		fix = &lint.Fix{Description: "add --no-cache-dir", Edits: []lint.Edit{lint.Insert(afterWord(sub), text)}}
	}
	p.ReportFix(pc.Span(), msg, fix)
}

var pkgPipNoCacheAssign = regexp.MustCompile(`PIP_NO_CACHE_DIR=["']?([A-Za-z0-9]*)`)

// pkgPipNoCacheEnv reports whether PIP_NO_CACHE_DIR is set for the RUN:
// by ENV or ARG in scope, or in the script (NAME=value prefix, export, env).
func pkgPipNoCacheEnv(p *lint.Pass, s *shellscript.Script) bool {
	if sc := p.File.Scopes().Before(s.Instruction); sc != nil {
		if v, ok := sc.Lookup("PIP_NO_CACHE_DIR"); ok && (!v.Known || pkgTruthy(v.Value)) {
			return true
		}
	}
	for _, m := range pkgPipNoCacheAssign.FindAllStringSubmatch(s.Source, -1) {
		if pkgTruthy(m[1]) {
			return true
		}
	}
	return false
}

// pkgPipCacheDirs are where pip's cache may be: root's, and PIP_CACHE_DIR.
func pkgPipCacheDirs(p *lint.Pass, s *shellscript.Script) []string {
	dirs := []string{"/root/.cache/pip"}
	if sc := p.File.Scopes().Before(s.Instruction); sc != nil {
		if v, ok := sc.Lookup("PIP_CACHE_DIR"); ok && v.Known && strings.HasPrefix(v.Value, "/") {
			dirs = append(dirs, v.Value)
		}
	}
	return dirs
}

// pkgHomeCacheMount reports a cache mount on a home's .cache directory
// (/home/app/.cache), where pip of a non-root user keeps its cache.
func pkgHomeCacheMount(s *shellscript.Script) bool {
	for _, m := range s.Mounts {
		if (m.Type == "cache" || m.Type == "tmpfs") && strings.HasSuffix(pkgCleanPath(m.Target), "/.cache") {
			return true
		}
	}
	return false
}

// pkgPipCachePurged reports a command that empties pip's cache.
func pkgPipCachePurged(s *shellscript.Script, c *shellscript.Command) bool {
	if pc, ok := pkgPip(s, c, "cache"); ok {
		ops := pc.Ops(nil, false)
		return len(ops) > 0 && (ops[0].Value == "purge" || ops[0].Value == "remove")
	}
	if !c.Is("rm") || !c.HasFlag("-r", "-R", "--recursive") {
		return false
	}
	for _, a := range c.Positional() {
		d := pkgCleanPath(a.Value)
		if strings.HasSuffix(d, "/.cache/pip") || strings.HasSuffix(d, "/.cache") {
			return true
		}
	}
	return false
}

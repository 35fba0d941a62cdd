package rules

import (
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

var DL3060 = register(&lint.Rule{
	ID:       "DL3060",
	Name:     "yarn-cache-clean",
	Severity: lint.Info,
	Summary:  "`yarn cache clean` missing after `yarn install` was run",
	Rationale: "yarn keeps a copy of every package it installs in its cache (/usr/local/share/.cache/yarn in the " +
		"node images); left in the layer it is dead weight, often as big as node_modules itself. End the RUN " +
		"with `yarn cache clean`, or keep the cache out of the image with a BuildKit cache mount on the yarn " +
		"cache. As in hadolint, only stages that end up in an image are checked: the last stage and the stages " +
		"others are built FROM (a build stage whose files are only copied out does not matter). Besides " +
		"`yarn install`, `yarn` alone, `yarn add` and `yarn global add` are checked.",
	Bad:  "FROM node:20-slim\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n",
	Good: "FROM node:20-slim\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile && yarn cache clean\n",
	Run: func(p *lint.Pass) {
		kept := pkgKeptStages(p.File)
		for _, s := range scripts(p) {
			if s.Skipped != "" || !pkgShipped(kept, s) {
				continue
			}
			if pkgCacheMount(s, pkgYarnCacheDirs, "yarn") || pkgHomeCacheMount(s) {
				continue
			}
			pc, ok := pkgCleanup(s,
				func(c *shellscript.Command) (pkgCall, bool) { return pkgYarnInstall(s, c) },
				func(c *shellscript.Command) bool {
					if pc, ok := pkgCallOf(s, c, []string{"yarn"}, []string{"cache"}, pkgYarnValue); ok {
						ops := pc.Ops(pkgYarnValue, false)
						return len(ops) > 0 && ops[0].Value == "clean"
					}
					return pkgRemoves(c, pkgYarnCacheDirs...)
				})
			if ok {
				p.Report(pc.Span(), "`yarn cache clean` missing after `yarn install` was run (end this RUN with `yarn cache clean`, or use a cache mount on the yarn cache)")
			}
		}
	},
})

// pkgYarnCacheDirs are where yarn keeps its cache: classic yarn as root
// in the node images, XDG, and yarn berry's global cache.
var pkgYarnCacheDirs = []string{"/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn/berry/cache", "/root/.yarn-cache"}

// pkgYarnValue are yarn options that take a separate value.
var pkgYarnValue = pkgFlags("--cwd", "--modules-folder", "--cache-folder", "--global-folder", "--mutex",
	"--network-concurrency", "--network-timeout", "--registry", "--use-yarnrc", "--link-folder", "--preferred-cache-folder")

// pkgYarnInstall returns c as a yarn call that fills the cache: `yarn
// install`, `yarn` alone, `yarn add`, `yarn global add`.
func pkgYarnInstall(s *shellscript.Script, c *shellscript.Command) (pkgCall, bool) {
	if !c.Is("yarn") {
		return pkgCall{}, false
	}
	pc, ok := pkgSubcommand(s, c, c.NameWord, pkgYarnValue)
	if !ok {
		// `yarn` alone installs, `yarn --version` does not.
		if len(pkgOperands(c.Args, pkgYarnValue, false)) > 0 || c.HasFlag("-v", "--version", "-h", "--help") {
			return pkgCall{}, false
		}
		return pkgCall{Command: c, Script: s, Head: c.NameWord, Sub: c.NameWord, SubIdx: -1}, true
	}
	switch pc.Sub.Value {
	case "install", "add":
		return pc, true
	case "global":
		ops := pc.Ops(pkgYarnValue, false)
		if len(ops) > 0 && ops[0].Value == "add" {
			return pc, true
		}
	}
	return pkgCall{}, false
}

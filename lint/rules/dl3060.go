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
		"cache. Only stages whose layers end up in the image are checked: the last stage and the stages it is " +
		"built FROM (a build stage whose files are only copied out does not matter, nor a stage that only build " +
		"stages are built on, which hadolint would check). Besides " +
		"`yarn install`, `yarn` alone, `yarn add` and `yarn global add` are checked.",
	Bad:  "FROM node:20-slim\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n",
	Good: "FROM node:20-slim\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile && yarn cache clean\n",
	Run: func(p *lint.Pass) {
		for _, s := range shippedScripts(p) {
			if cacheMounted(s, yarnCacheDirs, "yarn") || homeCacheMounted(s) {
				continue
			}
			tc, ok := uncleanedUse(s,
				func(c *shellscript.Command) (toolCall, bool) { return yarnInstall(s, c) },
				func(c *shellscript.Command) bool {
					if tc, ok := callOf(s, c, []string{"yarn"}, []string{"cache"}, yarnOptions); ok {
						ops := tc.Ops(yarnOptions)
						return len(ops) > 0 && ops[0].Value == "clean"
					}
					return removesDir(c, yarnCacheDirs...)
				})
			if ok {
				p.Report(tc.Span(), "`yarn cache clean` missing after `yarn install` was run (end this RUN with `yarn cache clean`, or use a cache mount on the yarn cache)")
			}
		}
	},
})

// yarnCacheDirs are where yarn keeps its cache: classic yarn as root
// in the node images, XDG, and yarn berry's global cache.
var yarnCacheDirs = []string{"/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn/berry/cache", "/root/.yarn-cache"}

// yarnOptions are yarn options that take a separate value.
var yarnOptions = shellscript.NewValueFlags("--cwd", "--modules-folder", "--cache-folder", "--global-folder", "--mutex",
	"--network-concurrency", "--network-timeout", "--registry", "--use-yarnrc", "--link-folder", "--preferred-cache-folder")

// yarnInstall returns c as a yarn call that fills the cache: `yarn
// install`, `yarn` alone, `yarn add`, `yarn global add`.
func yarnInstall(s *shellscript.Script, c *shellscript.Command) (toolCall, bool) {
	if !c.Is("yarn") {
		return toolCall{}, false
	}
	tc, ok := subcommandCall(s, c, c.NameWord, yarnOptions)
	if !ok {
		// `yarn` alone installs, `yarn --version` does not.
		if len(c.Operands(yarnOptions)) > 0 || c.HasFlag("-v", "--version", "-h", "--help") {
			return toolCall{}, false
		}
		return toolCall{Command: c, Script: s, Head: c.NameWord, Sub: c.NameWord, SubIdx: -1}, true
	}
	switch tc.Sub.Value {
	case "install", "add":
		return tc, true
	case "global":
		ops := tc.Ops(yarnOptions)
		if len(ops) > 0 && ops[0].Value == "add" {
			return tc, true
		}
	}
	return toolCall{}, false
}

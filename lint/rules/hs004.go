package rules

import (
	"fmt"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// depInstall is a dependency install found in a RUN: a command that exists to
// download what a manifest declares, or a build that downloads it as it goes.
type depInstall struct {
	in      *dockerfile.Instruction
	eco     ecosystem
	command string // as written, for messages
	cwd     string // the directory it runs in; "?" when unknown
	line    int    // where the command starts
}

// ecosystem is what a recognised install needs: its ecosystem and the files
// to copy before it.
type ecosystem struct {
	key       string   // ecosystem: "npm", "pip", ...
	manifests string   // the files to copy first, for messages
	patterns  []string // names (globs) of those files
	// implicit is set for builds that download as they go (go build, cargo
	// build, mvn package, gradle build, dotnet publish): download names the
	// explicit download step to run after copying the manifests, cache the
	// part of a cache mount target that makes the downloads cheap.
	implicit bool
	download string
	cache    string
	// dir is the directory the command is told to work in (npm --prefix,
	// go -C, composer -d, ...), relative to where it runs.
	dir string
}

// positionals returns the arguments that are not flags, skipping the
// values of the flags in valued (given without '=').
func positionals(args []string, valued ...string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			for _, v := range valued {
				if a == v && i+1 < len(args) {
					i++
					break
				}
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

func hasFlag(args []string, flags ...string) bool {
	for _, a := range args {
		for _, f := range flags {
			if a == f {
				return true
			}
		}
	}
	return false
}

// flagArg returns the value of a flag given as `--flag value`,
// `--flag=value` or, for a short flag, `-fvalue`.
func flagArg(args []string, flags ...string) (string, bool) {
	for i, a := range args {
		for _, f := range flags {
			switch {
			case a == f && i+1 < len(args):
				return args[i+1], true
			case strings.HasPrefix(f, "--") && strings.HasPrefix(a, f+"="):
				return a[len(f)+1:], true
			case len(f) == 2 && !strings.HasPrefix(a, "--") && strings.HasPrefix(a, f) && len(a) > 2:
				return strings.TrimPrefix(a[2:], "="), true
			}
		}
	}
	return "", false
}

// isPackageInstall reports whether args (after the tool name) are a bare
// install from the manifest: one of the install subcommands and no package
// names, not global (`npm install -g pm2` installs a tool, not the project's
// dependencies).
func isPackageInstall(args []string, subs []string, valued ...string) bool {
	pos := positionals(args, valued...)
	if len(pos) == 0 {
		return false
	}
	ok := false
	for _, s := range subs {
		if pos[0] == s {
			ok = true
		}
	}
	return ok && len(pos) == 1 && !hasFlag(args, "-g", "--global")
}

var nodeValuedFlags = []string{"--prefix", "--cache", "--registry", "--omit", "--include", "--loglevel", "-w", "--workspace", "--userconfig", "--cwd", "--dir", "-C", "--filter", "--network-timeout", "--modules-folder", "--cache-folder", "--mutex"}

var (
	npmEco      = ecosystem{key: "npm", manifests: "package.json + package-lock.json", patterns: []string{"package.json", "package-lock.json", "npm-shrinkwrap.json"}}
	yarnEco     = ecosystem{key: "yarn", manifests: "package.json + yarn.lock", patterns: []string{"package.json", "yarn.lock"}}
	pnpmEco     = ecosystem{key: "pnpm", manifests: "package.json + pnpm-lock.yaml", patterns: []string{"package.json", "pnpm-lock.yaml"}}
	bunEco      = ecosystem{key: "bun", manifests: "package.json + bun.lock", patterns: []string{"package.json", "bun.lock", "bun.lockb"}}
	poetryEco   = ecosystem{key: "poetry", manifests: "pyproject.toml + poetry.lock", patterns: []string{"pyproject.toml", "poetry.lock"}}
	uvEco       = ecosystem{key: "uv", manifests: "pyproject.toml + uv.lock", patterns: []string{"pyproject.toml", "uv.lock"}}
	pipenvEco   = ecosystem{key: "pipenv", manifests: "Pipfile + Pipfile.lock", patterns: []string{"Pipfile", "Pipfile.lock"}}
	goEco       = ecosystem{key: "go", manifests: "go.mod + go.sum", patterns: []string{"go.mod", "go.sum"}, download: "go mod download", cache: "/pkg/mod"}
	bunEcodler  = ecosystem{key: "bundler", manifests: "Gemfile + Gemfile.lock", patterns: []string{"Gemfile", "Gemfile.lock"}}
	composerEco = ecosystem{key: "composer", manifests: "composer.json + composer.lock", patterns: []string{"composer.json", "composer.lock"}}
	cargoEco    = ecosystem{key: "cargo", manifests: "Cargo.toml + Cargo.lock", patterns: []string{"Cargo.toml", "Cargo.lock"}, download: "cargo fetch", cache: "cargo/registry"}
	mavenEco    = ecosystem{key: "maven", manifests: "pom.xml", patterns: []string{"pom.xml"}, download: "mvn dependency:go-offline", cache: ".m2"}
	gradleEco   = ecosystem{key: "gradle", manifests: "build.gradle(.kts), settings.gradle(.kts) and the wrapper (gradlew, gradle/)", patterns: []string{"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties", "gradlew", "gradle/", "gradle"}, download: "gradle dependencies", cache: ".gradle"}
	dotnetEco   = ecosystem{key: "dotnet", manifests: "the project files (*.csproj, *.sln)", patterns: []string{"*.csproj", "*.fsproj", "*.vbproj", "*.sln", "*.slnx", "Directory.Build.props", "Directory.Packages.props", "NuGet.Config", "nuget.config"}, download: "dotnet restore", cache: ".nuget"}
	mixEco      = ecosystem{key: "mix", manifests: "mix.exs + mix.lock", patterns: []string{"mix.exs", "mix.lock"}}
)

// mavenPhases are the lifecycle phases that resolve the project's dependencies.
var mavenPhases = map[string]bool{"compile": true, "test-compile": true, "test": true, "package": true, "verify": true, "install": true, "deploy": true}

// implicitIn marks an ecosystem's build that downloads as it goes.
func implicitIn(e ecosystem, dir string) ecosystem {
	e.implicit = true
	e.dir = dir
	return e
}

// inDir sets the directory an ecosystem's command is told to work in.
func inDir(e ecosystem, dir string) ecosystem {
	e.dir = dir
	return e
}

// matchInstall recognises a dependency install (or a build that
// downloads dependencies) in one simple command: tool is its base name,
// args its arguments with ARG/ENV values expanded.
func matchInstall(tool string, args []string) (ecosystem, bool) {
	// python -m pip ..., python3 -m pip ..., uv pip ...
	if (strings.HasPrefix(tool, "python") && len(args) >= 2 && args[0] == "-m" && pipName.MatchString(args[1])) ||
		(tool == "uv" && len(args) >= 1 && args[0] == "pip") {
		if tool == "uv" {
			args = args[1:]
			if len(args) >= 2 && args[0] == "sync" && !strings.HasPrefix(args[1], "-") {
				req := args[1]
				return ecosystem{key: "pip", manifests: req, patterns: []string{path.Base(req), req}}, true
			}
		} else {
			args = args[2:]
		}
		tool = "pip"
	}
	pos := positionals(args)
	first := ""
	if len(pos) > 0 {
		first = pos[0]
	}
	switch {
	case tool == "npm":
		dir, _ := flagArg(args, "--prefix", "-C")
		if first == "ci" || isPackageInstall(args, []string{"install", "i", "isntall"}, nodeValuedFlags...) {
			return inDir(npmEco, dir), true
		}
	case tool == "yarn":
		dir, _ := flagArg(args, "--cwd")
		p := positionals(args, nodeValuedFlags...)
		if (len(p) == 0 || (len(p) == 1 && p[0] == "install")) && !hasFlag(args, "--version", "-v", "--help", "-h") {
			return inDir(yarnEco, dir), true
		}
	case tool == "pnpm":
		dir, _ := flagArg(args, "-C", "--dir")
		if isPackageInstall(args, []string{"install", "i"}, nodeValuedFlags...) {
			return inDir(pnpmEco, dir), true
		}
		if p := positionals(args, nodeValuedFlags...); len(p) == 1 && p[0] == "fetch" {
			e := inDir(pnpmEco, dir)
			e.manifests, e.patterns = "pnpm-lock.yaml", []string{"pnpm-lock.yaml"}
			return e, true
		}
	case tool == "bun":
		if isPackageInstall(args, []string{"install", "i"}, nodeValuedFlags...) {
			return bunEco, true
		}
	case pipName.MatchString(tool):
		if first != "install" {
			break
		}
		for i, a := range args {
			var req string
			switch {
			case (a == "-r" || a == "--requirement") && i+1 < len(args):
				req = args[i+1]
			case strings.HasPrefix(a, "--requirement="):
				req = strings.TrimPrefix(a, "--requirement=")
			case strings.HasPrefix(a, "-r") && len(a) > 2 && !strings.HasPrefix(a, "--"):
				req = strings.TrimPrefix(a[2:], "=")
			}
			if req != "" {
				return ecosystem{key: "pip", manifests: req, patterns: []string{path.Base(req), req}}, true
			}
		}
	case tool == "poetry":
		if first == "install" || first == "sync" {
			return poetryEco, true
		}
	case tool == "uv":
		if first == "sync" {
			return uvEco, true
		}
	case tool == "pipenv":
		if first == "sync" || (first == "install" && len(pos) == 1) {
			return pipenvEco, true
		}
	case tool == "go":
		dir := ""
		if len(args) >= 2 && args[0] == "-C" {
			dir, args = args[1], args[2:]
		}
		pos = positionals(args, "-o", "-C", "-p", "-tags", "-ldflags", "-gcflags", "-asmflags", "-mod", "-modfile", "-pkgdir", "-overlay", "-run", "-timeout", "-count", "-coverprofile", "-exec")
		if len(pos) >= 2 && pos[0] == "mod" && pos[1] == "download" {
			return inDir(goEco, dir), true
		}
		if hasFlag(args, "-mod=vendor") || flagValueIs(args, "-mod", "vendor") {
			break
		}
		if len(pos) >= 1 && pos[0] == "get" {
			for _, a := range pos[1:] {
				if strings.HasPrefix(a, ".") {
					return inDir(goEco, dir), true
				}
			}
			break
		}
		if len(pos) >= 1 && (pos[0] == "build" || pos[0] == "test" || pos[0] == "install") {
			for _, a := range pos[1:] {
				if strings.Contains(a, "@") {
					return ecosystem{}, false // go install tool@version: a tool, not the module's dependencies
				}
			}
			return implicitIn(goEco, dir), true
		}
	case tool == "bundle" || tool == "bundler":
		if first == "install" || len(positionals(args, "--jobs", "-j", "--retry", "--path", "--without", "--with", "--gemfile")) == 0 {
			return bunEcodler, true
		}
	case tool == "composer" || tool == "composer.phar" || (tool == "php" && len(pos) >= 2 && path.Base(pos[0]) == "composer.phar"):
		p := pos
		if tool == "php" {
			p = pos[1:]
		}
		dir, _ := flagArg(args, "--working-dir", "-d")
		if len(p) > 0 && p[0] == "install" {
			return inDir(composerEco, dir), true
		}
	case tool == "cargo":
		dir := ""
		if mp, ok := flagArg(args, "--manifest-path"); ok {
			dir = path.Dir(mp)
		}
		switch {
		case first == "fetch":
			return inDir(cargoEco, dir), true
		case hasFlag(args, "--offline", "--frozen"):
		case first == "build" || first == "b" || (first == "install" && hasFlag(args, "--path")):
			return implicitIn(cargoEco, dir), true
		}
	case tool == "mvn" || tool == "mvnw":
		dir := ""
		if f, ok := flagArg(args, "-f", "--file"); ok {
			dir = f
			if strings.HasSuffix(f, ".xml") {
				dir = path.Dir(f)
			}
		}
		for _, a := range args {
			if strings.Contains(a, "dependency:go-offline") || strings.Contains(a, "dependency:resolve") || strings.Contains(a, "go-offline-maven-plugin") {
				return inDir(mavenEco, dir), true
			}
		}
		if hasFlag(args, "-o", "--offline") {
			break
		}
		for _, a := range positionals(args, "-f", "--file", "-s", "--settings", "-P", "-pl", "--projects", "-T", "-rf", "-gs", "-t", "-l", "-b") {
			if mavenPhases[a] {
				return implicitIn(mavenEco, dir), true
			}
		}
	case tool == "gradle" || tool == "gradlew":
		dir, _ := flagArg(args, "-p", "--project-dir")
		tasks := positionals(args, "-p", "--project-dir", "-x", "--exclude-task", "-b", "--build-file", "-c", "--settings-file", "-g", "--gradle-user-home", "-I", "--init-script", "--max-workers")
		for _, a := range tasks {
			if a == "dependencies" || a == "downloadDependencies" || a == "resolveDependencies" {
				return inDir(gradleEco, dir), true
			}
		}
		if hasFlag(args, "--offline", "--version", "-v", "--help", "-h", "-?") {
			break
		}
		for _, a := range tasks {
			if strings.HasPrefix(a, "-") || a == "tasks" || a == "help" || a == "wrapper" || a == "--stop" {
				continue
			}
			e := implicitIn(gradleEco, dir)
			if tool == "gradlew" {
				e.download = "./gradlew dependencies"
			}
			return e, true
		}
	case tool == "dotnet":
		if first == "restore" {
			return dotnetEco, true
		}
		if (first == "build" || first == "publish" || first == "test" || first == "pack") && !hasFlag(args, "--no-restore") {
			return implicitIn(dotnetEco, ""), true
		}
	case tool == "mix":
		if first == "deps.get" {
			return mixEco, true
		}
	}
	return ecosystem{}, false
}

// flagValueIs reports whether `flag value` or `flag=value` is among args.
func flagValueIs(args []string, flag, value string) bool {
	v, ok := flagArg(args, flag)
	return ok && v == value
}

// copySource is one source of a COPY or ADD from the build context.
type copySource struct {
	in   *dockerfile.Instruction
	src  string
	at   dockerfile.Range
	dest string // resolved against WORKDIR
}

// contextSources returns the build-context sources of a COPY/ADD (none
// for --from, heredocs and URLs) and the resolved destination.
func contextSources(in *dockerfile.Instruction, workdir string) []copySource {
	var sd instructions.SourcesAndDest
	switch c := in.Typed.(type) {
	case *instructions.CopyCommand:
		if c.From != "" {
			return nil
		}
		sd = c.SourcesAndDest
	case *instructions.AddCommand:
		sd = c.SourcesAndDest
	default:
		return nil
	}
	dest := joinPath(workdir, sd.DestPath)
	words := in.Words()
	used := map[int]bool{}
	var out []copySource
	for _, src := range sd.SourcePaths {
		if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
			continue
		}
		out = append(out, copySource{in: in, src: src, at: sourceRange(in, words, used, src), dest: dest})
	}
	return out
}

// isContextRoot reports whether a source is the whole build context.
func isContextRoot(src string) bool {
	c := path.Clean(src)
	return c == "." || c == "/" || c == "*" || c == "./*"
}

// isDirSource reports whether a source is written as a directory.
func isDirSource(src string) bool {
	return strings.HasSuffix(src, "/") || strings.HasSuffix(src, "/.")
}

// copiesManifest reports whether a copied source is one of the patterns.
func copiesManifest(src string, patterns []string) bool {
	base := path.Base(src)
	for _, p := range patterns {
		if strings.Contains(p, "/") {
			if path.Clean(src) == path.Clean(p) || strings.HasPrefix(path.Clean(p)+"/", strings.TrimSuffix(path.Clean(src), "/.")+"/") {
				return true
			}
			continue
		}
		if m, _ := path.Match(base, p); m {
			return true
		}
		if m, _ := path.Match(p, base); m {
			return true
		}
	}
	return false
}

var HS004 = register(&lint.Rule{
	ID:       "HS004",
	Name:     "cache-busting-copy",
	Severity: lint.Warning,
	Summary:  "A broad COPY comes before a dependency install, so every source change reinstalls the dependencies",
	Rationale: "Docker caches a step as long as the files it copies are unchanged. `COPY . .` before " +
		"`npm ci` (or `yarn install`, `pnpm install`, `pip install -r`, `poetry install`, `uv sync`, " +
		"`go mod download`, `bundle install`, `composer install`, `cargo fetch`, `dotnet restore`, ...) " +
		"makes the install depend on every file of the context: a one-line code change downloads and " +
		"installs all dependencies again. Copy the manifest and lock file first, install, then copy the " +
		"rest; the install then re-runs only when the dependencies change. Builds that download as they " +
		"go count too: `go build`, `cargo build`, `mvn package` (and the other lifecycle phases), a " +
		"gradle task and `dotnet build`/`publish` after a broad COPY download everything again unless the " +
		"download step (`go mod download`, `cargo fetch`, `mvn dependency:go-offline`, `gradle " +
		"dependencies`, `dotnet restore`) ran before it, or the RUN mounts a cache for the downloads " +
		"(`--mount=type=cache,target=/go/pkg/mod`, `~/.m2`, `~/.gradle`, `~/.cargo/registry`, " +
		"`~/.nuget`); offline builds (`mvn -o`, `gradle --offline`, `cargo build --offline`, " +
		"`go build -mod=vendor`) and `go install tool@version` are not. The rule looks, in one stage, for " +
		"a COPY/ADD of the whole context (`.`, `./`, `*`) or of a directory into the directory the " +
		"install runs in (WORKDIR, `cd`, `npm --prefix`, `go -C`, `composer -d`, ...), followed by an " +
		"install. It is silent when the same ecosystem's install already ran before the broad COPY, in " +
		"this stage or a stage it is built FROM (the good pattern, which may re-run a cheap install " +
		"afterwards, as `poetry install` for the project itself), or when the installed dependencies " +
		"come from another stage (`COPY --from=deps /app/node_modules ...`). Copying the manifest first " +
		"does not help when the install still comes after the broad COPY, and the message says so.",
	Bad:  "FROM node:24-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
	Good: "FROM node:24-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			checkCacheBusting(p, s)
		}
	},
})

// depArtifacts are paths whose COPY --from brings an ecosystem's installed
// dependencies from another stage.
var depArtifacts = map[string][]string{
	"npm": {"node_modules"}, "yarn": {"node_modules"}, "pnpm": {"node_modules", "pnpm/store"}, "bun": {"node_modules"},
	"go": {"pkg/mod"}, "cargo": {"cargo/registry", ".cargo"}, "maven": {".m2"}, "gradle": {".gradle"},
	"composer": {"vendor"}, "bundler": {"bundle", "gems"}, "pip": {"site-packages", "venv", "wheels"},
	"poetry": {"site-packages", "venv"}, "uv": {"site-packages", "venv"}, "pipenv": {"site-packages", "venv"},
	"dotnet": {".nuget"}, "mix": {"deps"},
}

// stageInstalls lists the installs of a stage's RUNs (directories not tracked).
func stageInstalls(p *lint.Pass, st *dockerfile.Stage) []depInstall {
	var out []depInstall
	for _, in := range st.Instructions {
		if s := scriptOf(p, in); s != nil && in.Name == "run" {
			out = append(out, scriptInstalls(p, s, "/")...)
		}
	}
	return out
}

type installedKeysKey struct{}

// installedKeys are the ecosystems the RUNs of st install, found once per
// stage and file: every stage built on st asks again, and reading the
// scripts of all base stages for each stage made long chains quadratic.
func installedKeys(p *lint.Pass, st *dockerfile.Stage) []string {
	m := p.Shared(installedKeysKey{}, func() any { return map[*dockerfile.Stage][]string{} }).(map[*dockerfile.Stage][]string)
	if keys, ok := m[st]; ok {
		return keys
	}
	keys := []string{}
	for _, i := range stageInstalls(p, st) {
		keys = append(keys, i.eco.key)
	}
	m[st] = keys
	return keys
}

func checkCacheBusting(p *lint.Pass, s *dockerfile.Stage) {
	// What the stages this one is built FROM installed counts as installed before.
	inherited := map[string]bool{}
	chain := s.Chain()
	for _, anc := range chain[1:] {
		for _, key := range installedKeys(p, anc) {
			inherited[key] = true
		}
	}
	workdir := workdirAtStart(s)
	var broad, manifests []copySource
	var installs []depInstall
	for _, in := range s.Instructions {
		switch in.Name {
		case "workdir":
			workdir = applyWorkdir(p, in, workdir)
		case "copy", "add":
			if c, ok := in.Typed.(*instructions.CopyCommand); ok && c.From != "" {
				for key, hints := range depArtifacts {
					for _, src := range c.SourcePaths {
						for _, h := range hints {
							if strings.Contains(src, h) {
								installs = append(installs, depInstall{in: in, eco: ecosystem{key: key}, cwd: "?"})
							}
						}
					}
				}
				continue
			}
			for _, cs := range contextSources(in, workdir) {
				if isContextRoot(cs.src) || isDirSource(cs.src) {
					broad = append(broad, cs)
				} else {
					manifests = append(manifests, cs)
				}
			}
		case "run":
			if sc := scriptOf(p, in); sc != nil {
				installs = append(installs, scriptInstalls(p, sc, workdir)...)
			}
		}
	}
	for _, b := range broad {
		if msg := cacheBustMessage(b, installs, manifests, inherited); msg != "" {
			p.Report(b.at, msg)
		}
	}
}

// scriptInstalls finds the installs of a RUN script, with the directory
// each runs in (WORKDIR, then the script's cd commands; a cd inside a
// subshell ends with it).
func scriptInstalls(p *lint.Pass, s *shellscript.Script, workdir string) []depInstall {
	if s.Skipped != "" {
		return nil
	}
	cwds := commandDirs(p, s, workdir)
	var out []depInstall
	for _, raw := range s.Commands {
		c := raw.Unwrap()
		if c.Name == "" {
			continue
		}
		eco, ok := matchInstall(c.Base(), argValues(p, s, c))
		if !ok {
			continue
		}
		if eco.implicit && vendoredOrCached(p, s, c, eco) {
			continue
		}
		cwd := cwds[raw]
		if cwd == "" {
			cwd = joinPath(workdir, ".")
		}
		if eco.dir != "" {
			cwd = joinDir(cwd, eco.dir)
		}
		text := c.String()
		if s.Exec && !c.Nested {
			text = strings.Join(append([]string{c.Name}, argValues(p, s, c)...), " ")
		}
		out = append(out, depInstall{in: s.Instruction, eco: eco, command: text, cwd: cwd, line: c.NameWord.Range.Start.Line})
	}
	return out
}

// vendoredOrCached reports whether an implicit download is made cheap
// by a cache mount, or switched off (vendored Go modules, GOPATH mode).
func vendoredOrCached(p *lint.Pass, s *shellscript.Script, c *shellscript.Command, eco ecosystem) bool {
	for _, m := range s.Mounts {
		if m.Type == "cache" && eco.cache != "" && strings.Contains(m.Target, eco.cache) {
			return true
		}
	}
	if eco.key == "go" {
		scope := p.File.Scopes().Before(s.Instruction)
		vars := map[string]string{}
		for _, name := range []string{"GOFLAGS", "GO111MODULE"} {
			if v, ok := scope.Get(name); ok {
				vars[name] = v
			}
		}
		for _, as := range c.Assigns {
			if k, v, ok := strings.Cut(as, "="); ok {
				vars[k] = strings.Trim(v, `"'`)
			}
		}
		if strings.Contains(vars["GOFLAGS"], "-mod=vendor") || vars["GO111MODULE"] == "off" {
			return true
		}
	}
	return false
}

// joinDir resolves dir against cwd, keeping an unknown cwd unknown.
func joinDir(cwd, dir string) string {
	if strings.HasPrefix(dir, "/") {
		return path.Clean(dir)
	}
	if strings.HasPrefix(cwd, "?") {
		return "?"
	}
	return joinPath(cwd, dir)
}

// commandDirs returns the directory each command of a script runs in.
func commandDirs(p *lint.Pass, s *shellscript.Script, workdir string) map[*shellscript.Command]string {
	out := map[*shellscript.Command]string{}
	start := joinPath(workdir, ".")
	cdTo := func(cur string, c *shellscript.Command) string {
		c = c.Unwrap()
		if !c.Is("cd") {
			return cur
		}
		pos := c.Positional()
		if len(pos) == 0 {
			return "?"
		}
		v, ok := wordValue(p, s, pos[0])
		if !ok || v == "-" || strings.HasPrefix(v, "~") {
			return "?"
		}
		return joinDir(cur, v)
	}
	if s.AST != nil {
		stack := []string{start}
		var nodes []syntax.Node
		syntax.Walk(s.AST, func(n syntax.Node) bool {
			if n == nil {
				top := nodes[len(nodes)-1]
				nodes = nodes[:len(nodes)-1]
				if shellscript.IsSubshell(top) {
					stack = stack[:len(stack)-1]
				}
				return true
			}
			nodes = append(nodes, n)
			if shellscript.IsSubshell(n) {
				stack = append(stack, stack[len(stack)-1])
			}
			if call, ok := n.(*syntax.CallExpr); ok {
				if c, ok := s.CommandOf(call); ok {
					out[c] = stack[len(stack)-1]
					stack[len(stack)-1] = cdTo(stack[len(stack)-1], c)
				}
			}
			return true
		})
	}
	// Commands of `sh -c` strings (and exec-form RUNs) follow their
	// parent command in order: track their cd's linearly.
	cur := start
	for _, c := range s.Commands {
		if d, ok := out[c]; ok && !c.Nested {
			cur = cdTo(d, c)
			continue
		}
		out[c] = cur
		cur = cdTo(cur, c)
	}
	return out
}

// cacheBustMessage returns the finding for a broad COPY, or "" when no
// install after it is affected.
func cacheBustMessage(b copySource, installs []depInstall, manifests []copySource, inherited map[string]bool) string {
	root := isContextRoot(b.src)
	for _, i := range installs {
		if i.in.Index <= b.in.Index || i.command == "" || (!root && path.Clean(b.dest) != path.Clean(i.cwd)) {
			continue
		}
		installedBefore := inherited[i.eco.key]
		for _, j := range installs {
			if j.eco.key == i.eco.key && j.in.Index < b.in.Index {
				installedBefore = true
			}
		}
		if installedBefore {
			continue
		}
		copyText := display(strings.ToUpper(b.in.Name)+" "+b.in.Args, 40)
		what := "copies the whole build context"
		if !root {
			what = "copies a whole directory into " + b.dest
		}
		cmd := display(i.command, 50)
		for _, m := range manifests {
			if m.in.Index < b.in.Index && copiesManifest(m.src, i.eco.patterns) {
				if i.eco.implicit {
					return fmt.Sprintf("`%s` %s before `%s` (line %d), which downloads the dependencies: %s is already "+
						"copied on line %d, but nothing downloads them before this broad COPY, so every source change "+
						"downloads them again; run `%s` above this COPY", copyText, what, cmd, i.line, m.src,
						m.in.Range.Start.Line, i.eco.download)
				}
				return fmt.Sprintf("`%s` %s before `%s` (line %d): %s is already copied on line %d, but the install "+
					"comes after this broad COPY, so every source change still reinstalls the dependencies; move the "+
					"install above this COPY", copyText, what, cmd, i.line, m.src, m.in.Range.Start.Line)
			}
		}
		if i.eco.implicit {
			return fmt.Sprintf("`%s` %s before `%s` (line %d), which downloads the dependencies, so every source "+
				"change downloads them again; copy %s first, run `%s`, then copy the rest (or mount a cache for the downloads)",
				copyText, what, cmd, i.line, i.eco.manifests, i.eco.download)
		}
		return fmt.Sprintf("`%s` %s before `%s` (line %d), so every source change invalidates the cached "+
			"dependency install; copy %s first, run the install, then copy the rest",
			copyText, what, cmd, i.line, i.eco.manifests)
	}
	return ""
}

package rules

import (
	"fmt"
	"path"
	"regexp"
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
	eco     genEco
	command string // as written, for messages
	cwd     string // the directory it runs in; "?" when unknown
	line    int    // where the command starts
}

// genEco is what a recognised install needs: its ecosystem and the files
// to copy before it.
type genEco struct {
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

var pipRe = regexp.MustCompile(`^pip[0-9.]*$`)

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

// genFlagArg returns the value of a flag given as `--flag value`,
// `--flag=value` or, for a short flag, `-fvalue`.
func genFlagArg(args []string, flags ...string) (string, bool) {
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
	genNpm      = genEco{key: "npm", manifests: "package.json + package-lock.json", patterns: []string{"package.json", "package-lock.json", "npm-shrinkwrap.json"}}
	genYarn     = genEco{key: "yarn", manifests: "package.json + yarn.lock", patterns: []string{"package.json", "yarn.lock"}}
	genPnpm     = genEco{key: "pnpm", manifests: "package.json + pnpm-lock.yaml", patterns: []string{"package.json", "pnpm-lock.yaml"}}
	genBun      = genEco{key: "bun", manifests: "package.json + bun.lock", patterns: []string{"package.json", "bun.lock", "bun.lockb"}}
	genPoetry   = genEco{key: "poetry", manifests: "pyproject.toml + poetry.lock", patterns: []string{"pyproject.toml", "poetry.lock"}}
	genUv       = genEco{key: "uv", manifests: "pyproject.toml + uv.lock", patterns: []string{"pyproject.toml", "uv.lock"}}
	genPipenv   = genEco{key: "pipenv", manifests: "Pipfile + Pipfile.lock", patterns: []string{"Pipfile", "Pipfile.lock"}}
	genGo       = genEco{key: "go", manifests: "go.mod + go.sum", patterns: []string{"go.mod", "go.sum"}, download: "go mod download", cache: "/pkg/mod"}
	genBundler  = genEco{key: "bundler", manifests: "Gemfile + Gemfile.lock", patterns: []string{"Gemfile", "Gemfile.lock"}}
	genComposer = genEco{key: "composer", manifests: "composer.json + composer.lock", patterns: []string{"composer.json", "composer.lock"}}
	genCargo    = genEco{key: "cargo", manifests: "Cargo.toml + Cargo.lock", patterns: []string{"Cargo.toml", "Cargo.lock"}, download: "cargo fetch", cache: "cargo/registry"}
	genMaven    = genEco{key: "maven", manifests: "pom.xml", patterns: []string{"pom.xml"}, download: "mvn dependency:go-offline", cache: ".m2"}
	genGradle   = genEco{key: "gradle", manifests: "build.gradle(.kts), settings.gradle(.kts) and the wrapper (gradlew, gradle/)", patterns: []string{"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties", "gradlew", "gradle/", "gradle"}, download: "gradle dependencies", cache: ".gradle"}
	genDotnet   = genEco{key: "dotnet", manifests: "the project files (*.csproj, *.sln)", patterns: []string{"*.csproj", "*.fsproj", "*.vbproj", "*.sln", "*.slnx", "Directory.Build.props", "Directory.Packages.props", "NuGet.Config", "nuget.config"}, download: "dotnet restore", cache: ".nuget"}
	genMix      = genEco{key: "mix", manifests: "mix.exs + mix.lock", patterns: []string{"mix.exs", "mix.lock"}}
)

// genMavenPhases are the lifecycle phases that resolve the project's dependencies.
var genMavenPhases = map[string]bool{"compile": true, "test-compile": true, "test": true, "package": true, "verify": true, "install": true, "deploy": true}

// genImplicit marks an ecosystem's build that downloads as it goes.
func genImplicit(e genEco, dir string) genEco {
	e.implicit = true
	e.dir = dir
	return e
}

func genIn(e genEco, dir string) genEco {
	e.dir = dir
	return e
}

// genMatchInstall recognises a dependency install (or a build that
// downloads dependencies) in one simple command: tool is its base name,
// args its arguments with ARG/ENV values expanded.
func genMatchInstall(tool string, args []string) (genEco, bool) {
	// python -m pip ..., python3 -m pip ..., uv pip ...
	if (strings.HasPrefix(tool, "python") && len(args) >= 2 && args[0] == "-m" && pipRe.MatchString(args[1])) ||
		(tool == "uv" && len(args) >= 1 && args[0] == "pip") {
		if tool == "uv" {
			args = args[1:]
			if len(args) >= 2 && args[0] == "sync" && !strings.HasPrefix(args[1], "-") {
				req := args[1]
				return genEco{key: "pip", manifests: req, patterns: []string{path.Base(req), req}}, true
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
		dir, _ := genFlagArg(args, "--prefix", "-C")
		if first == "ci" || isPackageInstall(args, []string{"install", "i", "isntall"}, nodeValuedFlags...) {
			return genIn(genNpm, dir), true
		}
	case tool == "yarn":
		dir, _ := genFlagArg(args, "--cwd")
		p := positionals(args, nodeValuedFlags...)
		if (len(p) == 0 || (len(p) == 1 && p[0] == "install")) && !hasFlag(args, "--version", "-v", "--help", "-h") {
			return genIn(genYarn, dir), true
		}
	case tool == "pnpm":
		dir, _ := genFlagArg(args, "-C", "--dir")
		if isPackageInstall(args, []string{"install", "i"}, nodeValuedFlags...) {
			return genIn(genPnpm, dir), true
		}
		if p := positionals(args, nodeValuedFlags...); len(p) == 1 && p[0] == "fetch" {
			e := genIn(genPnpm, dir)
			e.manifests, e.patterns = "pnpm-lock.yaml", []string{"pnpm-lock.yaml"}
			return e, true
		}
	case tool == "bun":
		if isPackageInstall(args, []string{"install", "i"}, nodeValuedFlags...) {
			return genBun, true
		}
	case pipRe.MatchString(tool):
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
				return genEco{key: "pip", manifests: req, patterns: []string{path.Base(req), req}}, true
			}
		}
	case tool == "poetry":
		if first == "install" || first == "sync" {
			return genPoetry, true
		}
	case tool == "uv":
		if first == "sync" {
			return genUv, true
		}
	case tool == "pipenv":
		if first == "sync" || (first == "install" && len(pos) == 1) {
			return genPipenv, true
		}
	case tool == "go":
		dir := ""
		if len(args) >= 2 && args[0] == "-C" {
			dir, args = args[1], args[2:]
		}
		pos = positionals(args, "-o", "-C", "-p", "-tags", "-ldflags", "-gcflags", "-asmflags", "-mod", "-modfile", "-pkgdir", "-overlay", "-run", "-timeout", "-count", "-coverprofile", "-exec")
		if len(pos) >= 2 && pos[0] == "mod" && pos[1] == "download" {
			return genIn(genGo, dir), true
		}
		if hasFlag(args, "-mod=vendor") || genFlagValueIs(args, "-mod", "vendor") {
			break
		}
		if len(pos) >= 1 && pos[0] == "get" {
			for _, a := range pos[1:] {
				if strings.HasPrefix(a, ".") {
					return genIn(genGo, dir), true
				}
			}
			break
		}
		if len(pos) >= 1 && (pos[0] == "build" || pos[0] == "test" || pos[0] == "install") {
			for _, a := range pos[1:] {
				if strings.Contains(a, "@") {
					return genEco{}, false // go install tool@version: a tool, not the module's dependencies
				}
			}
			return genImplicit(genGo, dir), true
		}
	case tool == "bundle" || tool == "bundler":
		if first == "install" || len(positionals(args, "--jobs", "-j", "--retry", "--path", "--without", "--with", "--gemfile")) == 0 {
			return genBundler, true
		}
	case tool == "composer" || tool == "composer.phar" || (tool == "php" && len(pos) >= 2 && path.Base(pos[0]) == "composer.phar"):
		p := pos
		if tool == "php" {
			p = pos[1:]
		}
		dir, _ := genFlagArg(args, "--working-dir", "-d")
		if len(p) > 0 && p[0] == "install" {
			return genIn(genComposer, dir), true
		}
	case tool == "cargo":
		dir := ""
		if mp, ok := genFlagArg(args, "--manifest-path"); ok {
			dir = path.Dir(mp)
		}
		switch {
		case first == "fetch":
			return genIn(genCargo, dir), true
		case hasFlag(args, "--offline", "--frozen"):
		case first == "build" || first == "b" || (first == "install" && hasFlag(args, "--path")):
			return genImplicit(genCargo, dir), true
		}
	case tool == "mvn" || tool == "mvnw":
		dir := ""
		if f, ok := genFlagArg(args, "-f", "--file"); ok {
			dir = f
			if strings.HasSuffix(f, ".xml") {
				dir = path.Dir(f)
			}
		}
		for _, a := range args {
			if strings.Contains(a, "dependency:go-offline") || strings.Contains(a, "dependency:resolve") || strings.Contains(a, "go-offline-maven-plugin") {
				return genIn(genMaven, dir), true
			}
		}
		if hasFlag(args, "-o", "--offline") {
			break
		}
		for _, a := range positionals(args, "-f", "--file", "-s", "--settings", "-P", "-pl", "--projects", "-T", "-rf", "-gs", "-t", "-l", "-b") {
			if genMavenPhases[a] {
				return genImplicit(genMaven, dir), true
			}
		}
	case tool == "gradle" || tool == "gradlew":
		dir, _ := genFlagArg(args, "-p", "--project-dir")
		tasks := positionals(args, "-p", "--project-dir", "-x", "--exclude-task", "-b", "--build-file", "-c", "--settings-file", "-g", "--gradle-user-home", "-I", "--init-script", "--max-workers")
		for _, a := range tasks {
			if a == "dependencies" || a == "downloadDependencies" || a == "resolveDependencies" {
				return genIn(genGradle, dir), true
			}
		}
		if hasFlag(args, "--offline", "--version", "-v", "--help", "-h", "-?") {
			break
		}
		for _, a := range tasks {
			if strings.HasPrefix(a, "-") || a == "tasks" || a == "help" || a == "wrapper" || a == "--stop" {
				continue
			}
			e := genImplicit(genGradle, dir)
			if tool == "gradlew" {
				e.download = "./gradlew dependencies"
			}
			return e, true
		}
	case tool == "dotnet":
		if first == "restore" {
			return genDotnet, true
		}
		if (first == "build" || first == "publish" || first == "test" || first == "pack") && !hasFlag(args, "--no-restore") {
			return genImplicit(genDotnet, ""), true
		}
	case tool == "mix":
		if first == "deps.get" {
			return genMix, true
		}
	}
	return genEco{}, false
}

// genFlagValueIs reports whether `flag value` or `flag=value` is among args.
func genFlagValueIs(args []string, flag, value string) bool {
	v, ok := genFlagArg(args, flag)
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
	dest := genJoinPath(workdir, sd.DestPath)
	words := in.Words()
	used := map[int]bool{}
	var out []copySource
	for _, src := range sd.SourcePaths {
		if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
			continue
		}
		at := in.ArgsRange()
		if in.IsJSON() {
			at = in.Find(`"` + src + `"`)
		} else {
			for i, w := range words {
				if !used[i] && w.Text == src {
					used[i] = true
					at = w.Range
					break
				}
			}
		}
		out = append(out, copySource{in: in, src: src, at: at, dest: dest})
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

// workdirAtStart is the WORKDIR a stage inherits from the stages it is
// built FROM ("" when it is the image's own, unknown here).
func workdirAtStart(s *dockerfile.Stage) string {
	chain := s.Chain()
	wd := ""
	for i := len(chain) - 1; i >= 1; i-- {
		for _, in := range chain[i].Instructions {
			if c, ok := in.Typed.(*instructions.WorkdirCommand); ok {
				wd = genJoinPath(wd, c.Path)
			}
		}
	}
	return wd
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
		byIn := map[*dockerfile.Instruction]*shellscript.Script{}
		for _, s := range scripts(p) {
			byIn[s.Instruction] = s
		}
		for _, s := range p.File.Stages {
			checkCacheBusting(p, s, byIn)
		}
	},
})

// genArtifacts are paths whose COPY --from brings an ecosystem's installed
// dependencies from another stage.
var genArtifacts = map[string][]string{
	"npm": {"node_modules"}, "yarn": {"node_modules"}, "pnpm": {"node_modules", "pnpm/store"}, "bun": {"node_modules"},
	"go": {"pkg/mod"}, "cargo": {"cargo/registry", ".cargo"}, "maven": {".m2"}, "gradle": {".gradle"},
	"composer": {"vendor"}, "bundler": {"bundle", "gems"}, "pip": {"site-packages", "venv", "wheels"},
	"poetry": {"site-packages", "venv"}, "uv": {"site-packages", "venv"}, "pipenv": {"site-packages", "venv"},
	"dotnet": {".nuget"}, "mix": {"deps"},
}

// genStageInstalls lists the installs of a stage's RUNs (directories not tracked).
func genStageInstalls(p *lint.Pass, st *dockerfile.Stage, byIn map[*dockerfile.Instruction]*shellscript.Script) []depInstall {
	var out []depInstall
	for _, in := range st.Instructions {
		if s := byIn[in]; s != nil && in.Name == "run" {
			out = append(out, genScriptInstalls(p, s, "/")...)
		}
	}
	return out
}

func checkCacheBusting(p *lint.Pass, s *dockerfile.Stage, byIn map[*dockerfile.Instruction]*shellscript.Script) {
	// What the stages this one is built FROM installed counts as installed before.
	inherited := map[string]bool{}
	chain := s.Chain()
	for _, anc := range chain[1:] {
		for _, i := range genStageInstalls(p, anc, byIn) {
			inherited[i.eco.key] = true
		}
	}
	workdir := workdirAtStart(s)
	var broad, manifests []copySource
	var installs []depInstall
	for _, in := range s.Instructions {
		switch in.Name {
		case "workdir":
			if c, ok := in.Typed.(*instructions.WorkdirCommand); ok {
				wd := c.Path
				if strings.Contains(wd, "$") {
					wd, _ = p.File.Expand(wd, p.File.Scopes().Before(in))
				}
				workdir = genJoinPath(workdir, wd)
			}
		case "copy", "add":
			if c, ok := in.Typed.(*instructions.CopyCommand); ok && c.From != "" {
				for key, hints := range genArtifacts {
					for _, src := range c.SourcePaths {
						for _, h := range hints {
							if strings.Contains(src, h) {
								installs = append(installs, depInstall{in: in, eco: genEco{key: key}, cwd: "?"})
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
			if sc := byIn[in]; sc != nil {
				installs = append(installs, genScriptInstalls(p, sc, workdir)...)
			}
		}
	}
	for _, b := range broad {
		if msg := cacheBustMessage(b, installs, manifests, inherited); msg != "" {
			p.Report(b.at, msg)
		}
	}
}

// genScriptInstalls finds the installs of a RUN script, with the directory
// each runs in (WORKDIR, then the script's cd commands; a cd inside a
// subshell ends with it).
func genScriptInstalls(p *lint.Pass, s *shellscript.Script, workdir string) []depInstall {
	if s.Skipped != "" {
		return nil
	}
	cwds := genCommandDirs(p, s, workdir)
	var out []depInstall
	for _, raw := range s.Commands {
		c := genUnwrap(raw)
		if c.Name == "" {
			continue
		}
		eco, ok := genMatchInstall(c.Base(), genArgValues(p, s, c))
		if !ok {
			continue
		}
		if eco.implicit && genVendoredOrCached(p, s, c, eco) {
			continue
		}
		cwd := cwds[raw]
		if cwd == "" {
			cwd = genJoinPath(workdir, ".")
		}
		if eco.dir != "" {
			cwd = genJoinDir(cwd, eco.dir)
		}
		text := c.String()
		if s.Exec && !c.Nested {
			text = strings.Join(append([]string{c.Name}, genArgValues(p, s, c)...), " ")
		}
		out = append(out, depInstall{in: s.Instruction, eco: eco, command: text, cwd: cwd, line: c.NameWord.Range.Start.Line})
	}
	return out
}

// genVendoredOrCached reports whether an implicit download is made cheap
// by a cache mount, or switched off (vendored Go modules, GOPATH mode).
func genVendoredOrCached(p *lint.Pass, s *shellscript.Script, c *shellscript.Command, eco genEco) bool {
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

// genJoinDir resolves dir against cwd, keeping an unknown cwd unknown.
func genJoinDir(cwd, dir string) string {
	if strings.HasPrefix(dir, "/") {
		return path.Clean(dir)
	}
	if strings.HasPrefix(cwd, "?") {
		return "?"
	}
	return genJoinPath(cwd, dir)
}

// genCommandDirs returns the directory each command of a script runs in.
func genCommandDirs(p *lint.Pass, s *shellscript.Script, workdir string) map[*shellscript.Command]string {
	out := map[*shellscript.Command]string{}
	start := genJoinPath(workdir, ".")
	cdTo := func(cur string, c *shellscript.Command) string {
		c = genUnwrap(c)
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
		return genJoinDir(cur, v)
	}
	if s.AST != nil {
		stack := []string{start}
		var nodes []syntax.Node
		syntax.Walk(s.AST, func(n syntax.Node) bool {
			if n == nil {
				top := nodes[len(nodes)-1]
				nodes = nodes[:len(nodes)-1]
				if genIsSubshellNode(top) {
					stack = stack[:len(stack)-1]
				}
				return true
			}
			nodes = append(nodes, n)
			if genIsSubshellNode(n) {
				stack = append(stack, stack[len(stack)-1])
			}
			if call, ok := n.(*syntax.CallExpr); ok {
				if c, ok := genCommandOf(p, call); ok {
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

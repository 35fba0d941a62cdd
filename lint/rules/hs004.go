package rules

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// depInstall is a dependency install found in a RUN: a command that exists to
// download what a manifest declares.
type depInstall struct {
	in        *dockerfile.Instruction
	key       string   // ecosystem: "npm", "pip", ...
	command   string   // as written, for messages
	manifests string   // the files to copy first, for messages
	patterns  []string // names (globs) of those files
	cwd       string
	line      int // where the command starts
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

// matchInstall recognises a dependency install in one simple command.
func matchInstall(argv []string) (key, manifests string, patterns []string, ok bool) {
	if len(argv) == 0 {
		return "", "", nil, false
	}
	tool := path.Base(argv[0])
	args := argv[1:]
	// python -m pip ..., python3 -m pip ..., uv pip ...
	if (strings.HasPrefix(tool, "python") && len(args) >= 2 && args[0] == "-m" && pipRe.MatchString(args[1])) ||
		(tool == "uv" && len(args) >= 1 && args[0] == "pip") {
		if tool == "uv" {
			args = args[1:]
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
		if first == "ci" || isPackageInstall(args, []string{"install", "i", "isntall"}, nodeValuedFlags...) {
			return "npm", "package.json + package-lock.json", []string{"package.json", "package-lock.json", "npm-shrinkwrap.json"}, true
		}
	case tool == "yarn":
		p := positionals(args, nodeValuedFlags...)
		if (len(p) == 0 || (len(p) == 1 && p[0] == "install")) && !hasFlag(args, "--version", "-v", "--help", "-h") {
			return "yarn", "package.json + yarn.lock", []string{"package.json", "yarn.lock"}, true
		}
	case tool == "pnpm":
		if isPackageInstall(args, []string{"install", "i"}, nodeValuedFlags...) {
			return "pnpm", "package.json + pnpm-lock.yaml", []string{"package.json", "pnpm-lock.yaml"}, true
		}
		if p := positionals(args, nodeValuedFlags...); len(p) == 1 && p[0] == "fetch" {
			return "pnpm", "pnpm-lock.yaml", []string{"pnpm-lock.yaml"}, true
		}
	case tool == "bun":
		if isPackageInstall(args, []string{"install", "i"}, nodeValuedFlags...) {
			return "bun", "package.json + bun.lock", []string{"package.json", "bun.lock", "bun.lockb"}, true
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
				return "pip", req, []string{path.Base(req), req}, true
			}
		}
	case tool == "poetry":
		if first == "install" {
			return "poetry", "pyproject.toml + poetry.lock", []string{"pyproject.toml", "poetry.lock"}, true
		}
	case tool == "uv":
		if first == "sync" {
			return "uv", "pyproject.toml + uv.lock", []string{"pyproject.toml", "uv.lock"}, true
		}
	case tool == "pipenv":
		if first == "sync" || (first == "install" && len(pos) == 1) {
			return "pipenv", "Pipfile + Pipfile.lock", []string{"Pipfile", "Pipfile.lock"}, true
		}
	case tool == "go":
		if len(pos) >= 2 && pos[0] == "mod" && pos[1] == "download" {
			return "go", "go.mod + go.sum", []string{"go.mod", "go.sum"}, true
		}
	case tool == "bundle" || tool == "bundler":
		if first == "install" || len(positionals(args, "--jobs", "-j", "--retry", "--path", "--without", "--with", "--gemfile")) == 0 {
			return "bundler", "Gemfile + Gemfile.lock", []string{"Gemfile", "Gemfile.lock"}, true
		}
	case tool == "composer" || tool == "composer.phar" || (tool == "php" && len(pos) >= 2 && path.Base(pos[0]) == "composer.phar"):
		p := pos
		if tool == "php" {
			p = pos[1:]
		}
		if len(p) > 0 && p[0] == "install" {
			return "composer", "composer.json + composer.lock", []string{"composer.json", "composer.lock"}, true
		}
	case tool == "cargo":
		if first == "fetch" {
			return "cargo", "Cargo.toml + Cargo.lock", []string{"Cargo.toml", "Cargo.lock"}, true
		}
	case tool == "mvn" || tool == "mvnw":
		for _, a := range args {
			if strings.Contains(a, "dependency:go-offline") || strings.Contains(a, "dependency:resolve") || strings.Contains(a, "go-offline-maven-plugin") {
				return "maven", "pom.xml", []string{"pom.xml"}, true
			}
		}
	case tool == "gradle" || tool == "gradlew":
		for _, a := range pos {
			if a == "dependencies" || a == "downloadDependencies" {
				return "gradle", "build.gradle(.kts) + settings.gradle(.kts)", []string{"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"}, true
			}
		}
	case tool == "dotnet":
		if first == "restore" {
			return "dotnet", "the project files (*.csproj, *.sln)", []string{"*.csproj", "*.fsproj", "*.vbproj", "*.sln"}, true
		}
	case tool == "mix":
		if first == "deps.get" {
			return "mix", "mix.exs + mix.lock", []string{"mix.exs", "mix.lock"}, true
		}
	}
	return "", "", nil, false
}

// commandLine is the line a command of a RUN starts on: where its first
// words are found in the instruction, else the RUN's first line.
func commandLine(in *dockerfile.Instruction, argv []string) int {
	n := min(len(argv), 3)
	for ; n > 0; n-- {
		if r, _, ok := in.FindFrom(strings.Join(argv[:n], " "), in.ArgsOffset); ok {
			return r.Start.Line
		}
	}
	return in.Range.Start.Line
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
				wd = joinPath(wd, c.Path)
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
		"`npm ci` (or `pip install -r`, `go mod download`, `bundle install`, `composer install`, " +
		"`cargo fetch`, `dotnet restore`, ...) makes the install depend on every file of the context: " +
		"a one-line code change downloads and installs all dependencies again. Copy the manifest and " +
		"lock file first, install, then copy the rest; the install then re-runs only when the " +
		"dependencies change. The rule looks, in one stage, for a COPY/ADD of the whole context (`.`, " +
		"`./`, `*`) or of a directory into the directory the install runs in, followed by an install " +
		"from a manifest. It is silent when the same ecosystem's install already ran before the broad " +
		"COPY (the good pattern, which may re-run a cheap install afterwards, as `poetry install` for " +
		"the project itself). Copying the manifest first does not help when the install still comes " +
		"after the broad COPY, and the message says so. Builds that download implicitly (`cargo build`, " +
		"`go build`, `mvn package`) are not installs: they need the sources anyway. RUN scripts are " +
		"matched word by word for now.",
	Bad:  "FROM node:24-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
	Good: "FROM node:24-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
	Run: func(p *lint.Pass) {
		for _, s := range p.File.Stages {
			checkCacheBusting(p, s)
		}
	},
})

func checkCacheBusting(p *lint.Pass, s *dockerfile.Stage) {
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
				workdir = joinPath(workdir, wd)
			}
		case "copy", "add":
			for _, cs := range contextSources(in, workdir) {
				if isContextRoot(cs.src) || isDirSource(cs.src) {
					broad = append(broad, cs)
				} else {
					manifests = append(manifests, cs)
				}
			}
		case "run":
			for _, c := range splitCommands(runScript(in), workdir) {
				key, man, pats, ok := matchInstall(c.argv)
				if !ok {
					continue
				}
				installs = append(installs, depInstall{in: in, key: key, command: strings.Join(c.argv, " "),
					manifests: man, patterns: pats, cwd: joinPath(c.cwd, "."), line: commandLine(in, c.argv)})
			}
		}
	}
	for _, b := range broad {
		if msg := cacheBustMessage(b, installs, manifests); msg != "" {
			p.Report(b.at, msg)
		}
	}
}

// cacheBustMessage returns the finding for a broad COPY, or "" when no
// install after it is affected.
func cacheBustMessage(b copySource, installs []depInstall, manifests []copySource) string {
	root := isContextRoot(b.src)
	for _, i := range installs {
		if i.in.Index <= b.in.Index || (!root && path.Clean(b.dest) != path.Clean(i.cwd)) {
			continue
		}
		installedBefore := false
		for _, j := range installs {
			if j.key == i.key && j.in.Index < b.in.Index {
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
			if m.in.Index < b.in.Index && copiesManifest(m.src, i.patterns) {
				return fmt.Sprintf("`%s` %s before `%s` (line %d): %s is already copied on line %d, but the install "+
					"comes after this broad COPY, so every source change still reinstalls the dependencies; move the "+
					"install above this COPY", copyText, what, cmd, i.line, m.src, m.in.Range.Start.Line)
			}
		}
		return fmt.Sprintf("`%s` %s before `%s` (line %d), so every source change invalidates the cached "+
			"dependency install; copy %s first, run the install, then copy the rest",
			copyText, what, cmd, i.line, i.manifests)
	}
	return ""
}

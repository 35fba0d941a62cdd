package rules

import (
	"fmt"
	"strings"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

var HS015 = register(&lint.Rule{
	ID:       "HS015",
	Name:     "undefined-var",
	Aliases:  []string{"UndefinedVar"},
	Severity: lint.Warning,
	Summary:  "Variables should be defined before their use",
	Rationale: "Mirrors BuildKit's UndefinedVar check: a variable that BuildKit expands (in ENV, LABEL, " +
		"ARG defaults, COPY/ADD sources, destinations, --chown, --chmod and unquoted heredocs, WORKDIR, " +
		"USER, VOLUME, STOPSIGNAL and RUN --mount options) with no ARG or ENV defining it in the " +
		"stage becomes an empty string. The classic case is a global ARG used in a stage without " +
		"`ARG NAME` there, or an automatic ARG such as TARGETARCH used without being declared. " +
		"Shell variables in RUN, CMD and ENTRYPOINT are the shell's business and are not checked. " +
		"BuildKit knows the base image's ENV; hoist does not pull images, so in a stage built on an " +
		"image it only reports global and automatic ARGs that were not redeclared, and names of four " +
		"characters or more within two edits of a known variable (likely typos), and never a name the " +
		"image may define (PATH, HOME, JAVA_HOME, NODE_* in a node image, ...). Stages built on " +
		"scratch, or on other stages of the file, are checked exactly as BuildKit does (ONBUILD " +
		"triggers of a base stage make its children unknown too). A close name is suggested as " +
		"BuildKit does, also among the global ARGs.",
	Bad:  "ARG VERSION=1.2.3\nFROM alpine:3.20\nCOPY app-${VERSION}.tar.gz /opt/\n",
	Good: "ARG VERSION=1.2.3\nFROM alpine:3.20\nARG VERSION\nCOPY app-${VERSION}.tar.gz /opt/\n",
	Run: func(p *lint.Pass) {
		global := p.File.Scopes().Global()
		globalNames := global.Names() // the declared global ARGs and the automatic ones
		type key struct {
			in   *dockerfile.Instruction
			name string
		}
		seen := map[key]bool{}
		for _, u := range undefinedVars(p.File) {
			k := key{u.in, u.name}
			if seen[k] {
				continue
			}
			seen[k] = true
			sc := u.scope
			_, has := sc.Lookup(u.name)
			isGlobal := (global.Declared(u.name) || dockerfile.IsAutomaticArg(u.name)) && !has
			match := suggestName(u.name, append(sc.Names(), globalNames...))
			if sc.Open() {
				// The image's ENV is unknown: only a build ARG that was not
				// redeclared, or a likely typo of a known name, is worth a report.
				typo := match != "" && len(u.name) >= 4 && len(match) >= 4 && startsLikeIdent(u.name)
				img, imgKnown := stageBaseImage(u.in.Stage)
				if imageMayDefine(u.name, img, imgKnown) || (!isGlobal && !typo) {
					continue
				}
			}
			msg := fmt.Sprintf("Usage of undefined variable '$%s'", u.name)
			switch {
			case isGlobal && dockerfile.IsAutomaticArg(u.name) && !global.Declared(u.name):
				msg += fmt.Sprintf(" (%s is an automatic build ARG: add `ARG %s` to this stage to use it)", u.name, u.name)
			case isGlobal:
				msg += fmt.Sprintf(" (%s is a global ARG: add `ARG %s` to this stage to use its value)", u.name, u.name)
			case match != "":
				msg += fmt.Sprintf(" (did you mean $%s?)", match)
			default:
				msg += ": define it with ARG or ENV before this instruction"
			}
			hi := len(u.in.Logical())
			if u.in.Name == "run" {
				hi = u.in.ArgsOffset // only the --mount options are expanded
			}
			r, _ := varRefRange(p.File, u.in, u.name, keywordEnd(u.in), hi)
			p.Report(r, msg)
		}
	},
})

// startsLikeIdent reports whether name starts like an identifier (not $1 or $@).
func startsLikeIdent(name string) bool {
	if name == "" {
		return false
	}
	c := name[0]
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// undefinedVar is a variable BuildKit's expansion finds no value for.
type undefinedVar struct {
	in    *dockerfile.Instruction
	name  string
	scope *dockerfile.Scope // the scope the word was expanded in
}

// undefinedVars replays BuildKit's dispatch of every stage: the words each
// instruction expands, and every variable there without a value (but the
// declared ARGs, which BuildKit does not report), in order.
func undefinedVars(f *dockerfile.File) []undefinedVar {
	scopes := f.Scopes()
	var out []undefinedVar
	record := func(in *dockerfile.Instruction, e dockerfile.Expansion, sc *dockerfile.Scope) {
		for _, n := range e.Unmatched {
			if sc.Declared(n) || dockerfile.NonEnvArgs[n] {
				continue
			}
			out = append(out, undefinedVar{in: in, name: n, scope: sc})
		}
	}
	for _, s := range f.Stages {
		for _, in := range s.Instructions {
			sc := scopes.Before(in)
			expand := func(word string) { record(in, sc.Expand(word), sc) }
			expandSources := func(sd *instructions.SourcesAndDest) {
				for _, s := range sd.SourcePaths {
					expand(s)
				}
				expand(sd.DestPath)
				for _, c := range sd.SourceContents {
					if c.Expand {
						record(in, sc.ExpandRaw(c.Data), sc)
					}
				}
			}
			switch c := in.Typed.(type) {
			case *instructions.EnvCommand, *instructions.ArgCommand:
				// ENV expands every key and value before setting any; each
				// ARG default sees the pairs before it.
				for _, d := range scopes.Definitions(in) {
					record(in, d.Key, d.Scope)
					record(in, d.Value, d.Scope)
				}
			case *instructions.LabelCommand:
				for _, l := range c.Labels {
					expand(l.Key)
					expand(l.Value)
				}
			case *instructions.CopyCommand:
				expand(c.Chown)
				expand(c.Chmod)
				expandSources(&c.SourcesAndDest)
			case *instructions.AddCommand:
				expand(c.Chown)
				expand(c.Chmod)
				expand(c.Checksum)
				expandSources(&c.SourcesAndDest)
			case *instructions.WorkdirCommand:
				expand(c.Path)
			case *instructions.UserCommand:
				expand(c.User)
			case *instructions.VolumeCommand:
				for _, v := range c.Volumes {
					expand(v)
				}
			case *instructions.StopSignalCommand:
				expand(c.Signal)
			case *instructions.RunCommand:
				// Only the --mount options are expanded by BuildKit; the
				// command itself is the shell's business.
				for _, fl := range in.Flags {
					if fl.Name != "mount" {
						continue
					}
					for _, field := range strings.Split(fl.Value, ",") {
						if _, v, ok := strings.Cut(field, "="); ok {
							expand(v)
						}
					}
				}
			}
		}
	}
	return out
}

// stageBaseImage is the image at the root of a stage's chain, unless a stage
// of the chain has ONBUILD triggers (they may set anything).
func stageBaseImage(s *dockerfile.Stage) (dockerfile.ImageRef, bool) {
	if s == nil {
		return dockerfile.ImageRef{}, false
	}
	chain := s.Chain()
	for _, b := range chain[1:] {
		for _, in := range b.Instructions {
			if in.Name == "onbuild" {
				return dockerfile.ImageRef{}, false
			}
		}
	}
	return chain[len(chain)-1].Image()
}

// commonImageEnv are variables that popular base images set in their
// configuration. hoist does not pull images, so in a stage built on an image
// these are never reported as undefined.
var commonImageEnv = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`
		PATH HOME HOSTNAME USER SHELL TERM LANG LANGUAGE LC_ALL TZ
		JAVA_HOME JAVA_VERSION JDK_VERSION JRE_HOME
		GOPATH GOROOT GOLANG_VERSION GOTOOLCHAIN
		PYTHON_VERSION PYTHON_SHA256 PYTHON_PIP_VERSION PYTHON_SETUPTOOLS_VERSION PYTHON_GET_PIP_URL PYTHON_GET_PIP_SHA256 GPG_KEY PIP_VERSION VIRTUAL_ENV
		NODE_VERSION YARN_VERSION NVM_DIR
		RUBY_VERSION RUBY_MAJOR RUBY_DOWNLOAD_SHA256 RUBY_DOWNLOAD_URL GEM_HOME BUNDLE_PATH BUNDLE_APP_CONFIG BUNDLE_SILENCE_ROOT_WARNING
		PHP_VERSION PHP_INI_DIR PHP_URL PHP_ASC_URL PHP_SHA256 PHPIZE_DEPS PHP_CFLAGS PHP_CPPFLAGS PHP_LDFLAGS
		NGINX_VERSION NJS_VERSION NJS_RELEASE PKG_RELEASE DYNPKG_RELEASE
		HTTPD_VERSION HTTPD_PREFIX HTTPD_SHA256 HTTPD_PATCHES
		PG_MAJOR PG_VERSION PGDATA POSTGRES_VERSION
		REDIS_VERSION MONGO_VERSION MYSQL_VERSION MYSQL_MAJOR MARIADB_VERSION
		RUSTUP_HOME CARGO_HOME RUST_VERSION
		MAVEN_HOME MAVEN_CONFIG GRADLE_HOME GRADLE_VERSION CATALINA_HOME TOMCAT_VERSION TOMCAT_MAJOR
		DOTNET_VERSION ASPNET_VERSION ASPNETCORE_URLS ASPNETCORE_HTTP_PORTS DOTNET_RUNNING_IN_CONTAINER DOTNET_SDK_VERSION
		OTP_VERSION ELIXIR_VERSION REBAR3_VERSION ERLANG_VERSION
		CONDA_DIR MAMBA_ROOT_PREFIX ANDROID_HOME ANDROID_SDK_ROOT SDKMAN_DIR
		NVIDIA_VISIBLE_DEVICES NVIDIA_DRIVER_CAPABILITIES CUDA_VERSION LD_LIBRARY_PATH
	`) {
		commonImageEnv[n] = true
	}
}

// imageMayDefine reports whether the stage's base image could well set
// name in its ENV: a common image variable, or one named after the image
// (NODE_* in node, PYTHON_* in python, DOTNET_* in mcr.microsoft.com/dotnet/sdk).
func imageMayDefine(name string, image dockerfile.ImageRef, imageKnown bool) bool {
	if commonImageEnv[name] {
		return true
	}
	if !imageKnown {
		return false
	}
	for _, comp := range strings.Split(image.Repository, "/") {
		p := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(comp))
		if p == "" || p == "LIBRARY" {
			continue
		}
		if name == p || strings.HasPrefix(name, p+"_") {
			return true
		}
	}
	return false
}

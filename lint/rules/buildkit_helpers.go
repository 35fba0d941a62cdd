package rules

// Helpers shared by the rules that mirror BuildKit's Dockerfile checks
// (HS008-HS018): BuildKit's variable scopes, its expansion, positions of
// variable references, image reference validation and .dockerignore loading.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/buildkit/util/suggest"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	digest "github.com/opencontainers/go-digest"
)

// bkAutoArgs are the ARGs BuildKit defines in the global scope by itself
// (dockerfile2llb's defaultArgs), in its order.
var bkAutoArgs = []string{
	"BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
	"TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT",
	"TARGETSTAGE",
}

// bkNonEnvArgs are ARGs BuildKit never puts in the environment and never
// reports as undefined.
var bkNonEnvArgs = map[string]bool{
	"BUILDKIT_SBOM_SCAN_CONTEXT": true,
	"BUILDKIT_SBOM_SCAN_STAGE":   true,
}

// bkDefaultPath is the PATH BuildKit sets when the base image has none.
const bkDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// bkGlobalEnv is BuildKit's global scope for a build without --build-arg:
// the automatic ARGs, then the global ARGs with their defaults.
func bkGlobalEnv(f *dockerfile.File) *dockerfile.Env {
	env := dockerfile.NewEnv()
	target := "default"
	if n := len(f.Stages); n > 0 && f.Stages[n-1].Name != "" {
		target = strings.ToLower(f.Stages[n-1].Name)
	}
	for _, k := range bkAutoArgs {
		v, ok := dockerfile.PlatformArgs[k]
		if k == "TARGETSTAGE" {
			v, ok = target, true
		}
		if !ok {
			v = ""
		}
		env.Set(k, v)
	}
	for _, in := range f.GlobalArgs {
		arg, ok := in.Typed.(*instructions.ArgCommand)
		if !ok {
			continue
		}
		for _, kv := range arg.Args {
			if kv.Value == nil {
				continue
			}
			v, _ := f.Expand(*kv.Value, env)
			env.Set(kv.Key, v)
		}
	}
	return env
}

// bkGlobalArgNames are the ARGs declared before the first FROM (with or
// without a default).
func bkGlobalArgNames(f *dockerfile.File) map[string]bool {
	names := map[string]bool{}
	for _, in := range f.GlobalArgs {
		if arg, ok := in.Typed.(*instructions.ArgCommand); ok {
			for _, kv := range arg.Args {
				names[kv.Key] = true
			}
		}
	}
	return names
}

func bkIsAutoArg(name string) bool {
	for _, k := range bkAutoArgs {
		if k == name {
			return true
		}
	}
	return false
}

func bkSortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// bkSuggest is BuildKit's "did you mean" (edit distance below 3), made
// deterministic by trying the options in sorted order.
func bkSuggest(name string, options []string) string {
	opts := append([]string(nil), options...)
	sort.Strings(opts)
	m, _ := suggest.Search(name, opts, true)
	return m
}

// bkScope is what BuildKit's expansion sees at one point of a stage.
type bkScope struct {
	// env holds the variables with a value: inherited from a base stage,
	// set by ENV, or by ARG.
	env *dockerfile.Env
	// declared are the stage's ARGs, with or without a value (BuildKit never
	// reports those as undefined).
	declared map[string]bool
	// open is set when the stage is built on an image (or a stage of unknown
	// origin) whose ENV hoist does not know.
	open bool
	// image is the base image at the root of the stage chain, when known.
	image      dockerfile.ImageRef
	imageKnown bool
}

func (s *bkScope) clone() *bkScope {
	c := *s
	c.env = s.env.Clone()
	c.declared = make(map[string]bool, len(s.declared))
	for k, v := range s.declared {
		c.declared[k] = v
	}
	return &c
}

// known lists every name with a value or declared, for suggestions.
func (s *bkScope) known() []string {
	m := map[string]bool{}
	for _, k := range s.env.Keys() {
		m[k] = true
	}
	for k := range s.declared {
		m[k] = true
	}
	return bkSortedKeys(m)
}

// bkUndef is a variable BuildKit's expansion finds no value for.
type bkUndef struct {
	in    *dockerfile.Instruction
	name  string
	scope *bkScope // the scope the word was expanded in (a copy)
}

// bkAnalysis replays BuildKit's dispatch of every stage: the scope before
// each instruction, and every undefined variable its expansion meets.
type bkAnalysis struct {
	f           *dockerfile.File
	lex         *shell.Lex
	rawLex      *shell.Lex
	global      *dockerfile.Env
	globalNames map[string]bool // declared global ARGs and the automatic ones
	userGlobals map[string]bool // declared global ARGs only
	before      map[*dockerfile.Instruction]*bkScope
	undefined   []bkUndef
}

func bkAnalyze(f *dockerfile.File) *bkAnalysis {
	a := &bkAnalysis{
		f:           f,
		lex:         shell.NewLex(f.EscapeToken),
		rawLex:      shell.NewLex('\\'),
		global:      bkGlobalEnv(f),
		globalNames: bkGlobalArgNames(f),
		userGlobals: bkGlobalArgNames(f),
		before:      map[*dockerfile.Instruction]*bkScope{},
	}
	a.rawLex.SkipProcessQuotes = true
	for _, k := range bkAutoArgs {
		a.globalNames[k] = true
	}
	finals := map[*dockerfile.Stage]*bkScope{}
	for _, s := range f.Stages {
		sc := a.stageRoot(s, finals)
		for _, in := range s.Instructions {
			a.before[in] = sc.clone()
			a.step(in, sc)
		}
		finals[s] = sc
	}
	return a
}

// stageRoot is the scope a stage starts with: its base stage's final scope,
// PATH alone on scratch, or an unknown image environment.
func (a *bkAnalysis) stageRoot(s *dockerfile.Stage, finals map[*dockerfile.Stage]*bkScope) *bkScope {
	if s.BaseStage != nil {
		if base, ok := finals[s.BaseStage]; ok {
			sc := base.clone()
			sc.declared = map[string]bool{} // ARGs do not carry over, their values do
			if bkHasOnbuild(s.BaseStage) {
				// The base stage's ONBUILD triggers run first and may set anything.
				sc.open, sc.imageKnown = true, false
			}
			return sc
		}
	}
	sc := &bkScope{env: dockerfile.NewEnv(), declared: map[string]bool{}}
	switch {
	case len(s.Unresolved) > 0 || s.Base == "":
		sc.open = true
	case strings.EqualFold(s.Base, "scratch"):
		sc.env.Set("PATH", bkDefaultPath)
	default:
		sc.open = true
		sc.image, sc.imageKnown = dockerfile.ParseImageRef(s.Base), true
	}
	return sc
}

func bkHasOnbuild(s *dockerfile.Stage) bool {
	for _, in := range s.Instructions {
		if in.Name == "onbuild" {
			return true
		}
	}
	return false
}

// step applies one instruction as BuildKit's dispatch does: expansion of the
// words it expands (recording undefined variables), then its effect on the scope.
func (a *bkAnalysis) step(in *dockerfile.Instruction, sc *bkScope) {
	switch c := in.Typed.(type) {
	case *instructions.EnvCommand:
		// Every pair is expanded before any is set: ENV A=1 B=$A sees no A.
		type kv struct{ k, v string }
		var sets []kv
		for _, e := range c.Env {
			k := a.expand(in, e.Key, sc, false)
			v := a.expand(in, e.Value, sc, false)
			sets = append(sets, kv{k, v})
		}
		for _, s := range sets {
			sc.env.Set(s.k, s.v)
		}
	case *instructions.ArgCommand:
		// Unlike ENV, each ARG sees the ones before it in the same instruction.
		for _, kv := range c.Args {
			switch {
			case kv.Value != nil:
				v := a.expand(in, *kv.Value, sc, false)
				if !bkNonEnvArgs[kv.Key] {
					sc.env.Set(kv.Key, v)
				}
			default:
				if v, ok := a.global.Get(kv.Key); ok && !bkNonEnvArgs[kv.Key] {
					sc.env.Set(kv.Key, v)
				}
			}
			sc.declared[kv.Key] = true
		}
	case *instructions.LabelCommand:
		for _, l := range c.Labels {
			a.expand(in, l.Key, sc, false)
			a.expand(in, l.Value, sc, false)
		}
	case *instructions.CopyCommand:
		a.expand(in, c.Chown, sc, false)
		a.expand(in, c.Chmod, sc, false)
		a.expandSources(in, &c.SourcesAndDest, sc)
	case *instructions.AddCommand:
		a.expand(in, c.Chown, sc, false)
		a.expand(in, c.Chmod, sc, false)
		a.expand(in, c.Checksum, sc, false)
		a.expandSources(in, &c.SourcesAndDest, sc)
	case *instructions.WorkdirCommand:
		a.expand(in, c.Path, sc, false)
	case *instructions.UserCommand:
		a.expand(in, c.User, sc, false)
	case *instructions.VolumeCommand:
		for _, v := range c.Volumes {
			a.expand(in, v, sc, false)
		}
	case *instructions.StopSignalCommand:
		a.expand(in, c.Signal, sc, false)
	case *instructions.RunCommand:
		// Only the --mount options are expanded by BuildKit; the command
		// itself is the shell's business.
		for _, fl := range in.Flags {
			if fl.Name != "mount" {
				continue
			}
			for _, field := range strings.Split(fl.Value, ",") {
				if _, v, ok := strings.Cut(field, "="); ok {
					a.expand(in, v, sc, false)
				}
			}
		}
	}
}

func (a *bkAnalysis) expandSources(in *dockerfile.Instruction, sd *instructions.SourcesAndDest, sc *bkScope) {
	for _, s := range sd.SourcePaths {
		a.expand(in, s, sc, false)
	}
	a.expand(in, sd.DestPath, sc, false)
	for _, c := range sd.SourceContents {
		if c.Expand {
			a.expand(in, c.Data, sc, true)
		}
	}
}

// expand runs BuildKit's lexer over word and records the variables it finds
// no value for (except the stage's declared ARGs, as BuildKit).
func (a *bkAnalysis) expand(in *dockerfile.Instruction, word string, sc *bkScope, raw bool) string {
	if word == "" {
		return ""
	}
	lex := a.lex
	if raw {
		lex = a.rawLex
	}
	res, _ := lex.ProcessWordWithMatches(word, sc.env)
	names := make([]string, 0, len(res.Unmatched))
	for n := range res.Unmatched {
		names = append(names, n)
	}
	sort.Strings(names)
	var snap *bkScope
	for _, n := range names {
		if sc.declared[n] || bkNonEnvArgs[n] {
			continue
		}
		if snap == nil {
			snap = sc.clone()
		}
		a.undefined = append(a.undefined, bkUndef{in: in, name: n, scope: snap})
	}
	return res.Result
}

// expandIn expands word in the scope before in; ok is false when a variable
// has no known value (the result would be a guess).
func (a *bkAnalysis) expandIn(in *dockerfile.Instruction, word string) (string, bool) {
	sc := a.before[in]
	if sc == nil {
		sc = &bkScope{env: dockerfile.NewEnv(), declared: map[string]bool{}, open: true}
	}
	res, err := a.lex.ProcessWordWithMatches(word, sc.env)
	if err != nil || len(res.Unmatched) > 0 {
		return "", false
	}
	return res.Result, true
}

// bkCommonImageEnv are variables that popular base images set in their
// configuration. hoist does not pull images, so in a stage built on an image
// these are never reported as undefined.
var bkCommonImageEnv = map[string]bool{}

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
		bkCommonImageEnv[n] = true
	}
}

// bkImageMayDefine reports whether the stage's base image could well set
// name in its ENV: a common image variable, or one named after the image
// (NODE_* in node, PYTHON_* in python, DOTNET_* in mcr.microsoft.com/dotnet/sdk).
func bkImageMayDefine(name string, sc *bkScope) bool {
	if bkCommonImageEnv[name] {
		return true
	}
	if !sc.imageKnown {
		return false
	}
	for _, comp := range strings.Split(sc.image.Repository, "/") {
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

// bkRef is a variable reference ($NAME or ${NAME...}) in a text.
type bkRef struct {
	Name     string
	Off, Len int // byte offset and length of "$NAME" or "${NAME"
}

// bkVarRefs finds the variable references the way BuildKit's lexer sees
// them: escaped dollars and (when quotes is set) single-quoted text do not
// expand.
func bkVarRefs(s string, escape rune, quotes bool) []bkRef {
	var refs []bkRef
	inSingle, inDouble := false, false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case inSingle:
			if r == '\'' {
				inSingle = false
			}
			i += size
			continue
		case r == escape:
			i += size
			if i < len(s) {
				_, n := utf8.DecodeRuneInString(s[i:])
				i += n
			}
			continue
		case quotes && r == '\'' && !inDouble:
			inSingle = true
			i += size
			continue
		case quotes && r == '"':
			inDouble = !inDouble
			i += size
			continue
		case r != '$':
			i += size
			continue
		}
		start := i
		j := i + 1
		if j < len(s) && s[j] == '{' {
			j++
		}
		name := bkVarName(s[j:])
		if name == "" {
			i++
			continue
		}
		end := j + len(name)
		refs = append(refs, bkRef{Name: name, Off: start, Len: end - start})
		i = end
	}
	return refs
}

// bkVarName reads a variable name as BuildKit's processName does.
func bkVarName(s string) string {
	if s == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(s)
	if unicode.IsDigit(r) {
		n := 0
		for n < len(s) {
			d, sz := utf8.DecodeRuneInString(s[n:])
			if !unicode.IsDigit(d) {
				break
			}
			n += sz
		}
		return s[:n]
	}
	if strings.ContainsRune("@*#?-$!0", r) {
		return s[:size]
	}
	n := 0
	for n < len(s) {
		c, sz := utf8.DecodeRuneInString(s[n:])
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '_' {
			break
		}
		n += sz
	}
	return s[:n]
}

// bkRefRange is the range of the first reference to name in the logical
// line of in between the byte offsets lo and hi, then in its expanding
// heredoc bodies.
func bkRefRange(f *dockerfile.File, in *dockerfile.Instruction, name string, lo, hi int) (dockerfile.Range, bool) {
	logical := in.Logical()
	lo = max(0, min(lo, len(logical)))
	hi = max(lo, min(hi, len(logical)))
	for _, r := range bkVarRefs(logical[lo:hi], f.EscapeToken, true) {
		if r.Name == name {
			return in.Span(lo+r.Off, r.Len), true
		}
	}
	for _, h := range in.Heredocs {
		if !h.Expand {
			continue
		}
		for line := h.ContentStart; line < h.Body.End.Line; line++ {
			text := f.Line(line)
			for _, r := range bkVarRefs(text, '\\', false) {
				if r.Name == name {
					col := utf8.RuneCountInString(text[:r.Off]) + 1
					n := utf8.RuneCountInString(text[r.Off : r.Off+r.Len])
					return dockerfile.Range{
						Start: dockerfile.Position{Line: line, Column: col},
						End:   dockerfile.Position{Line: line, Column: col + n},
					}, true
				}
			}
		}
	}
	return in.ArgsRange(), false
}

// bkKeywordEnd is the logical offset just after the instruction keyword.
func bkKeywordEnd(in *dockerfile.Instruction) int {
	i := strings.Index(in.Logical(), in.Keyword)
	if i < 0 {
		return 0
	}
	return i + len(in.Keyword)
}

// bkFromWords are a FROM's words when it has the "image AS name" shape.
func bkFromWords(in *dockerfile.Instruction) (as, name dockerfile.Word, ok bool) {
	ws := in.Words()
	if len(ws) != 3 || !strings.EqualFold(ws[1].Text, "as") {
		return dockerfile.Word{}, dockerfile.Word{}, false
	}
	return ws[1], ws[2], true
}

// Image reference grammar of github.com/distribution/reference, which
// BuildKit uses to validate FROM (ParseNormalizedNamed).
var (
	bkRefRegexp, bkNameRegexp, bkIdentRegexp = bkRefRegexps()
)

func bkRefRegexps() (*regexp.Regexp, *regexp.Regexp, *regexp.Regexp) {
	const (
		alphanumeric        = `[a-z0-9]+`
		separator           = `(?:[._]|__|[-]+)`
		domainNameComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
		optionalPort        = `(?::[0-9]+)?`
		tag                 = `[\w][\w.-]{0,127}`
		digestPat           = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`
		ipv6address         = `\[(?:[a-fA-F0-9:]+)\]`
		domainName          = domainNameComponent + `(?:\.` + domainNameComponent + `)*`
		host                = `(?:` + domainName + `|` + ipv6address + `)`
		domainAndPort       = host + optionalPort
		pathComponent       = alphanumeric + `(?:` + separator + alphanumeric + `)*`
		remoteName          = pathComponent + `(?:/` + pathComponent + `)*`
		namePat             = `(?:` + domainAndPort + `/)?` + remoteName
	)
	ref := regexp.MustCompile(`^(` + namePat + `)(?::(` + tag + `))?(?:@(` + digestPat + `))?$`)
	name := regexp.MustCompile(`^(?:(` + domainAndPort + `)/)?(` + remoteName + `)$`)
	ident := regexp.MustCompile(`^[a-f0-9]{64}$`)
	return ref, name, ident
}

// bkValidateRef is distribution/reference's ParseNormalizedNamed: nil when
// s is a valid image reference.
func bkValidateRef(s string) error {
	if s == "" {
		return errors.New("the name is empty")
	}
	if bkIdentRegexp.MatchString(s) {
		return errors.New("a 64-character hexadecimal string is not a repository name")
	}
	domain, remainder := bkSplitDockerDomain(s)
	remote := remainder
	if i := strings.IndexRune(remainder, ':'); i > -1 {
		remote = remainder[:i]
	}
	if strings.ToLower(remote) != remote {
		return fmt.Errorf("repository name %q must be lowercase", strings.TrimPrefix(remote, "library/"))
	}
	full := domain + "/" + remainder
	m := bkRefRegexp.FindStringSubmatch(full)
	if m == nil {
		return errors.New("invalid reference format")
	}
	if nm := bkNameRegexp.FindStringSubmatch(m[1]); len(nm) == 3 && len(nm[2]) > 255 {
		return errors.New("repository name must not be more than 255 characters")
	}
	if m[3] != "" {
		if _, err := digest.Parse(m[3]); err != nil {
			return fmt.Errorf("invalid digest %q", m[3])
		}
	}
	return nil
}

func bkSplitDockerDomain(name string) (domain, remote string) {
	maybeDomain, maybeRemote, ok := strings.Cut(name, "/")
	if !ok {
		return "docker.io", "library/" + name
	}
	switch {
	case maybeDomain == "localhost":
		domain, remote = maybeDomain, maybeRemote
	case maybeDomain == "index.docker.io":
		domain, remote = "docker.io", maybeRemote
	case strings.ContainsAny(maybeDomain, ".:"):
		domain, remote = maybeDomain, maybeRemote
	case strings.ToLower(maybeDomain) != maybeDomain:
		domain, remote = maybeDomain, maybeRemote
	default:
		domain, remote = "docker.io", name
	}
	if domain == "docker.io" && !strings.ContainsRune(remote, '/') {
		remote = "library/" + remote
	}
	return domain, remote
}

// bkIgnore is the .dockerignore that applies to a Dockerfile.
type bkIgnore struct {
	path     string // as found, for messages
	patterns []string
	matcher  *patternmatcher.PatternMatcher
}

// bkLoadIgnore finds the .dockerignore of the build context BuildKit would
// use for the Dockerfile at name, taking the context to be the Dockerfile's
// directory: "<Dockerfile>.dockerignore" first, then ".dockerignore". nil
// when there is none, it is empty or unreadable, or name is stdin.
func bkLoadIgnore(name string) *bkIgnore {
	if name == "" || name == "-" {
		return nil
	}
	for _, p := range []string{name + ".dockerignore", filepath.Join(filepath.Dir(name), ".dockerignore")} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		pats, err := ignorefile.ReadAll(bytes.NewReader(data))
		if err != nil || len(pats) == 0 {
			return nil
		}
		m, err := patternmatcher.New(pats)
		if err != nil {
			return nil
		}
		return &bkIgnore{path: p, patterns: pats, matcher: m}
	}
	return nil
}

// bkRootIgnored mirrors BuildKit: "." and "/" are only reported when a
// pattern excludes every entry of the context root.
func bkRootIgnored(m *patternmatcher.PatternMatcher) bool {
	for _, p := range m.Patterns() {
		if p.Exclusion() {
			continue
		}
		switch p.String() {
		case "*", "**", "**/*":
			return true
		}
	}
	return false
}

// matchingPattern is the first pattern that excludes src.
func (ig *bkIgnore) matchingPattern(src string) string {
	for _, p := range ig.patterns {
		if strings.HasPrefix(p, "!") {
			continue
		}
		if ok, err := patternmatcher.MatchesOrParentMatches(src, []string{p}); err == nil && ok {
			return p
		}
	}
	return ""
}

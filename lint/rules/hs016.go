package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hoistci/hoist/lint"
	digest "github.com/opencontainers/go-digest"
)

var HS016 = register(&lint.Rule{
	ID:       "HS016",
	Name:     "invalid-default-arg-in-from",
	Aliases:  []string{"InvalidDefaultArgInFrom"},
	Severity: lint.Warning,
	Summary:  "Default value for global ARG results in an empty or invalid base image name",
	Rationale: "Mirrors BuildKit's InvalidDefaultArgInFrom check. A build should work without " +
		"`--build-arg`: with the global ARGs at their defaults, `ARG TAG` then `FROM busybox:${TAG}` " +
		"gives `busybox:`, which is no image. Give the ARG a default, or use `${TAG:-latest}`. An ARG " +
		"that may be empty is fine when the name stays valid (`FROM busybox:stable${VARIANT}`). As in " +
		"BuildKit, a FROM without variables whose name is not a valid reference is reported too; unlike " +
		"BuildKit, a FROM that names an earlier stage in another case (`FROM Build`) is not.",
	Bad:  "ARG TAG\nFROM busybox:${TAG}\n",
	Good: "ARG TAG=1.37\nFROM busybox:${TAG}\n",
	Run: func(p *lint.Pass) {
		global := p.File.Scopes().Global()
		for _, s := range p.File.Stages {
			if s.BaseName == "" {
				continue
			}
			res := global.Expand(s.BaseName)
			if res.Err != nil {
				// BuildKit abandons the check: the build fails on this FROM anyway.
				return
			}
			verr := validateImageRef(res.Result)
			if verr == nil || p.File.FindStage(res.Result, s.Index) != nil {
				continue
			}
			var msg string
			if strings.Contains(s.BaseName, "$") {
				msg = fmt.Sprintf("Default value for ARG %s results in empty or invalid base image name (%q: %v): give the ARG a default that makes a valid image name",
					s.BaseName, res.Result, verr)
			} else {
				msg = fmt.Sprintf("Base image name %q is not a valid image reference (%v)", s.BaseName, verr)
			}
			p.Report(s.BaseWord().Range, msg)
		}
	},
})

// Image reference grammar of github.com/distribution/reference, which
// BuildKit uses to validate FROM (ParseNormalizedNamed).
var (
	refRegexp, refNameRegexp, refIdentRegexp = refRegexps()
)

func refRegexps() (*regexp.Regexp, *regexp.Regexp, *regexp.Regexp) {
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

// validateImageRef is distribution/reference's ParseNormalizedNamed: nil when
// s is a valid image reference.
func validateImageRef(s string) error {
	if s == "" {
		return errors.New("the name is empty")
	}
	if refIdentRegexp.MatchString(s) {
		return errors.New("a 64-character hexadecimal string is not a repository name")
	}
	domain, remainder := splitDockerDomain(s)
	remote := remainder
	if i := strings.IndexRune(remainder, ':'); i > -1 {
		remote = remainder[:i]
	}
	if strings.ToLower(remote) != remote {
		return fmt.Errorf("repository name %q must be lowercase", strings.TrimPrefix(remote, "library/"))
	}
	full := domain + "/" + remainder
	m := refRegexp.FindStringSubmatch(full)
	if m == nil {
		return errors.New("invalid reference format")
	}
	if nm := refNameRegexp.FindStringSubmatch(m[1]); len(nm) == 3 && len(nm[2]) > 255 {
		return errors.New("repository name must not be more than 255 characters")
	}
	if m[3] != "" {
		if _, err := digest.Parse(m[3]); err != nil {
			return fmt.Errorf("invalid digest %q", m[3])
		}
	}
	return nil
}

func splitDockerDomain(name string) (domain, remote string) {
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

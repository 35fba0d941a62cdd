package metadata

import (
	"regexp"
	"strconv"
	"strings"
)

// semverRE is node-semver's FULL regular expression (strict, not loose),
// which semver.valid() uses in procSemver: an optional lower-case "v",
// MAJOR.MINOR.PATCH without leading zeros, -PRERELEASE, +BUILD.
var semverRE = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(?:-((?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?` +
	`(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$`)

type semverParts struct {
	raw                 string
	major, minor, patch string
	pre, build          []string
}

// version is SemVer.version: MAJOR.MINOR.PATCH[-PRERELEASE], no build.
func (v semverParts) version() string {
	s := v.major + "." + v.minor + "." + v.patch
	if len(v.pre) > 0 {
		s += "-" + strings.Join(v.pre, ".")
	}
	return s
}

// parseSemver is node-semver's valid()/parse(): the string is trimmed, at
// most 256 characters, and each number at most Number.MAX_SAFE_INTEGER.
func parseSemver(s string) (semverParts, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 256 {
		return semverParts{}, false
	}
	m := semverRE.FindStringSubmatch(s)
	if m == nil {
		return semverParts{}, false
	}
	for _, n := range m[1:4] {
		if v, err := strconv.ParseUint(n, 10, 64); err != nil || v > 1<<53-1 {
			return semverParts{}, false
		}
	}
	v := semverParts{raw: s, major: m[1], minor: m[2], patch: m[3]}
	if m[4] != "" {
		v.pre = strings.Split(m[4], ".")
	}
	if m[5] != "" {
		v.build = strings.Split(m[5], ".")
	}
	return v, true
}

// pep440RE is PEP 440's VERSION_PATTERN (as in @renovate/pep440, which
// metadata-action's procPep440 uses), case-insensitive, surrounding
// whitespace allowed.
var pep440RE = regexp.MustCompile(`(?i)^\s*v?(?:(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)` +
	`([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?([0-9]+)?)?` +
	`((?:-([0-9]+))|(?:[-_.]?(post|rev|r)[-_.]?([0-9]+)?))?` +
	`([-_.]?(dev)[-_.]?([0-9]+)?)?)` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

type pep440Version struct {
	epoch       string
	release     []string // numbers without leading zeros
	preL, preN  string   // "a", "b", "rc"; "" when none
	post, dev   string   // the numbers; "" when none
	hasPost     bool
	hasDev      bool
	local       string
	isPre       bool // a pre or dev release (explain().is_prerelease)
	isPost      bool
	isDevRelase bool
}

func trimZeros(s string) string {
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

func parsePEP440(s string) (pep440Version, bool) {
	m := pep440RE.FindStringSubmatch(s)
	if m == nil {
		return pep440Version{}, false
	}
	v := pep440Version{epoch: "0"}
	if m[1] != "" {
		v.epoch = trimZeros(m[1])
	}
	for _, r := range strings.Split(m[2], ".") {
		v.release = append(v.release, trimZeros(r))
	}
	if m[4] != "" {
		switch strings.ToLower(m[4]) {
		case "a", "alpha":
			v.preL = "a"
		case "b", "beta":
			v.preL = "b"
		default: // c, rc, pre, preview
			v.preL = "rc"
		}
		v.preN = "0"
		if m[5] != "" {
			v.preN = trimZeros(m[5])
		}
	}
	if m[6] != "" {
		v.hasPost = true
		v.post = "0"
		if m[7] != "" {
			v.post = trimZeros(m[7])
		} else if m[9] != "" {
			v.post = trimZeros(m[9])
		}
	}
	if m[11] != "" {
		v.hasDev = true
		v.dev = "0"
		if m[12] != "" {
			v.dev = trimZeros(m[12])
		}
	}
	if m[13] != "" {
		v.local = strings.NewReplacer("-", ".", "_", ".").Replace(strings.ToLower(m[13]))
	}
	v.isPre = v.preL != "" || v.hasDev
	v.isPost = v.hasPost
	v.isDevRelase = v.hasDev
	return v, true
}

// clean is pep440.clean(): the normalised form (1.2.3beta2 -> 1.2.3b2,
// 1.2.3post1 -> 1.2.3.post1, 1.0dev4 -> 1.0.dev4, v1.2.3 -> 1.2.3; README
// "type=pep440").
func (v pep440Version) clean() string {
	var b strings.Builder
	if v.epoch != "0" {
		b.WriteString(v.epoch + "!")
	}
	b.WriteString(strings.Join(v.release, "."))
	if v.preL != "" {
		b.WriteString(v.preL + v.preN)
	}
	if v.hasPost {
		b.WriteString(".post" + v.post)
	}
	if v.hasDev {
		b.WriteString(".dev" + v.dev)
	}
	if v.local != "" {
		b.WriteString("+" + v.local)
	}
	return b.String()
}

// part is pep440.major/minor/patch: a missing release segment is 0.
func (v pep440Version) part(i int) string {
	if i < len(v.release) {
		return v.release[i]
	}
	return "0"
}

// asSemver is the release as MAJOR.MINOR.PATCH for comparing with the
// published semantic versions; false when it has an epoch, a local part
// or more than three segments.
func (v pep440Version) asSemver() (semverParts, bool) {
	if v.epoch != "0" || v.local != "" || len(v.release) > 3 || v.isPre || v.isPost {
		return semverParts{}, false
	}
	return semverParts{major: v.part(0), minor: v.part(1), patch: v.part(2)}, true
}

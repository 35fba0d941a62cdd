package policy

import (
	"fmt"
	"regexp"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"golang.org/x/mod/semver"
)

// Versions are read strictly by SemVer 2.0.0 (MAJOR.MINOR.PATCH, optional
// -PRERELEASE and +BUILD, no leading zeros) with one optional lower-case "v"
// in front, because that is how people tag releases in git. Shorthands such
// as "v1" or "1.2" are not versions: golang.org/x/mod/semver accepts them,
// so it is used only to order versions that this pattern has already
// accepted.
var semverPattern = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(?:-((?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?` +
	`(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$`)

// semverMaxTagLen is the OCI limit on a tag's length.
const semverMaxTagLen = 128

// semverVersion is a parsed version. The numbers stay decimal strings: SemVer
// puts no bound on them and nothing here needs arithmetic.
type semverVersion struct {
	major, minor, patch string
	pre                 string // without the "-"; "" for a release
	build               string // without the "+"
}

func parseSemver(s string) (semverVersion, error) {
	m := semverPattern.FindStringSubmatch(s)
	if m == nil {
		return semverVersion{}, fmt.Errorf("%q is not a semantic version: write MAJOR.MINOR.PATCH with an optional \"v\" in front, -PRERELEASE and +BUILD, as in \"v1.2.3\" or \"1.2.3-rc.1\"", s)
	}
	return semverVersion{major: m[1], minor: m[2], patch: m[3], pre: m[4], build: m[5]}, nil
}

// tag is the version as an image tag: no "v", no build metadata (a "+" is
// not allowed in a tag).
func (v semverVersion) tag() string {
	s := v.major + "." + v.minor + "." + v.patch
	if v.pre != "" {
		s += "-" + v.pre
	}
	return s
}

// compare orders by SemVer precedence (build metadata ignored).
func (v semverVersion) compare(w semverVersion) int {
	return semver.Compare("v"+v.tag(), "v"+w.tag())
}

// SemverValid reports whether s is a semantic version ("1.2.3",
// "v1.2.3-rc.1+build.5"; not "1.2" or "V1.2.3").
func SemverValid(s string) bool {
	_, err := parseSemver(s)
	return err == nil
}

// SemverCompare returns -1, 0 or 1 as a orders before, the same as, or after
// b by SemVer precedence; build metadata does not count.
func SemverCompare(a, b string) (int, error) {
	va, err := parseSemver(a)
	if err != nil {
		return 0, err
	}
	vb, err := parseSemver(b)
	if err != nil {
		return 0, err
	}
	return va.compare(vb), nil
}

// SemverTags returns the tags a release of version gets, given the versions
// already published (anything in published that is not a semantic version,
// such as "latest" or "sha-1a2b3c4", is ignored; a leading "v" is fine).
//
// The exact version (without "v" and build metadata) is always the first
// tag. A prerelease gets only that. A release also gets MAJOR.MINOR when no
// published release in that minor line is higher, MAJOR (never for 0.x, where
// the major says nothing about compatibility) when none in that major line
// is higher, and "latest" when no published release at all is higher, so
// that a backport never moves a floating tag away from a newer line.
// Published prereleases never hold a floating tag back. Publishing the same
// version again gives the same tags.
func SemverTags(version string, published []string) ([]string, error) {
	v, err := parseSemver(version)
	if err != nil {
		return nil, err
	}
	exact := v.tag()
	if len(exact) > semverMaxTagLen {
		return nil, fmt.Errorf("version %q is longer than the %d characters a tag may have", version, semverMaxTagLen)
	}
	tags := []string{exact}
	if v.pre != "" {
		return tags, nil
	}
	highestMinor, highestMajor, highestAll := true, true, true
	for _, p := range published {
		pv, err := parseSemver(p)
		if err != nil || pv.pre != "" || pv.compare(v) <= 0 {
			continue
		}
		highestAll = false
		if pv.major == v.major {
			highestMajor = false
			if pv.minor == v.minor {
				highestMinor = false
			}
		}
	}
	if highestMinor {
		tags = append(tags, v.major+"."+v.minor)
	}
	if highestMajor && v.major != "0" {
		tags = append(tags, v.major)
	}
	if highestAll {
		tags = append(tags, "latest")
	}
	return tags, nil
}

// semverMax returns the highest semantic version in versions as written
// there (prereleases count; anything else is skipped), and false when there
// is none.
func semverMax(versions []string) (string, bool) {
	var best string
	var bestV semverVersion
	found := false
	for _, s := range versions {
		v, err := parseSemver(s)
		if err != nil {
			continue
		}
		if !found || v.compare(bestV) > 0 {
			best, bestV, found = s, v, true
		}
	}
	return best, found
}

// semverStringList reads a known list, set or tuple of strings, skipping
// null elements; ok is false when some element is not known yet.
func semverStringList(v cty.Value) (list []string, ok bool) {
	if !v.IsWhollyKnown() {
		return nil, false
	}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			continue
		}
		list = append(list, e.AsString())
	}
	return list, true
}

// semverArg parses argument i of a semver function.
func semverArg(args []cty.Value, i int) (semverVersion, error) {
	v, err := parseSemver(args[i].AsString())
	if err != nil {
		return v, function.NewArgError(i, err)
	}
	return v, nil
}

func semverNumberFunc(desc string, part func(semverVersion) string) function.Function {
	return function.New(&function.Spec{
		Description:  desc,
		Params:       []function.Parameter{{Name: "version", Type: cty.String}},
		Type:         function.StaticReturnType(cty.Number),
		RefineResult: fnNotNull,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			v, err := semverArg(args, 0)
			if err != nil {
				return cty.UnknownVal(cty.Number), err
			}
			return cty.ParseNumberVal(part(v))
		},
	})
}

func semverFunctions() map[string]function.Function {
	return map[string]function.Function{
		// A null version (no git tag) is simply not valid, so that
		// `semver_valid(git.tag) && ...` works on branch builds.
		"semver_valid": function.New(&function.Spec{
			Description:  "Reports whether the string is a semantic version (an optional leading v is allowed); null gives false.",
			Params:       []function.Parameter{{Name: "version", Type: cty.String, AllowNull: true}},
			Type:         function.StaticReturnType(cty.Bool),
			RefineResult: fnNotNull,
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				if args[0].IsNull() {
					return cty.False, nil
				}
				return cty.BoolVal(SemverValid(args[0].AsString())), nil
			},
		}),
		"semver_compare": function.New(&function.Spec{
			Description: "Returns -1, 0 or 1 as the first version orders before, the same as, or after the second (build metadata ignored).",
			Params: []function.Parameter{
				{Name: "a", Type: cty.String},
				{Name: "b", Type: cty.String},
			},
			Type:         function.StaticReturnType(cty.Number),
			RefineResult: fnNotNull,
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				a, err := semverArg(args, 0)
				if err != nil {
					return cty.UnknownVal(cty.Number), err
				}
				b, err := semverArg(args, 1)
				if err != nil {
					return cty.UnknownVal(cty.Number), err
				}
				return cty.NumberIntVal(int64(a.compare(b))), nil
			},
		}),
		"semver_prerelease": function.New(&function.Spec{
			Description:  `Returns the prerelease part of a version ("rc.1" for "v2.0.0-rc.1"), or "" for a release.`,
			Params:       []function.Parameter{{Name: "version", Type: cty.String}},
			Type:         function.StaticReturnType(cty.String),
			RefineResult: fnNotNull,
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				v, err := semverArg(args, 0)
				if err != nil {
					return cty.UnknownVal(cty.String), err
				}
				return cty.StringVal(v.pre), nil
			},
		}),
		"semver_major": semverNumberFunc("Returns the major number of a version.", func(v semverVersion) string { return v.major }),
		"semver_minor": semverNumberFunc("Returns the minor number of a version.", func(v semverVersion) string { return v.minor }),
		"semver_patch": semverNumberFunc("Returns the patch number of a version.", func(v semverVersion) string { return v.patch }),
		"semver_max": function.New(&function.Spec{
			Description: "Returns the highest semantic version in the list, as written there; other strings are skipped; null when there is none.",
			Params:      []function.Parameter{{Name: "versions", Type: cty.List(cty.String)}},
			Type:        function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				list, ok := semverStringList(args[0])
				if !ok {
					return cty.UnknownVal(cty.String), nil
				}
				best, found := semverMax(list)
				if !found {
					return cty.NullVal(cty.String), nil
				}
				return cty.StringVal(best), nil
			},
		}),
		// A null published list means the registry could not be asked:
		// the call fails rather than guessing that nothing is published.
		"semver_tags": function.New(&function.Spec{
			Description: "Returns the tags for a release: the exact version always; MAJOR.MINOR, MAJOR (not for 0.x) and latest only when it is the highest release in that line among the published versions; a prerelease gets only its exact tag.",
			Params: []function.Parameter{
				{Name: "version", Type: cty.String},
				{Name: "published", Type: cty.List(cty.String)},
			},
			Type: function.StaticReturnType(cty.List(cty.String)),
			RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder {
				return b.NotNull().CollectionLengthLowerBound(1)
			},
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				published, ok := semverStringList(args[1])
				if !ok {
					return cty.UnknownVal(cty.List(cty.String)), nil
				}
				tags, err := SemverTags(args[0].AsString(), published)
				if err != nil {
					return cty.UnknownVal(cty.List(cty.String)), function.NewArgError(0, err)
				}
				vals := make([]cty.Value, len(tags))
				for i, t := range tags {
					vals[i] = cty.StringVal(t)
				}
				return cty.ListVal(vals), nil
			},
		}),
	}
}

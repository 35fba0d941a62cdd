package registry

import (
	"runtime"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// This file ports containerd's platforms.Only (github.com/containerd/
// platforms, compare.go and database.go), which BuildKit uses to pick a base
// image from an index: the exact platform first, then the platforms that can
// run on it (amd64/v3 -> v2 -> v1 -> 386; arm64 -> arm/v8..v5; arm/v7 ->
// v6 -> v5), each compared after normalisation (aarch64 = arm64, arm64/v8 =
// arm64, arm = arm/v7, x86_64 = amd64 ...). The module is not a direct
// dependency of hoist and the logic is small.

// normalizePlatform returns p in canonical form. An empty OS means linux
// (hoist builds Linux images), an empty architecture the host's.
func normalizePlatform(p v1.Platform) v1.Platform {
	p.OS = strings.ToLower(p.OS)
	switch p.OS {
	case "":
		p.OS = "linux"
	case "macos":
		p.OS = "darwin"
	}
	if p.Architecture == "" {
		p.Architecture = runtime.GOARCH
	}
	p.Architecture, p.Variant = normalizeArch(p.Architecture, p.Variant)
	if len(p.OSFeatures) > 0 {
		p.OSFeatures = slices.Clone(p.OSFeatures)
		slices.Sort(p.OSFeatures)
		p.OSFeatures = slices.Compact(p.OSFeatures)
	}
	return p
}

func normalizeArch(arch, variant string) (string, string) {
	arch, variant = strings.ToLower(arch), strings.ToLower(variant)
	switch arch {
	case "i386":
		arch, variant = "386", ""
	case "x86_64", "x86-64", "amd64":
		arch = "amd64"
		if variant == "v1" {
			variant = ""
		}
	case "aarch64", "arm64":
		arch = "arm64"
		switch variant {
		case "8", "v8", "v8.0":
			variant = ""
		case "9", "9.0", "v9.0":
			variant = "v9"
		}
	case "armhf":
		arch, variant = "arm", "v7"
	case "armel":
		arch, variant = "arm", "v6"
	case "arm":
		switch variant {
		case "", "7":
			variant = "v7"
		case "5", "6", "8":
			variant = "v" + variant
		}
	}
	return arch, variant
}

type platformVersions struct{ major, minor []int }

var arm64VariantToVersion = map[string]platformVersions{
	"v8": {[]int{8}, []int{0}}, "v8.0": {[]int{8}, []int{0}},
	"v8.1": {[]int{8}, []int{1}}, "v8.2": {[]int{8}, []int{2}},
	"v8.3": {[]int{8}, []int{3}}, "v8.4": {[]int{8}, []int{4}},
	"v8.5": {[]int{8}, []int{5}}, "v8.6": {[]int{8}, []int{6}},
	"v8.7": {[]int{8}, []int{7}}, "v8.8": {[]int{8}, []int{8}},
	"v8.9": {[]int{8}, []int{9}},
	"v9":   {[]int{9, 8}, []int{0, 5}}, "v9.0": {[]int{9, 8}, []int{0, 5}},
	"v9.1": {[]int{9, 8}, []int{1, 6}}, "v9.2": {[]int{9, 8}, []int{2, 7}},
	"v9.3": {[]int{9, 8}, []int{3, 8}}, "v9.4": {[]int{9, 8}, []int{4, 9}},
	"v9.5": {[]int{9, 8}, []int{5, 9}}, "v9.6": {[]int{9, 8}, []int{6, 9}},
	"v9.7": {[]int{9, 8}, []int{7, 9}},
}

// platformVector is the ordered list of platforms that p accepts, best first.
func platformVector(p v1.Platform) []v1.Platform {
	vector := []v1.Platform{p}
	derive := func(arch, variant string) v1.Platform {
		return v1.Platform{OS: p.OS, OSVersion: p.OSVersion, OSFeatures: p.OSFeatures, Architecture: arch, Variant: variant}
	}
	switch p.Architecture {
	case "amd64":
		if v, err := strconv.Atoi(strings.TrimPrefix(p.Variant, "v")); err == nil && v > 1 {
			for v--; v >= 1; v-- {
				vector = append(vector, derive("amd64", "v"+strconv.Itoa(v)))
			}
		}
		vector = append(vector, derive("386", ""))
	case "arm":
		if v, err := strconv.Atoi(strings.TrimPrefix(p.Variant, "v")); err == nil && v > 5 {
			for v--; v >= 5; v-- {
				vector = append(vector, derive("arm", "v"+strconv.Itoa(v)))
			}
		}
	case "arm64":
		variant := p.Variant
		if variant == "" {
			variant = "v8"
		}
		vector = nil
		versions, ok := arm64VariantToVersion[variant]
		if !ok {
			break
		}
		for i, major := range versions.major {
			for minor := versions.minor[i]; minor >= 0; minor-- {
				v := "v" + strconv.Itoa(major) + "." + strconv.Itoa(minor)
				if minor == 0 {
					v = "v" + strconv.Itoa(major)
				}
				vector = append(vector, derive("arm64", v))
			}
		}
		if strings.HasPrefix(variant, "v8") || strings.HasPrefix(variant, "v9") {
			variant = "v8"
		}
		vector = append(vector, platformVector(derive("arm", variant))...)
	}
	return vector
}

// platformMatches reports whether candidate c is the (normalised) platform
// want: same OS, architecture and variant, and c's OS features a subset of
// want's. OS versions are not compared (they only matter on Windows).
func platformMatches(want, c v1.Platform) bool {
	c = normalizePlatform(c)
	want = normalizePlatform(want)
	if c.OS != want.OS || c.Architecture != want.Architecture || c.Variant != want.Variant {
		return false
	}
	for _, f := range c.OSFeatures {
		if !slices.Contains(want.OSFeatures, f) {
			return false
		}
	}
	return true
}

// bestPlatform returns the index of the best candidate for want, or -1.
// Among equally good candidates the first in index order wins.
func bestPlatform(want v1.Platform, candidates []*v1.Platform) int {
	for _, p := range platformVector(normalizePlatform(want)) {
		best, bestFeatures := -1, -1
		for i, c := range candidates {
			if c == nil || !platformMatches(p, *c) {
				continue
			}
			if n := len(c.OSFeatures); n > bestFeatures {
				best, bestFeatures = i, n
			}
		}
		if best >= 0 {
			return best
		}
	}
	return -1
}

// formatPlatform is os/arch[/variant], as --platform takes it.
func formatPlatform(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

// eolNow is the clock HS006 compares end-of-life dates with; tests set it.
var eolNow = time.Now

// eolTableDate is when eolTable was last reviewed against each project's
// published lifecycle (release pages, endoflife.date). Review it at least
// twice a year: releases reach their end of life on schedule, and a release
// missing from the table is never reported.
const eolTableDate = "2026-11-29"

// eolRelease is one release of an image with the day its support ends.
// Distributions count until the end of their free long-term support
// (Debian LTS, Ubuntu standard support), languages until their last
// security release. Where a project announces only a month, the last day
// of that month is used.
type eolRelease struct {
	image string // Docker Hub official image, or "dotnet" for mcr.microsoft.com/dotnet/*
	// tags are tag versions (matched as a prefix up to a non-digit: "3.7"
	// matches "3.7.17" but not "3.70") and codenames.
	tags []string
	// variants are words of other images' tags that name this release as
	// their base: "buster" in python:3.12-slim-buster, "alpine3.18".
	variants []string
	what     string
	eol      string // YYYY-MM-DD: the first day without support
}

// eolUpgrade is what an image's end-of-life releases are replaced with.
type eolUpgrade struct {
	version  string // tag version: "24.04"
	codename string // for tags written as a codename: "noble"
	variant  string // for the variant word in other images' tags: "noble"
	image    string // a different image, when the image itself is gone
}

// eolUpgrades were chosen to have the longest support among the releases
// published by eolTableDate.
var eolUpgrades = map[string]eolUpgrade{
	"ubuntu":   {version: "24.04", codename: "noble", variant: "noble"},
	"debian":   {version: "13", codename: "trixie", variant: "trixie"},
	"alpine":   {version: "3.23", variant: "alpine3.23"},
	"node":     {version: "24", codename: "krypton"},
	"python":   {version: "3.13"},
	"golang":   {version: "1.27"},
	"php":      {version: "8.4"},
	"ruby":     {version: "3.4"},
	"postgres": {version: "17"},
	"mysql":    {version: "8.4"},
	"dotnet":   {version: "10.0"},
	"centos":   {image: "almalinux:9"},
	"openjdk":  {image: "eclipse-temurin:21"},
}

var eolTable = []eolRelease{
	// Ubuntu: end of standard support (wiki.ubuntu.com/Releases).
	{"ubuntu", []string{"12.04", "precise"}, []string{"precise"}, "Ubuntu 12.04 precise", "2017-04-28"},
	{"ubuntu", []string{"14.04", "trusty"}, []string{"trusty"}, "Ubuntu 14.04 trusty", "2019-04-30"},
	{"ubuntu", []string{"16.04", "xenial"}, []string{"xenial"}, "Ubuntu 16.04 xenial", "2021-04-30"},
	{"ubuntu", []string{"18.04", "bionic"}, []string{"bionic"}, "Ubuntu 18.04 bionic", "2023-05-31"},
	{"ubuntu", []string{"18.10", "cosmic"}, nil, "Ubuntu 18.10 cosmic", "2019-07-18"},
	{"ubuntu", []string{"19.04", "disco"}, nil, "Ubuntu 19.04 disco", "2020-01-23"},
	{"ubuntu", []string{"19.10", "eoan"}, nil, "Ubuntu 19.10 eoan", "2020-07-17"},
	{"ubuntu", []string{"20.04", "focal"}, []string{"focal"}, "Ubuntu 20.04 focal", "2025-05-31"},
	{"ubuntu", []string{"20.10", "groovy"}, nil, "Ubuntu 20.10 groovy", "2021-07-22"},
	{"ubuntu", []string{"21.04", "hirsute"}, nil, "Ubuntu 21.04 hirsute", "2022-01-20"},
	{"ubuntu", []string{"21.10", "impish"}, nil, "Ubuntu 21.10 impish", "2022-07-14"},
	{"ubuntu", []string{"22.10", "kinetic"}, nil, "Ubuntu 22.10 kinetic", "2023-07-20"},
	{"ubuntu", []string{"23.04", "lunar"}, nil, "Ubuntu 23.04 lunar", "2024-01-25"},
	{"ubuntu", []string{"23.10", "mantic"}, nil, "Ubuntu 23.10 mantic", "2024-07-11"},
	{"ubuntu", []string{"24.10", "oracular"}, nil, "Ubuntu 24.10 oracular", "2025-07-10"},

	// Debian: end of Debian LTS (wiki.debian.org/LTS).
	{"debian", []string{"6", "squeeze"}, []string{"squeeze"}, "Debian 6 squeeze", "2016-02-29"},
	{"debian", []string{"7", "wheezy"}, []string{"wheezy"}, "Debian 7 wheezy", "2018-05-31"},
	{"debian", []string{"8", "jessie"}, []string{"jessie"}, "Debian 8 jessie", "2020-06-30"},
	{"debian", []string{"9", "stretch"}, []string{"stretch"}, "Debian 9 stretch", "2022-06-30"},
	{"debian", []string{"10", "buster"}, []string{"buster"}, "Debian 10 buster", "2024-06-30"},
	{"debian", []string{"11", "bullseye"}, []string{"bullseye"}, "Debian 11 bullseye", "2026-08-31"},

	// Alpine: end of support of the main repository (alpinelinux.org/releases).
	{"alpine", []string{"3.0"}, []string{"alpine3.0"}, "Alpine 3.0", "2016-05-01"},
	{"alpine", []string{"3.1"}, []string{"alpine3.1"}, "Alpine 3.1", "2016-11-01"},
	{"alpine", []string{"3.2"}, []string{"alpine3.2"}, "Alpine 3.2", "2017-05-01"},
	{"alpine", []string{"3.3"}, []string{"alpine3.3"}, "Alpine 3.3", "2017-11-01"},
	{"alpine", []string{"3.4"}, []string{"alpine3.4"}, "Alpine 3.4", "2018-05-01"},
	{"alpine", []string{"3.5"}, []string{"alpine3.5"}, "Alpine 3.5", "2018-11-01"},
	{"alpine", []string{"3.6"}, []string{"alpine3.6"}, "Alpine 3.6", "2019-05-01"},
	{"alpine", []string{"3.7"}, []string{"alpine3.7"}, "Alpine 3.7", "2019-11-01"},
	{"alpine", []string{"3.8"}, []string{"alpine3.8"}, "Alpine 3.8", "2020-05-01"},
	{"alpine", []string{"3.9"}, []string{"alpine3.9"}, "Alpine 3.9", "2020-11-01"},
	{"alpine", []string{"3.10"}, []string{"alpine3.10"}, "Alpine 3.10", "2021-05-01"},
	{"alpine", []string{"3.11"}, []string{"alpine3.11"}, "Alpine 3.11", "2021-11-01"},
	{"alpine", []string{"3.12"}, []string{"alpine3.12"}, "Alpine 3.12", "2022-05-01"},
	{"alpine", []string{"3.13"}, []string{"alpine3.13"}, "Alpine 3.13", "2022-11-01"},
	{"alpine", []string{"3.14"}, []string{"alpine3.14"}, "Alpine 3.14", "2023-05-01"},
	{"alpine", []string{"3.15"}, []string{"alpine3.15"}, "Alpine 3.15", "2023-11-01"},
	{"alpine", []string{"3.16"}, []string{"alpine3.16"}, "Alpine 3.16", "2024-05-23"},
	{"alpine", []string{"3.17"}, []string{"alpine3.17"}, "Alpine 3.17", "2024-11-22"},
	{"alpine", []string{"3.18"}, []string{"alpine3.18"}, "Alpine 3.18", "2025-05-09"},
	{"alpine", []string{"3.19"}, []string{"alpine3.19"}, "Alpine 3.19", "2025-11-01"},
	{"alpine", []string{"3.20"}, []string{"alpine3.20"}, "Alpine 3.20", "2026-04-01"},
	{"alpine", []string{"3.21"}, []string{"alpine3.21"}, "Alpine 3.21", "2026-11-01"},

	// Node.js (github.com/nodejs/Release).
	{"node", []string{"4", "argon"}, nil, "Node.js 4", "2018-04-30"},
	{"node", []string{"6", "boron"}, nil, "Node.js 6", "2019-04-30"},
	{"node", []string{"8", "carbon"}, nil, "Node.js 8", "2019-12-31"},
	{"node", []string{"10", "dubnium"}, nil, "Node.js 10", "2021-04-30"},
	{"node", []string{"11"}, nil, "Node.js 11", "2019-06-01"},
	{"node", []string{"12", "erbium"}, nil, "Node.js 12", "2022-04-30"},
	{"node", []string{"13"}, nil, "Node.js 13", "2020-06-01"},
	{"node", []string{"14", "fermium"}, nil, "Node.js 14", "2023-04-30"},
	{"node", []string{"15"}, nil, "Node.js 15", "2021-06-01"},
	{"node", []string{"16", "gallium"}, nil, "Node.js 16", "2023-09-11"},
	{"node", []string{"17"}, nil, "Node.js 17", "2022-06-01"},
	{"node", []string{"18", "hydrogen"}, nil, "Node.js 18", "2025-04-30"},
	{"node", []string{"19"}, nil, "Node.js 19", "2023-06-01"},
	{"node", []string{"20", "iron"}, nil, "Node.js 20", "2026-04-30"},
	{"node", []string{"21"}, nil, "Node.js 21", "2024-06-01"},
	{"node", []string{"23"}, nil, "Node.js 23", "2025-06-01"},
	{"node", []string{"25"}, nil, "Node.js 25", "2026-06-01"},

	// Python (devguide.python.org/versions): the last security release.
	{"python", []string{"2"}, nil, "Python 2", "2020-01-01"},
	{"python", []string{"3.3"}, nil, "Python 3.3", "2017-09-29"},
	{"python", []string{"3.4"}, nil, "Python 3.4", "2019-03-18"},
	{"python", []string{"3.5"}, nil, "Python 3.5", "2020-09-30"},
	{"python", []string{"3.6"}, nil, "Python 3.6", "2021-12-23"},
	{"python", []string{"3.7"}, nil, "Python 3.7", "2023-06-27"},
	{"python", []string{"3.8"}, nil, "Python 3.8", "2024-10-07"},
	{"python", []string{"3.9"}, nil, "Python 3.9", "2025-10-31"},
	{"python", []string{"3.10"}, nil, "Python 3.10", "2026-10-31"},

	// Go supports the two newest releases: 1.N ends when 1.N+2 is released
	// (go.dev/doc/devel/release; go1.27.0 on pkg.go.dev's version list).
	{"golang", []string{"1.6"}, nil, "Go 1.6", "2017-02-16"},
	{"golang", []string{"1.7"}, nil, "Go 1.7", "2017-08-24"},
	{"golang", []string{"1.8"}, nil, "Go 1.8", "2018-02-16"},
	{"golang", []string{"1.9"}, nil, "Go 1.9", "2018-08-24"},
	{"golang", []string{"1.10"}, nil, "Go 1.10", "2019-02-25"},
	{"golang", []string{"1.11"}, nil, "Go 1.11", "2019-09-03"},
	{"golang", []string{"1.12"}, nil, "Go 1.12", "2020-02-25"},
	{"golang", []string{"1.13"}, nil, "Go 1.13", "2020-08-11"},
	{"golang", []string{"1.14"}, nil, "Go 1.14", "2021-02-16"},
	{"golang", []string{"1.15"}, nil, "Go 1.15", "2021-08-16"},
	{"golang", []string{"1.16"}, nil, "Go 1.16", "2022-03-15"},
	{"golang", []string{"1.17"}, nil, "Go 1.17", "2022-08-02"},
	{"golang", []string{"1.18"}, nil, "Go 1.18", "2023-02-01"},
	{"golang", []string{"1.19"}, nil, "Go 1.19", "2023-08-08"},
	{"golang", []string{"1.20"}, nil, "Go 1.20", "2024-02-06"},
	{"golang", []string{"1.21"}, nil, "Go 1.21", "2024-08-13"},
	{"golang", []string{"1.22"}, nil, "Go 1.22", "2025-02-11"},
	{"golang", []string{"1.23"}, nil, "Go 1.23", "2025-08-12"},
	{"golang", []string{"1.24"}, nil, "Go 1.24", "2026-02-10"},
	{"golang", []string{"1.25"}, nil, "Go 1.25", "2026-08-19"},

	// PHP (php.net/eol.php): end of security support.
	{"php", []string{"5"}, nil, "PHP 5", "2018-12-31"},
	{"php", []string{"7"}, nil, "PHP 7", "2022-11-28"},
	{"php", []string{"7.0"}, nil, "PHP 7.0", "2019-01-10"},
	{"php", []string{"7.1"}, nil, "PHP 7.1", "2019-12-01"},
	{"php", []string{"7.2"}, nil, "PHP 7.2", "2020-11-30"},
	{"php", []string{"7.3"}, nil, "PHP 7.3", "2021-12-06"},
	{"php", []string{"7.4"}, nil, "PHP 7.4", "2022-11-28"},
	{"php", []string{"8.0"}, nil, "PHP 8.0", "2023-11-26"},
	{"php", []string{"8.1"}, nil, "PHP 8.1", "2025-12-31"},

	// Ruby (ruby-lang.org/en/downloads/branches).
	{"ruby", []string{"2"}, nil, "Ruby 2", "2023-03-31"},
	{"ruby", []string{"2.0"}, nil, "Ruby 2.0", "2016-02-24"},
	{"ruby", []string{"2.1"}, nil, "Ruby 2.1", "2017-03-31"},
	{"ruby", []string{"2.2"}, nil, "Ruby 2.2", "2018-03-31"},
	{"ruby", []string{"2.3"}, nil, "Ruby 2.3", "2019-03-31"},
	{"ruby", []string{"2.4"}, nil, "Ruby 2.4", "2020-03-31"},
	{"ruby", []string{"2.5"}, nil, "Ruby 2.5", "2021-04-05"},
	{"ruby", []string{"2.6"}, nil, "Ruby 2.6", "2022-04-12"},
	{"ruby", []string{"2.7"}, nil, "Ruby 2.7", "2023-03-31"},
	{"ruby", []string{"3.0"}, nil, "Ruby 3.0", "2024-04-23"},
	{"ruby", []string{"3.1"}, nil, "Ruby 3.1", "2025-03-26"},
	{"ruby", []string{"3.2"}, nil, "Ruby 3.2", "2026-03-31"},

	// PostgreSQL (postgresql.org/support/versioning): the final minor release.
	{"postgres", []string{"9"}, nil, "PostgreSQL 9", "2021-11-11"},
	{"postgres", []string{"9.0"}, nil, "PostgreSQL 9.0", "2015-10-08"},
	{"postgres", []string{"9.1"}, nil, "PostgreSQL 9.1", "2016-10-27"},
	{"postgres", []string{"9.2"}, nil, "PostgreSQL 9.2", "2017-11-09"},
	{"postgres", []string{"9.3"}, nil, "PostgreSQL 9.3", "2018-11-08"},
	{"postgres", []string{"9.4"}, nil, "PostgreSQL 9.4", "2020-02-13"},
	{"postgres", []string{"9.5"}, nil, "PostgreSQL 9.5", "2021-02-11"},
	{"postgres", []string{"9.6"}, nil, "PostgreSQL 9.6", "2021-11-11"},
	{"postgres", []string{"10"}, nil, "PostgreSQL 10", "2022-11-10"},
	{"postgres", []string{"11"}, nil, "PostgreSQL 11", "2023-11-09"},
	{"postgres", []string{"12"}, nil, "PostgreSQL 12", "2024-11-21"},
	{"postgres", []string{"13"}, nil, "PostgreSQL 13", "2025-11-13"},

	// MySQL: end of Oracle's extended support.
	{"mysql", []string{"5"}, nil, "MySQL 5", "2023-10-31"},
	{"mysql", []string{"5.5"}, nil, "MySQL 5.5", "2018-12-31"},
	{"mysql", []string{"5.6"}, nil, "MySQL 5.6", "2021-02-28"},
	{"mysql", []string{"5.7"}, nil, "MySQL 5.7", "2023-10-31"},
	{"mysql", []string{"8.0"}, nil, "MySQL 8.0", "2026-04-30"},

	// .NET (dotnet.microsoft.com/platform/support/policy).
	{"dotnet", []string{"1.0", "1.1"}, nil, ".NET Core 1", "2019-06-27"},
	{"dotnet", []string{"2.0"}, nil, ".NET Core 2.0", "2018-10-01"},
	{"dotnet", []string{"2.1"}, nil, ".NET Core 2.1", "2021-08-21"},
	{"dotnet", []string{"2.2"}, nil, ".NET Core 2.2", "2019-12-23"},
	{"dotnet", []string{"3.0"}, nil, ".NET Core 3.0", "2020-03-03"},
	{"dotnet", []string{"3.1"}, nil, ".NET Core 3.1", "2022-12-13"},
	{"dotnet", []string{"5.0"}, nil, ".NET 5", "2022-05-10"},
	{"dotnet", []string{"6.0"}, nil, ".NET 6", "2024-11-12"},
	{"dotnet", []string{"7.0"}, nil, ".NET 7", "2024-05-14"},
	{"dotnet", []string{"8.0"}, nil, ".NET 8", "2026-11-10"},
	{"dotnet", []string{"9.0"}, nil, ".NET 9", "2026-11-10"},

	// CentOS Linux; `centos` and `centos:latest` are CentOS 8.
	{"centos", []string{"5", "centos5"}, nil, "CentOS 5", "2017-03-31"},
	{"centos", []string{"6", "centos6"}, nil, "CentOS 6", "2020-11-30"},
	{"centos", []string{"7", "centos7"}, nil, "CentOS 7", "2024-06-30"},
	{"centos", []string{"8", "centos8", "latest"}, nil, "CentOS 8", "2021-12-31"},

	// The openjdk image is deprecated: no updates after July 2022 except
	// for early-access builds (tags with an "ea" word are not matched).
	{"openjdk", []string{""}, nil, "the openjdk image is deprecated", "2022-07-31"},
}

// distroImages are the images whose tags are the distribution's own
// versions: their variant words are not looked up.
var distroImages = map[string]bool{"ubuntu": true, "debian": true, "alpine": true}

// versionMatch reports whether a tag word v is release m: equal, or m
// followed by something that does not continue its last number or word.
func versionMatch(v, m string) bool {
	if m == "" {
		return true
	}
	if !strings.HasPrefix(v, m) {
		return false
	}
	if len(v) == len(m) {
		return true
	}
	next, last := v[len(m)], m[len(m)-1]
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	letter := func(c byte) bool { return c >= 'a' && c <= 'z' }
	if digit(last) {
		return !digit(next)
	}
	return !letter(next) && !digit(next)
}

// eolHit is one end-of-life release found in an image reference.
type eolHit struct {
	rel     *eolRelease
	word    int  // index of the matched word of the tag ("-"-separated)
	variant bool // found as the base of another image
	eol     time.Time
}

// eolKey is the table key of an image: an official image's short name,
// "dotnet" for Microsoft's .NET images.
func eolKey(ref dockerfile.ImageRef) string {
	if name, ok := officialImage(ref); ok {
		return name
	}
	if strings.EqualFold(ref.Registry, "mcr.microsoft.com") && strings.HasPrefix(ref.Repository, "dotnet/") {
		return "dotnet"
	}
	return ""
}

// eolLookup finds the end-of-life releases an image reference names:
// the image's own release (from the first word of its tag) and the
// distribution release named by a variant word (python:3.12-slim-buster).
func eolLookup(ref dockerfile.ImageRef) []eolHit {
	key := eolKey(ref)
	tag := strings.ToLower(ref.Tag)
	if tag == "" {
		tag = "latest"
	}
	words := strings.Split(tag, "-")
	var hits []eolHit
	if key != "" && !(key == "openjdk" && containsString(words, "ea")) {
		var best *eolRelease
		bestLen := -1
		for i := range eolTable {
			r := &eolTable[i]
			if r.image != key {
				continue
			}
			for _, m := range r.tags {
				if versionMatch(words[0], m) && len(m) > bestLen {
					best, bestLen = r, len(m)
				}
			}
		}
		if best != nil {
			hits = append(hits, eolHit{rel: best, word: 0})
		}
	}
	if !distroImages[key] {
		for wi, w := range words {
			if len(hits) > 0 && wi == 0 {
				continue
			}
			for i := range eolTable {
				r := &eolTable[i]
				for _, v := range r.variants {
					if versionMatch(w, v) {
						hits = append(hits, eolHit{rel: r, word: wi, variant: true})
					}
				}
			}
		}
	}
	for i := range hits {
		t, err := time.Parse("2006-01-02", hits[i].rel.eol)
		if err != nil {
			t = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		hits[i].eol = t
	}
	return hits
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// eolSuggestion builds the reference to upgrade to: the release words of
// the tag replaced by supported ones, other words kept.
func eolSuggestion(ref dockerfile.ImageRef, key string, hits []eolHit) string {
	tag := strings.ToLower(ref.Tag)
	if tag == "" {
		tag = "latest"
	}
	words := strings.Split(tag, "-")
	name := ref.Name()
	if key == "dotnet" {
		name = strings.Replace(name, "dotnet/core/", "dotnet/", 1)
	}
	for _, h := range hits {
		up, ok := eolUpgrades[h.rel.image]
		if !ok {
			continue
		}
		if h.variant {
			if up.variant != "" {
				words[h.word] = up.variant
			}
			continue
		}
		if up.image != "" {
			if key == "openjdk" {
				if major := strings.SplitN(words[0], ".", 2)[0]; major == "11" || major == "17" || major == "21" {
					return "eclipse-temurin:" + major
				}
			}
			return up.image
		}
		w := words[0]
		if up.codename != "" && w != "" && w[0] >= 'a' && w[0] <= 'z' {
			words[0] = up.codename
		} else {
			words[0] = up.version
		}
		if distroImages[key] {
			// Date stamps and point releases of the old release mean nothing for the new one.
			kept := []string{words[0]}
			if containsString(words[1:], "slim") {
				kept = append(kept, "slim")
			}
			words = kept
		}
	}
	return name + ":" + strings.Join(words, "-")
}

var HS006 = register(&lint.Rule{
	ID:       "HS006",
	Name:     "eol-base-image",
	Severity: lint.Warning,
	Summary:  "The base image is a release past its end of life",
	Rationale: "A release past its end of life gets no security fixes: every CVE found after that day stays " +
		"open in the image, and package mirrors eventually disappear (apt-get update fails on Debian " +
		"stretch and Ubuntu interim releases). The rule checks every FROM, after ARG defaults are " +
		"expanded (an ARG without default is not guessed), against a dated table in hoist's code of " +
		"the official images' releases and their end-of-life days (Ubuntu, Debian, Alpine, CentOS, " +
		"Node.js, Python, Go, PHP, Ruby, PostgreSQL, MySQL, .NET, the deprecated openjdk image). The " +
		"base named by a variant counts too: `python:3.12-slim-buster` is past its end of life because " +
		"Debian buster is. Docker Hub names are matched with or without `docker.io/` and `library/`. " +
		"Releases not in the table are never reported; the table says when it was last reviewed.",
	Bad:  "FROM ubuntu:18.04\nRUN apt-get update\n",
	Good: "FROM ubuntu:24.04\nRUN apt-get update\n",
	Run: func(p *lint.Pass) {
		now := eolNow()
		for _, s := range p.File.Stages {
			ref, ok := s.Image()
			if !ok {
				continue
			}
			var hits []eolHit
			for _, h := range eolLookup(ref) {
				if !now.Before(h.eol) {
					hits = append(hits, h)
				}
			}
			if len(hits) == 0 {
				continue
			}
			sort.SliceStable(hits, func(i, j int) bool { return hits[i].eol.Before(hits[j].eol) })
			key := eolKey(ref)
			shown := ref.Name()
			if ref.Tag != "" {
				shown += ":" + ref.Tag
			}
			var notes []string
			for i, h := range hits {
				n := h.rel.what
				if h.variant {
					n = "its base, " + n + ","
				}
				if i > 0 {
					n += " on " + h.rel.eol
				}
				notes = append(notes, strings.TrimSuffix(n, ","))
			}
			detail := ""
			if len(hits) > 1 || hits[0].variant || eolUpgrades[hits[0].rel.image].image != "" {
				detail = " (" + strings.Join(notes, "; ") + ")"
			}
			p.Report(s.BaseWord().Range, fmt.Sprintf("%s reached end of life on %s%s: upgrade to %s",
				shown, hits[0].rel.eol, detail, eolSuggestion(ref, key, hits)))
		}
	},
})

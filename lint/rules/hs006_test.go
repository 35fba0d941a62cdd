package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
)

// lintAt runs HS006 alone over src with the clock set to day.
func lintAt(t *testing.T, day, src string) []lint.Finding {
	t.Helper()
	now, err := time.Parse("2006-01-02", day)
	if err != nil {
		t.Fatal(err)
	}
	old := eolNow
	eolNow = func() time.Time { return now }
	defer func() { eolNow = old }()
	cfg := lint.DefaultConfig()
	for _, r := range Registry().All() {
		if r != HS006 {
			cfg.Ignored = append(cfg.Ignored, r.ID)
		}
	}
	return lint.New(Registry(), cfg).Lint("Dockerfile", []byte(src)).Findings
}

func TestHS006Clock(t *testing.T) {
	tests := []struct {
		day, from string
		want      string // message, "" for no finding
	}{
		{"2023-05-30", "ubuntu:18.04", ""},
		{"2023-05-31", "ubuntu:18.04", "ubuntu:18.04 reached end of life on 2023-05-31: upgrade to ubuntu:24.04"},
		{"2026-05-01", "node:20-bullseye", "node:20-bullseye reached end of life on 2026-04-30: upgrade to node:24-bullseye"},
		{"2026-09-01", "node:20-bullseye", "node:20-bullseye reached end of life on 2026-04-30 (Node.js 20; its base, Debian 11 bullseye, on 2026-08-31): upgrade to node:24-trixie"},
		{"2026-08-30", "python:3.12-bullseye", ""},
		{"2026-09-01", "python:3.12-bullseye", "python:3.12-bullseye reached end of life on 2026-08-31 (its base, Debian 11 bullseye): upgrade to python:3.12-trixie"},
		{"2030-01-01", "ubuntu:bionic-20230530", "ubuntu:bionic-20230530 reached end of life on 2023-05-31: upgrade to ubuntu:noble"},
		{"2030-01-01", "node:hydrogen-slim", "node:hydrogen-slim reached end of life on 2025-04-30: upgrade to node:krypton-slim"},
		{"2030-01-01", "debian:10.13-slim", "debian:10.13-slim reached end of life on 2024-06-30: upgrade to debian:13-slim"},
		{"2030-01-01", "openjdk:8-jdk-alpine", "openjdk:8-jdk-alpine reached end of life on 2022-07-31 (the openjdk image is deprecated): upgrade to eclipse-temurin:21"},
		{"2030-01-01", "python:3.1", ""}, // not in the table: never guessed
		{"2030-01-01", "golang:1.2", ""},
		{"2030-01-01", "index.docker.io/library/golang:1.21.5-bookworm", "index.docker.io/library/golang:1.21.5-bookworm reached end of life on 2024-08-13: upgrade to index.docker.io/library/golang:1.27-bookworm"},
		{"2030-01-01", "mirror.gcr.io/library/alpine:3.18", "mirror.gcr.io/library/alpine:3.18 reached end of life on 2025-05-09: upgrade to mirror.gcr.io/library/alpine:3.23"},
		{"2030-01-01", "ghcr.io/acme/ubuntu:18.04", ""},
	}
	for _, tt := range tests {
		got := lintAt(t, tt.day, "FROM "+tt.from+"\n")
		switch {
		case tt.want == "" && len(got) != 0:
			t.Errorf("%s on %s: unexpected finding %q", tt.from, tt.day, got[0].Message)
		case tt.want != "" && len(got) != 1:
			t.Errorf("%s on %s: %d findings, want 1", tt.from, tt.day, len(got))
		case tt.want != "" && got[0].Message != tt.want:
			t.Errorf("%s on %s:\n got %q\nwant %q", tt.from, tt.day, got[0].Message, tt.want)
		}
	}
}

// TestHS006Table keeps the table well-formed: dates parse, every image has
// an upgrade, and no two releases of an image claim the same tag.
func TestHS006Table(t *testing.T) {
	if _, err := time.Parse("2006-01-02", eolTableDate); err != nil {
		t.Errorf("eolTableDate: %v", err)
	}
	seen := map[string]bool{}
	for _, r := range eolTable {
		if _, err := time.Parse("2006-01-02", r.eol); err != nil {
			t.Errorf("%s %v: bad date %q", r.image, r.tags, r.eol)
		}
		if _, ok := eolUpgrades[r.image]; !ok {
			t.Errorf("%s has no upgrade", r.image)
		}
		for _, tag := range r.tags {
			k := r.image + ":" + tag
			if seen[k] {
				t.Errorf("%s listed twice", k)
			}
			seen[k] = true
		}
		for _, v := range r.variants {
			if v != strings.ToLower(v) {
				t.Errorf("variant %q must be lower case", v)
			}
		}
	}
	// The suggested upgrades themselves must not be past their end of life.
	for img, up := range eolUpgrades {
		if up.version == "" {
			continue
		}
		ref := dockerfile.ParseImageRef(img + ":" + up.version)
		if img == "dotnet" {
			ref = dockerfile.ParseImageRef("mcr.microsoft.com/dotnet/sdk:" + up.version)
		}
		if hits := eolLookup(ref); len(hits) > 0 {
			t.Errorf("upgrade %s:%s is in the end-of-life table", img, up.version)
		}
	}
}

package shellscript

import (
	"strings"
	"testing"

	"github.com/hoistci/hoist/internal/dockerfile"
)

func parseRuns(t *testing.T, src string) []*Script {
	t.Helper()
	f := dockerfile.Parse("Dockerfile", []byte(src))
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	return ForFile(f)
}

func find(s *Script, name string) *Command {
	for _, c := range s.Commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestCommandsAndPositions(t *testing.T) {
	src := "FROM debian:12\n" +
		"RUN --mount=type=cache,target=/var/cache/apt \\\n" +
		"    apt-get update && \\\n" +
		"    DEBIAN_FRONTEND=noninteractive apt-get install -yq --no-install-recommends \\\n" +
		"\tcurl=7.88.1-10 'ca-certificates' && \\\n" +
		"    curl -fsSL https://example.com/x.sh | sh && \\\n" +
		"    (cd /tmp; sudo apk add --no-cache git) ; bash -c 'pip install -r requirements.txt'\n"
	s := parseRuns(t, src)[0]
	if s.Err != nil || !s.Analysable() {
		t.Fatalf("parse: %v %s", s.Err, s.Skipped)
	}
	var names []string
	for _, c := range s.Commands {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "apt-get apt-get curl sh cd sudo bash pip" {
		t.Fatalf("commands: %s", got)
	}
	inst := s.Commands[1]
	if inst.Subcommand() != "install" || !inst.HasFlag("-y") || !inst.HasFlag("-q") || !inst.HasFlag("--no-install-recommends") || inst.HasFlag("--force-yes") {
		t.Errorf("flags of %s", inst)
	}
	if len(inst.Assigns) != 1 || inst.Assigns[0] != "DEBIAN_FRONTEND=noninteractive" {
		t.Errorf("assigns %v", inst.Assigns)
	}
	pos := inst.Positional()
	if len(pos) != 3 || pos[1].Value != "curl=7.88.1-10" || pos[2].Value != "ca-certificates" {
		t.Fatalf("positional %+v", pos)
	}
	if pos[1].Range.Start != (dockerfile.Position{Line: 5, Column: 2}) {
		t.Errorf("curl=... at %v, want 5:2 (after a tab)", pos[1].Range.Start)
	}
	if pos[2].Range.Start != (dockerfile.Position{Line: 5, Column: 17}) || pos[2].Range.End != (dockerfile.Position{Line: 5, Column: 34}) {
		t.Errorf("quoted word at %v", pos[2].Range)
	}
	if c := find(s, "curl"); c == nil || !c.InPipeline || c.Range.Start != (dockerfile.Position{Line: 6, Column: 5}) {
		t.Errorf("curl: %+v", c)
	}
	if c := find(s, "sh"); c == nil || !c.InPipeline {
		t.Errorf("sh in pipeline")
	}
	if c := find(s, "apt-get"); c.InPipeline {
		t.Errorf("apt-get is not in a pipeline")
	}
	sudo := find(s, "sudo").Unwrap()
	if sudo.Name != "apk" || sudo.Subcommand() != "add" || !sudo.HasFlag("--no-cache") {
		t.Errorf("unwrap sudo: %s", sudo)
	}
	pip := find(s, "pip")
	if pip == nil || !pip.Nested || pip.Range.Start != (dockerfile.Position{Line: 7, Column: 55}) {
		t.Errorf("sh -c string: %+v", pip)
	}
	if v, ok := pip.FlagValue("-r", "--requirement"); !ok || v != "requirements.txt" {
		t.Errorf("flag value %q %v", v, ok)
	}
	if _, ok := s.CacheMount("/var/cache/apt/archives"); !ok {
		t.Errorf("mounts %+v", s.Mounts)
	}
	if _, ok := s.CacheMount("/root/.cache"); ok {
		t.Errorf("mounts %+v", s.Mounts)
	}
}

func TestHeredocsExecAndShells(t *testing.T) {
	src := "FROM alpine:3.22\n" +
		"RUN <<EOF\n" +
		"set -e\n" +
		"apk add --no-cache curl\n" +
		"EOF\n" +
		"RUN <<EOF\n" +
		"#!/usr/bin/env python3\n" +
		"print('hi')\n" +
		"EOF\n" +
		"RUN cat <<A > /etc/x && apk add jq\n" +
		"line\n" +
		"A\n" +
		"RUN [\"apk\", \"add\", \"git\"]\n" +
		"RUN [\"/bin/sh\", \"-c\", \"apk add make\"]\n" +
		"ONBUILD RUN --mount=type=cache,target=/var/cache/apk apk add gcc\n" +
		"RUN if then fi (\n" +
		"SHELL [\"pwsh\", \"-Command\"]\n" +
		"RUN Get-ChildItem\n"
	ss := parseRuns(t, src)
	if len(ss) != 8 {
		t.Fatalf("%d scripts", len(ss))
	}
	if c := find(ss[0], "apk"); c == nil || c.Range.Start != (dockerfile.Position{Line: 4, Column: 1}) {
		t.Errorf("heredoc body command: %+v", c)
	}
	if ss[1].Skipped == "" || ss[1].Analysable() {
		t.Errorf("python heredoc must be skipped")
	}
	if c := find(ss[2], "apk"); c == nil || c.Range.Start.Line != 10 {
		t.Errorf("command line with a heredoc: %+v", c)
	}
	if !ss[3].Exec || find(ss[3], "apk") == nil || find(ss[3], "apk").Args[1].Range.Start != (dockerfile.Position{Line: 13, Column: 20}) {
		t.Errorf("exec form: %+v", ss[3].Commands)
	}
	if c := find(ss[4], "apk"); c == nil || !c.Nested || c.Range.Start.Line != 14 {
		t.Errorf("exec sh -c: %+v", ss[4].Commands)
	}
	if c := find(ss[5], "apk"); c == nil || c.Range.Start != (dockerfile.Position{Line: 15, Column: 54}) {
		t.Errorf("ONBUILD RUN: %+v", ss[5].Commands)
	}
	if _, ok := ss[5].CacheMount("/var/cache/apk"); !ok {
		t.Errorf("ONBUILD RUN --mount: %+v", ss[5].Mounts)
	}
	if ss[6].Err == nil || ss[6].Analysable() {
		t.Errorf("invalid shell must report an error")
	}
	if ss[7].Skipped == "" {
		t.Errorf("pwsh must be skipped")
	}
}

func TestEffectiveShellInherited(t *testing.T) {
	f := dockerfile.Parse("Dockerfile", []byte("FROM a:1 AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN x | y\n"))
	got := EffectiveShell(f.Instructions[3])
	if strings.Join(got, " ") != "/bin/bash -o pipefail -c" {
		t.Errorf("shell %v", got)
	}
}

package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/internal/shellscript"
	"github.com/hoistci/hoist/lint"
)

// tarExtensions are the names of the archives ADD unpacks: tar, plain
// or compressed with gzip, bzip2, xz or zstd.
var tarExtensions = []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tb2", ".tar.xz", ".txz", ".tar.zst", ".tzst"}

// decompressors turn a compressed tar into a plain one (zcat app.tar.gz | tar -x).
var decompressors = []string{"gunzip", "bunzip2", "unxz", "unzstd", "zcat", "gzcat", "bzcat", "xzcat", "zstdcat"}

func isTarArchive(name string) bool {
	for _, e := range tarExtensions {
		if strings.HasSuffix(name, e) {
			return true
		}
	}
	return false
}

// copiedArchive is a tar archive a COPY puts into the image.
type copiedArchive struct {
	in    *dockerfile.Instruction
	name  string           // its file name in the image
	paths []string         // the absolute paths it may have in the image
	at    dockerfile.Range // the word that names it
	src   string
	dest  string
}

var DL3010 = register(&lint.Rule{
	ID:       "DL3010",
	Name:     "use-add-for-archives",
	Severity: lint.Info,
	Summary:  "Use ADD for extracting archives into an image",
	Rationale: "`COPY app.tar.gz /opt/` followed by `RUN tar -xzf /opt/app.tar.gz` stores the archive in " +
		"one layer and its contents in the next: the image carries both, even if the RUN deletes the " +
		"archive. `ADD app.tar.gz /opt/` unpacks a local tar archive in one step. As hadolint, the rule " +
		"reports a COPY (not `--from`) of an archive that a later RUN of the same stage extracts " +
		"(`tar -x`, or a decompressor such as `zcat`). Unlike hadolint, it only considers the archives " +
		"ADD can unpack (tar, plain or compressed with gzip, bzip2, xz or zstd: not zip, lzma or .Z), " +
		"and it is silent when the extraction does what ADD cannot (`--strip-components`, " +
		"`--transform`, `--exclude`, `--wildcards`) or names a different directory for the archive.",
	Bad:  "FROM debian:12\nCOPY app.tar.gz /opt/\nRUN tar -xzf /opt/app.tar.gz -C /opt && rm /opt/app.tar.gz\n",
	Good: "FROM debian:12\nADD app.tar.gz /opt/\n",
	Run: func(p *lint.Pass) {
		for _, st := range p.File.Stages {
			checkArchives(p, st)
		}
	},
})

func checkArchives(p *lint.Pass, st *dockerfile.Stage) {
	workdir := workdirAtStart(st)
	var archives []copiedArchive
	reported := map[*dockerfile.Instruction]bool{}
	for _, in := range st.Instructions {
		switch in.Name {
		case "workdir":
			workdir = applyWorkdir(p, in, workdir)
		case "copy":
			archives = append(archives, archivesOf(in, workdir)...)
		case "run":
			s := scriptOf(p, in)
			if s == nil || s.Skipped != "" || len(archives) == 0 {
				continue
			}
			for _, c := range s.Commands {
				c = c.Unwrap()
				tool, ok := extractor(c)
				if !ok {
					continue
				}
				for _, a := range archives {
					if reported[a.in] || !namesArchive(p, s, c, a) {
						continue
					}
					reported[a.in] = true
					p.Report(a.at, fmt.Sprintf("Use ADD for extracting archives into an image: %s is copied here and "+
						"extracted with `%s` on line %d; `ADD %s %s` unpacks it in one step and keeps the archive out "+
						"of the image's layers", a.name, tool, c.NameWord.Range.Start.Line, a.src, a.dest))
				}
			}
		}
	}
}

// archivesOf returns the tar archives a COPY from the context puts into the image.
func archivesOf(in *dockerfile.Instruction, workdir string) []copiedArchive {
	cmd, ok := in.Typed.(*instructions.CopyCommand)
	if !ok || cmd.From != "" {
		return nil
	}
	srcs := contextSources(in, workdir)
	if len(srcs) == 0 {
		return nil
	}
	rawDest := cmd.DestPath
	dest := srcs[0].dest
	if isTarArchive(baseName(rawDest)) && len(srcs) == 1 {
		at := in.ArgsRange()
		if words := in.Words(); len(words) > 0 && !in.IsJSON() {
			at = words[len(words)-1].Range
		} else if in.IsJSON() {
			at = in.Find(`"` + rawDest + `"`)
		}
		return []copiedArchive{{in: in, name: baseName(rawDest), paths: []string{dest}, at: at, src: srcs[0].src, dest: rawDest}}
	}
	var out []copiedArchive
	for _, s := range srcs {
		name := baseName(s.src)
		if !isTarArchive(name) || strings.ContainsAny(name, "*?[") {
			continue
		}
		paths := []string{path.Join(dest, name)}
		if len(srcs) == 1 && !strings.HasSuffix(rawDest, "/") {
			paths = append(paths, dest)
		}
		out = append(out, copiedArchive{in: in, name: name, paths: paths, at: s.at, src: s.src, dest: rawDest})
	}
	return out
}

// extractor reports whether a command unpacks an archive the way ADD
// could (tar -x without member selection or renaming, a decompressor).
func extractor(c *shellscript.Command) (string, bool) {
	switch {
	case c.Is("tar", "gtar", "bsdtar"):
		extract := c.HasFlag("--extract", "--get")
		for _, a := range c.Args {
			v := a.Value
			if v == "--" {
				break
			}
			if strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Contains(v, "x") {
				extract = true
			}
		}
		// tar's traditional form: `tar xzf app.tar.gz`.
		if pos := c.Positional(); len(pos) > 0 && len(c.Args) > 0 && c.Args[0].Value == pos[0].Value &&
			strings.Contains(pos[0].Value, "x") && strings.Trim(pos[0].Value, "xvfzjJpoa") == "" {
			extract = true
		}
		if !extract || c.HasFlag("--strip-components", "--transform", "--xform", "--exclude", "--wildcards", "--to-stdout", "-O") {
			return "", false
		}
		return c.Base(), true
	case c.Is(decompressors...):
		return c.Base(), true
	}
	return "", false
}

// namesArchive reports whether an extracting command's arguments name
// the copied archive: by file name, and by full path when written absolute.
func namesArchive(p *lint.Pass, s *shellscript.Script, c *shellscript.Command, a copiedArchive) bool {
	for _, w := range c.Args {
		v, ok := wordValue(p, s, w)
		if !ok || strings.HasPrefix(v, "-") && !strings.Contains(v, "=") {
			continue
		}
		if i := strings.Index(v, "="); strings.HasPrefix(v, "--file=") && i >= 0 {
			v = v[i+1:]
		}
		v = dropQuotes(v)
		if baseName(v) != a.name {
			continue
		}
		if !strings.HasPrefix(v, "/") {
			return true
		}
		for _, cand := range a.paths {
			if path.Clean(v) == path.Clean(cand) {
				return true
			}
		}
	}
	return false
}

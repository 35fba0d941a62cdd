package buildctx

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
)

// fsutilWalk is a line-by-line port of fsutil's filterFS.Walk (v0.0.0-
// 20261103091533, filter.go) with only ExcludePatterns set, over
// filepath.WalkDir as fsutil's fs.Walk does. It returns the paths BuildKit
// would send, in order. Tests compare Context against it: it walks eagerly
// and keeps its own parent stack, an implementation independent of the
// Context's lazy one.
func fsutilWalk(root string, excludes []string) ([]string, error) {
	type visitedDir struct {
		path             string
		pathWithSep      string
		excludeMatchInfo patternmatcher.MatchInfo
		calledFn         bool
	}
	var (
		excludeMatcher              *patternmatcher.PatternMatcher
		onlyPrefixExcludeExceptions = true
		err                         error
	)
	patternChars := "*[]?^" + `\`
	if len(excludes) > 0 {
		excludeMatcher, err = patternmatcher.New(excludes)
		if err != nil {
			return nil, err
		}
		for _, p := range excludeMatcher.Patterns() {
			if p.Exclusion() && strings.ContainsAny(patternWithoutTrailingGlob(p), patternChars) {
				onlyPrefixExcludeExceptions = false
				break
			}
		}
	}
	var out []string
	var parentDirs []visitedDir
	err = filepath.WalkDir(root, func(abs string, dirEntry fs.DirEntry, walkErr error) (retErr error) {
		defer func() {
			if retErr != nil && isNotExist(retErr) {
				retErr = filepath.SkipDir
			}
		}()
		path, err := filepath.Rel(root, abs)
		if err != nil {
			return err
		}
		if path == "." {
			return nil
		}
		var dir visitedDir
		isDir := dirEntry != nil && dirEntry.IsDir()
		if excludeMatcher != nil {
			for len(parentDirs) != 0 {
				if strings.HasPrefix(path, parentDirs[len(parentDirs)-1].pathWithSep) {
					break
				}
				parentDirs = parentDirs[:len(parentDirs)-1]
			}
			if isDir {
				dir = visitedDir{path: path, pathWithSep: path + string(filepath.Separator)}
			}
		}
		skip := false
		if excludeMatcher != nil {
			var parentExcludeMatchInfo patternmatcher.MatchInfo
			if len(parentDirs) != 0 {
				parentExcludeMatchInfo = parentDirs[len(parentDirs)-1].excludeMatchInfo
			}
			m, matchInfo, err := excludeMatcher.MatchesUsingParentResults(path, parentExcludeMatchInfo)
			if err != nil {
				return err
			}
			if isDir {
				dir.excludeMatchInfo = matchInfo
			}
			if m {
				if isDir && onlyPrefixExcludeExceptions {
					if !excludeMatcher.Exclusions() {
						return filepath.SkipDir
					}
					dirSlash := path + string(filepath.Separator)
					found := false
					for _, pat := range excludeMatcher.Patterns() {
						if !pat.Exclusion() {
							continue
						}
						patStr := patternWithoutTrailingGlob(pat) + string(filepath.Separator)
						if strings.HasPrefix(patStr, dirSlash) {
							found = true
							break
						}
					}
					if !found {
						return filepath.SkipDir
					}
				}
				skip = true
			}
		}
		if walkErr != nil {
			if skip && os.IsPermission(walkErr) {
				return nil
			}
			return walkErr
		}
		if excludeMatcher != nil {
			defer func() {
				if isDir {
					parentDirs = append(parentDirs, dir)
				}
			}()
		}
		if skip {
			return nil
		}
		dir.calledFn = true
		for i, parentDir := range parentDirs {
			if parentDir.calledFn {
				continue
			}
			parentDirs[i].calledFn = true
			out = append(out, filepath.ToSlash(parentDir.path))
		}
		out = append(out, filepath.ToSlash(path))
		return nil
	})
	return out, err
}

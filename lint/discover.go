package lint

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// IsDockerfileName reports whether a file name is one hoist lints when it
// walks a directory: Dockerfile, Dockerfile.*, Dockerfile-*, *.Dockerfile,
// *.dockerfile, Containerfile, Containerfile.*, Containerfile-*.
func IsDockerfileName(name string) bool {
	switch {
	case name == "Dockerfile", name == "Containerfile":
		return true
	case strings.HasPrefix(name, "Dockerfile."), strings.HasPrefix(name, "Containerfile."),
		strings.HasPrefix(name, "Dockerfile-"), strings.HasPrefix(name, "Containerfile-"):
		// Not the ignore file that sits next to a Dockerfile.
		return !strings.HasSuffix(name, ".dockerignore")
	case strings.HasSuffix(name, ".Dockerfile"), strings.HasSuffix(name, ".dockerfile"):
		return true
	}
	return false
}

// skipDirs are never entered when walking.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true}

// Discover expands paths: files are kept as given, directories are walked
// recursively for Dockerfiles (hidden directories are entered; .git,
// node_modules and vendor are not), "-" stands for stdin. The result keeps
// the order of paths, each directory's files sorted, without duplicates.
func Discover(paths []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		if p == "-" {
			add(p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			if os.IsNotExist(err) {
				return nil, fmt.Errorf("%s: no such file or directory", p)
			}
			return nil, err
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && skipDirs[d.Name()] {
					return filepath.SkipDir
				}
				return nil
			}
			if IsDockerfileName(d.Name()) && (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", p, err)
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return out, nil
}

package buildctx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// readIgnoreFile finds the ignore file as BuildKit's dockerui does:
// <Dockerfile>.dockerignore when it exists, else .dockerignore at the root
// of the context. It returns the file's path ("" when there is none) and
// its content.
func readIgnoreFile(dir string, root *os.Root, dockerfile string) (string, []byte, error) {
	if dockerfile != "-" {
		if dockerfile == "" {
			dockerfile = filepath.Join(dir, "Dockerfile")
		}
		name := dockerfile + ".dockerignore"
		data, err := os.ReadFile(name)
		switch {
		case err == nil:
			return name, data, nil
		case !isNotExist(err):
			return "", nil, fmt.Errorf("read ignore file %s: %w", name, unwrapPathError(err))
		}
	}
	name := filepath.Join(dir, ".dockerignore")
	// Through the root: a .dockerignore symlink may point elsewhere in the
	// context, never outside it.
	data, err := root.ReadFile(".dockerignore")
	switch {
	case err == nil:
		return name, data, nil
	case isNotExist(err):
		return "", nil, nil
	default:
		return "", nil, fmt.Errorf("read ignore file %s: %w", name, unwrapPathError(err))
	}
}

// parseIgnore reads patterns with ignorefile.ReadAll (Docker's rules:
// comments, whitespace, leading "/", filepath.Clean) and checks each one,
// so that a bad pattern is reported with its line instead of failing the
// first match that reaches it.
func parseIgnore(name string, data []byte) ([]string, error) {
	if name == "" {
		name = ".dockerignore"
	}
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lines, texts := patternLines(data)
	if len(lines) != len(patterns) {
		// Cannot happen while patternLines mirrors ReadAll; then the
		// errors only lose their line numbers.
		lines, texts = nil, nil
	}
	for i, p := range patterns {
		if err := checkPattern(p); err != nil {
			if lines == nil {
				return nil, fmt.Errorf("%s: invalid pattern %q: %v; fix or remove it", name, p, err)
			}
			return nil, fmt.Errorf("%s:%d: invalid pattern %q: %v; fix or remove the line", name, lines[i], texts[i], err)
		}
	}
	return patterns, nil
}

// patternLines returns the 1-based line number and the trimmed text of
// each line that ignorefile.ReadAll turns into a pattern: it splits lines
// the same way and skips the same ones (comments and blank lines).
func patternLines(data []byte) ([]int, []string) {
	var lines []int
	var texts []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		b := sc.Bytes()
		if n == 0 {
			b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
		}
		n++
		if bytes.HasPrefix(b, []byte("#")) {
			continue
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			continue
		}
		lines = append(lines, n)
		texts = append(texts, t)
	}
	return lines, texts
}

// checkPattern reports a pattern that patternmatcher would reject, either
// in New or lazily when the pattern is first compiled for a match.
func checkPattern(p string) error {
	list := []string{p}
	if strings.HasPrefix(p, "!") {
		// An exclusion is only evaluated once something matched: put a
		// match-all pattern before it so it is compiled.
		list = []string{"*", p}
	}
	pm, err := patternmatcher.New(list)
	if err != nil {
		return err
	}
	_, err = pm.MatchesOrParentMatches("x")
	return err
}

// matcher applies exclude patterns as fsutil's filterFS.Walk does (BuildKit
// sends the context through it): a path's result is computed from its
// parent's MatchInfo with MatchesUsingParentResults, and an excluded
// directory is looked into only when an exception pattern could re-include
// something below it.
type matcher struct {
	// mu serialises matching: patternmatcher compiles patterns lazily and
	// is not safe for concurrent use.
	mu sync.Mutex
	pm *patternmatcher.PatternMatcher
	// onlyPrefixExceptions: no exception ("!") pattern has a wildcard
	// before an optional trailing "/*" or "/**", so exceptionPrefixes say
	// which excluded directories can hold re-included paths.
	onlyPrefixExceptions bool
	exceptionPrefixes    []string
}

func newMatcher(patterns []string) (*matcher, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, err
	}
	patternChars := "*[]?^"
	if filepath.Separator != '\\' {
		patternChars += `\`
	}
	m := &matcher{pm: pm, onlyPrefixExceptions: true}
	for _, p := range pm.Patterns() {
		if !p.Exclusion() {
			continue
		}
		s := patternWithoutTrailingGlob(p)
		if strings.ContainsAny(s, patternChars) {
			m.onlyPrefixExceptions = false
		}
		m.exceptionPrefixes = append(m.exceptionPrefixes, s+string(filepath.Separator))
	}
	return m, nil
}

// match reports whether rel (slash form) is excluded, given its parent
// directory's MatchInfo (the zero value for entries of the root).
func (m *matcher) match(rel string, parent patternmatcher.MatchInfo) (bool, patternmatcher.MatchInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pm.MatchesUsingParentResults(filepath.FromSlash(rel), parent)
}

// mayReinclude reports whether an excluded directory must be looked into
// because an exception pattern may re-include something below it.
func (m *matcher) mayReinclude(rel string) bool {
	if !m.pm.Exclusions() {
		return false
	}
	if !m.onlyPrefixExceptions {
		return true
	}
	dirSlash := filepath.FromSlash(rel) + string(filepath.Separator)
	for _, p := range m.exceptionPrefixes {
		if strings.HasPrefix(p, dirSlash) {
			return true
		}
	}
	return false
}

// patternWithoutTrailingGlob is fsutil's helper of the same name.
func patternWithoutTrailingGlob(p *patternmatcher.Pattern) string {
	s := p.String()
	s = strings.TrimSuffix(s, string(filepath.Separator)+"**")
	s = strings.TrimSuffix(s, string(filepath.Separator)+"*")
	return s
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// unwrapPathError drops the operation and path of a *fs.PathError, for
// messages that name the path themselves.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

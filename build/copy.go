package build

import (
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/agext/levenshtein"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/hoistci/hoist/build/cache"
	"github.com/hoistci/hoist/build/fileop"
	"github.com/hoistci/hoist/build/plan"
)

const dirMode = fs.ModeDir | 0o755

// copyArgs are the parts of a COPY or ADD the builder needs.
type copyArgs struct {
	kw       string
	sd       instructions.SourcesAndDest
	from     string
	chown    string
	chmod    string
	link     bool
	excludes []string
	parents  bool
	isAdd    bool
	checksum string
	unpack   *bool
}

// copySource is where a COPY or ADD reads from, and what its cache key
// says about that source.
type copySource struct {
	fsys buildfs.FS
	// hashMatches: the key covers the selected files' content (the build
	// context, heredocs, downloaded URLs); otherwise keyed says it all.
	hashMatches bool
	keyed       func(h *cache.Hasher)
	// lazy sources materialise their tree only on a cache miss.
	lazy func() (buildfs.FS, error)
}

func (b *builder) copyStep(r *stageRun, i int, step *plan.Step, name string, a copyArgs) error {
	cfg := r.stepConfig(i)
	fc := fileop.Copy{
		Sources:  a.sd.SourcePaths,
		Dest:     a.sd.DestPath,
		Workdir:  cfg.WorkingDir,
		Chown:    a.chown,
		Chmod:    a.chmod,
		Excludes: a.excludes,
		Parents:  a.parents,
		IsAdd:    a.isAdd && (a.unpack == nil || *a.unpack),
		DirTime:  b.modTime(),
		TmpDir:   b.tmp,
	}
	// BuildKit links (merges) only without --chmod; with it, a plain copy.
	a.link = a.link && a.chmod == ""
	if a.link && fileop.ChownByName(a.chown) {
		return inputErr(fmt.Errorf("--link with --chown=%s: user and group names can't be resolved when used with --link (the layer does not see the image's /etc/passwd); use numeric ids", a.chown))
	}
	if a.checksum != "" && !hasURL(a.sd.SourcePaths) {
		return inputErr(fmt.Errorf("--checksum applies only to URL sources"))
	}
	if a.chmod != "" {
		if _, err := fileop.ParseChmod(a.chmod); err != nil {
			return inputErr(err)
		}
	}
	_, done := b.vertex(name)
	src, cleanup, err := b.copySourceOf(r, step, a, &fc)
	if cleanup != nil {
		defer cleanup()
	}
	if err != nil {
		done(false, err)
		return err
	}

	h := cache.NewHasher(strings.ToLower(a.kw))
	// --link: the layer does not depend on what is below it, so neither
	// does its key (unless --chown names a user, read from the image).
	if !a.link {
		h.Key("parent", r.key)
	}
	h.Strings("sources", fc.Sources)
	h.String("dest", fc.Dest)
	h.String("workdir", fc.Workdir)
	h.String("chown", fc.Chown)
	h.String("chmod", fc.Chmod)
	h.Strings("exclude", fc.Excludes)
	h.String("parents", fmt.Sprint(fc.Parents))
	h.String("link", fmt.Sprint(a.link))
	h.String("unpack", fmt.Sprint(fc.IsAdd))
	h.String("checksum", a.checksum)
	h.String("platform", plan.FormatPlatform(r.ps.Platform))
	var matches []fileop.Match
	if src.hashMatches {
		matches, err = fileop.Select(src.fsys, fc)
		if err != nil {
			done(false, err)
			return inputErr(err)
		}
		if err := hashMatches(h, matches); err != nil {
			done(false, err)
			return err
		}
	} else {
		src.keyed(h)
	}
	key := h.Sum()
	if l, ok := b.lookup(key); ok {
		l.hist = r.hist[i]
		r.addLayer(l)
		r.key = key
		done(true, nil)
		return nil
	}

	// A miss: compute the entries against the image's current tree.
	if src.fsys == nil {
		if src.fsys, err = src.lazy(); err != nil {
			done(false, err)
			return err
		}
		if matches, err = fileop.Select(src.fsys, fc); err != nil {
			done(false, err)
			return inputErr(err)
		}
	}
	dst, err := r.currentTree(b)
	if err != nil {
		done(false, err)
		return err
	}
	if a.link {
		// A linked layer does not depend on the image below: every parent
		// directory is part of it.
		dst = buildfs.NewTree()
	}
	entries, err := fileop.Apply(src.fsys, dst, fc, matches)
	if err != nil {
		done(false, err)
		return inputErr(err)
	}
	err = b.commitLayer(r, i, key, entries)
	done(false, err)
	return err
}

// copySourceOf picks the file tree a COPY or ADD reads.
func (b *builder) copySourceOf(r *stageRun, step *plan.Step, a copyArgs, fc *fileop.Copy) (copySource, func(), error) {
	switch {
	case len(a.sd.SourceContents) > 0:
		// Heredocs: each is a file named after its delimiter.
		t := buildfs.NewTree()
		var names []string
		for _, sc := range a.sd.SourceContents {
			data := sc.Data
			t.Put(&buildfs.Entry{Path: buildfs.Clean(sc.Path), Mode: 0o644, Size: int64(len(data)), ModTime: b.modTime(),
				Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(data)), nil }})
			names = append(names, sc.Path)
		}
		fc.Sources = names
		fc.Literal = true
		return copySource{fsys: t, hashMatches: true}, nil, nil
	case len(step.Sources) > 0:
		fc.SourceIsRootFS = true
		src := r.runs[step.Sources[0]]
		return copySource{
			keyed: func(h *cache.Hasher) { h.Key("from-stage", src.key) },
			lazy:  func() (buildfs.FS, error) { return src.finalTree(b) },
		}, nil, nil
	case len(step.Images) > 0:
		fc.SourceIsRootFS = true
		bi, err := b.resolveBase(step.Images[0], r.ps.Platform)
		if err != nil {
			if near := b.nearStage(step.Images[0]); near != "" {
				return copySource{}, nil, inputErr(fmt.Errorf("--from=%s is no stage of this Dockerfile, and as an image: %v (did you mean %s?)", step.Images[0], err, near))
			}
			return copySource{}, nil, fmt.Errorf("--from=%s (no stage has that name, so it is an image): %w", step.Images[0], err)
		}
		return copySource{
			keyed: func(h *cache.Hasher) { h.String("from-image", bi.digest.String()) },
			lazy:  func() (buildfs.FS, error) { return bi.Tree(b) },
		}, nil, nil
	case a.isAdd && hasURL(a.sd.SourcePaths):
		return b.fetchSources(a, fc)
	}
	return copySource{fsys: b.context, hashMatches: true}, nil, nil
}

func hasURL(srcs []string) bool {
	for _, s := range srcs {
		if isURL(s) {
			return true
		}
	}
	return false
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// fetchSources downloads ADD's URL (BuildKit allows one URL per source
// list entry; hoist takes one URL per ADD with URLs).
func (b *builder) fetchSources(a copyArgs, fc *fileop.Copy) (copySource, func(), error) {
	if len(a.sd.SourcePaths) != 1 {
		return copySource{}, nil, inputErr(fmt.Errorf("ADD with a URL takes one source; use one ADD per URL"))
	}
	f, err := fileop.FetchURL(b.ctx, b.opts.HTTPClient, a.sd.SourcePaths[0], a.checksum, b.tmp)
	if err != nil {
		return copySource{}, nil, err
	}
	fsys, c := f.Source(*fc)
	*fc = c
	return copySource{fsys: fsys, hashMatches: true}, f.Cleanup, nil
}

// hashMatches adds the selected source files to a key: their paths
// relative to the copy, modes, link targets and contents, never times.
// Contents are hashed in parallel.
func hashMatches(h *cache.Hasher, matches []fileop.Match) error {
	sums := make([]string, len(matches))
	errs := make([]error, len(matches))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, m := range matches {
		e := m.Source
		if !e.IsRegular() {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			sums[i], errs[i] = contentHash(e)
		}()
	}
	wg.Wait()
	for i, m := range matches {
		if errs[i] != nil {
			return errs[i]
		}
		e := m.Source
		h.String("path", m.Rel)
		h.String("src", e.Path)
		h.Int("mode", int64(e.Mode))
		h.String("link", e.Linkname)
		h.String("content", sums[i])
	}
	return nil
}

// nearStage is the stage name a --from that is neither stage nor image
// probably meant, as BuildKit's suggest.WrapError finds it, or "".
func (b *builder) nearStage(name string) string {
	best, bestD := "", 0
	for _, s := range b.df.Stages {
		if s.Name == "" {
			continue
		}
		d := levenshtein.Distance(strings.ToLower(name), strings.ToLower(s.Name), nil)
		if d <= 2 && d*3 <= len(s.Name) && (best == "" || d < bestD) {
			best, bestD = s.Name, d
		}
	}
	return best
}

package build

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/hoistci/hoist/build/cache"
	"github.com/hoistci/hoist/build/fileop"
	"github.com/hoistci/hoist/build/plan"
)

// layerRef is one layer of a stage's image: where its blob comes from and,
// when this build produced it, its entries (so the stage's file tree can
// be advanced without reading the blob back).
type layerRef struct {
	desc   v1.Descriptor
	diffID v1.Hash
	open   func() (v1.Layer, error)
	// entries are the layer's content when produced by this build.
	entries []*buildfs.Entry
	// hist is the index of the history entry that made the layer in the
	// stage's configuration; -1 for base image layers.
	hist int
	// key is the cache key the layer was found or recorded under, and
	// created when that record was made.
	key     cache.Key
	created time.Time
}

// record is the layer as a cache record.
func (l layerRef) record() cache.Record {
	return cache.Record{Key: l.key, Layer: l.desc, DiffID: l.diffID, Created: l.created}
}

// stageRun is one stage being built for one platform.
type stageRun struct {
	ps     *plan.Stage
	prefix string // "[name " for progress names, or "["
	done   chan struct{}
	err    error

	base   *baseImage // FROM an image
	from   *stageRun  // FROM an earlier stage
	layers []layerRef
	key    cache.Key
	// hist maps the stage's steps to their history index (-1: none).
	hist []int

	// runs are all the stage runs of the platform (for --from lookups).
	runs map[*plan.Stage]*stageRun

	mu    sync.Mutex
	tree  *buildfs.Tree
	treeN int // layers applied to tree
}

// buildPlatform plans and builds the target for one platform.
func (b *builder) buildPlatform(platform string, multi bool) (*builtImage, error) {
	var baseErrs []error
	var mu sync.Mutex
	po := plan.Options{
		Target:    b.opts.Target,
		BuildArgs: b.opts.BuildArgs,
		Platform:  platform,
		BaseConfig: func(ref string, pl v1.Platform) (*v1.ConfigFile, error) {
			bi, err := b.resolveBase(ref, pl)
			if err != nil {
				mu.Lock()
				baseErrs = append(baseErrs, err)
				mu.Unlock()
				return nil, err
			}
			return bi.cfg.DeepCopy(), nil
		},
	}
	p, err := plan.New(b.df, po)
	if err != nil {
		if len(baseErrs) > 0 {
			return nil, err // a registry failure, positioned at its FROM
		}
		return nil, inputErr(err)
	}
	runs := map[*plan.Stage]*stageRun{}
	for _, s := range p.Stages {
		r := &stageRun{ps: s, done: make(chan struct{}), runs: runs}
		r.prefix = "["
		if len(b.df.Stages) > 1 {
			r.prefix = "[" + s.Name + " "
		}
		if multi {
			r.prefix = "[" + plan.FormatPlatform(s.Platform) + " " + strings.TrimPrefix(r.prefix, "[")
		}
		runs[s] = r
	}
	// Independent stages run concurrently; each waits for its deps.
	for _, s := range p.Stages {
		r := runs[s]
		go func() {
			defer close(r.done)
			for _, d := range s.Deps {
				dr := runs[d]
				<-dr.done
				if dr.err != nil {
					r.err = errDependency
					return
				}
			}
			r.err = b.runStage(r)
		}()
	}
	var errs []error
	for _, s := range p.Stages {
		r := runs[s]
		<-r.done
		if r.err != nil && !errors.Is(r.err, errDependency) {
			errs = append(errs, r.err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return b.assemble(runs[p.Target])
}

var errDependency = errors.New("a stage this one needs failed")

// stepError positions err at a step's instruction.
func (b *builder) stepError(step *plan.Step, err error) error {
	var pe *plan.Error
	if errors.As(err, &pe) {
		return err
	}
	in := step.Instruction
	e := &plan.Error{File: b.dfPath, Range: in.Range, Msg: fmt.Sprintf("%s: %v", strings.ToUpper(in.Name), err)}
	if IsInputError(err) {
		return inputErr(e)
	}
	return &opError{pos: e, err: err}
}

// opError is a positioned operation failure that keeps its cause.
type opError struct {
	pos *plan.Error
	err error
}

func (e *opError) Error() string { return e.pos.Error() }
func (e *opError) Unwrap() error { return e.err }

func (b *builder) runStage(r *stageRun) error {
	ps := r.ps
	total := len(ps.Steps) + 1
	fromName := fmt.Sprintf("%s1/%d] FROM ", r.prefix, total)
	switch {
	case ps.Base.Stage != nil:
		r.from = r.runs[ps.Base.Stage]
		r.layers = append([]layerRef(nil), r.from.layers...)
		r.key = r.from.key
		fromName += ps.Base.Stage.Name
	case ps.Base.Scratch:
		h := cache.NewHasher("scratch")
		h.String("platform", plan.FormatPlatform(ps.Platform))
		r.key = h.Sum()
		fromName += "scratch"
	default:
		bi, err := b.resolveBase(ps.Base.Image, ps.Platform)
		if err != nil {
			return &opError{pos: &plan.Error{File: b.dfPath, Range: ps.Source.From.Range, Msg: err.Error()}, err: err}
		}
		r.base = bi
		for _, l := range bi.layers {
			l.hist = -1
			r.layers = append(r.layers, l)
		}
		r.key = baseKey(bi.digest)
		fromName += bi.ref + "@" + bi.digest.String()
	}
	_, done := b.vertex(fromName)
	done(false, nil)

	// History indexes of the stage's own steps: the tail of its history.
	own := 0
	for _, st := range ps.Steps {
		if st.History != nil {
			own++
		}
	}
	next := len(ps.Config.History) - own
	r.hist = make([]int, len(ps.Steps))
	for i, st := range ps.Steps {
		r.hist[i] = -1
		if st.History != nil {
			r.hist[i] = next
			next++
		}
	}

	for i, step := range ps.Steps {
		name := fmt.Sprintf("%s%d/%d] %s", r.prefix, i+2, total, stepText(step))
		var err error
		switch cmd := step.Command.(type) {
		case *instructions.CopyCommand:
			err = b.copyStep(r, i, step, name, copyArgs{
				kw: "COPY", sd: cmd.SourcesAndDest, from: cmd.From, chown: cmd.Chown, chmod: cmd.Chmod,
				link: cmd.Link, excludes: cmd.ExcludePatterns, parents: cmd.Parents,
			})
		case *instructions.AddCommand:
			err = b.copyStep(r, i, step, name, copyArgs{
				kw: "ADD", sd: cmd.SourcesAndDest, chown: cmd.Chown, chmod: cmd.Chmod, link: cmd.Link,
				excludes: cmd.ExcludePatterns, checksum: cmd.Checksum, isAdd: true, unpack: cmd.Unpack,
			})
		case *instructions.WorkdirCommand:
			if step.History != nil && !step.History.EmptyLayer {
				err = b.workdirStep(r, i, step, name)
			}
		case *instructions.RunCommand:
			err = b.runStep(r, i, step, name, cmd)
		}
		if err != nil {
			return b.stepError(step, err)
		}
	}
	return nil
}

// stepText is an instruction as BuildKit names its vertex: the source
// line(s), joined.
func stepText(step *plan.Step) string {
	in := step.Instruction
	s := strings.TrimSpace(in.Node.Original)
	if s == "" {
		s = strings.ToUpper(in.Name)
	}
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\\\n", " ")), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// currentTree is the stage's file tree after every layer so far; the base
// layers are read the first time (a cache hit never gets here).
func (r *stageRun) currentTree(b *builder) (*buildfs.Tree, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tree == nil {
		switch {
		case r.from != nil:
			t, err := r.from.finalTree(b)
			if err != nil {
				return nil, err
			}
			r.tree, r.treeN = t.Clone(), len(r.from.layers)
		case r.base != nil:
			t, err := r.base.Tree(b)
			if err != nil {
				return nil, err
			}
			r.tree, r.treeN = t.Clone(), len(r.base.layers)
		default:
			r.tree, r.treeN = buildfs.NewTree(), 0
		}
	}
	for ; r.treeN < len(r.layers); r.treeN++ {
		if err := b.applyLayer(r.tree, r.layers[r.treeN]); err != nil {
			return nil, err
		}
	}
	return r.tree, nil
}

// finalTree is the tree of a finished stage (for FROM stage and COPY
// --from); callers must not change it.
func (r *stageRun) finalTree(b *builder) (*buildfs.Tree, error) {
	return r.currentTree(b)
}

// addLayer appends a layer the stage produced or found in a cache.
func (r *stageRun) addLayer(l layerRef) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.layers = append(r.layers, l)
}

// applyLayer advances t by one layer: its entries when known, else its
// blob (saved in the local store first).
func (b *builder) applyLayer(t *buildfs.Tree, l layerRef) error {
	if l.entries != nil {
		for _, e := range l.entries {
			t.Put(e)
		}
		return nil
	}
	if err := b.ensureBlob(l); err != nil {
		return err
	}
	st := b.opts.Store
	return b.reader.Apply(t, func() (io.ReadCloser, error) { return st.Blob(l.desc.Digest) })
}

// ensureBlob saves a layer's blob in the local store when it is not there
// yet, so a base layer is downloaded once per store, not once per build.
func (b *builder) ensureBlob(l layerRef) error {
	st := b.opts.Store
	if st.HasBlob(l.desc.Digest) {
		return nil
	}
	layer, err := l.open()
	if err != nil {
		return err
	}
	rc, err := layer.Compressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, _, err := st.WriteBlob(b.ctx, rc, l.desc.Digest); err != nil {
		return fmt.Errorf("saving layer %s in the local store: %w", l.desc.Digest, err)
	}
	return nil
}

// workdirStep creates the WORKDIR directory (and its parents) owned by
// the current USER, as BuildKit's mkdir does. An existing directory gives
// an empty layer, which the image drops as BuildKit's exporter does.
func (b *builder) workdirStep(r *stageRun, i int, step *plan.Step, name string) error {
	wd := r.stepConfig(i).WorkingDir
	user := r.stepConfig(i).User
	h := cache.NewHasher("workdir")
	h.Key("parent", r.key)
	h.String("dir", wd)
	h.String("user", user)
	key := h.Sum()
	_, done := b.vertex(name)
	if l, ok := b.lookup(key); ok {
		l.hist = r.hist[i]
		r.addLayer(l)
		r.key = key
		done(true, nil)
		return nil
	}
	entries, err := b.mkdirEntries(r, wd, user)
	if err == nil {
		err = b.commitLayer(r, i, key, entries)
	}
	done(false, err)
	return err
}

// stepConfig is the image configuration step i runs with.
func (r *stageRun) stepConfig(i int) *v1.Config {
	return r.ps.Steps[i].Config
}

func (b *builder) mkdirEntries(r *stageRun, wd, user string) ([]*buildfs.Entry, error) {
	t, err := r.currentTree(b)
	if err != nil {
		return nil, err
	}
	uid, gid := 0, 0
	if user != "" {
		uid, gid, err = fileop.ResolveOwner(t, user)
		if err != nil {
			return nil, inputErr(err)
		}
	}
	var out []*buildfs.Entry
	p := buildfs.Clean(wd)
	var missing []string
	for q := p; q != "."; q = parentDir(q) {
		e, err := t.Lstat(q)
		if err == nil {
			if !e.IsDir() {
				return nil, inputErr(fmt.Errorf("cannot create directory %s: /%s exists and is not a directory", wd, q))
			}
			break
		}
		missing = append(missing, q)
	}
	for j := len(missing) - 1; j >= 0; j-- {
		out = append(out, &buildfs.Entry{Path: missing[j], Mode: dirMode, UID: uid, GID: gid, ModTime: b.modTime()})
	}
	return out, nil
}

func parentDir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "."
	}
	return p[:i]
}

// runStep finds a RUN step in the caches; executing RUN is the next
// builder issue's work.
func (b *builder) runStep(r *stageRun, i int, step *plan.Step, name string, cmd *instructions.RunCommand) error {
	c := r.stepConfig(i)
	h := cache.NewHasher("run")
	h.Key("parent", r.key)
	if step.History != nil {
		h.String("command", step.History.CreatedBy)
	}
	h.Strings("cmdline", cmd.CmdLine)
	h.String("shell", strconv.FormatBool(cmd.PrependShell))
	h.Strings("env", c.Env)
	h.Strings("state-env", step.Env)
	h.String("user", c.User)
	h.String("workdir", c.WorkingDir)
	h.Strings("shellcmd", c.Shell)
	var flags []string
	for _, f := range step.Instruction.Flags {
		flags = append(flags, f.Name+"="+f.Value)
	}
	h.Strings("flags", flags)
	h.String("platform", plan.FormatPlatform(r.ps.Platform))
	for _, f := range cmd.Files {
		h.String("heredoc-name", f.Name)
		h.String("heredoc", f.Data)
		h.String("heredoc-chomp", strconv.FormatBool(f.Chomp))
	}
	id, done := b.vertex(name)
	if err := b.hashMounts(h, r, step, cmd); err != nil {
		done(false, err)
		return err
	}
	key := h.Sum()
	if l, ok := b.lookup(key); ok {
		l.hist = r.hist[i]
		r.addLayer(l)
		r.key = key
		done(true, nil)
		return nil
	}
	entries, cleanup, err := b.execRun(r, i, step, cmd, id)
	if err == nil {
		// The entries hold whiteouts: the stage's tree advances from the
		// blob, which applies them.
		err = b.commitLayerWith(r, i, key, entries, false)
	}
	cleanup()
	done(false, err)
	return err
}

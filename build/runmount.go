package build

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/hoistci/hoist/build/cache"
	"github.com/hoistci/hoist/build/exec"
	"github.com/hoistci/hoist/build/fileop"
	"github.com/hoistci/hoist/build/layer"
	"github.com/hoistci/hoist/build/plan"
	"github.com/hoistci/hoist/internal/store"
)

// runMountSet is what a RUN's --mount flags become.
type runMountSet struct {
	mounts  []exec.Mount
	secrets [][]byte
	release func()
}

// runMounts prepares RUN --mount: bind (context, stage, image), cache
// (persistent in the store), tmpfs, secret and ssh, as BuildKit's
// dispatchRunMounts. It returns extra environment (secret env=).
func (b *builder) runMounts(r *stageRun, step *plan.Step, cmd *instructions.RunCommand, cfg *v1.Config, work string) (runMountSet, []string, error) {
	set := runMountSet{release: func() {}}
	var releases []func()
	set.release = func() {
		for j := len(releases) - 1; j >= 0; j-- {
			releases[j]()
		}
	}
	var env []string
	for _, m := range instructions.GetMounts(cmd) {
		target := m.Target
		if target != "" && !path.IsAbs(target) {
			target = path.Join("/", cfg.WorkingDir, target)
		}
		switch m.Type {
		case instructions.MountTypeTmpfs:
			set.mounts = append(set.mounts, exec.Mount{Type: "tmpfs", Target: target, Size: m.SizeLimit})
		case instructions.MountTypeBind:
			src, rel, err := b.mountSource(r, step, m, work)
			if rel != nil {
				releases = append(releases, rel)
			}
			if err != nil {
				return set, nil, err
			}
			if !m.ReadOnly {
				// rw: writes are discarded (BuildKit's ForceNoOutput), never
				// written into the context or a stage.
				cp, err := copyTree(src, work)
				if err != nil {
					return set, nil, err
				}
				src = cp
			}
			set.mounts = append(set.mounts, exec.Mount{Type: "bind", Source: src, Target: target, Readonly: m.ReadOnly})
		case instructions.MountTypeCache:
			dir, rel, err := b.cacheMount(r, step, m, work)
			if rel != nil {
				releases = append(releases, rel)
			}
			if err != nil {
				return set, nil, err
			}
			set.mounts = append(set.mounts, exec.Mount{Type: "bind", Source: dir, Target: target, Readonly: m.ReadOnly})
		case instructions.MountTypeSecret:
			data, ok, err := b.secret(m.CacheID)
			if err != nil {
				return set, nil, err
			}
			if !ok {
				if m.Required {
					return set, nil, inputErr(fmt.Errorf("secret %q not found, and the RUN requires it: give it with --secret id=%s,src=FILE (or env=VAR)", m.CacheID, m.CacheID))
				}
				continue
			}
			set.secrets = append(set.secrets, data)
			if m.Env != nil {
				env = append(env, *m.Env+"="+string(data))
			}
			if m.Target == "" && m.Env != nil {
				continue
			}
			if target == "" {
				target = "/run/secrets/" + m.CacheID
			}
			f := filepath.Join(work, "secret-"+hashID(m.CacheID))
			if err := os.WriteFile(f, data, 0o400); err != nil {
				return set, nil, err
			}
			mode := uint32(0o400)
			if m.Mode != nil {
				mode = uint32(*m.Mode)
			}
			if err := os.Chmod(f, os.FileMode(mode)); err != nil {
				return set, nil, err
			}
			uid, gid := 0, 0
			if m.UID != nil {
				uid = int(*m.UID)
			}
			if m.GID != nil {
				gid = int(*m.GID)
			}
			_ = os.Lchown(f, uid, gid)
			set.mounts = append(set.mounts, exec.Mount{Type: "bind", Source: f, Target: target, Readonly: true})
		case instructions.MountTypeSSH:
			sock, ok := b.sshSocket(m.CacheID)
			if !ok {
				if m.Required {
					return set, nil, inputErr(fmt.Errorf("ssh agent %q is required: give it with --ssh %s=PATH (or --ssh default with SSH_AUTH_SOCK set)", m.CacheID, m.CacheID))
				}
				continue
			}
			if target == "" {
				target = "/run/buildkit/ssh_agent.0"
			}
			set.mounts = append(set.mounts, exec.Mount{Type: "bind", Source: sock, Target: target})
			env = append(env, "SSH_AUTH_SOCK="+target)
		default:
			return set, nil, inputErr(fmt.Errorf("RUN --mount type=%s is not supported", m.Type))
		}
	}
	return set, env, nil
}

// mountSource is the host directory a bind mount reads: the context, or a
// stage's or image's root written out to a temporary directory.
func (b *builder) mountSource(r *stageRun, step *plan.Step, m *instructions.Mount, work string) (string, func(), error) {
	src := buildfs.Clean(m.Source)
	if m.From == "" {
		e, err := b.context.Lstat(src)
		if err != nil {
			return "", nil, inputErr(fmt.Errorf("--mount source %q: not found in the build context", m.Source))
		}
		if len(b.context.Patterns()) == 0 || !e.IsDir() {
			return filepath.Join(b.context.Dir(), filepath.FromSlash(src)), nil, nil
		}
		// .dockerignore hides part of the context: the mount shows what
		// BuildKit would have been sent, a filtered copy.
		dir, err := os.MkdirTemp(work, "ctx-")
		if err != nil {
			return "", nil, err
		}
		if err := layer.Extract(b.ctx, subFS{b.context, src}, dir); err != nil {
			return "", nil, err
		}
		return dir, func() { os.RemoveAll(dir) }, nil
	}
	fsys, err := b.fromTree(r, step, m.From)
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp(work, "from-")
	if err != nil {
		return "", nil, err
	}
	if err := layer.Extract(b.ctx, fsys, dir); err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, filepath.FromSlash(src)), func() { os.RemoveAll(dir) }, nil
}

// fromTree is the tree of a --mount from= stage or image.
func (b *builder) fromTree(r *stageRun, step *plan.Step, from string) (buildfs.FS, error) {
	for _, s := range step.Sources {
		if strings.EqualFold(s.Name, from) || s.Source.Name != "" && strings.EqualFold(s.Source.Name, from) {
			return r.runs[s].finalTree(b)
		}
	}
	bi, err := b.resolveBase(from, r.ps.Platform)
	if err != nil {
		return nil, fmt.Errorf("--mount from=%s: %w", from, err)
	}
	return bi.Tree(b)
}

// cacheMount is the persistent directory of a cache mount, in the store,
// keyed by its id (default: the target). sharing=locked holds a file lock
// for the duration of the RUN; private gets a directory of its own when
// the shared one is in use.
func (b *builder) cacheMount(r *stageRun, step *plan.Step, m *instructions.Mount, work string) (string, func(), error) {
	id := m.CacheID
	if id == "" {
		id = path.Clean(m.Target)
	}
	base := b.opts.Store.CacheMountPath(id)
	dir := filepath.Join(base, "dir")
	if _, err := os.Stat(dir); err != nil {
		tmp, err := os.MkdirTemp(filepath.Dir(base), "new-")
		if err != nil {
			if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
				return "", nil, err
			}
			if tmp, err = os.MkdirTemp(filepath.Dir(base), "new-"); err != nil {
				return "", nil, err
			}
		}
		d := filepath.Join(tmp, "dir")
		if m.From != "" {
			fsys, err := b.fromTree(r, step, m.From)
			if err != nil {
				return "", nil, err
			}
			if err := layer.Extract(b.ctx, fsys, d); err != nil {
				return "", nil, err
			}
			if m.Source != "" {
				d = filepath.Join(d, filepath.FromSlash(buildfs.Clean(m.Source)))
			}
		} else if err := os.Mkdir(d, 0o755); err != nil {
			return "", nil, err
		}
		mode := os.FileMode(0o755)
		if m.Mode != nil {
			mode = os.FileMode(*m.Mode)
		}
		_ = os.Chmod(d, mode)
		uid, gid := 0, 0
		if m.UID != nil {
			uid = int(*m.UID)
		}
		if m.GID != nil {
			gid = int(*m.GID)
		}
		_ = os.Lchown(d, uid, gid)
		if err := os.Rename(tmp, base); err != nil && !os.IsExist(err) {
			os.RemoveAll(tmp)
			if _, serr := os.Stat(dir); serr != nil {
				return "", nil, err
			}
		}
	}
	lockPath := base + ".lock"
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", nil, err
	}
	now := b.opts.Now()
	_ = os.Chtimes(lockPath, now, now) // last used, for prune --cache-max-age
	exclusive := m.CacheSharing == instructions.MountSharingLocked
	if m.CacheSharing == instructions.MountSharingPrivate {
		if err := store.LockFile(f, true, false); err != nil {
			// In use: a private, throw-away directory.
			f.Close()
			p, err := os.MkdirTemp(work, "cache-private-")
			return p, nil, err
		}
		return dir, func() { f.Close() }, nil
	}
	if err := store.LockFile(f, exclusive, true); err != nil {
		f.Close()
		return "", nil, err
	}
	return dir, func() { f.Close() }, nil
}

func hashID(id string) string {
	s := sha256.Sum256([]byte(id))
	return hex.EncodeToString(s[:])[:32]
}

// secret reads a --secret's content; ok is false when none was given.
func (b *builder) secret(id string) ([]byte, bool, error) {
	for _, s := range b.opts.Secrets {
		if s.ID != id {
			continue
		}
		switch {
		case s.File != "":
			data, err := os.ReadFile(s.File)
			if err != nil {
				return nil, false, inputErr(fmt.Errorf("--secret id=%s: %v", id, err))
			}
			return data, true, nil
		case s.Env != "":
			v, ok := os.LookupEnv(s.Env)
			if !ok {
				return nil, false, nil
			}
			return []byte(v), true, nil
		}
	}
	return nil, false, nil
}

// sshSocket is the agent socket of an --ssh id.
func (b *builder) sshSocket(id string) (string, bool) {
	if id == "" {
		id = "default"
	}
	for _, s := range b.opts.SSH {
		if s.ID == id && len(s.Paths) > 0 {
			return s.Paths[0], true
		}
	}
	return "", false
}

// copyTree copies a host file or directory into a new temporary place
// under work (for a rw bind mount) and returns the copy's path.
func copyTree(src, work string) (string, error) {
	st, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(work, "bind-")
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		data, err := os.ReadFile(src)
		if err != nil {
			return "", err
		}
		p := filepath.Join(dir, "file")
		return p, os.WriteFile(p, data, st.Mode().Perm())
	}
	p := filepath.Join(dir, "dir")
	return p, os.CopyFS(p, os.DirFS(src))
}

// hashMounts adds a RUN's mounts to its cache key: their specification
// (as expanded) and, for bind mounts, what they show: the context files'
// paths, modes and contents, or the source stage's key, or the image's
// digest. Cache mount contents and secrets are never part of the key.
func (b *builder) hashMounts(h *cache.Hasher, r *stageRun, step *plan.Step, cmd *instructions.RunCommand) error {
	for _, m := range instructions.GetMounts(cmd) {
		h.String("mount", string(m.Type))
		h.String("mount-target", m.Target)
		h.String("mount-source", m.Source)
		h.String("mount-from", m.From)
		h.String("mount-readonly", strconv.FormatBool(m.ReadOnly))
		h.String("mount-id", m.CacheID)
		h.String("mount-sharing", string(m.CacheSharing))
		h.String("mount-required", strconv.FormatBool(m.Required))
		h.Int("mount-size", m.SizeLimit)
		if m.Mode != nil {
			h.Int("mount-mode", int64(*m.Mode))
		}
		if m.UID != nil {
			h.Int("mount-uid", int64(*m.UID))
		}
		if m.GID != nil {
			h.Int("mount-gid", int64(*m.GID))
		}
		if m.Env != nil {
			h.String("mount-env", *m.Env)
		}
		if m.Type != instructions.MountTypeBind {
			continue
		}
		switch {
		case m.From == "":
			if err := hashContext(h, b.context, buildfs.Clean(m.Source)); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return inputErr(fmt.Errorf("--mount source %q: not found in the build context (check the path and .dockerignore)", m.Source))
				}
				return inputErr(fmt.Errorf("--mount source %q: %w", m.Source, err))
			}
		default:
			found := false
			for _, s := range step.Sources {
				if strings.EqualFold(s.Name, m.From) || s.Source.Name != "" && strings.EqualFold(s.Source.Name, m.From) {
					h.Key("mount-stage", r.runs[s].key)
					found = true
				}
			}
			if !found {
				bi, err := b.resolveBase(m.From, r.ps.Platform)
				if err != nil {
					return fmt.Errorf("--mount from=%s: %w", m.From, err)
				}
				h.String("mount-image", bi.digest.String())
			}
		}
	}
	return nil
}

// hashContext adds the files under p of the context to a key.
func hashContext(h *cache.Hasher, fsys buildfs.FS, p string) error {
	var matches []fileop.Match
	err := buildfs.Walk(fsys, p, func(e *buildfs.Entry) error {
		matches = append(matches, fileop.Match{Source: e, Rel: e.Path})
		return nil
	})
	if err != nil {
		return err
	}
	return hashMatches(h, matches)
}

// subFS is the part of a tree below dir, as a tree of its own.
type subFS struct {
	fsys buildfs.FS
	dir  string
}

func (s subFS) path(p string) string {
	if s.dir == "." {
		return p
	}
	if p == "." {
		return s.dir
	}
	return s.dir + "/" + p
}

func (s subFS) rel(e *buildfs.Entry) *buildfs.Entry {
	c := *e
	switch {
	case s.dir == ".":
	case e.Path == s.dir:
		c.Path = "."
	default:
		c.Path = strings.TrimPrefix(e.Path, s.dir+"/")
	}
	return &c
}

func (s subFS) Lstat(p string) (*buildfs.Entry, error) {
	e, err := s.fsys.Lstat(s.path(p))
	if err != nil {
		return nil, err
	}
	return s.rel(e), nil
}

func (s subFS) ReadDir(p string) ([]*buildfs.Entry, error) {
	es, err := s.fsys.ReadDir(s.path(p))
	if err != nil {
		return nil, err
	}
	out := make([]*buildfs.Entry, len(es))
	for i, e := range es {
		out[i] = s.rel(e)
	}
	return out, nil
}

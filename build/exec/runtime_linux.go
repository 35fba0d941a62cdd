//go:build linux

package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	osexec "os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rtOverlayExtra keeps the upper directory a plain layer: no index, no
// redirect xattrs for renamed directories and no metacopy-only files.
const rtOverlayExtra = ",index=off,redirect_dir=off,metacopy=off"

// rtKillRetry is how often a cancelled run's container is killed again
// until the runtime exits (the container may not exist yet when the first
// kill is sent); rtKillGiveUp is when the runtime process itself is killed.
const (
	rtKillRetry  = 100 * time.Millisecond
	rtKillGiveUp = 30 * time.Second
)

// Run runs s in a container of the OCI runtime. The overlay root is
// mounted in a private mount namespace of the goroutine's locked thread:
// the runtime inherits it, and the mount disappears with the thread even
// if the explicit unmount is never reached.
func (r *Runtime) Run(ctx context.Context, s Spec) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return &UnavailableError{
			What: fmt.Sprintf("%s needs root to run a build step (running as uid %d)", r.name(), os.Geteuid()),
			Hint: "run as root, or use --builder buildkit://...",
		}
	}
	if s.Rootfs != "" {
		if err := checkRootfs(s.Rootfs); err != nil {
			return err
		}
	} else if s.Upper == "" || s.Work == "" {
		return errors.New("the spec has no upper or work directory, nor a root file system directory")
	}
	cfg, err := rtConfig(s)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread's mount namespace is changed, so it
		// must end with this goroutine instead of going back to the pool.
		runtime.LockOSThread()
		errc <- r.runLocked(ctx, s, cfg)
	}()
	return <-errc
}

func (r *Runtime) runLocked(ctx context.Context, s Spec, cfg *specs.Spec) (err error) {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return &UnavailableError{
			What: fmt.Sprintf("mount namespaces are not allowed (unshare: %v)", err),
			Hint: "run as root, or use --builder buildkit://...",
		}
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make the mount namespace private: %w", err)
	}

	bundle, err := os.MkdirTemp("", "hoist-runc-")
	if err != nil {
		return fmt.Errorf("create the runtime bundle: %w", err)
	}
	rootfs := filepath.Join(bundle, "rootfs")
	mounted := false
	defer func() {
		if mounted {
			if uerr := rtUnmount(rootfs); uerr != nil {
				err = errors.Join(err, fmt.Errorf("unmount the root file system at %s: %w", rootfs, uerr))
				return // never remove the bundle through a mounted root
			}
		}
		if rerr := os.Remove(rootfs); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("remove the runtime bundle: %w", rerr))
			return
		}
		if rerr := os.RemoveAll(bundle); rerr != nil {
			err = errors.Join(err, fmt.Errorf("remove the runtime bundle: %w", rerr))
		}
	}()
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		return fmt.Errorf("create the runtime bundle: %w", err)
	}

	if s.Rootfs != "" {
		if err := unix.Mount(s.Rootfs, rootfs, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mount the root file system %s on %s: %w", s.Rootfs, rootfs, err)
		}
		mounted = true
	} else {
		lowers := s.Lower
		if len(lowers) == 0 {
			// overlayfs needs a lower directory: FROM scratch gets an empty one.
			empty := filepath.Join(bundle, "empty")
			if err := os.Mkdir(empty, 0o755); err != nil {
				return fmt.Errorf("create the runtime bundle: %w", err)
			}
			lowers = []string{empty}
		}
		if err := rtMatchRoot(s.Upper, s.Lower); err != nil {
			return err
		}
		if err := rtMountOverlay(rootfs, lowers, s.Upper, s.Work, filepath.Join(bundle, "l")); err != nil {
			return err
		}
		mounted = true
	}

	if err := rtMkdirAllInRoot(rootfs, cfg.Process.Cwd, int(cfg.Process.User.UID), int(cfg.Process.User.GID)); err != nil {
		return fmt.Errorf("create the working directory %s: %w", cfg.Process.Cwd, err)
	}
	var stubs []rtStub
	if s.Rootfs != "" {
		// No upper directory to clean: the mount points the runtime would
		// create are made here, known, and removed after the run.
		targets, terr := rtRootfsTargets(cfg)
		if terr != nil {
			return terr
		}
		made, merr := makeRootfsStubs(s.Rootfs, targets)
		if merr != nil {
			return merr
		}
		defer func() {
			if rerr := made.remove(); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}()
	} else {
		stubs = rtMountStubs(rootfs, rtMountTargets(cfg))
	}

	config, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return fmt.Errorf("encode the runtime spec: %w", err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), config, 0o600); err != nil {
		return fmt.Errorf("write the runtime spec: %w", err)
	}

	state := r.StateDir
	if state == "" {
		if state, err = os.MkdirTemp("", "hoist-runc-state-"); err != nil {
			return fmt.Errorf("create the runtime state directory: %w", err)
		}
		defer os.RemoveAll(state)
	} else if err := os.MkdirAll(state, 0o700); err != nil {
		return fmt.Errorf("create the runtime state directory: %w", err)
	}
	id, err := rtContainerID()
	if err != nil {
		return err
	}

	logFile := filepath.Join(bundle, "log.json")
	waitErr, tail, cancelled, runErr := r.runContainer(ctx, s, state, bundle, logFile, id)

	// The container is gone (or was never created); from here on the
	// upper directory is only ours.
	if mounted {
		if uerr := rtUnmount(rootfs); uerr != nil {
			return errors.Join(runErr, fmt.Errorf("unmount the root file system at %s: %w", rootfs, uerr))
		}
		mounted = false
	}
	if s.Rootfs == "" {
		if serr := rtRemoveStubs(s.Upper, stubs); serr != nil {
			return errors.Join(runErr, serr)
		}
	}
	if runErr != nil {
		return runErr
	}
	if cancelled {
		return fmt.Errorf("the command was cancelled: %w", ctx.Err())
	}
	return r.result(waitErr, logFile, tail)
}

// rtRootfsTargets are the mount targets of cfg in mount order, with the
// kind of mount point each needs (a file for a bind mount of a file).
func rtRootfsTargets(cfg *specs.Spec) ([]mountTarget, error) {
	var targets []mountTarget
	for _, m := range cfg.Mounts {
		dir := true
		if m.Type == "bind" {
			fi, err := os.Stat(m.Source)
			if err != nil {
				return nil, fmt.Errorf("bind mount at %s: %w", m.Destination, err)
			}
			dir = fi.IsDir()
		}
		targets = append(targets, mountTarget{path.Clean(m.Destination), dir})
	}
	return targets, nil
}

// runContainer runs the container to its end; on cancellation it kills it
// and makes sure the runtime forgets it.
func (r *Runtime) runContainer(ctx context.Context, s Spec, state, bundle, logFile, id string) (waitErr error, tail []string, cancelled bool, err error) {
	out := &rtOutput{}
	stdout, stderr := out.stream(s.Stdout), out.stream(s.Stderr)
	cmd := osexec.Command(r.Binary, "--root", state, "--log", logFile, "--log-format", "json",
		"run", "--bundle", bundle, id)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// The container's processes share the pipes; the PID namespace ends
	// them with the command, so this only bounds a misbehaving runtime.
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, nil, false, fmt.Errorf("start %s: %w", r.name(), err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	select {
	case waitErr = <-done:
	case <-ctx.Done():
		cancelled = true
		waitErr = r.killUntilExit(cmd, state, id, done)
	}
	stdout.flush()
	stderr.flush()
	tail = out.tail()

	if _, serr := os.Stat(filepath.Join(state, id)); serr == nil {
		if derr := r.runtimeCmd(state, "delete", "--force", id); derr != nil {
			return waitErr, tail, cancelled, fmt.Errorf("remove the container %s: %w", id, derr)
		}
	}
	return waitErr, tail, cancelled, nil
}

// killUntilExit kills the container until the runtime's `run` returns:
// the first kill can come before the container exists.
func (r *Runtime) killUntilExit(cmd *osexec.Cmd, state, id string, done <-chan error) error {
	giveUp := time.After(rtKillGiveUp)
	for {
		_ = r.runtimeCmd(state, "kill", id, "KILL") // fails until the container exists
		select {
		case err := <-done:
			return err
		case <-giveUp:
			_ = cmd.Process.Kill()
			return <-done
		case <-time.After(rtKillRetry):
		}
	}
}

// runtimeCmd runs a short runtime command (kill, delete).
func (r *Runtime) runtimeCmd(state string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := osexec.CommandContext(ctx, r.Binary, append([]string{"--root", state}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		if msg := strings.TrimSpace(string(out)); msg != "" {
			return fmt.Errorf("%s %s: %w: %s", r.name(), args[0], err, msg)
		}
		return fmt.Errorf("%s %s: %w", r.name(), args[0], err)
	}
	return nil
}

// result maps the runtime's exit to the command's: runc and crun exit
// with the command's status, and with 1 plus an error in their log when
// they fail themselves.
func (r *Runtime) result(waitErr error, logFile string, tail []string) error {
	if waitErr == nil {
		return nil
	}
	var ee *osexec.ExitError
	if !errors.As(waitErr, &ee) {
		return fmt.Errorf("%s run: %w", r.name(), waitErr)
	}
	code := ee.ExitCode()
	if code < 0 {
		return fmt.Errorf("%s run: %w", r.name(), waitErr)
	}
	if code == 1 {
		if msgs := rtLogErrors(logFile); len(msgs) > 0 {
			return fmt.Errorf("%s could not run the command: %s", r.name(), msgs[len(msgs)-1])
		}
	}
	return &ExitError{Code: code, Tail: tail}
}

func rtContainerID() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate a container id: %w", err)
	}
	return "hoist-" + hex.EncodeToString(b), nil
}

// rtMatchRoot gives the upper directory the owner and mode of the image's
// root (the top lower's), or root:root 0755 for FROM scratch: overlayfs
// takes the merged root's attributes from the upper directory, and a 0700
// temporary directory would lock every non-root user out.
func rtMatchRoot(upper string, lowers []string) error {
	mode, uid, gid := os.FileMode(0o755), 0, 0
	if len(lowers) > 0 {
		fi, err := os.Stat(lowers[0])
		if err != nil {
			return fmt.Errorf("read the image's root directory: %w", err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		mode, uid, gid = fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky), int(st.Uid), int(st.Gid)
	}
	if err := os.Lchown(upper, uid, gid); err != nil {
		return fmt.Errorf("prepare the upper directory: %w", err)
	}
	if err := os.Chmod(upper, mode); err != nil {
		return fmt.Errorf("prepare the upper directory: %w", err)
	}
	return nil
}

// rtMountOverlay mounts the overlay on target.
func rtMountOverlay(target string, lowers []string, upper, work, linkDir string) error {
	data, err := rtOverlayData(lowers, upper, work, linkDir)
	if err != nil {
		return err
	}
	err = unix.Mount("overlay", target, "overlay", 0, data+rtOverlayExtra)
	if errors.Is(err, unix.EINVAL) {
		// A kernel that predates one of the extra options.
		err = unix.Mount("overlay", target, "overlay", 0, data)
	}
	if err != nil {
		return fmt.Errorf("mount the overlay root file system (%d layers) on %s: %w", len(lowers), target, err)
	}
	return nil
}

// rtOverlayData is the overlay mount data. Paths that do not fit in one
// page or contain the option separators go through short symlinks in
// linkDir, which overlayfs follows when it resolves the directories.
func rtOverlayData(lowers []string, upper, work, linkDir string) (string, error) {
	limit := unix.Getpagesize() - 1 - len(rtOverlayExtra)
	direct := "lowerdir=" + strings.Join(lowers, ":") + ",upperdir=" + upper + ",workdir=" + work
	special := func(p string) bool { return strings.ContainsAny(p, ",:\\") }
	ok := len(direct) <= limit && !special(upper) && !special(work)
	for _, l := range lowers {
		ok = ok && !special(l)
	}
	if ok {
		return direct, nil
	}
	if err := os.MkdirAll(linkDir, 0o700); err != nil {
		return "", fmt.Errorf("prepare the overlay mount: %w", err)
	}
	link := func(name, target string) (string, error) {
		p := filepath.Join(linkDir, name)
		if err := os.Symlink(target, p); err != nil {
			return "", fmt.Errorf("prepare the overlay mount: %w", err)
		}
		return p, nil
	}
	links := make([]string, len(lowers))
	for i, l := range lowers {
		p, err := link(strconv.Itoa(i), l)
		if err != nil {
			return "", err
		}
		links[i] = p
	}
	u, err := link("u", upper)
	if err != nil {
		return "", err
	}
	w, err := link("w", work)
	if err != nil {
		return "", err
	}
	data := "lowerdir=" + strings.Join(links, ":") + ",upperdir=" + u + ",workdir=" + w
	if len(data) > limit {
		return "", fmt.Errorf("the image has too many layers (%d) for one overlay mount; squash some of them", len(lowers))
	}
	return data, nil
}

func rtUnmount(target string) error {
	err := unix.Unmount(target, 0)
	if errors.Is(err, unix.EBUSY) {
		err = unix.Unmount(target, unix.MNT_DETACH)
	}
	return err
}

// rtMkdirAllInRoot creates the directory p (absolute inside root) and its
// missing parents as root:root 0755, resolving symlinks inside root.
func rtMkdirAllInRoot(root, p string, uid, gid int) error {
	rel := strings.TrimPrefix(path.Clean("/"+p), "/")
	if rel == "" {
		return nil
	}
	rootFD, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(rootFD)
	how := &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	dir := "."
	for _, name := range strings.Split(rel, "/") {
		next := path.Join(dir, name)
		fd, err := unix.Openat2(rootFD, next, how)
		if errors.Is(err, unix.ENOENT) {
			var pfd int
			if pfd, err = unix.Openat2(rootFD, dir, how); err != nil {
				return fmt.Errorf("/%s: %w", dir, err)
			}
			err = unix.Mkdirat(pfd, name, 0o755)
			if err == nil {
				err = unix.Fchmodat(pfd, name, 0o755, 0) // whatever the umask
			}
			if err == nil {
				// Owned by the user, as BuildKit's MkdirAllAndChown.
				err = unix.Fchownat(pfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
			}
			unix.Close(pfd)
			if err != nil && !errors.Is(err, unix.EEXIST) {
				return fmt.Errorf("/%s: %w", next, err)
			}
			fd, err = unix.Openat2(rootFD, next, how)
		}
		if err != nil {
			return fmt.Errorf("/%s: %w", next, err)
		}
		unix.Close(fd)
		dir = next
	}
	return nil
}

// rtStub is a path on the way to a mount target as it was in the merged
// root before the run: either missing (the runtime creates it as a mount
// point or a parent of one) or an existing directory above a missing one
// (creating the missing one copies it up into the upper directory).
type rtStub struct {
	path    string // slash-separated, relative to the root; "." is the root
	existed bool
	// For existing directories: what a pure copy-up keeps.
	mode     fs.FileMode
	uid, gid uint32
	times    []unix.Timespec
	xattrs   map[string]string
}

// rtMountStubs records, before the run, the mount targets and parents
// that do not exist in the merged root, with the existing directories
// above them; deepest first. A symlink or a non-directory on the way stops
// the walk: the runtime resolves those itself, and what it creates there
// is not tracked (so never removed).
func rtMountStubs(root string, targets []string) []rtStub {
	seen := map[string]bool{}
	var stubs []rtStub
	add := func(st rtStub) {
		if !seen[st.path] {
			seen[st.path] = true
			stubs = append(stubs, st)
		}
	}
	for _, t := range targets {
		rel := strings.TrimPrefix(path.Clean("/"+t), "/")
		if rel == "" {
			continue
		}
		comps := strings.Split(rel, "/")
		var existing []rtStub
		if st, ok := rtExistingDir(root, "."); ok {
			existing = append(existing, st)
		}
		for i := range comps {
			cur := strings.Join(comps[:i+1], "/")
			fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(cur)))
			if err == nil {
				st, ok := rtExistingDir(root, cur)
				if !fi.IsDir() || !ok {
					break
				}
				existing = append(existing, st)
				continue
			}
			if !errors.Is(err, fs.ErrNotExist) {
				break
			}
			for _, st := range existing {
				add(st)
			}
			for j := i; j < len(comps); j++ {
				add(rtStub{path: strings.Join(comps[:j+1], "/")})
			}
			break
		}
	}
	sort.SliceStable(stubs, func(a, b int) bool {
		da, db := rtDepth(stubs[a].path), rtDepth(stubs[b].path)
		if da != db {
			return da > db
		}
		return stubs[a].path < stubs[b].path
	})
	return stubs
}

func rtDepth(p string) int {
	if p == "." {
		return 0
	}
	return strings.Count(p, "/") + 1
}

// rtExistingDir records the directory rel of root (not a symlink).
func rtExistingDir(root, rel string) (rtStub, bool) {
	p := filepath.Join(root, filepath.FromSlash(rel))
	var st unix.Stat_t
	if unix.Lstat(p, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return rtStub{}, false
	}
	return rtStub{
		path:    rel,
		existed: true,
		mode:    fs.FileMode(st.Mode & 0o7777),
		uid:     st.Uid,
		gid:     st.Gid,
		times:   []unix.Timespec{st.Atim, st.Mtim},
		xattrs:  rtXattrs(p),
	}, true
}

// rtXattrs are the extended attributes of p, without overlayfs's own
// (trusted.overlay.*), which the merged view hides and copy-up adds.
func rtXattrs(p string) map[string]string {
	size, err := unix.Llistxattr(p, nil)
	if err != nil || size <= 0 {
		return nil
	}
	buf := make([]byte, size)
	if size, err = unix.Llistxattr(p, buf); err != nil {
		return nil
	}
	attrs := map[string]string{}
	for _, name := range strings.Split(string(buf[:size]), "\x00") {
		if name == "" || strings.HasPrefix(name, "trusted.overlay.") {
			continue
		}
		vsize, err := unix.Lgetxattr(p, name, nil)
		if err != nil {
			continue
		}
		val := make([]byte, max(vsize, 0))
		if vsize, err = unix.Lgetxattr(p, name, val); err == nil {
			attrs[name] = string(val[:vsize])
		}
	}
	if len(attrs) == 0 {
		return nil
	}
	return attrs
}

// rtRemoveStubs removes from the upper directory what the runtime's mount
// points left there, deepest first: at the paths that were missing, empty
// directories and empty regular files (the command cannot write to them
// while mounts cover them; a directory it put files in is not empty); at
// the existing directories above them, empty copies that differ from the
// image in nothing but times (a pure copy-up, so removing it changes
// nothing in the merged view). A parent left with nothing in the upper
// directory gets its times from before the run, any other parent keeps
// its times.
func rtRemoveStubs(upper string, stubs []rtStub) error {
	byPath := map[string]rtStub{}
	for _, st := range stubs {
		byPath[st.path] = st
	}
	var errs []error
	for _, st := range stubs {
		if st.path == "." {
			continue
		}
		parentRel := path.Dir(st.path)
		if !rtRealDirs(upper, parentRel) {
			continue
		}
		full := filepath.Join(upper, filepath.FromSlash(st.path))
		if !rtIsStub(full, st) {
			continue
		}
		parent := filepath.Dir(full)
		times := rtTimes(parent)
		if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove the mount point /%s from the layer: %w", st.path, err))
			continue
		}
		if ps, ok := byPath[parentRel]; ok && ps.existed {
			if entries, err := os.ReadDir(parent); err == nil && len(entries) == 0 {
				times = ps.times
			}
		}
		if times != nil {
			_ = unix.UtimesNanoAt(unix.AT_FDCWD, parent, times, unix.AT_SYMLINK_NOFOLLOW)
		}
	}
	return errors.Join(errs...)
}

// rtIsStub tells whether the upper directory's entry full is only the
// runtime's doing.
func rtIsStub(full string, st rtStub) bool {
	var sys unix.Stat_t
	if unix.Lstat(full, &sys) != nil {
		return false
	}
	switch sys.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		entries, err := os.ReadDir(full)
		if err != nil || len(entries) > 0 {
			return false
		}
		if !st.existed {
			return true
		}
		if v, err := unix.Lgetxattr(full, "trusted.overlay.opaque", nil); err == nil || v > 0 {
			return false
		}
		return fs.FileMode(sys.Mode&0o7777) == st.mode && sys.Uid == st.uid && sys.Gid == st.gid &&
			rtSameXattrs(rtXattrs(full), st.xattrs)
	case unix.S_IFREG:
		return !st.existed && sys.Size == 0
	}
	return false
}

func rtSameXattrs(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// rtTimes is the access and modification time of p, nil if unknown.
func rtTimes(p string) []unix.Timespec {
	var st unix.Stat_t
	if unix.Lstat(p, &st) != nil {
		return nil
	}
	return []unix.Timespec{st.Atim, st.Mtim}
}

// rtRealDirs reports whether rel and each of its parents inside dir is a
// directory, not a symlink: the command may have replaced one, and the
// removal must not follow it out of the upper directory.
func rtRealDirs(dir, rel string) bool {
	if rel == "." || rel == "" {
		return true
	}
	cur := dir
	for _, c := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, c)
		fi, err := os.Lstat(cur)
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

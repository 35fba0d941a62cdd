//go:build linux

package exec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Spec.Rootfs mode: the root is a plain directory, so the mount points
// that the image lacks cannot go to a private layer above it; they are
// created in the directory itself for the run and removed afterwards.

// rootfsStub is one path created in a Spec.Rootfs for a mount target.
type rootfsStub struct {
	full string // host path
	dir  bool
	// parentTimes are the atime and mtime of the pre-existing parent
	// before the stub was made in it, and madeMtime the parent's mtime
	// right after: a parent that still has madeMtime when the stub is
	// removed was not touched by the command and gets parentTimes back.
	// Nil for a stub inside another stub.
	parentTimes []unix.Timespec
	madeMtime   unix.Timespec
}

// rootfsStubs are the stubs of one run, in creation order.
type rootfsStubs struct {
	rootfs string
	made   []rootfsStub
}

// makeRootfsStubs creates in rootfs the mount targets it lacks, with the
// missing parents (directories 0755 root:root, files empty 0644
// root:root), as makeStubs does in the overlay's stub layer. A target
// below an earlier one is left to be created inside that mount at mount
// time. On error what was made is removed again.
func makeRootfsStubs(rootfs string, targets []mountTarget) (_ *rootfsStubs, err error) {
	s := &rootfsStubs{rootfs: rootfs}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.remove())
		}
	}()
	var resolved []string
	for _, t := range targets {
		p, err := resolveIn(rootfs, t.path)
		if err != nil {
			return s, fmt.Errorf("mount target %s: %w", t.path, err)
		}
		covered := false
		for _, r := range resolved {
			if strings.HasPrefix(p, r+"/") {
				covered = true
			}
		}
		resolved = append(resolved, p)
		if covered || p == "/" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(rootfs, p)); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return s, fmt.Errorf("mount target %s: %w", t.path, err)
		}
		parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
		madeParent := false
		for i := range parts {
			rel := strings.Join(parts[:i+1], "/")
			full := filepath.Join(rootfs, rel)
			var st unix.Stat_t
			if err := unix.Lstat(full, &st); err == nil {
				if st.Mode&unix.S_IFMT != unix.S_IFDIR {
					return s, fmt.Errorf("mount target %s: /%s is not a directory", t.path, rel)
				}
				continue
			} else if err != unix.ENOENT {
				return s, fmt.Errorf("mount target %s: %w", t.path, &fs.PathError{Op: "lstat", Path: full, Err: err})
			}
			stub := rootfsStub{full: full, dir: i < len(parts)-1 || t.dir}
			parent := filepath.Dir(full)
			if !madeParent {
				var pst unix.Stat_t
				if err := unix.Lstat(parent, &pst); err != nil {
					return s, fmt.Errorf("mount target %s: %w", t.path, &fs.PathError{Op: "lstat", Path: parent, Err: err})
				}
				stub.parentTimes = []unix.Timespec{pst.Atim, pst.Mtim}
			}
			if err := makeStub(&stub); err != nil {
				return s, fmt.Errorf("mount target %s: %w", t.path, err)
			}
			s.made = append(s.made, stub)
			if stub.parentTimes != nil {
				var pst unix.Stat_t
				if err := unix.Lstat(parent, &pst); err == nil {
					s.made[len(s.made)-1].madeMtime = pst.Mtim
				}
			}
			madeParent = true
		}
	}
	return s, nil
}

func makeStub(st *rootfsStub) error {
	if st.dir {
		if err := unix.Mkdir(st.full, 0o755); err != nil {
			return &fs.PathError{Op: "mkdir", Path: st.full, Err: err}
		}
	} else {
		fd, err := unix.Open(st.full, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
		if err != nil {
			return &fs.PathError{Op: "create", Path: st.full, Err: err}
		}
		unix.Close(fd)
	}
	// Whatever the umask and the parent's setgid bit.
	if err := unix.Lchown(st.full, 0, 0); err != nil {
		return &fs.PathError{Op: "lchown", Path: st.full, Err: err}
	}
	mode := uint32(0o644)
	if st.dir {
		mode = 0o755
	}
	if err := unix.Chmod(st.full, mode); err != nil {
		return &fs.PathError{Op: "chmod", Path: st.full, Err: err}
	}
	return nil
}

// remove removes the stubs, newest first, that are still as they were
// made: an empty file or an empty directory, 0644 or 0755, root:root. What
// the command changed (a parent directory it wrote into, say) stays, as
// the copy-up of the stub would in an overlay's upper directory. A missing
// stub is fine. A parent the command did not touch gets its times back.
func (s *rootfsStubs) remove() error {
	if s == nil {
		return nil
	}
	var errs []error
	for i := len(s.made) - 1; i >= 0; i-- {
		st := s.made[i]
		if !st.unchanged() {
			continue
		}
		parent := filepath.Dir(st.full)
		var pst unix.Stat_t
		parentSame := st.parentTimes != nil && unix.Lstat(parent, &pst) == nil && pst.Mtim == st.madeMtime
		var err error
		if st.dir {
			err = unix.Rmdir(st.full)
		} else {
			err = unix.Unlink(st.full)
		}
		if err != nil && err != unix.ENOENT && err != unix.ENOTEMPTY && err != unix.EEXIST {
			errs = append(errs, fmt.Errorf("remove the mount point %s made for the run: %w", st.full, err))
			continue
		}
		if err == nil && parentSame {
			_ = unix.UtimesNanoAt(unix.AT_FDCWD, parent, st.parentTimes, unix.AT_SYMLINK_NOFOLLOW)
		}
	}
	s.made = nil
	return errors.Join(errs...)
}

// unchanged says whether the stub is still what makeStub made.
func (st *rootfsStub) unchanged() bool {
	var sys unix.Stat_t
	if unix.Lstat(st.full, &sys) != nil || sys.Uid != 0 || sys.Gid != 0 {
		return false
	}
	switch sys.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return st.dir && sys.Mode&0o7777 == 0o755
	case unix.S_IFREG:
		return !st.dir && sys.Mode&0o7777 == 0o644 && sys.Size == 0
	}
	return false
}

// checkRootfs checks a Spec.Rootfs.
func checkRootfs(dir string) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("the root file system directory %q is not an absolute path", dir)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("the root file system directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("the root file system %s is not a directory", dir)
	}
	return nil
}

var overlayProbes sync.Map // dir -> *overlayProbe

type overlayProbe struct {
	once sync.Once
	ok   bool
}

// OverlaySupported reports whether an overlay root with its upper
// directory in os.TempDir() can be mounted here (see OverlaySupportedAt).
func OverlaySupported() bool { return OverlaySupportedAt(os.TempDir()) }

// OverlaySupportedAt reports whether this process can mount an overlay
// whose upper and work directories are on dir's file system, and use it
// (create a file, delete a lower one). It tries once per dir, in a private
// mount namespace on temporary directories in dir, and remembers the
// answer. False when not root, when mount namespaces are not allowed, or
// when dir is itself on an overlay (as inside most containers): then run
// steps with Spec.Rootfs.
func OverlaySupportedAt(dir string) bool {
	v, _ := overlayProbes.LoadOrStore(filepath.Clean(dir), &overlayProbe{})
	p := v.(*overlayProbe)
	p.once.Do(func() { p.ok = probeOverlay(dir) == nil })
	return p.ok
}

// probeOverlay mounts a test overlay in dir and uses it.
func probeOverlay(dir string) error {
	if os.Geteuid() != 0 {
		return errors.New("not root")
	}
	tmp, err := os.MkdirTemp(dir, "hoist-overlay-probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	lower, upper, work, merged := filepath.Join(tmp, "l"), filepath.Join(tmp, "u"), filepath.Join(tmp, "w"), filepath.Join(tmp, "m")
	for _, d := range []string{lower, upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(lower, "f"), []byte("x"), 0o644); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread's mount namespace changes, so it
		// ends with this goroutine (and so does the mount, whatever
		// happens).
		runtime.LockOSThread()
		errc <- probeOverlayLocked(lower, upper, work, merged)
	}()
	return <-errc
}

func probeOverlayLocked(lower, upper, work, merged string) error {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return err
	}
	for _, p := range []string{lower, upper, work} {
		if strings.ContainsAny(p, ",:\\") {
			return errors.New("the probe directory's path cannot be given to overlayfs")
		}
	}
	data := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	err := unix.Mount("overlay", merged, "overlay", 0, data+",index=off,redirect_dir=off,metacopy=off")
	if err == unix.EINVAL {
		err = unix.Mount("overlay", merged, "overlay", 0, data)
	}
	if err != nil {
		return err
	}
	defer unix.Unmount(merged, unix.MNT_DETACH)
	if err := os.WriteFile(filepath.Join(merged, "n"), []byte("y"), 0o644); err != nil {
		return err
	}
	return os.Remove(filepath.Join(merged, "f")) // a whiteout in upper
}

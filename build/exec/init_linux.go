//go:build linux

package exec

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Init must be called first thing in main() of any binary that uses
// Sandbox (and in TestMain of test binaries). When the process is a
// sandbox init started by Sandbox.Run, it sets the root up, runs the
// command and exits with its status, never returning; otherwise it returns
// false at once.
func Init() bool {
	if os.Getenv(initMarker) != "1" {
		return false
	}
	// The command is forked from this thread after its capability
	// bounding set was reduced, which is a per-thread attribute.
	runtime.LockOSThread()
	os.Exit(runInit())
	return true
}

// setupError is a failure of the init before the command ran.
type setupError struct {
	kind string
	err  error
}

func (e *setupError) Error() string { return e.err.Error() }

func setupErr(kind, format string, args ...any) error {
	return &setupError{kind: kind, err: fmt.Errorf(format, args...)}
}

// runInit is the sandbox's pid 1: it builds the root, starts the command,
// reaps every process until the command exits and returns its status.
func runInit() int {
	unix.CloseOnExec(specFD)
	unix.CloseOnExec(failureFD)
	report := os.NewFile(failureFD, "failure")
	fail := func(err error) int {
		f := initFailure{Kind: "setup", Msg: err.Error()}
		var se *setupError
		if errors.As(err, &se) {
			f.Kind = se.kind
		}
		var errno syscall.Errno
		if errors.As(err, &errno) {
			f.Errno = int(errno)
		}
		_ = json.NewEncoder(report).Encode(&f)
		return 125
	}
	var is initSpec
	if err := json.NewDecoder(os.NewFile(specFD, "spec")).Decode(&is); err != nil {
		return fail(fmt.Errorf("read the spec: %w", err))
	}
	if err := setupRoot(&is); err != nil {
		return fail(err)
	}
	pid, err := startCommand(&is)
	if err != nil {
		return fail(err)
	}
	report.Close()
	for {
		var ws unix.WaitStatus
		p, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 125
		}
		if p != pid {
			continue // an orphan adopted by pid 1
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		// Exiting kills whatever the command left running, as when the
		// command is a container's pid 1.
		return ws.ExitStatus()
	}
}

// mountTarget is a place in the root where something is mounted.
type mountTarget struct {
	path string // absolute, inside the root
	dir  bool   // a directory (else a file) is needed
}

func setupRoot(is *initSpec) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make the mounts private: %w", err)
	}
	st := is.Staging
	if err := unix.Mount("tmpfs", st, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0700"); err != nil {
		return fmt.Errorf("mount the staging tmpfs on %s: %w", st, err)
	}
	root, empty, stubs := filepath.Join(st, "root"), filepath.Join(st, "empty"), filepath.Join(st, "stubs")
	for _, d := range []string{root, empty, stubs, filepath.Join(st, "l")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	if is.Rootfs != "" {
		// A plain directory as the root; Run made its missing mount
		// points.
		if err := unix.Mount(is.Rootfs, root, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mount the root file system %s: %w", is.Rootfs, err)
		}
	} else if err := setupOverlayRoot(is, root, stubs, empty); err != nil {
		return err
	}

	if err := mountSystem(root, is); err != nil {
		return err
	}
	for _, m := range is.Mounts {
		if err := mountUser(root, m); err != nil {
			return err
		}
	}
	if is.NewNet {
		if err := loopbackUp(); err != nil {
			return fmt.Errorf("bring the loopback interface up: %w", err)
		}
	}
	if err := unix.Sethostname([]byte(is.Hostname)); err != nil {
		return fmt.Errorf("set the hostname: %w", err)
	}
	// pivot_root(".", ".") stacks the old root on the new one; detaching it
	// leaves only the new root (runc does the same).
	if err := unix.Chdir(root); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	// BuildKit creates a missing working directory owned by the user the
	// command runs as (runcexecutor: MkdirAllAndChown), and it is part of
	// the layer.
	if err := mkdirAllOwned(is.Cwd, int(is.UID), int(is.GID)); err != nil {
		return fmt.Errorf("create the working directory: %w", err)
	}
	return nil
}

// sandboxTargets are the places in the root where the sandbox mounts
// something, in mount order.
func sandboxTargets(is *initSpec) ([]mountTarget, error) {
	targets := []mountTarget{{"/proc", true}, {"/dev", true}, {"/sys", true}}
	if is.Hosts != "" {
		targets = append(targets, mountTarget{"/etc/hosts", false})
	}
	if is.ResolvConf != "" {
		targets = append(targets, mountTarget{"/etc/resolv.conf", false})
	}
	for _, m := range is.Mounts {
		dir := true
		if m.Type == "bind" {
			fi, err := os.Stat(m.Source)
			if err != nil {
				return nil, fmt.Errorf("bind mount at %s: %w", m.Target, err)
			}
			dir = fi.IsDir()
		}
		targets = append(targets, mountTarget{path.Clean(m.Target), dir})
	}
	return targets, nil
}

// setupOverlayRoot mounts the overlay of the lowers and the upper
// directory at root, with a stub layer for the missing mount points.
func setupOverlayRoot(is *initSpec, root, stubs, empty string) error {
	st := is.Staging
	lowers := is.Lower
	if len(lowers) == 0 {
		lowers = []string{empty}
	}
	if err := mountOverlay(st, root, lowers, is.Upper, is.Work); err != nil {
		return err
	}
	targets, err := sandboxTargets(is)
	if err != nil {
		return err
	}
	// Mount points missing in the image go to a tmpfs layer stacked above
	// the lowers, so that neither they nor the parents they would copy up
	// land in the upper directory (the layer).
	made, err := makeStubs(root, stubs, targets)
	if err != nil {
		return err
	}
	if made {
		if err := unix.Unmount(root, 0); err != nil {
			return fmt.Errorf("unmount the overlay: %w", err)
		}
		if len(is.Lower) == 0 {
			lowers = nil
		}
		if err := mountOverlay(st, root, append([]string{stubs}, lowers...), is.Upper, is.Work); err != nil {
			return err
		}
	}
	return nil
}

// mkdirAllOwned creates p and its missing parents (0755), chowning each
// directory it creates (not the existing ones) to uid:gid.
func mkdirAllOwned(p string, uid, gid int) error {
	p = filepath.Clean("/" + p)
	if st, err := os.Stat(p); err == nil {
		if !st.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", p)
		}
		return nil
	}
	if err := mkdirAllOwned(filepath.Dir(p), uid, gid); err != nil {
		return err
	}
	if err := os.Mkdir(p, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	if err := os.Chmod(p, 0o755); err != nil {
		return err
	}
	return os.Lchown(p, uid, gid)
}

// mountOverlay mounts an overlay at root. The layer paths go through short
// symlinks in the staging tmpfs: the mount data is limited to a page and
// lowerdir cannot hold ':' or ','.
func mountOverlay(staging, root string, lowers []string, upper, work string) error {
	links := filepath.Join(staging, "l")
	names := make([]string, len(lowers))
	link := func(name, target string) error {
		p := filepath.Join(links, name)
		os.Remove(p)
		return os.Symlink(target, p)
	}
	for i, l := range lowers {
		names[i] = strconv.Itoa(i)
		if err := link(names[i], l); err != nil {
			return err
		}
	}
	if err := link("u", upper); err != nil {
		return err
	}
	if err := link("w", work); err != nil {
		return err
	}
	if err := unix.Chdir(links); err != nil {
		return err
	}
	data := "lowerdir=" + strings.Join(names, ":") + ",upperdir=u,workdir=w"
	// Redirects and metacopy would put renames and chmods in the upper
	// directory in forms the layer conversion cannot express; the index
	// ties the upper directory to these lowers.
	err := unix.Mount("overlay", root, "overlay", 0, data+",index=off,redirect_dir=off,metacopy=off")
	if err == unix.EINVAL {
		// Kernels without these features reject the options; they are
		// then off anyway.
		err = unix.Mount("overlay", root, "overlay", 0, data)
	}
	if err != nil {
		return setupErr("overlay", "mount overlay (lower %s, upper %s): %w", strings.Join(lowers, ":"), upper, err)
	}
	return nil
}

// makeStubs creates in stubs the targets missing in root, with the parents
// they need. Parents that exist in root are recreated with their mode,
// owner, extended attributes and times so that the merged view and any
// copy-up are unchanged. It reports whether it created anything.
func makeStubs(root, stubs string, targets []mountTarget) (bool, error) {
	type times struct {
		path         string
		atime, mtime unix.Timespec
	}
	var (
		made     bool
		restore  []times
		resolved []string
	)
	for _, t := range targets {
		p, err := resolveIn(root, t.path)
		if err != nil {
			return false, err
		}
		covered := false
		for _, r := range resolved {
			if strings.HasPrefix(p, r+"/") {
				covered = true // created inside that mount at mount time
			}
		}
		resolved = append(resolved, p)
		if covered {
			continue
		}
		if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("mount target %s: %w", t.path, err)
		}
		parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
		exists := true
		for i := range parts {
			rel := strings.Join(parts[:i+1], "/")
			in, st := filepath.Join(root, rel), filepath.Join(stubs, rel)
			last := i == len(parts)-1
			if exists {
				var fi unix.Stat_t
				if err := unix.Lstat(in, &fi); err == nil {
					if fi.Mode&unix.S_IFMT != unix.S_IFDIR {
						return false, fmt.Errorf("mount target %s: /%s is not a directory", t.path, rel)
					}
					if _, err := os.Lstat(st); err == nil {
						continue
					}
					if err := os.Mkdir(st, 0o700); err != nil {
						return false, err
					}
					if err := copyDirAttrs(in, st, &fi); err != nil {
						return false, fmt.Errorf("mount target %s: copy the attributes of /%s: %w", t.path, rel, err)
					}
					restore = append(restore, times{st, fi.Atim, fi.Mtim})
					continue
				}
				exists = false
			}
			if _, err := os.Lstat(st); err == nil {
				continue
			}
			made = true
			if last && !t.dir {
				f, err := os.OpenFile(st, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
				if err != nil {
					return false, err
				}
				f.Close()
			} else if err := os.Mkdir(st, 0o755); err != nil {
				return false, err
			}
		}
	}
	for _, r := range restore {
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, r.path, []unix.Timespec{r.atime, r.mtime}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return false, err
		}
	}
	return made, nil
}

func copyDirAttrs(src, dst string, fi *unix.Stat_t) error {
	if err := os.Lchown(dst, int(fi.Uid), int(fi.Gid)); err != nil {
		return err
	}
	if err := unix.Chmod(dst, fi.Mode&0o7777); err != nil {
		return err
	}
	size, err := unix.Llistxattr(src, nil)
	if err != nil || size == 0 {
		return nil // no xattrs, or a file system without them
	}
	buf := make([]byte, size)
	size, err = unix.Llistxattr(src, buf)
	if err != nil {
		return nil
	}
	for _, name := range strings.Split(strings.TrimRight(string(buf[:size]), "\x00"), "\x00") {
		if name == "" || strings.HasPrefix(name, "trusted.overlay.") {
			continue
		}
		val := make([]byte, 64<<10)
		n, err := unix.Lgetxattr(src, name, val)
		if err != nil {
			continue
		}
		if err := unix.Lsetxattr(dst, name, val[:n], 0); err != nil {
			return fmt.Errorf("xattr %s: %w", name, err)
		}
	}
	return nil
}

// resolveIn resolves p inside root as if root were "/": symlinks are
// followed and cannot escape. Components from the first missing one on are
// kept as given. The result is absolute and clean.
func resolveIn(root, p string) (string, error) {
	rest := strings.Split(strings.TrimPrefix(path.Clean("/"+p), "/"), "/")
	cur := "/"
	for hops := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		if c == "" || c == "." {
			continue
		}
		if c == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, c)
		fi, err := os.Lstat(filepath.Join(root, next))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return path.Join(append([]string{next}, rest...)...), nil
			}
			return "", err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", fmt.Errorf("resolve %s: too many levels of symbolic links", p)
		}
		dest, err := os.Readlink(filepath.Join(root, next))
		if err != nil {
			return "", err
		}
		if path.IsAbs(dest) {
			cur = "/"
		}
		rest = append(strings.Split(dest, "/"), rest...)
	}
	return cur, nil
}

// target resolves t inside root and creates it when missing (only inside
// mounts made earlier: makeStubs made the others).
func target(root, t string, dir bool) (string, error) {
	p, err := resolveIn(root, t)
	if err != nil {
		return "", err
	}
	full := filepath.Join(root, p)
	if _, err := os.Lstat(full); err == nil {
		return full, nil
	}
	if dir {
		return full, os.MkdirAll(full, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return "", err
	}
	f, err := os.OpenFile(full, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return "", err
	}
	return full, f.Close()
}

// devices of the minimal /dev, as runc's defaults.
var devices = []struct {
	name         string
	major, minor uint32
}{
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
}

func mountSystem(root string, is *initSpec) error {
	proc, err := target(root, "/proc", true)
	if err != nil {
		return fmt.Errorf("/proc: %w", err)
	}
	if err := unix.Mount("proc", proc, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	dev, err := target(root, "/dev", true)
	if err != nil {
		return fmt.Errorf("/dev: %w", err)
	}
	if err := unix.Mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_STRICTATIME, "mode=755,size=65536k"); err != nil {
		return fmt.Errorf("mount /dev: %w", err)
	}
	for _, d := range devices {
		p := filepath.Join(dev, d.name)
		if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(d.major, d.minor))); err != nil {
			return fmt.Errorf("create /dev/%s: %w", d.name, err)
		}
		// mknod obeys the umask.
		if err := unix.Chmod(p, 0o666); err != nil {
			return err
		}
	}
	for _, d := range []string{"pts", "shm"} {
		if err := os.Mkdir(filepath.Join(dev, d), 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount("devpts", filepath.Join(dev, "pts"), "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"); err != nil {
		return fmt.Errorf("mount /dev/pts: %w", err)
	}
	if err := unix.Mount("shm", filepath.Join(dev, "shm"), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,size=65536k"); err != nil {
		return fmt.Errorf("mount /dev/shm: %w", err)
	}
	for name, dest := range map[string]string{
		"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
		"stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx", "core": "/proc/kcore",
	} {
		if err := os.Symlink(dest, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	// sysfs is a courtesy (tools read /sys/class/net); a kernel that
	// refuses it does not stop the build.
	if sys, err := target(root, "/sys", true); err == nil {
		_ = unix.Mount("sysfs", sys, "sysfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	}
	for _, f := range []struct{ src, dst string }{{is.Hosts, "/etc/hosts"}, {is.ResolvConf, "/etc/resolv.conf"}} {
		if f.src == "" {
			continue
		}
		if err := bind(root, f.src, f.dst, true); err != nil {
			return err
		}
	}
	return nil
}

func bind(root, src, dst string, readonly bool) error {
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("bind mount at %s: %w", dst, err)
	}
	t, err := target(root, dst, fi.IsDir())
	if err != nil {
		return fmt.Errorf("bind mount at %s: %w", dst, err)
	}
	if err := unix.Mount(src, t, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind mount %s at %s: %w", src, dst, err)
	}
	if readonly {
		if err := unix.Mount("", t, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("make the bind mount at %s read-only: %w", dst, err)
		}
	}
	return nil
}

func mountUser(root string, m Mount) error {
	switch m.Type {
	case "bind":
		return bind(root, m.Source, m.Target, m.Readonly)
	case "tmpfs":
		t, err := target(root, m.Target, true)
		if err != nil {
			return fmt.Errorf("tmpfs mount at %s: %w", m.Target, err)
		}
		mode := m.Mode
		if mode == 0 {
			mode = 0o1777
		}
		data := fmt.Sprintf("mode=%o", mode)
		if m.Size > 0 {
			data += fmt.Sprintf(",size=%d", m.Size)
		}
		flags := uintptr(unix.MS_NOSUID | unix.MS_STRICTATIME)
		if m.Readonly {
			flags |= unix.MS_RDONLY
		}
		if err := unix.Mount("tmpfs", t, "tmpfs", flags, data); err != nil {
			return fmt.Errorf("tmpfs mount at %s: %w", m.Target, err)
		}
		return nil
	}
	return fmt.Errorf("mount at %s: unknown type %q", m.Target, m.Type)
}

func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP | unix.IFF_RUNNING)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// defaultCaps is the capability set of a container's root (Docker's,
// containerd's and so BuildKit's default).
var defaultCaps = []uintptr{
	unix.CAP_CHOWN, unix.CAP_DAC_OVERRIDE, unix.CAP_FSETID, unix.CAP_FOWNER,
	unix.CAP_MKNOD, unix.CAP_NET_RAW, unix.CAP_SETGID, unix.CAP_SETUID,
	unix.CAP_SETFCAP, unix.CAP_SETPCAP, unix.CAP_NET_BIND_SERVICE,
	unix.CAP_SYS_CHROOT, unix.CAP_KILL, unix.CAP_AUDIT_WRITE,
}

// dropBoundingCaps limits this thread's, and so the command's, bounding
// set to defaultCaps: root in the sandbox cannot remount or load modules.
func dropBoundingCaps() error {
	last := uintptr(unix.CAP_LAST_CAP)
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			last = uintptr(n)
		}
	}
	keep := map[uintptr]bool{}
	for _, c := range defaultCaps {
		keep[c] = true
	}
	for c := uintptr(0); c <= last; c++ {
		if keep[c] {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0); err != nil && err != unix.EINVAL {
			return fmt.Errorf("drop capability %d: %w", c, err)
		}
	}
	return nil
}

// startCommand starts the command in the new root, as Docker: Args[0]
// without a slash is looked up in the PATH of the command's environment.
func startCommand(is *initSpec) (int, error) {
	argv0, err := lookPath(is.Args[0], is.Env, is.Cwd)
	if err != nil {
		return 0, setupErr("exec", "%w", err)
	}
	devnull, err := os.Open("/dev/null")
	if err != nil {
		return 0, err
	}
	defer devnull.Close()
	if err := dropBoundingCaps(); err != nil {
		return 0, err
	}
	groups := make([]uint32, len(is.AdditionalGIDs))
	copy(groups, is.AdditionalGIDs)
	pid, err := syscall.ForkExec(argv0, is.Args, &syscall.ProcAttr{
		Dir:   is.Cwd,
		Env:   is.Env,
		Files: []uintptr{devnull.Fd(), 1, 2},
		Sys: &syscall.SysProcAttr{
			Setsid:     true,
			Credential: &syscall.Credential{Uid: is.UID, Gid: is.GID, Groups: groups},
		},
	})
	if err != nil {
		return 0, setupErr("exec", "exec %s: %w", argv0, err)
	}
	return pid, nil
}

// defaultPath is the PATH when the environment has none (BuildKit's).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func lookPath(name string, env []string, cwd string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathEnv, found := defaultPath, false
	for i := len(env) - 1; i >= 0 && !found; i-- {
		if v, ok := strings.CutPrefix(env[i], "PATH="); ok {
			pathEnv, found = v, true
		}
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH (%s)", name, pathEnv)
}

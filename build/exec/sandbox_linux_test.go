//go:build linux

package exec

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var applets = []string{
	"sh", "echo", "cat", "ls", "id", "touch", "rm", "mkdir", "ln", "stat", "wc",
	"find", "sleep", "chmod", "hostname", "pwd", "kill", "true", "grep", "mount",
}

// needRoot skips tests that need namespaces and overlayfs.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the sandbox needs root (namespaces, overlayfs)")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("the test root file system is made of /bin/busybox, which is missing")
	}
}

var etcTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// busyboxRoot makes a lower directory with busybox, its applets, /etc with
// passwd and group (no hosts, no resolv.conf), /data/{a,b,c} and /hidden
// (whited out by the second lower that busyboxLowers returns).
func busyboxRoot(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"bin", "etc", "data", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(dir, "tmp"), os.ModeSticky|0o777)
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "bin/busybox"), string(bb), 0o755)
	for _, a := range applets {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n", 0o644)
	write(t, filepath.Join(dir, "etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\n", 0o644)
	for _, f := range []string{"a", "b", "c"} {
		write(t, filepath.Join(dir, "data", f), f+"\n", 0o644)
	}
	write(t, filepath.Join(dir, "hidden"), "whited out\n", 0o644)
	if err := os.Chtimes(filepath.Join(dir, "etc"), etcTime, etcTime); err != nil {
		t.Fatal(err)
	}
	return dir
}

// busyboxLowers returns the lowers of the test image, topmost first: a
// layer that deletes /hidden over the busybox root.
func busyboxLowers(t testing.TB) []string {
	t.Helper()
	base := busyboxRoot(t)
	top := t.TempDir()
	if err := unix.Mknod(filepath.Join(top, "hidden"), unix.S_IFCHR, 0); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(top, "added"), "from the top layer\n", 0o644)
	return []string{top, base}
}

func write(t testing.TB, p, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// newSpec returns a spec over lowers with a fresh upper and work dir.
func newSpec(t testing.TB, lowers []string, script string) Spec {
	t.Helper()
	dir := t.TempDir()
	s := Spec{
		Lower: lowers,
		Upper: filepath.Join(dir, "upper"),
		Work:  filepath.Join(dir, "work"),
		Args:  []string{"/bin/sh", "-c", script},
		Env:   []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		Cwd:   "/",
	}
	for _, d := range []string{s.Upper, s.Work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// run runs s and returns its stdout and stderr.
func run(t testing.TB, s Spec) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	s.Stdout, s.Stderr = &stdout, &stderr
	err := Sandbox{}.Run(context.Background(), s)
	return stdout.String(), stderr.String(), err
}

// mustRun runs s and fails the test when it does not succeed.
func mustRun(t testing.TB, s Spec) string {
	t.Helper()
	out, errOut, err := run(t, s)
	if err != nil {
		t.Fatalf("Run(%q) = %v\nstdout: %s\nstderr: %s", s.Args, err, out, errOut)
	}
	return out
}

// listUpper describes every entry of the upper directory, one a line:
// path, type and permissions, and for whiteouts "whiteout".
func listUpper(t testing.TB, upper string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(upper, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == upper {
			return nil
		}
		rel, _ := filepath.Rel(upper, p)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		desc := rel + " " + os.FileMode(0).String()
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFCHR:
			if st.Rdev == 0 {
				desc = rel + " whiteout"
			} else {
				desc = rel + " chardev"
			}
		default:
			fi, _ := d.Info()
			desc = rel + " " + fi.Mode().String()
		}
		out = append(out, desc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSandboxEcho(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "")
	s.Args = []string{"echo", "hello"} // looked up in PATH
	if got := mustRun(t, s); got != "hello\n" {
		t.Errorf("stdout = %q, want %q", got, "hello\n")
	}
	if got := listUpper(t, s.Upper); len(got) != 0 {
		t.Errorf("a command that changes nothing left in the upper directory:\n%s", strings.Join(got, "\n"))
	}
}

func TestSandboxExitCode(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "echo to stdout; echo to stderr >&2; exit 3")
	out, errOut, err := run(t, s)
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("Run = %v, want an *ExitError", err)
	}
	if ee.Code != 3 {
		t.Errorf("Code = %d, want 3", ee.Code)
	}
	// The two streams are two pipes: their order in the tail is not fixed.
	if got, want := slices.Sorted(slices.Values(ee.Tail)), []string{"to stderr", "to stdout"}; !slices.Equal(got, want) {
		t.Errorf("Tail = %q, want %q", ee.Tail, want)
	}
	if out != "to stdout\n" || errOut != "to stderr\n" {
		t.Errorf("stdout %q, stderr %q: the streams were mixed up", out, errOut)
	}
}

func TestSandboxKilledBySignal(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "kill -9 $$")
	_, _, err := run(t, s)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 137 {
		t.Fatalf("Run = %v, want an *ExitError with code 137", err)
	}
}

func TestSandboxCommandNotFound(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "")
	s.Args = []string{"no-such-tool", "x"}
	_, _, err := run(t, s)
	if err == nil || !strings.Contains(err.Error(), `"no-such-tool": executable file not found in $PATH`) {
		t.Fatalf("Run = %v, want executable file not found", err)
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		t.Errorf("a command that could not start is reported as an exit: %v", err)
	}
}

// The upper directory receives exactly the command's changes: no mount
// points, no copied-up parents of mount points.
func TestSandboxUpperHasOnlyChanges(t *testing.T) {
	needRoot(t)
	hostFiles := t.TempDir()
	write(t, filepath.Join(hostFiles, "hosts"), "127.0.0.1 localhost\n", 0o644)
	write(t, filepath.Join(hostFiles, "resolv.conf"), "nameserver 192.0.2.1\n", 0o644)
	s := newSpec(t, busyboxLowers(t), `set -e
test ! -e /hidden
cat /added
cat /etc/hosts /etc/resolv.conf
touch /new
rm /data/a
chmod 600 /data/b
mkdir /newdir
echo x > /newdir/f
stat -c %Y /etc
ls -d /proc/1 /dev/null /sys/kernel >/dev/null
`)
	s.Hosts = filepath.Join(hostFiles, "hosts")
	s.ResolvConf = filepath.Join(hostFiles, "resolv.conf")
	out := mustRun(t, s)
	want := "from the top layer\n127.0.0.1 localhost\nnameserver 192.0.2.1\n" +
		// /etc holds the stubs of hosts and resolv.conf with the times of
		// the image's /etc.
		"1577934245\n"
	if out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
	got := listUpper(t, s.Upper)
	wantUpper := []string{
		"data drwxr-xr-x",
		"data/a whiteout",
		"data/b -rw-------",
		"new -rw-r--r--",
		"newdir drwxr-xr-x",
		"newdir/f -rw-r--r--",
	}
	if !slices.Equal(got, wantUpper) {
		t.Errorf("upper directory:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantUpper, "\n"))
	}
}

// A change in a directory that holds stubs copies up the image's
// directory, not the stub's.
func TestSandboxCopyUpOfStubParent(t *testing.T) {
	needRoot(t)
	lowers := busyboxLowers(t)
	etc := filepath.Join(lowers[1], "etc")
	if err := os.Chmod(etc, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(etc, 0, 1000); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(etc, etcTime, etcTime); err != nil {
		t.Fatal(err)
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	write(t, hosts, "127.0.0.1 localhost\n", 0o644)
	s := newSpec(t, lowers, "echo x > /etc/motd")
	s.Hosts = hosts
	mustRun(t, s)
	fi, err := os.Lstat(filepath.Join(s.Upper, "etc"))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode() != os.ModeDir|0o750 || st.Gid != 1000 {
		t.Errorf("copied-up /etc is %v gid %d, want drwxr-x--- gid 1000 as the image's", fi.Mode(), st.Gid)
	}
	if got := listUpper(t, s.Upper); !slices.Equal(got, []string{"etc drwxr-x---", "etc/motd -rw-r--r--"}) {
		t.Errorf("upper directory: %q", got)
	}
}

func TestSandboxUser(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "id -u; id -g; id -G; grep CapEff /proc/self/status")
	s.UID, s.GID, s.AdditionalGIDs = 1000, 1000, []uint32{2000}
	if got, want := mustRun(t, s), "1000\n1000\n1000 2000\nCapEff:\t0000000000000000\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}

func TestSandboxRootCapabilities(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "id -u; id -G; grep -E 'CapEff|CapBnd' /proc/self/status; mount -t tmpfs none /tmp 2>/dev/null && echo mounted || echo refused")
	// Docker's default set: a root that cannot mount, load modules or
	// change the clock.
	want := "0\n0\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nrefused\n"
	if got := mustRun(t, s); got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}

func TestSandboxCwdAndEnv(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), `pwd; echo "$FOO"; echo "$HOME"`)
	s.Cwd = "/app/src"
	s.Env = append(s.Env, "FOO=bar baz", "HOME=/root")
	if got, want := mustRun(t, s), "/app/src\nbar baz\n/root\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if got, want := listUpper(t, s.Upper), []string{"app drwxr-xr-x", "app/src drwxr-xr-x"}; !slices.Equal(got, want) {
		t.Errorf("upper directory = %q, want the created working directory %q", got, want)
	}
}

func TestSandboxHostname(t *testing.T) {
	needRoot(t)
	host, _ := os.Hostname()
	for _, tt := range []struct{ set, want string }{{"", "buildkitsandbox"}, {"builder-1", "builder-1"}} {
		s := newSpec(t, busyboxLowers(t), "hostname")
		s.Hostname = tt.set
		if got := mustRun(t, s); got != tt.want+"\n" {
			t.Errorf("Hostname %q: hostname = %q, want %q", tt.set, got, tt.want)
		}
	}
	if h, _ := os.Hostname(); h != host {
		t.Errorf("the host's name changed from %q to %q", host, h)
	}
}

func TestSandboxNetworkNone(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "ls /sys/class/net; grep -c : /proc/net/dev; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags")
	s.Network = "none"
	// lo is up (flags 0x9 = IFF_UP|IFF_LOOPBACK); operstate of lo is
	// always "unknown".
	if got, want := mustRun(t, s), "lo\n1\nunknown\n0x9\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	hostIfaces, err := os.ReadDir("/sys/class/net")
	if err != nil || len(hostIfaces) < 2 {
		return // the host has no other interface to compare with
	}
	s = newSpec(t, busyboxLowers(t), "ls /sys/class/net | wc -l")
	s.Network = "default"
	if got := strings.TrimSpace(mustRun(t, s)); got == "1" {
		t.Errorf("network default sees only lo; the host has %d interfaces", len(hostIfaces))
	}
}

func TestSandboxPIDNamespace(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "echo $$; ls /proc | grep -c '^[0-9]'; cat /proc/1/cmdline")
	// The init is 1 (its threads take the next few ids); the processes
	// are the init, the shell, ls and grep.
	out := strings.Split(mustRun(t, s), "\n")
	if len(out) != 3 {
		t.Fatalf("stdout = %q", out)
	}
	if pid, err := strconv.Atoi(out[0]); err != nil || pid < 2 || pid > 64 {
		t.Errorf("the shell's pid is %q, want a small one of a new namespace", out[0])
	}
	if out[1] != "4" {
		t.Errorf("%s processes in the namespace, want 4 (init, sh, ls, grep)", out[1])
	}
	if out[2] != "hoist-sandbox-init\x00" {
		t.Errorf("pid 1 is %q, want the sandbox init", out[2])
	}
}

func TestSandboxMounts(t *testing.T) {
	needRoot(t)
	ro, rw := t.TempDir(), t.TempDir()
	write(t, filepath.Join(ro, "in"), "read me\n", 0o644)
	file := filepath.Join(t.TempDir(), "one-file")
	write(t, file, "a file\n", 0o644)
	s := newSpec(t, busyboxLowers(t), `set -e
cat /mnt/ro/in
if touch /mnt/ro/x 2>/dev/null; then echo ro is writable; fi
echo out > /mnt/rw/out
cat /data/one-file
grep ' /cache/tmp ' /proc/mounts
stat -c %a /cache/tmp
echo scratch > /cache/tmp/f
stat -c %a /var/t2
`)
	s.Mounts = []Mount{
		{Type: "bind", Source: ro, Target: "/mnt/ro", Readonly: true},
		{Type: "bind", Source: rw, Target: "/mnt/rw"},
		{Type: "bind", Source: file, Target: "/data/one-file", Readonly: true},
		{Type: "tmpfs", Target: "/cache/tmp", Size: 1 << 20, Mode: 0o700},
		{Type: "tmpfs", Target: "/var/t2"},
	}
	out := mustRun(t, s)
	for _, want := range []string{"read me\n", "a file\n", "size=1024k", "mode=700", "\n700\n", "\n1777\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ro is writable") {
		t.Error("the read-only bind mount is writable")
	}
	if b, err := os.ReadFile(filepath.Join(rw, "out")); err != nil || string(b) != "out\n" {
		t.Errorf("the rw bind mount: %q, %v", b, err)
	}
	// /data exists in the image: its stub child leaves no copied-up /data.
	if got := listUpper(t, s.Upper); len(got) != 0 {
		t.Errorf("mount targets left in the upper directory:\n%s", strings.Join(got, "\n"))
	}
}

// A nested mount target is created inside the mount that holds it.
func TestSandboxNestedMounts(t *testing.T) {
	needRoot(t)
	src := t.TempDir()
	write(t, filepath.Join(src, "f"), "nested\n", 0o644)
	s := newSpec(t, busyboxLowers(t), "cat /cache/sub/dir/f")
	s.Mounts = []Mount{
		{Type: "tmpfs", Target: "/cache"},
		{Type: "bind", Source: src, Target: "/cache/sub/dir"},
	}
	if got := mustRun(t, s); got != "nested\n" {
		t.Errorf("stdout = %q", got)
	}
	if got := listUpper(t, s.Upper); len(got) != 0 {
		t.Errorf("upper directory: %q", got)
	}
}

// A mount target reached through a symbolic link stays inside the root.
func TestSandboxMountThroughSymlink(t *testing.T) {
	needRoot(t)
	lowers := busyboxLowers(t)
	if err := os.Symlink("/../../../data", filepath.Join(lowers[0], "link")); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	write(t, filepath.Join(src, "f"), "via link\n", 0o644)
	s := newSpec(t, lowers, "cat /data/m/f")
	s.Mounts = []Mount{{Type: "bind", Source: src, Target: "/link/m", Readonly: true}}
	if got := mustRun(t, s); got != "via link\n" {
		t.Errorf("stdout = %q", got)
	}
	if got := listUpper(t, s.Upper); len(got) != 0 {
		t.Errorf("upper directory: %q", got)
	}
}

// FROM scratch: no lowers; the command comes in through a bind mount.
func TestSandboxScratch(t *testing.T) {
	needRoot(t)
	s := newSpec(t, nil, "")
	s.Args = []string{"/busybox", "sh", "-c", "/busybox mkdir /out && /busybox echo done > /out/f && /busybox ls /"}
	s.Mounts = []Mount{{Type: "bind", Source: "/bin/busybox", Target: "/busybox", Readonly: true}}
	if got, want := mustRun(t, s), "busybox\ndev\nout\nproc\nsys\n"; got != want {
		t.Errorf("ls / = %q, want %q", got, want)
	}
	if got, want := listUpper(t, s.Upper), []string{"out drwxr-xr-x", "out/f -rw-r--r--"}; !slices.Equal(got, want) {
		t.Errorf("upper directory = %q, want %q", got, want)
	}
}

func TestSandboxDevices(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), `set -e
echo gone > /dev/null
test -c /dev/zero && test -c /dev/full && test -c /dev/random && test -c /dev/urandom && test -c /dev/tty
test -d /dev/pts && test -L /dev/ptmx && test -L /dev/fd && test -d /dev/shm
echo shm > /dev/shm/x
ls /dev/fd/ >/dev/null
cat /dev/stdin
`)
	mustRun(t, s)
}

// Cancelling the context kills the command and everything it started.
func TestSandboxCancel(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "sleep 100 & echo started; sleep 100")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := &signalWriter{match: "started", ch: make(chan struct{})}
	s.Stdout = started
	done := make(chan error, 1)
	begin := time.Now()
	go func() { done <- Sandbox{}.Run(ctx, s) }()
	select {
	case <-started.ch:
	case err := <-done:
		t.Fatalf("Run returned before the command started: %v", err)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	// Run waits for the end of the output, which the background sleep
	// holds open: it returns only once every process is gone.
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Run took %v after the cancel", d)
	}
}

type signalWriter struct {
	match string
	ch    chan struct{}
	once  sync.Once
	buf   bytes.Buffer
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.match) {
		w.once.Do(func() { close(w.ch) })
	}
	return len(p), nil
}

func TestSandboxLeavesNoMounts(t *testing.T) {
	needRoot(t)
	// A private TMPDIR: other packages' tests may run sandboxes meanwhile.
	t.Setenv("TMPDIR", t.TempDir())
	before := mountinfo(t)
	src := t.TempDir()
	s := newSpec(t, busyboxLowers(t), "true")
	s.Mounts = []Mount{{Type: "bind", Source: src, Target: "/src"}, {Type: "tmpfs", Target: "/tmpfs"}}
	hosts := filepath.Join(t.TempDir(), "hosts")
	write(t, hosts, "", 0o644)
	s.Hosts, s.ResolvConf = hosts, hosts
	s.Network = "none"
	mustRun(t, s)
	if after := mountinfo(t); !slices.Equal(before, after) {
		t.Errorf("mounts before:\n%s\nafter:\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
	entries, _ := filepath.Glob(filepath.Join(os.TempDir(), "hoist-sandbox-*"))
	if len(entries) != 0 {
		t.Errorf("staging directories left: %q", entries)
	}
}

func mountinfo(t *testing.T) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestSandboxNoOverlay(t *testing.T) {
	needRoot(t)
	s := newSpec(t, busyboxLowers(t), "true")
	// overlayfs wants upper and work on one file system.
	work, err := os.MkdirTemp("/dev/shm", "hoist-test-work-")
	if err != nil {
		t.Skip("no /dev/shm to put the work directory on another file system")
	}
	defer os.RemoveAll(work)
	var st1, st2 unix.Stat_t
	if unix.Stat(s.Upper, &st1) != nil || unix.Stat(work, &st2) != nil || st1.Dev == st2.Dev {
		t.Skip("/dev/shm is on the same file system as the temp dir")
	}
	s.Work = work
	_, _, err = run(t, s)
	if !errors.Is(err, ErrNoOverlay) {
		t.Fatalf("Run = %v, want ErrNoOverlay", err)
	}
	var ue *UnavailableError
	if !errors.As(err, &ue) || !strings.Contains(ue.What, "overlayfs cannot be mounted") {
		t.Errorf("Run = %#v, want an *UnavailableError about overlayfs", err)
	}
}

func TestSandboxBadSpec(t *testing.T) {
	base := Spec{Upper: "/u", Work: "/w", Args: []string{"true"}}
	tests := []struct {
		name   string
		modify func(*Spec)
		want   string
	}{
		{"no args", func(s *Spec) { s.Args = nil }, "no command"},
		{"no upper", func(s *Spec) { s.Upper = "" }, "Upper and Work"},
		{"network", func(s *Spec) { s.Network = "bridge" }, `unknown network mode "bridge"`},
		{"relative cwd", func(s *Spec) { s.Cwd = "app" }, "not absolute"},
		{"relative target", func(s *Spec) { s.Mounts = []Mount{{Type: "tmpfs", Target: "tmp"}} }, "absolute path"},
		{"root target", func(s *Spec) { s.Mounts = []Mount{{Type: "tmpfs", Target: "/"}} }, "absolute path below /"},
		{"missing source", func(s *Spec) { s.Mounts = []Mount{{Type: "bind", Source: "/no/such/dir", Target: "/x"}} }, "no such file"},
		{"type", func(s *Spec) { s.Mounts = []Mount{{Type: "cache", Target: "/x"}} }, `unknown type "cache"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			tt.modify(&s)
			err := Sandbox{}.Run(context.Background(), s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestResolveIn(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "a/b"), 0o755)
	os.Symlink("/a", filepath.Join(root, "abs"))
	os.Symlink("../../../../a/b", filepath.Join(root, "a/up"))
	os.Symlink("loop2", filepath.Join(root, "loop1"))
	os.Symlink("loop1", filepath.Join(root, "loop2"))
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/a/b", "/a/b"},
		{"/a/b/missing/deeper", "/a/b/missing/deeper"},
		{"/abs/b", "/a/b"},
		{"/a/up/x", "/a/b/x"},
		{"/../../a", "/a"},
		{"/abs/../etc", "/etc"},
	}
	for _, tt := range tests {
		got, err := resolveIn(root, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("resolveIn(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := resolveIn(root, "/loop1/x"); err == nil {
		t.Error("a symlink loop resolved")
	}
}

func TestLookPath(t *testing.T) {
	// lookPath runs in the new root; here the host's root stands in.
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	tests := []struct {
		name string
		env  []string
		arg  string
		want string
	}{
		{"slash kept", nil, "./x", "./x"},
		{"default PATH", nil, "sh", ""},
		{"last PATH wins", []string{"PATH=/nonexistent", "PATH=/bin"}, "sh", "/bin/sh"},
	}
	for _, tt := range tests {
		got, err := lookPath(tt.arg, tt.env, "/")
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("%s: lookPath = %q, want %q", tt.name, got, tt.want)
		}
	}
	if _, err := lookPath("sh", []string{"PATH=/nonexistent"}, "/"); err == nil || !strings.Contains(err.Error(), "/nonexistent") {
		t.Errorf("lookPath with a PATH lacking sh = %v", err)
	}
}

// BenchmarkSandboxTrue measures the cost of one sandboxed command: clone,
// re-exec, overlay, /proc, /dev, pivot_root, exec and teardown.
func BenchmarkSandboxTrue(b *testing.B) {
	needRoot(b)
	lowers := busyboxLowers(b)
	hosts := filepath.Join(b.TempDir(), "hosts")
	write(b, hosts, "127.0.0.1 localhost\n", 0o644)
	for b.Loop() {
		b.StopTimer()
		s := newSpec(b, lowers, "")
		s.Args = []string{"/bin/true"}
		s.Hosts, s.ResolvConf = hosts, hosts
		s.Stdout, s.Stderr = io.Discard, io.Discard
		b.StartTimer()
		if err := (Sandbox{}).Run(context.Background(), s); err != nil {
			b.Fatal(err)
		}
	}
}

// Without the right to create namespaces, Run says what is missing and
// what to do. The test binary re-runs itself as nobody.
func TestSandboxUnprivileged(t *testing.T) {
	if os.Getenv("HOIST_TEST_UNPRIVILEGED") == "1" {
		err := Sandbox{}.Run(context.Background(), Spec{Upper: "/u", Work: "/w", Args: []string{"true"}})
		var ue *UnavailableError
		if !errors.As(err, &ue) || ue.What != "creating namespaces is not allowed here (EPERM)" ||
			!strings.Contains(ue.Hint, "--builder buildkit://") {
			t.Fatalf("Run as uid %d = %#v, want the EPERM *UnavailableError", os.Geteuid(), err)
		}
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to re-run the test binary as nobody")
	}
	// go test's build directory is private: nobody runs a copy.
	dir, err := os.MkdirTemp("", "hoist-exec-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	self := filepath.Join(dir, "exec.test")
	write(t, self, string(bin), 0o755)
	cmd := osexec.Command(self, "-test.run=^TestSandboxUnprivileged$", "-test.v")
	cmd.Env = append(os.Environ(), "HOIST_TEST_UNPRIVILEGED=1")
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, os.ErrPermission) {
		t.Skipf("nobody cannot run the test binary %s: %v", os.Args[0], err)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSandboxUnprivileged") {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
}

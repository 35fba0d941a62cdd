//go:build linux

package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	osexec "os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rtTestPath is the PATH of the busybox root.
const rtTestPath = "PATH=/bin"

// rtNeedRuntime returns runc, skipping (failing in CI) where the tests
// cannot run it.
func rtNeedRuntime(t *testing.T) *Runtime {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the OCI runtime executor needs root")
	}
	r, err := NewRuntime("runc")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("runc is required in CI: %v", err)
		}
		t.Skipf("runc: %v", err)
	}
	return r
}

// rtBusyboxLower is a root file system with /bin/busybox and its applets.
func rtBusyboxLower(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("busybox is required in CI: %v", err)
		}
		t.Skipf("no static busybox: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "lower")
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "echo", "cat", "ls", "id", "touch", "rm", "mkdir", "ln", "stat", "wc", "find", "sleep", "pwd", "hostname", "env"} {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rtUpperWork makes empty upper and work directories.
func rtUpperWork(t *testing.T) (string, string) {
	t.Helper()
	base := t.TempDir()
	upper, work := filepath.Join(base, "upper"), filepath.Join(base, "work")
	for _, d := range []string{upper, work} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return upper, work
}

// rtTree lists dir: "path" for files, "path/" for directories,
// "path -> target" for symlinks.
func rtTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			rel += "/"
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			rel += " -> " + target
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func rtMountPoints(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var points []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if f := strings.Fields(line); len(f) > 4 {
			points = append(points, f[4])
		}
	}
	sort.Strings(points)
	return points
}

func TestNewRuntimeMissing(t *testing.T) {
	_, err := NewRuntime("hoist-no-such-runtime")
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("NewRuntime of a missing binary = %v, want *UnavailableError", err)
	}
	if ue.What != "hoist-no-such-runtime is not installed" || !strings.Contains(ue.Hint, "apt-get install hoist-no-such-runtime") {
		t.Errorf("error = %q", err)
	}
	_, err = NewRuntime(filepath.Join(t.TempDir(), "runc"))
	if !errors.As(err, &ue) || !strings.Contains(ue.What, "does not exist") {
		t.Errorf("NewRuntime of a missing path = %v", err)
	}
}

func TestRuntimeConfig(t *testing.T) {
	base := Spec{Args: []string{"sh", "-c", "true"}, Env: []string{"A=1"}, UID: 1000, GID: 1001, AdditionalGIDs: []uint32{27}}
	with := func(f func(*Spec)) Spec {
		s := base
		f(&s)
		return s
	}
	mountsOf := func(c *specs.Spec) []string {
		var out []string
		for _, m := range c.Mounts {
			out = append(out, fmt.Sprintf("%s %s %s %s", m.Destination, m.Type, m.Source, strings.Join(m.Options, ",")))
		}
		return out
	}
	nsOf := func(c *specs.Spec) []string {
		var out []string
		for _, n := range c.Linux.Namespaces {
			out = append(out, string(n.Type))
		}
		return out
	}
	system := []string{
		"/proc proc proc nosuid,noexec,nodev",
		"/dev tmpfs tmpfs nosuid,strictatime,mode=755,size=65536k",
		"/dev/pts devpts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5",
		"/dev/shm tmpfs shm nosuid,noexec,nodev,mode=1777,size=65536k",
		"/dev/mqueue mqueue mqueue nosuid,noexec,nodev",
		"/sys sysfs sysfs nosuid,noexec,nodev,ro",
	}
	tests := []struct {
		name    string
		spec    Spec
		check   func(t *testing.T, c *specs.Spec)
		wantErr string
	}{
		{name: "defaults", spec: base, check: func(t *testing.T, c *specs.Spec) {
			p := c.Process
			if p.Cwd != "/" || p.Terminal || p.User.UID != 1000 || p.User.GID != 1001 || !slices.Equal(p.User.AdditionalGids, []uint32{27}) {
				t.Errorf("process = %+v", p)
			}
			if !slices.Equal(p.Args, base.Args) || !slices.Equal(p.Env, base.Env) {
				t.Errorf("args/env = %q %q", p.Args, p.Env)
			}
			if c.Hostname != "buildkitsandbox" || c.Root.Path != "rootfs" || c.Root.Readonly {
				t.Errorf("hostname %q root %+v", c.Hostname, c.Root)
			}
			if got := nsOf(c); !slices.Equal(got, []string{"pid", "mount", "ipc", "uts"}) {
				t.Errorf("namespaces = %q", got)
			}
			if got := mountsOf(c); !slices.Equal(got, system) {
				t.Errorf("mounts = %q", got)
			}
			if len(p.Capabilities.Bounding) != 14 || !slices.Equal(p.Capabilities.Effective, p.Capabilities.Bounding) ||
				len(p.Capabilities.Inheritable) != 0 || len(p.Capabilities.Ambient) != 0 || slices.Contains(p.Capabilities.Bounding, "CAP_SYS_ADMIN") {
				t.Errorf("capabilities = %+v", p.Capabilities)
			}
			if !reflect.DeepEqual(p.Rlimits, []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}}) {
				t.Errorf("rlimits = %+v", p.Rlimits)
			}
			if !slices.Contains(c.Linux.MaskedPaths, "/proc/kcore") || !slices.Contains(c.Linux.ReadonlyPaths, "/proc/sys") {
				t.Errorf("masked %q readonly %q", c.Linux.MaskedPaths, c.Linux.ReadonlyPaths)
			}
		}},
		{name: "network none", spec: with(func(s *Spec) { s.Network = "none"; s.Hostname = "h"; s.Cwd = "/app/../srv/" }), check: func(t *testing.T, c *specs.Spec) {
			if got := nsOf(c); !slices.Equal(got, []string{"pid", "mount", "ipc", "uts", "network"}) {
				t.Errorf("namespaces = %q", got)
			}
			if c.Hostname != "h" || c.Process.Cwd != "/srv" {
				t.Errorf("hostname %q cwd %q", c.Hostname, c.Process.Cwd)
			}
		}},
		{name: "network host", spec: with(func(s *Spec) { s.Network = "host" }), check: func(t *testing.T, c *specs.Spec) {
			if slices.Contains(nsOf(c), "network") {
				t.Errorf("namespaces = %q", nsOf(c))
			}
		}},
		{name: "mounts", spec: with(func(s *Spec) {
			s.ResolvConf, s.Hosts = "/h/resolv.conf", "/h/hosts"
			s.Mounts = []Mount{
				{Type: "bind", Source: "/src", Target: "/mnt/ro/", Readonly: true},
				{Type: "bind", Source: "/cache", Target: "/root/.cache"},
				{Type: "tmpfs", Target: "/tmp"},
				{Type: "tmpfs", Target: "/run/x", Size: 1 << 20, Mode: 0o700},
			}
		}), check: func(t *testing.T, c *specs.Spec) {
			want := append(append([]string(nil), system...),
				"/etc/resolv.conf bind /h/resolv.conf rbind,ro",
				"/etc/hosts bind /h/hosts rbind,ro",
				"/mnt/ro bind /src rbind,ro",
				"/root/.cache bind /cache rbind,rw",
				"/tmp tmpfs tmpfs nosuid,nodev,mode=1777",
				"/run/x tmpfs tmpfs nosuid,nodev,mode=700,size=1048576",
			)
			if got := mountsOf(c); !slices.Equal(got, want) {
				t.Errorf("mounts =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}},
		{name: "no command", spec: with(func(s *Spec) { s.Args = nil }), wantErr: "no command to run"},
		{name: "bad network", spec: with(func(s *Spec) { s.Network = "bridge" }), wantErr: `network mode "bridge" is not supported`},
		{name: "relative cwd", spec: with(func(s *Spec) { s.Cwd = "app" }), wantErr: `the working directory "app" is not an absolute path`},
		{name: "relative target", spec: with(func(s *Spec) { s.Mounts = []Mount{{Type: "tmpfs", Target: "tmp"}} }), wantErr: `the mount target "tmp" is not an absolute path`},
		{name: "bind without source", spec: with(func(s *Spec) { s.Mounts = []Mount{{Type: "bind", Target: "/x"}} }), wantErr: "bind mount at /x has no source"},
		{name: "unknown type", spec: with(func(s *Spec) { s.Mounts = []Mount{{Type: "cache", Target: "/x"}} }), wantErr: `type "cache" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := rtConfig(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestRuntimeOutputTail(t *testing.T) {
	var stdout, stderr bytes.Buffer
	o := &rtOutput{}
	a, b := o.stream(&stdout), o.stream(&stderr)
	var wg sync.WaitGroup
	for i, s := range []*rtStream{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 30 {
				fmt.Fprintf(s, "s%d line %d\r\n", i, j)
			}
		}()
	}
	wg.Wait()
	fmt.Fprint(a, "partial ")
	fmt.Fprint(a, "end")
	fmt.Fprint(b, strings.Repeat("x", 3*rtTailLineMax))
	a.flush()
	b.flush()
	tail := o.tail()
	if len(tail) != rtTailLines {
		t.Fatalf("tail has %d lines, want %d: %q", len(tail), rtTailLines, tail)
	}
	if tail[rtTailLines-2] != "partial end" || len(tail[rtTailLines-1]) != rtTailLineMax {
		t.Errorf("tail ends with %q", tail[rtTailLines-2:])
	}
	if !strings.HasPrefix(stdout.String(), "s0 line 0\r\n") || strings.Count(stderr.String(), "\n") != 30 {
		t.Errorf("stdout %q stderr lines %d", stdout.String()[:20], strings.Count(stderr.String(), "\n"))
	}
}

func TestRuntimeOverlayData(t *testing.T) {
	dir := t.TempDir()
	got, err := rtOverlayData([]string{"/l/1", "/l/0"}, "/u", "/w", filepath.Join(dir, "a"))
	if err != nil || got != "lowerdir=/l/1:/l/0,upperdir=/u,workdir=/w" {
		t.Errorf("plain = %q, %v", got, err)
	}
	linkDir := filepath.Join(dir, "b")
	got, err = rtOverlayData([]string{"/l/a,b", "/l/c:d"}, "/u", "/w", linkDir)
	want := fmt.Sprintf("lowerdir=%[1]s/0:%[1]s/1,upperdir=%[1]s/u,workdir=%[1]s/w", linkDir)
	if err != nil || got != want {
		t.Errorf("with separators = %q, %v; want %q", got, err, want)
	}
	if target, _ := os.Readlink(filepath.Join(linkDir, "0")); target != "/l/a,b" {
		t.Errorf("link 0 -> %q", target)
	}
	var many []string
	for i := range 1000 {
		many = append(many, fmt.Sprintf("/var/lib/hoist/snapshots/%064d", i))
	}
	if _, err := rtOverlayData(many, "/u", "/w", filepath.Join(dir, "c")); err == nil || !strings.Contains(err.Error(), "too many layers (1000)") {
		t.Errorf("1000 layers: %v", err)
	}
}

// TestRuntimeMountStubs checks the mount point clean-up on plain
// directories: a "merged" root before the run and the upper directory
// after it.
func TestRuntimeMountStubs(t *testing.T) {
	merged := t.TempDir()
	for _, d := range []string{"etc", "usr/share", "proc", "data"} {
		if err := os.MkdirAll(filepath.Join(merged, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/elsewhere", filepath.Join(merged, "link")); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, d := range []string{"etc", "usr/share", "usr"} {
		if err := os.Chtimes(filepath.Join(merged, d), old, old); err != nil {
			t.Fatal(err)
		}
	}
	targets := []string{"/proc", "/dev", "/sys", "/etc/hosts", "/etc/resolv.conf", "/usr/share/x", "/mnt/a/b", "/mnt/c", "/link/x", "/data/d"}
	stubs := rtMountStubs(merged, targets)
	var paths []string
	for _, s := range stubs {
		p := s.path
		if s.existed {
			p += " (existed)"
		}
		paths = append(paths, p)
	}
	want := []string{"mnt/a/b", "usr/share/x", "data/d", "etc/hosts", "etc/resolv.conf", "mnt/a", "mnt/c", "usr/share (existed)",
		"data (existed)", "dev", "etc (existed)", "mnt", "sys", "usr (existed)", ". (existed)"}
	if !slices.Equal(paths, want) {
		t.Fatalf("stubs =\n%q\nwant\n%q", paths, want)
	}

	// The upper directory after a run: the runtime's mount points, copies
	// up of their parents, and what the command did.
	upper := t.TempDir()
	outside := t.TempDir()
	mk := func(p string, mode os.FileMode) {
		if err := os.MkdirAll(filepath.Join(upper, p), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(upper, p), mode); err != nil {
			t.Fatal(err)
		}
	}
	touch := func(p, content string) {
		if err := os.WriteFile(filepath.Join(upper, p), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("dev", 0o755)
	mk("sys", 0o755)
	mk("etc", 0o755) // copied up for the stubs in it
	touch("etc/hosts", "")
	touch("etc/resolv.conf", "")
	mk("usr/share/x", 0o755) // usr/share copied up, x created
	mk("mnt/a/b", 0o755)
	touch("mnt/c", "")
	mk("mnt/keep", 0o755) // the command's
	mk("data", 0o700)     // copied up, then chmod by the command
	mk("data/d", 0o755)
	mk("proc", 0o755) // existed before: the command replaced it (cannot happen, but must stay)
	touch("empty", "")
	if err := os.Symlink(outside, filepath.Join(upper, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rtRemoveStubs(upper, stubs); err != nil {
		t.Fatal(err)
	}
	wantTree := []string{"data/", "empty", "link -> " + outside, "mnt/", "mnt/keep/", "proc/"}
	if got := rtTree(t, upper); !slices.Equal(got, wantTree) {
		t.Errorf("upper after clean-up =\n%q\nwant\n%q", got, wantTree)
	}
	if _, err := os.Stat(filepath.Join(outside, "x")); err != nil {
		t.Errorf("the clean-up followed a symlink out of the upper directory: %v", err)
	}
}

func TestRuntimeRun(t *testing.T) {
	r := rtNeedRuntime(t)
	lower := rtBusyboxLower(t)

	tests := []struct {
		name   string
		spec   Spec
		want   string // stdout
		stderr string
		code   int // ExitError code, 0 = success
	}{
		{name: "echo", spec: Spec{Args: []string{"sh", "-c", "echo hello; echo oops >&2"}}, want: "hello\n", stderr: "oops\n"},
		{name: "user", spec: Spec{Args: []string{"id"}, UID: 1000, GID: 1000, AdditionalGIDs: []uint32{2000}}, want: "uid=1000 gid=1000 groups=2000\n"},
		{name: "cwd", spec: Spec{Args: []string{"pwd"}, Cwd: "/work/dir"}, want: "/work/dir\n"},
		{name: "env", spec: Spec{Args: []string{"sh", "-c", `echo "$FOO|$BAR"`}, Env: []string{rtTestPath, "FOO=bar", "BAR=a b"}}, want: "bar|a b\n"},
		{name: "hostname", spec: Spec{Args: []string{"hostname"}}, want: "buildkitsandbox\n"},
		{name: "network none", spec: Spec{Args: []string{"sh", "-c", `ls /sys/class/net`}, Network: "none"}, want: "lo\n"},
		{name: "nofile", spec: Spec{Args: []string{"sh", "-c", "ulimit -n"}}, want: "1024\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			upper, work := rtUpperWork(t)
			var stdout, stderr bytes.Buffer
			s := tt.spec
			s.Lower, s.Upper, s.Work = []string{lower}, upper, work
			if s.Env == nil {
				s.Env = []string{rtTestPath}
			}
			s.Stdout, s.Stderr = &stdout, &stderr
			if err := r.Run(context.Background(), s); err != nil {
				t.Fatalf("Run: %v (stderr %q)", err, stderr.String())
			}
			if stdout.String() != tt.want || stderr.String() != tt.stderr {
				t.Errorf("stdout %q stderr %q, want %q %q", stdout.String(), stderr.String(), tt.want, tt.stderr)
			}
		})
	}

	t.Run("exit code", func(t *testing.T) {
		upper, work := rtUpperWork(t)
		var stdout bytes.Buffer
		err := r.Run(context.Background(), Spec{Lower: []string{lower}, Upper: upper, Work: work, Env: []string{rtTestPath},
			Args: []string{"sh", "-c", "echo one; echo two >&2; exit 3"}, Stdout: &stdout})
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Code != 3 {
			t.Fatalf("Run = %v, want exit code 3", err)
		}
		if !slices.Equal(ee.Tail, []string{"one", "two"}) && !slices.Equal(ee.Tail, []string{"two", "one"}) {
			t.Errorf("tail = %q", ee.Tail)
		}
		if stdout.String() != "one\n" {
			t.Errorf("stdout = %q", stdout.String())
		}
	})

	t.Run("network default", func(t *testing.T) {
		host, err := os.ReadDir("/sys/class/net")
		if err != nil || len(host) < 2 {
			t.Skip("the host has only loopback")
		}
		upper, work := rtUpperWork(t)
		var stdout bytes.Buffer
		if err := r.Run(context.Background(), Spec{Lower: []string{lower}, Upper: upper, Work: work, Env: []string{rtTestPath},
			Args: []string{"ls", "/sys/class/net"}, Stdout: &stdout}); err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Fields(stdout.String())); n != len(host) {
			t.Errorf("the host network shows %q, want %d interfaces", stdout.String(), len(host))
		}
	})

	t.Run("command not found", func(t *testing.T) {
		upper, work := rtUpperWork(t)
		err := r.Run(context.Background(), Spec{Lower: []string{lower}, Upper: upper, Work: work, Env: []string{rtTestPath},
			Args: []string{"no-such-command"}})
		var ee *ExitError
		if err == nil || errors.As(err, &ee) || !strings.Contains(err.Error(), "no-such-command") {
			t.Errorf("Run = %v, want the runtime's error naming the command", err)
		}
		t.Log(err)
	})

	t.Run("odd lower path", func(t *testing.T) {
		// Commas and colons cannot be written in overlay mount options:
		// the lower goes through a symlink.
		odd := filepath.Join(t.TempDir(), "a,b:c")
		if err := os.Rename(rtBusyboxLower(t), odd); err != nil {
			t.Fatal(err)
		}
		upper, work := rtUpperWork(t)
		var stdout bytes.Buffer
		if err := r.Run(context.Background(), Spec{Lower: []string{odd}, Upper: upper, Work: work, Env: []string{rtTestPath},
			Args: []string{"echo", "odd"}, Stdout: &stdout}); err != nil || stdout.String() != "odd\n" {
			t.Errorf("Run = %v, stdout %q", err, stdout.String())
		}
	})

	t.Run("scratch", func(t *testing.T) {
		// FROM scratch plus a bind-mounted busybox: the root has no lower.
		upper, work := rtUpperWork(t)
		var stdout bytes.Buffer
		err := r.Run(context.Background(), Spec{Upper: upper, Work: work, Env: []string{rtTestPath},
			Mounts: []Mount{{Type: "bind", Source: filepath.Join(lower, "bin"), Target: "/bin", Readonly: true}},
			Args:   []string{"sh", "-c", "echo made > /out; ls /"}, Stdout: &stdout})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Fields(stdout.String()); !slices.Equal(got, []string{"bin", "dev", "out", "proc", "sys"}) {
			t.Errorf("ls / = %q", got)
		}
		if got := rtTree(t, upper); !slices.Equal(got, []string{"out"}) {
			t.Errorf("upper = %q, want only the command's file", got)
		}
	})
}

// TestRuntimeLayer checks that the command's changes, and only them, land
// in the upper directory: no mount point the runtime created.
func TestRuntimeLayer(t *testing.T) {
	r := rtNeedRuntime(t)
	busybox := rtBusyboxLower(t)
	// A second, upper layer with /etc (but no hosts or resolv.conf), /srv
	// with a file and /old to delete.
	top := filepath.Join(t.TempDir(), "top")
	for _, d := range []string{"etc", "srv", "old"} {
		if err := os.MkdirAll(filepath.Join(top, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(top, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(top, "etc", "passwd"), []byte("root:x:0:0::/root:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(top, "srv", "a"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	host := t.TempDir()
	resolv, hosts, data := filepath.Join(host, "resolv.conf"), filepath.Join(host, "hosts"), filepath.Join(host, "data")
	if err := os.WriteFile(resolv, []byte("nameserver 192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}

	upper, work := rtUpperWork(t)
	var stdout, stderr bytes.Buffer
	script := strings.Join([]string{
		"cat /etc/resolv.conf /etc/hosts",
		"echo new > /new.txt",
		"touch /empty",
		"mkdir -p /emptydir /mnt/keep /srv/sub",
		"echo b > /srv/b",
		"rm -r /old",
		"echo out > /mnt/data/from-container",
		"echo tmp > /cache/t",
	}, " && ")
	err := r.Run(context.Background(), Spec{
		Lower: []string{top, busybox}, Upper: upper, Work: work,
		Env: []string{rtTestPath}, Args: []string{"sh", "-c", script},
		ResolvConf: resolv, Hosts: hosts,
		Mounts: []Mount{
			{Type: "bind", Source: data, Target: "/mnt/data"},
			{Type: "tmpfs", Target: "/cache/deep"},
			{Type: "tmpfs", Target: "/cache"},
		},
		Cwd:    "/app/src",
		Stdout: &stdout, Stderr: &stderr,
	})
	if err != nil {
		t.Fatalf("Run: %v (stderr %q)", err, stderr.String())
	}
	if stdout.String() != "nameserver 192.0.2.1\n127.0.0.1 localhost\n" {
		t.Errorf("stdout = %q", stdout.String())
	}
	want := []string{"app/", "app/src/", "empty", "emptydir/", "mnt/", "mnt/keep/", "new.txt", "old", "srv/", "srv/b", "srv/sub/"}
	if got := rtTree(t, upper); !slices.Equal(got, want) {
		t.Errorf("upper =\n%q\nwant\n%q", got, want)
	}
	// /old is a whiteout: a 0/0 character device.
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(upper, "old"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("old is not a whiteout: %v %o", err, st.Mode)
	}
	if b, err := os.ReadFile(filepath.Join(data, "from-container")); err != nil || string(b) != "out\n" {
		t.Errorf("the bind mount did not receive the write: %q %v", b, err)
	}
}

// TestRuntimeCancel cancels a running command and checks that nothing is
// left: no container, no mount, no bundle or state directory.
func TestRuntimeCancel(t *testing.T) {
	r := rtNeedRuntime(t)
	lower := rtBusyboxLower(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	state := t.TempDir()
	rs := &Runtime{Binary: r.Binary, StateDir: state}
	before := rtMountPoints(t)

	for _, when := range []string{"running", "before start"} {
		t.Run(when, func(t *testing.T) {
			upper, work := rtUpperWork(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			started := &rtSignalWriter{ch: make(chan struct{})}
			s := Spec{Lower: []string{lower}, Upper: upper, Work: work, Env: []string{rtTestPath},
				Args: []string{"sh", "-c", "echo started; sleep 100"}, Stdout: started}
			if when == "before start" {
				cancel()
			}
			errc := make(chan error, 1)
			begin := time.Now()
			go func() { errc <- rs.Run(ctx, s) }()
			if when == "running" {
				select {
				case <-started.ch:
				case err := <-errc:
					t.Fatalf("Run returned before the command started: %v", err)
				}
				cancel()
			}
			err := <-errc
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v, want context.Canceled", err)
			}
			if d := time.Since(begin); d > 20*time.Second {
				t.Errorf("Run took %v after the cancellation", d)
			}
			out, lerr := osexec.Command(r.Binary, "--root", state, "list", "-q").CombinedOutput()
			if lerr != nil || strings.TrimSpace(string(out)) != "" {
				t.Errorf("runc list = %q, %v; want no container", out, lerr)
			}
			if after := rtMountPoints(t); !slices.Equal(after, before) {
				t.Errorf("mounts changed:\nbefore %q\nafter  %q", before, after)
			}
			entries, _ := os.ReadDir(tmp)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), "hoist-runc") {
					t.Errorf("left in TMPDIR: %s", e.Name())
				}
			}
		})
	}
}

// rtSignalWriter closes ch at the first write.
type rtSignalWriter struct {
	once sync.Once
	ch   chan struct{}
}

func (w *rtSignalWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.ch) })
	return len(p), nil
}

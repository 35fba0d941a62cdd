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
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// rootfsState describes every entry of dir, one a line: path, mode,
// owner, size, symlink target, and the mtime of directories and files.
func rootfsState(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		fi, _ := d.Info()
		line := fmt.Sprintf("%s %v %d:%d", filepath.ToSlash(rel), fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case fi.Mode().IsRegular():
			line += fmt.Sprintf(" %d %d.%09d", st.Size, st.Mtim.Sec, st.Mtim.Nsec)
		case fi.IsDir() && rel != ".":
			line += fmt.Sprintf(" %d.%09d", st.Mtim.Sec, st.Mtim.Nsec)
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// threadMountinfo is the calling thread's mount table: a goroutine that
// locked the main thread and exited (the runtime executor's, when it ran
// there) leaves it wedged in that goroutine's private mount namespace, so
// /proc/self, the main thread's, can show that namespace.
// threadMountinfo lists this thread's mounts whose mount point is under
// dir, or has dir under it (the host's mount table also changes with
// whatever else runs: other test packages, a buildkitd).
func threadMountinfo(t *testing.T, dir string) []string {
	b, err := os.ReadFile("/proc/thread-self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && (strings.HasPrefix(f[4], dir) || strings.HasPrefix(dir, f[4]+"/") && f[4] != "/") {
			out = append(out, l)
		}
	}
	return out
}

// rootfsExecutors are the executors that support Spec.Rootfs here.
func rootfsExecutors(t *testing.T) map[string]Executor {
	t.Helper()
	needRoot(t)
	ex := map[string]Executor{"sandbox": Sandbox{}}
	if r, err := NewRuntime("runc"); err == nil {
		ex["runc"] = r
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("runc is required in CI: %v", err)
	}
	return ex
}

// In Rootfs mode the command changes the directory in place, and the mount
// points made for it (/proc, /dev, /sys, /etc/hosts, the mounts' targets
// and their missing parents) are gone afterwards, with their parents'
// times back, unless the command put something next to them.
func TestRootfsRun(t *testing.T) {
	for name, ex := range rootfsExecutors(t) {
		t.Run(name, func(t *testing.T) {
			rootfs := busyboxRoot(t)
			before := rootfsState(t, rootfs)
			before = slices.DeleteFunc(before, func(l string) bool { return strings.HasPrefix(l, "data/a ") })

			ro := t.TempDir()
			write(t, filepath.Join(ro, "in"), "read me\n", 0o644)
			file := filepath.Join(t.TempDir(), "secret")
			write(t, file, "s3cret\n", 0o600)
			hosts := filepath.Join(t.TempDir(), "hosts")
			write(t, hosts, "127.0.0.1 localhost\n", 0o644)
			var stdout, stderr bytes.Buffer
			s := Spec{
				Rootfs: rootfs,
				Args: []string{"/bin/sh", "-c", `set -e
echo hello
cat /mnt/ro/in
cat /run/secrets/s > /dev/null
echo kept > /run/other
echo new > /new
rm /data/a
mkdir -p /made/deep
ls /proc/self/fd > /dev/null
test -c /dev/null
grep -q localhost /etc/hosts
grep -q ' /cache ' /proc/mounts
echo scratch > /cache/f
`},
				Env:        []string{"PATH=/bin"},
				Cwd:        "/",
				Hosts:      hosts,
				ResolvConf: hosts,
				Mounts: []Mount{
					{Type: "bind", Source: ro, Target: "/mnt/ro", Readonly: true},
					{Type: "bind", Source: file, Target: "/run/secrets/s", Readonly: true},
					{Type: "bind", Source: file, Target: "/data/s", Readonly: true},
					{Type: "tmpfs", Target: "/cache"},
					{Type: "tmpfs", Target: "/cache/sub/dir"},
				},
				Stdout: &stdout, Stderr: &stderr,
			}
			mounts := threadMountinfo(t, rootfs)
			if err := ex.Run(context.Background(), s); err != nil {
				t.Fatalf("Run: %v\nstderr: %s", err, stderr.String())
			}
			if stdout.String() != "hello\nread me\n" {
				t.Errorf("stdout = %q (stderr %q)", stdout.String(), stderr.String())
			}
			if after := threadMountinfo(t, rootfs); !slices.Equal(mounts, after) {
				t.Errorf("mounts before:\n%s\nafter:\n%s", strings.Join(mounts, "\n"), strings.Join(after, "\n"))
			}

			got := rootfsState(t, rootfs)
			// What the command did: the new files and directories, /run
			// (a stub parent it wrote into, so kept as made: 0755 root)
			// with run/other; data/a gone. The root's and /data's mtimes
			// changed; /etc's is back (only the stubs touched it).
			var want []string
			for _, l := range before {
				if strings.HasPrefix(l, ". ") || strings.HasPrefix(l, "data ") {
					continue
				}
				want = append(want, l)
			}
			var gotCmp []string
			for _, l := range got {
				f := strings.Fields(l)
				switch f[0] {
				case ".", "data":
					continue
				case "new", "run/other":
					if len(f) != 5 || f[3] != map[string]string{"new": "4", "run/other": "5"}[f[0]] {
						t.Errorf("%s: %s", f[0], l)
					}
					continue
				case "made", "made/deep", "run":
					if f[1] != "drwxr-xr-x" || f[2] != "0:0" {
						t.Errorf("%s: %s", f[0], l)
					}
					continue
				}
				gotCmp = append(gotCmp, l)
			}
			if !slices.Equal(gotCmp, want) {
				t.Errorf("root file system after the run:\n%s\nwant (besides the command's changes):\n%s", strings.Join(gotCmp, "\n"), strings.Join(want, "\n"))
			}
			var names []string
			for _, l := range got {
				names = append(names, strings.Fields(l)[0])
			}
			for _, p := range []string{"new", "run", "run/other", "made", "made/deep"} {
				if !slices.Contains(names, p) {
					t.Errorf("%s is missing after the run", p)
				}
			}
			for _, p := range []string{"proc", "dev", "sys", "etc/hosts", "etc/resolv.conf", "mnt", "mnt/ro", "run/secrets", "data/s", "data/a", "cache"} {
				if slices.Contains(names, p) {
					t.Errorf("%s is left in the root file system", p)
				}
			}
		})
	}
}

// Existing mount targets are mounted over and left as they were; a
// missing working directory is created and stays (it is part of the
// layer, as with BuildKit).
func TestRootfsExistingTargets(t *testing.T) {
	for name, ex := range rootfsExecutors(t) {
		t.Run(name, func(t *testing.T) {
			rootfs := busyboxRoot(t)
			for _, d := range []string{"proc", "dev", "sys"} {
				if err := os.Mkdir(filepath.Join(rootfs, d), 0o555); err != nil {
					t.Fatal(err)
				}
			}
			write(t, filepath.Join(rootfs, "etc/hosts"), "image hosts\n", 0o600)
			hosts := filepath.Join(t.TempDir(), "hosts")
			write(t, hosts, "host hosts\n", 0o644)
			old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
			for _, p := range []string{"etc/hosts", "etc", "."} {
				if err := os.Chtimes(filepath.Join(rootfs, p), old, old); err != nil {
					t.Fatal(err)
				}
			}
			before := rootfsState(t, rootfs)
			var stdout bytes.Buffer
			s := Spec{Rootfs: rootfs, Args: []string{"sh", "-c", "cat /etc/hosts; pwd"}, Env: []string{"PATH=/bin"},
				Cwd: "/work/dir", UID: 1000, GID: 1000, Hosts: hosts, Stdout: &stdout}
			if err := ex.Run(context.Background(), s); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if stdout.String() != "host hosts\n/work/dir\n" {
				t.Errorf("stdout = %q", stdout.String())
			}
			got := rootfsState(t, rootfs)
			var rest []string
			for _, l := range got {
				if f := strings.Fields(l)[0]; f == "." || f == "work" || f == "work/dir" {
					if f != "." && !strings.Contains(l, " drwxr-xr-x 1000:1000 ") {
						t.Errorf("working directory: %s", l)
					}
					continue
				}
				rest = append(rest, l)
			}
			var want []string
			for _, l := range before {
				if !strings.HasPrefix(l, ". ") {
					want = append(want, l)
				}
			}
			if !slices.Equal(rest, want) {
				t.Errorf("after the run:\n%s\nwant:\n%s", strings.Join(rest, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// A failing command and a cancelled one leave no mount points either.
func TestRootfsFailureCleansUp(t *testing.T) {
	for name, ex := range rootfsExecutors(t) {
		t.Run(name, func(t *testing.T) {
			rootfs := busyboxRoot(t)
			before := rootfsState(t, rootfs)
			err := ex.Run(context.Background(), Spec{Rootfs: rootfs, Args: []string{"sh", "-c", "exit 7"}, Env: []string{"PATH=/bin"}})
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != 7 {
				t.Fatalf("Run = %v, want exit code 7", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if err := ex.Run(ctx, Spec{Rootfs: rootfs, Args: []string{"sleep", "30"}, Env: []string{"PATH=/bin"}}); err == nil {
				t.Fatal("a cancelled run succeeded")
			}
			if got := rootfsState(t, rootfs); !slices.Equal(got, before) {
				t.Errorf("after the runs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
			}
		})
	}
}

func TestRootfsBadSpec(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	write(t, file, "", 0o644)
	for _, dir := range []string{"relative/dir", file, filepath.Join(t.TempDir(), "missing")} {
		if err := checkSpec(&Spec{Rootfs: dir, Args: []string{"true"}}); err == nil {
			t.Errorf("checkSpec(Rootfs %q) = nil, want an error", dir)
		}
	}
	if err := checkSpec(&Spec{Rootfs: t.TempDir(), Args: []string{"true"}}); err != nil {
		t.Errorf("checkSpec(Rootfs without Upper and Work) = %v", err)
	}
}

// makeRootfsStubs and remove on their own: stubs the command changed stay.
func TestRootfsStubs(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	os.Chtimes(filepath.Join(dir, "etc"), old, old)
	if err := os.Symlink("etc", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	stubs, err := makeRootfsStubs(dir, []mountTarget{
		{"/proc", true}, {"/proc/sub", true}, // covered by /proc
		{"/link/hosts", false}, // through the symlink: etc/hosts
		{"/a/b/c", true},
		{"/x/y", false},
	})
	if err != nil {
		t.Fatal(err)
	}
	var made []string
	for _, s := range stubs.made {
		rel, _ := filepath.Rel(dir, s.full)
		made = append(made, rel)
	}
	if want := []string{"proc", "etc/hosts", "a", "a/b", "a/b/c", "x", "x/y"}; !slices.Equal(made, want) {
		t.Errorf("made %q, want %q", made, want)
	}
	// The "command": writes next to a stub, changes another's mode.
	write(t, filepath.Join(dir, "a/b/kept"), "", 0o644)
	os.Chmod(filepath.Join(dir, "x"), 0o700)
	if err := stubs.remove(); err != nil {
		t.Fatal(err)
	}
	var left []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		left = append(left, filepath.ToSlash(rel))
		return nil
	})
	if want := []string{".", "a", "a/b", "a/b/kept", "etc", "link", "x"}; !slices.Equal(left, want) {
		t.Errorf("left %q, want %q", left, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, "etc")); err != nil || !fi.ModTime().Equal(old) {
		t.Errorf("/etc's mtime was not restored: %v %v", fi.ModTime(), err)
	}
	// A target below a file cannot be made.
	write(t, filepath.Join(dir, "file"), "", 0o644)
	if _, err := makeRootfsStubs(dir, []mountTarget{{"/q", true}, {"/file/x", true}}); err == nil {
		t.Error("a mount target below a file was accepted")
	}
	if _, err := os.Lstat(filepath.Join(dir, "q")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stubs of a failed makeRootfsStubs were left: %v", err)
	}
}

func TestOverlaySupported(t *testing.T) {
	if os.Geteuid() != 0 {
		if OverlaySupported() {
			t.Error("OverlaySupported() = true without root")
		}
		return
	}
	if !OverlaySupported() {
		t.Fatal("OverlaySupported() = false as root on this machine")
	}
	if !OverlaySupported() { // cached
		t.Fatal("OverlaySupported() changed its mind")
	}
	if os.Getenv("HOIST_TEST_OVERLAY_CHILD") == "1" {
		return
	}
	// An upper directory on an overlay cannot be used: probe one, in a
	// child process with its own mount namespace so that no mount is
	// ever visible here.
	cmd := osexec.Command("/proc/self/exe", "-test.run=^TestOverlayProbeChild$", "-test.v")
	cmd.Env = append(os.Environ(), "HOIST_TEST_OVERLAY_CHILD=1", "HOIST_TEST_OVERLAY_DIR="+t.TempDir())
	cmd.SysProcAttr = &unix.SysProcAttr{Cloneflags: unix.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestOverlayProbeChild") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestOverlayProbeChild runs in TestOverlaySupported's child process.
func TestOverlayProbeChild(t *testing.T) {
	if os.Getenv("HOIST_TEST_OVERLAY_CHILD") != "1" {
		t.Skip("run by TestOverlaySupported")
	}
	dir := os.Getenv("HOIST_TEST_OVERLAY_DIR")
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"l", "u", "w", "m"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	m := filepath.Join(dir, "m")
	if err := unix.Mount("overlay", m, "overlay", 0, "lowerdir="+filepath.Join(dir, "l")+",upperdir="+filepath.Join(dir, "u")+",workdir="+filepath.Join(dir, "w")); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(m, unix.MNT_DETACH)
	if OverlaySupportedAt(m) {
		t.Error("OverlaySupportedAt(a directory on an overlay) = true")
	}
	if !OverlaySupportedAt(dir) {
		t.Error("OverlaySupportedAt(a directory on the temp file system) = false")
	}
}

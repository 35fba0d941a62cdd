// Package buildkittest gives tests a buildkitd: the daemon named by
// HOIST_TEST_BUILDKIT_HOST (CI starts one), else one the test process
// starts itself (root, runc, the buildkitd binary of
// HOIST_TEST_BUILDKITD, /tmp/bk/buildkitd or PATH) on a temporary socket,
// with the OCI worker and a configuration that trusts the plain-HTTP test
// registry. It is stopped, and its state removed, when the test process
// ends.
package buildkittest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// Environment variables.
const (
	// HostEnv is the address of a running buildkitd to use
	// (unix:///path.sock or tcp://host:port).
	HostEnv = "HOIST_TEST_BUILDKIT_HOST"
	// BinaryEnv is the buildkitd binary to start.
	BinaryEnv = "HOIST_TEST_BUILDKITD"
)

// DefaultBinary is where bench/buildkit.sh builds buildkitd.
const DefaultBinary = "/tmp/bk/buildkitd"

// startTimeout bounds how long a started daemon may take to answer.
const startTimeout = 2 * time.Minute

var (
	once   sync.Once
	daemon *Daemon
	addr   string
	reason string
)

// Addr returns the address of a buildkitd for the test, starting one on
// first use. It skips the test when none can run (and fails it under
// CI=true, where .ci/run provides one).
func Addr(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if a := os.Getenv(HostEnv); a != "" {
			addr = a
			if err := wait(a, 30*time.Second); err != nil {
				reason = fmt.Sprintf("%s=%s does not answer: %v", HostEnv, a, err)
			}
			return
		}
		d, err := Start(registryHosts())
		if err != nil {
			reason = err.Error()
			return
		}
		daemon, addr = d, d.Addr
	})
	if reason != "" {
		msg := "no buildkitd: " + reason
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return addr
}

// Main runs the tests of m and then stops the daemon Addr started; use it
// in TestMain: os.Exit(buildkittest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if daemon != nil {
		daemon.Stop()
	}
	return code
}

// registryHosts are the plain-HTTP registries the daemon trusts: the test
// registry (HOIST_TEST_REGISTRY, default 127.0.0.1:5000).
func registryHosts() []string {
	r := os.Getenv("HOIST_TEST_REGISTRY")
	if r == "" {
		r = "127.0.0.1:5000"
	}
	return []string{r}
}

// Daemon is a buildkitd started by Start.
type Daemon struct {
	// Addr is its address, unix:///.../buildkitd.sock.
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// cleanupScript runs buildkitd and, once it has exited (it is stopped with
// SIGTERM, sent to this shell by Stop or, through Pdeathsig, when the test
// process dies), unmounts what it left mounted under its root and removes
// the root.
const cleanupScript = `root=$1; shift
"$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT HUP
wait "$pid"
wait "$pid" 2>/dev/null
grep -o " $root[^ ]*" /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
rm -rf "$root"
`

// Start starts buildkitd (as root, with runc) on a socket in a new
// temporary directory, trusting the plain-HTTP registries hosts.
func Start(hosts []string) (*Daemon, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("buildkitd needs root here (the tests run as uid " + fmt.Sprint(os.Geteuid()) + ")")
	}
	bin := os.Getenv(BinaryEnv)
	if bin == "" {
		if _, err := os.Stat(DefaultBinary); err == nil {
			bin = DefaultBinary
		} else if p, err := exec.LookPath("buildkitd"); err == nil {
			bin = p
		}
	}
	if bin == "" {
		return nil, fmt.Errorf("buildkitd not found: set %s, build it to %s (bench/buildkit.sh shows how) or put it on PATH", BinaryEnv, DefaultBinary)
	}
	if _, err := exec.LookPath("runc"); err != nil {
		return nil, errors.New("runc is not installed (apt-get install runc): buildkitd's OCI worker needs it")
	}
	root, err := os.MkdirTemp("", "hoist-buildkitd-")
	if err != nil {
		return nil, err
	}
	var cfg strings.Builder
	for _, h := range hosts {
		fmt.Fprintf(&cfg, "[registry.%q]\n  http = true\n  insecure = true\n", h)
	}
	if err := os.WriteFile(filepath.Join(root, "buildkitd.toml"), []byte(cfg.String()), 0o644); err != nil {
		return nil, err
	}
	sock := "unix://" + filepath.Join(root, "buildkitd.sock")
	logPath := filepath.Join(root, "buildkitd.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	snapshotter := "overlayfs"
	if s := os.Getenv("HOIST_TEST_BUILDKIT_SNAPSHOTTER"); s != "" {
		snapshotter = s
	}
	cmd := exec.Command("sh", "-c", cleanupScript, "sh", root,
		bin, "--root", filepath.Join(root, "state"), "--addr", sock, "--config", filepath.Join(root, "buildkitd.toml"),
		"--oci-worker=true", "--containerd-worker=false", "--oci-worker-snapshotter="+snapshotter)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Stopped with the test process: SIGTERM lets the script clean up.
	// Pdeathsig follows the OS thread that started the child, so that
	// thread is kept for the daemon's whole life: a goroutine of another
	// test that locked it and exited would end it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	d := &Daemon{Addr: sock, cmd: cmd, done: make(chan struct{}), log: logPath}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(d.done)
	}()
	if err := <-started; err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	go func() {
		select {
		case <-d.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := waitCtx(ctx, sock); err != nil {
		log, _ := os.ReadFile(logPath)
		d.Stop()
		return nil, fmt.Errorf("%s did not start: %v\n%s", bin, err, tail(string(log), 2000))
	}
	return d, nil
}

// Stop stops the daemon and removes its state.
func (d *Daemon) Stop() {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	<-d.done
}

// wait waits until the daemon at a answers (BuildKit's client polls).
func wait(a string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return waitCtx(ctx, a)
}

func waitCtx(ctx context.Context, a string) error {
	c, err := client.New(ctx, a)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Wait(ctx)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

//go:build linux

package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"path"
	"runtime"
	"syscall"
	"time"
)

// initMarker in the environment tells Init that this process is a sandbox
// init started by Sandbox.Run.
const initMarker = "_HOIST_SANDBOX_INIT"

// The init's extra files: the spec (read) and the setup failure (write).
const (
	specFD    = 3
	failureFD = 4
)

// initSpec is what Run sends the init on fd 3: Spec without the writers,
// plus the staging directory.
type initSpec struct {
	Lower          []string
	Upper, Work    string
	Rootfs         string
	Args           []string
	Env            []string
	UID, GID       uint32
	AdditionalGIDs []uint32
	Cwd            string
	Hostname       string
	NewNet         bool
	Mounts         []Mount
	ResolvConf     string
	Hosts          string
	// Staging is an empty host directory on which the init mounts a
	// private tmpfs for the overlay mount point and the mount-point stubs.
	Staging string
}

// initFailure is what the init reports on fd 4 when it cannot run the
// command; nothing is written when the command was started.
type initFailure struct {
	Kind  string // "overlay", "setup" or "exec"
	Msg   string
	Errno int
}

// defaultHostname is BuildKit's.
const defaultHostname = "buildkitsandbox"

// Run runs s.Args in a new sandbox and waits for it. It kills the sandbox
// (every process in it) when ctx is done.
func (Sandbox) Run(ctx context.Context, s Spec) (err error) {
	// Pdeathsig is tied to the OS thread that starts the child, not to
	// the process: if Go handed that thread to a goroutine that locks it
	// and exits (the overlay probe, the runc executor), the thread would
	// end and the kernel would SIGKILL the sandbox (golang/go#27505). Keep
	// the thread for the child's whole life.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := checkSpec(&s); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	is := initSpec{
		Lower: s.Lower, Upper: s.Upper, Work: s.Work, Rootfs: s.Rootfs, Args: s.Args, Env: s.Env,
		UID: s.UID, GID: s.GID, AdditionalGIDs: s.AdditionalGIDs, Cwd: s.Cwd,
		Hostname: s.Hostname, NewNet: s.Network == "none", Mounts: s.Mounts,
		ResolvConf: s.ResolvConf, Hosts: s.Hosts,
	}
	if is.Hostname == "" {
		is.Hostname = defaultHostname
	}
	if is.Cwd == "" {
		is.Cwd = "/"
	}
	if is.Rootfs != "" {
		// No stub layer without an overlay: the missing mount points are
		// made in the directory for the run (here, so that they are known
		// and removed after it).
		targets, terr := sandboxTargets(&is)
		if terr != nil {
			return fmt.Errorf("sandbox: %w", terr)
		}
		stubs, merr := makeRootfsStubs(is.Rootfs, targets)
		if merr != nil {
			return fmt.Errorf("sandbox: %w", merr)
		}
		defer func() {
			if rerr := stubs.remove(); rerr != nil {
				err = errors.Join(err, fmt.Errorf("sandbox: %w", rerr))
			}
		}()
	}
	staging, err := os.MkdirTemp("", "hoist-sandbox-")
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	// The init's mounts live in its own mount namespace: the host sees an
	// empty directory.
	defer os.Remove(staging)
	is.Staging = staging

	specR, specW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer specW.Close()
	failR, failW, err := os.Pipe()
	if err != nil {
		specR.Close()
		return fmt.Errorf("sandbox: %w", err)
	}
	defer failR.Close()

	flags := uintptr(syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC)
	if is.NewNet {
		flags |= syscall.CLONE_NEWNET
	}
	out := &tail{}
	cmd := osexec.CommandContext(ctx, "/proc/self/exe")
	cmd.Args = []string{"hoist-sandbox-init"}
	cmd.Env = []string{initMarker + "=1"}
	cmd.ExtraFiles = []*os.File{specR, failW}
	cmd.Stdout = teeWriter{w: s.Stdout, tail: out}
	cmd.Stderr = teeWriter{w: s.Stderr, tail: out}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: flags,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
	}
	// Killing the init, the PID namespace's pid 1, kills every process
	// in the sandbox; the group kill also covers the moment before it
	// became pid 1 of anything.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Start()
	specR.Close()
	failW.Close()
	if err != nil {
		if errors.Is(err, syscall.EPERM) {
			return &UnavailableError{
				What: "creating namespaces is not allowed here (EPERM)",
				Hint: "run hoist as root, or use --builder buildkit://ADDRESS",
			}
		}
		return fmt.Errorf("sandbox: start: %w", err)
	}
	// A dead init makes this fail with EPIPE; its report says why.
	_ = json.NewEncoder(specW).Encode(&is)
	specW.Close()

	werr := cmd.Wait()
	report, _ := io.ReadAll(failR)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", s.Args[0], err)
	}
	if len(report) > 0 {
		var f initFailure
		if json.Unmarshal(report, &f) == nil {
			return failureError(&s, &f)
		}
		return fmt.Errorf("sandbox: bad report from the init: %q", report)
	}
	if werr != nil {
		var ee *osexec.ExitError
		if !errors.As(werr, &ee) {
			return fmt.Errorf("sandbox: %w", werr)
		}
		code := ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &ExitError{Code: code, Tail: out.Lines()}
	}
	return nil
}

func failureError(s *Spec, f *initFailure) error {
	switch f.Kind {
	case "overlay":
		return noOverlayError{&UnavailableError{
			What: "overlayfs cannot be mounted here (" + f.Msg + ")",
			Hint: "the upper directory must be on a file system overlayfs accepts (not itself an overlay, as inside most containers); mount a volume for the hoist store, or use --builder buildkit://ADDRESS",
		}}
	case "exec":
		return fmt.Errorf("start %q: %s", s.Args[0], f.Msg)
	}
	if syscall.Errno(f.Errno) == syscall.EPERM {
		return &UnavailableError{
			What: "setting up the sandbox is not allowed here (" + f.Msg + ")",
			Hint: "run hoist as root outside a restricted container, or use --builder buildkit://ADDRESS",
		}
	}
	return fmt.Errorf("sandbox: %s", f.Msg)
}

// checkSpec rejects specs the init could not honour, before starting it.
func checkSpec(s *Spec) error {
	if len(s.Args) == 0 || s.Args[0] == "" {
		return errors.New("sandbox: no command to run")
	}
	if s.Rootfs != "" {
		if err := checkRootfs(s.Rootfs); err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
	} else if s.Upper == "" || s.Work == "" {
		return errors.New("sandbox: the spec needs Upper and Work directories, or Rootfs")
	}
	switch s.Network {
	case "", "default", "host", "none":
	default:
		return fmt.Errorf("sandbox: unknown network mode %q (want default, host or none)", s.Network)
	}
	if s.Cwd != "" && !path.IsAbs(s.Cwd) {
		return fmt.Errorf("sandbox: the working directory %q is not absolute", s.Cwd)
	}
	for _, m := range s.Mounts {
		if !path.IsAbs(m.Target) || path.Clean(m.Target) == "/" {
			return fmt.Errorf("sandbox: mount target %q must be an absolute path below /", m.Target)
		}
		switch m.Type {
		case "bind":
			if m.Source == "" {
				return fmt.Errorf("sandbox: bind mount at %s has no source", m.Target)
			}
			if _, err := os.Stat(m.Source); err != nil {
				return fmt.Errorf("sandbox: bind mount at %s: %w", m.Target, err)
			}
		case "tmpfs":
		default:
			return fmt.Errorf("sandbox: mount at %s: unknown type %q (want bind or tmpfs)", m.Target, m.Type)
		}
	}
	return nil
}

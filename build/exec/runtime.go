package exec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Runtime runs specs through an OCI runtime binary (runc or crun): the
// overlay root is mounted on the bundle's rootfs directory, config.json is
// generated from the Spec, and `RUNTIME run` runs the command in the
// foreground. With Spec.Rootfs that directory is bind-mounted there
// instead, and the missing mount points are made in it for the run and
// removed afterwards, as Sandbox does.
type Runtime struct {
	// Binary is "runc", "crun" or a path to one of them.
	Binary string
	// StateDir is the runtime's --root ("" = a temporary directory per
	// Run, removed afterwards).
	StateDir string
}

var _ Executor = (*Runtime)(nil)

// NewRuntime finds the OCI runtime name ("runc", "crun" or a path) in PATH.
func NewRuntime(name string) (*Runtime, error) {
	if name == "" {
		name = "runc"
	}
	bin, err := osexec.LookPath(name)
	if err != nil {
		base := filepath.Base(name)
		what := name + " is not installed"
		if strings.ContainsRune(name, filepath.Separator) {
			what = fmt.Sprintf("the OCI runtime %s does not exist or is not executable", name)
		}
		return nil, &UnavailableError{
			What: what,
			Hint: fmt.Sprintf("apt-get install %s, or use the built-in sandbox (the default)", base),
		}
	}
	return &Runtime{Binary: bin}, nil
}

func (r *Runtime) name() string { return filepath.Base(r.Binary) }

// rtSpecVersion is the runtime-spec version written to config.json: the
// oldest that has everything used here, so that older runc and crun
// releases (Debian's runc 1.1 says 1.0.2-dev) accept the bundle.
const rtSpecVersion = "1.0.2"

// rtDefaultHostname is BuildKit's hostname for RUN.
const rtDefaultHostname = "buildkitsandbox"

// rtCapabilities is Docker's (and BuildKit's, via containerd) default
// capability set.
var rtCapabilities = []string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
}

// rtMaskedPaths and rtReadonlyPaths are those of `runc spec`.
var (
	rtMaskedPaths = []string{
		"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
		"/proc/sched_debug", "/sys/firmware", "/proc/scsi",
	}
	rtReadonlyPaths = []string{
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	}
)

// rtSystemMounts are the mounts of `runc spec` minus the cgroup file
// system, which a build step has no use for.
func rtSystemMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
	}
}

// rtCleanTarget checks that a path inside the root is absolute and cleans
// it.
func rtCleanTarget(what, p string) (string, error) {
	if !path.IsAbs(p) {
		return "", fmt.Errorf("%s %q is not an absolute path", what, p)
	}
	return path.Clean(p), nil
}

// rtConfig is the runtime spec (config.json) of s; the root file system
// is the bundle's "rootfs" directory.
func rtConfig(s Spec) (*specs.Spec, error) {
	if len(s.Args) == 0 {
		return nil, errors.New("no command to run")
	}
	cwd := s.Cwd
	if cwd == "" {
		cwd = "/"
	}
	cwd, err := rtCleanTarget("the working directory", cwd)
	if err != nil {
		return nil, err
	}
	hostname := s.Hostname
	if hostname == "" {
		hostname = rtDefaultHostname
	}
	namespaces := []specs.LinuxNamespace{
		{Type: specs.PIDNamespace},
		{Type: specs.MountNamespace},
		{Type: specs.IPCNamespace},
		{Type: specs.UTSNamespace},
	}
	switch s.Network {
	case "", "default", "host":
	case "none":
		namespaces = append(namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	default:
		return nil, fmt.Errorf("network mode %q is not supported; use default, host or none", s.Network)
	}

	mounts := rtSystemMounts()
	if s.ResolvConf != "" {
		mounts = append(mounts, specs.Mount{Destination: "/etc/resolv.conf", Type: "bind", Source: s.ResolvConf, Options: []string{"rbind", "ro"}})
	}
	if s.Hosts != "" {
		mounts = append(mounts, specs.Mount{Destination: "/etc/hosts", Type: "bind", Source: s.Hosts, Options: []string{"rbind", "ro"}})
	}
	for _, m := range s.Mounts {
		target, err := rtCleanTarget("the mount target", m.Target)
		if err != nil {
			return nil, err
		}
		switch m.Type {
		case "bind":
			if m.Source == "" {
				return nil, fmt.Errorf("bind mount at %s has no source", target)
			}
			opt := "rw"
			if m.Readonly {
				opt = "ro"
			}
			mounts = append(mounts, specs.Mount{Destination: target, Type: "bind", Source: m.Source, Options: []string{"rbind", opt}})
		case "tmpfs":
			mode := m.Mode
			if mode == 0 {
				mode = 0o1777
			}
			opts := []string{"nosuid", "nodev", fmt.Sprintf("mode=%o", mode)}
			if m.Size > 0 {
				opts = append(opts, fmt.Sprintf("size=%d", m.Size))
			}
			if m.Readonly {
				opts = append(opts, "ro")
			}
			mounts = append(mounts, specs.Mount{Destination: target, Type: "tmpfs", Source: "tmpfs", Options: opts})
		default:
			return nil, fmt.Errorf("mount at %s: type %q is not supported (bind or tmpfs)", target, m.Type)
		}
	}

	caps := append([]string(nil), rtCapabilities...)
	return &specs.Spec{
		Version: rtSpecVersion,
		Process: &specs.Process{
			User: specs.User{
				UID:            s.UID,
				GID:            s.GID,
				AdditionalGids: append([]uint32(nil), s.AdditionalGIDs...),
			},
			Args: append([]string(nil), s.Args...),
			Env:  append([]string(nil), s.Env...),
			Cwd:  cwd,
			Capabilities: &specs.LinuxCapabilities{
				Bounding:  caps,
				Effective: caps,
				Permitted: caps,
			},
			Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			// Docker and BuildKit leave setuid programs (su, sudo) working.
			NoNewPrivileges: false,
		},
		Root:     &specs.Root{Path: "rootfs"},
		Hostname: hostname,
		Mounts:   mounts,
		Linux: &specs.Linux{
			Namespaces: namespaces,
			Resources: &specs.LinuxResources{
				// Deny all; the runtime allows its default devices.
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
			MaskedPaths:   append([]string(nil), rtMaskedPaths...),
			ReadonlyPaths: append([]string(nil), rtReadonlyPaths...),
		},
	}, nil
}

// rtMountTargets are the paths in the root at which the runtime mounts
// something and which it creates when they are missing (the mounts under
// /dev land on its tmpfs, not in the root).
func rtMountTargets(cfg *specs.Spec) []string {
	var targets []string
	for _, m := range cfg.Mounts {
		targets = append(targets, path.Clean(m.Destination))
	}
	return targets
}

// rtTailLines and rtTailLineMax bound the output kept for ExitError.Tail.
const (
	rtTailLines   = 20
	rtTailLineMax = 1024
)

// rtOutput fans the command's stdout and stderr out to the caller's
// writers and keeps the last lines of the combined output. The runtime's
// two pipes are copied by two goroutines: the mutex serialises them, so
// the caller's writers need not be safe for concurrent use.
type rtOutput struct {
	mu    sync.Mutex
	lines []string
}

// rtStream is one of the two streams; partial holds its unfinished line.
type rtStream struct {
	o       *rtOutput
	w       io.Writer
	partial []byte
}

func (o *rtOutput) stream(w io.Writer) *rtStream { return &rtStream{o: o, w: w} }

func (s *rtStream) Write(p []byte) (int, error) {
	s.o.mu.Lock()
	defer s.o.mu.Unlock()
	if s.w != nil {
		// A failing caller's writer must not block the command (a broken
		// pipe would kill it); its output is dropped from then on.
		if _, err := s.w.Write(p); err != nil {
			s.w = nil
		}
	}
	rest := p
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			s.partial = rtAppendCapped(s.partial, rest)
			break
		}
		s.partial = rtAppendCapped(s.partial, rest[:i])
		s.o.addLine(s.partial)
		s.partial = s.partial[:0]
		rest = rest[i+1:]
	}
	return len(p), nil
}

// flush ends the stream's unfinished line.
func (s *rtStream) flush() {
	s.o.mu.Lock()
	defer s.o.mu.Unlock()
	if len(s.partial) > 0 {
		s.o.addLine(s.partial)
		s.partial = nil
	}
}

func rtAppendCapped(b, p []byte) []byte {
	if room := rtTailLineMax - len(b); room < len(p) {
		p = p[:max(room, 0)]
	}
	return append(b, p...)
}

func (o *rtOutput) addLine(b []byte) {
	line := strings.TrimRight(string(b), "\r")
	if len(o.lines) == rtTailLines {
		copy(o.lines, o.lines[1:])
		o.lines = o.lines[:rtTailLines-1]
	}
	o.lines = append(o.lines, line)
}

func (o *rtOutput) tail() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.lines...)
}

// rtLogErrors reads the error messages of the runtime's own JSON log
// (--log FILE --log-format json, one {"level","msg"} object a line): runc
// and crun write why they failed there, apart from the command's output.
func rtLogErrors(file string) []string {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var msgs []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var entry struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &entry) != nil {
			continue
		}
		if (entry.Level == "error" || entry.Level == "fatal") && entry.Msg != "" {
			msgs = append(msgs, entry.Msg)
		}
	}
	return msgs
}

package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/sys/user"

	"github.com/hoistci/hoist/build/buildfs"
	"github.com/hoistci/hoist/build/exec"
	"github.com/hoistci/hoist/build/layer"
	"github.com/hoistci/hoist/build/plan"
	"github.com/hoistci/hoist/internal/progress"
)

// Secret is a --secret: its content comes from a file or an environment
// variable, read only when a RUN mounts it.
type Secret struct {
	ID   string
	File string
	Env  string
}

// SSH is an --ssh agent socket (or key file) forwarded to RUN
// --mount=type=ssh.
type SSH struct {
	ID    string
	Paths []string
}

// runArgs is what a RUN executes, in BuildKit's dispatchRun order:
// heredocs turned into a script or a file, then the shell prepended.
func runArgs(cfg *v1.Config, cmd *instructions.RunCommand, tmp string) (args []string, mounts []exec.Mount, err error) {
	args = cmd.CmdLine
	if len(cmd.Files) > 0 {
		if len(args) != 1 || !cmd.PrependShell {
			return nil, nil, fmt.Errorf("parsing produced an invalid run command: %v", args)
		}
		if hd := parser.MustParseHeredoc(args[0]); hd != nil {
			data := cmd.Files[0].Data
			if cmd.Files[0].Chomp {
				data = parser.ChompHeredocContent(data)
			}
			if strings.HasPrefix(data, "#!") {
				// A script with a shebang: a file at /dev/pipes/NAME, run
				// directly, as BuildKit does.
				dir, err := os.MkdirTemp(tmp, "pipes-")
				if err != nil {
					return nil, nil, err
				}
				name := cmd.Files[0].Name
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o755); err != nil {
					return nil, nil, err
				}
				mounts = append(mounts, exec.Mount{Type: "bind", Source: dir, Target: "/dev/pipes", Readonly: true})
				return []string{path.Join("/dev/pipes", name)}, mounts, nil
			}
			args = []string{data}
		} else {
			var b strings.Builder
			b.WriteString(args[0])
			for _, f := range cmd.Files {
				b.WriteByte('\n')
				b.WriteString(f.Data)
				b.WriteString(f.Name)
			}
			args = []string{b.String()}
		}
	}
	if cmd.PrependShell {
		shell := cfg.Shell
		if len(shell) == 0 {
			shell = []string{"/bin/sh", "-c"}
		}
		args = append(slices.Clone(shell), strings.Join(args, " "))
	}
	return args, mounts, nil
}

// execRun runs a RUN step that missed the caches and returns its changes
// as layer entries (valid until cleanup, which removes what they read).
// The root is an overlay of the layers' snapshots; where overlayfs cannot
// be mounted, the merged root is extracted to a directory and compared
// with the image afterwards (slower, the same layer).
func (b *builder) execRun(r *stageRun, i int, step *plan.Step, cmd *instructions.RunCommand, vertex int) (entries []*buildfs.Entry, cleanup func(), err error) {
	var cleanups []func()
	cleanup = func() {
		for j := len(cleanups) - 1; j >= 0; j-- {
			cleanups[j]()
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	cfg := r.stepConfig(i)
	if err := checkEmulation(r.ps.Platform); err != nil {
		return nil, cleanup, err
	}
	tree, err := r.currentTree(b)
	if err != nil {
		return nil, cleanup, err
	}

	work, err := os.MkdirTemp(b.tmp, "run-")
	if err != nil {
		return nil, cleanup, err
	}
	cleanups = append(cleanups, func() { os.RemoveAll(work) })

	args, mounts, err := runArgs(cfg, cmd, work)
	if err != nil {
		return nil, cleanup, inputErr(err)
	}
	env := slices.Clone(step.Env)
	if len(env) == 0 {
		env = slices.Clone(cfg.Env)
	}
	u, err := execUser(tree, cfg.User)
	if err != nil {
		return nil, cleanup, inputErr(err)
	}
	if !hasEnv(env, "HOME") {
		env = append(env, "HOME="+u.Home)
	}
	rm, extraEnv, err := b.runMounts(r, step, cmd, cfg, work)
	if err != nil {
		return nil, cleanup, err
	}
	mounts = append(mounts, rm.mounts...)
	cleanups = append(cleanups, rm.release)
	env = append(env, extraEnv...)

	out := &lineReporter{b: b, id: vertex, secrets: rm.secrets}
	spec := exec.Spec{
		Args: args, Env: env, UID: uint32(u.Uid), GID: uint32(u.Gid), Cwd: cfg.WorkingDir,
		Network: instructions.GetNetwork(cmd), Mounts: mounts,
		ResolvConf: existing("/etc/resolv.conf"), Hosts: existing("/etc/hosts"),
		Stdout: out, Stderr: out,
	}
	for _, g := range u.Sgids {
		spec.AdditionalGIDs = append(spec.AdditionalGIDs, uint32(g))
	}
	if spec.Cwd == "" {
		spec.Cwd = "/"
	}
	if spec.Network == "" {
		spec.Network = "default"
	}
	ex, err := b.executor()
	if err != nil {
		return nil, cleanup, err
	}
	var diff func() ([]*buildfs.Entry, error)
	// Probed once per store (the probe's answer is cached per directory).
	if !b.opts.NoOverlay && exec.OverlaySupportedAt(filepath.Dir(b.tmp)) {
		diff, err = b.overlayRoot(r, &spec, work, &cleanups)
		if err == nil {
			err = ex.Run(b.ctx, spec)
		}
		if errors.Is(err, exec.ErrNoOverlay) {
			b.warn("overlayfs cannot be mounted here: RUN falls back to extracting and comparing the root file system (slower)")
			diff, err = nil, nil
		}
	}
	if diff == nil && err == nil {
		if diff, err = b.plainRoot(tree, &spec, work); err == nil {
			err = ex.Run(b.ctx, spec)
		}
	}
	out.flush()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		msg := fmt.Sprintf("the command failed (exit code %d)", ee.Code)
		if len(ee.Tail) > 0 {
			msg += ":\n  " + strings.Join(redactAll(ee.Tail, rm.secrets), "\n  ")
		}
		return nil, cleanup, errors.New(msg)
	}
	if err != nil {
		return nil, cleanup, err
	}
	entries, err = diff()
	return entries, cleanup, err
}

// overlayRoot sets spec up to run on an overlay of the stage's layer
// snapshots (each extracted once per store) and a fresh upper directory,
// which holds the layer afterwards.
func (b *builder) overlayRoot(r *stageRun, spec *exec.Spec, work string, cleanups *[]func()) (func() ([]*buildfs.Entry, error), error) {
	lower, release, err := b.snapshots(r)
	*cleanups = append(*cleanups, release)
	if err != nil {
		return nil, err
	}
	upper := filepath.Join(work, "upper")
	for _, d := range []string{upper, filepath.Join(work, "work")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	spec.Lower, spec.Upper, spec.Work = lower, upper, filepath.Join(work, "work")
	return func() ([]*buildfs.Entry, error) { return layer.DiffEntries(upper) }, nil
}

// plainRoot sets spec up to run on the merged root extracted to a
// directory; the layer is what changed compared with the image.
func (b *builder) plainRoot(tree *buildfs.Tree, spec *exec.Spec, work string) (func() ([]*buildfs.Entry, error), error) {
	rootfs := filepath.Join(work, "rootfs")
	if err := layer.ExtractTree(b.ctx, tree, rootfs); err != nil {
		return nil, fmt.Errorf("extracting the root file system: %w", err)
	}
	spec.Rootfs = rootfs
	return func() ([]*buildfs.Entry, error) { return layer.DiffDir(b.ctx, tree, rootfs) }, nil
}

func existing(p string) string {
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

func hasEnv(env []string, k string) bool {
	for _, e := range env {
		if strings.HasPrefix(e, k+"=") {
			return true
		}
	}
	return false
}

// execUser resolves USER (name or number, with an optional group) in the
// image's /etc/passwd and /etc/group, as runc and BuildKit do.
func execUser(t buildfs.FS, spec string) (*user.ExecUser, error) {
	def := &user.ExecUser{Uid: 0, Gid: 0, Home: "/"}
	passwd, _ := readFile(t, "etc/passwd")
	group, _ := readFile(t, "etc/group")
	var pr, gr io.Reader
	if passwd != nil {
		pr = bytes.NewReader(passwd)
	}
	if group != nil {
		gr = bytes.NewReader(group)
	}
	u, err := user.GetExecUser(spec, def, pr, gr)
	if err != nil {
		return nil, fmt.Errorf("USER %s: %w", spec, err)
	}
	return u, nil
}

// readFile reads a regular file of a tree, following no links.
func readFile(t buildfs.FS, p string) ([]byte, error) {
	e, err := t.Lstat(p)
	if err != nil || !e.IsRegular() || e.Open == nil {
		return nil, fmt.Errorf("%s: not a regular file", p)
	}
	rc, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 16<<20))
}

// snapshots extracts (once per store) every layer of the stage so far and
// returns the overlay lower directories, topmost first.
func (b *builder) snapshots(r *stageRun) ([]string, func(), error) {
	var releases []func()
	release := func() {
		for _, f := range releases {
			f()
		}
	}
	r.mu.Lock()
	layers := slices.Clone(r.layers)
	r.mu.Unlock()
	var lower []string
	var chain v1.Hash
	for n, l := range layers {
		if n == 0 {
			chain = l.diffID
		} else {
			sum := sha256.Sum256([]byte(chain.String() + " " + l.diffID.String()))
			chain = v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
		}
		if l.diffID == emptyTarDiffID {
			continue
		}
		if err := b.ensureBlob(l); err != nil {
			return nil, release, err
		}
		d := l.desc.Digest
		dir, rel, err := b.opts.Store.Snapshot(b.ctx, chain, func(tmp string) error {
			rc, err := b.opts.Store.Blob(d)
			if err != nil {
				return err
			}
			defer rc.Close()
			return layer.ExtractOverlay(b.ctx, rc, tmp)
		})
		if err != nil {
			return nil, release, fmt.Errorf("extracting layer %s: %w", d, err)
		}
		releases = append(releases, rel)
		lower = append(lower, dir)
	}
	slices.Reverse(lower)
	return lower, release, nil
}

// executor is the RUN executor the options choose.
func (b *builder) executor() (exec.Executor, error) {
	switch b.opts.Runtime {
	case "", "sandbox":
		return exec.Sandbox{}, nil
	default:
		return exec.NewRuntime(b.opts.Runtime)
	}
}

// lineReporter turns a command's output into progress log events, one per
// line, with secrets redacted.
type lineReporter struct {
	b       *builder
	id      int
	secrets [][]byte
	mu      sync.Mutex
	buf     []byte
}

func (l *lineReporter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineReporter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(string(l.buf))
		l.buf = nil
	}
}

func (l *lineReporter) emit(line string) {
	l.b.rep.Report(progress.Event{Time: l.b.opts.Now(), Kind: progress.KindLog, ID: l.id, Message: redact(line, l.secrets)})
}

func redact(s string, secrets [][]byte) string {
	for _, sec := range secrets {
		if len(sec) > 0 {
			s = strings.ReplaceAll(s, string(sec), "****")
		}
	}
	return s
}

func redactAll(lines []string, secrets [][]byte) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = redact(l, secrets)
	}
	return out
}

// qemuArch maps GOARCH names to QEMU's binfmt_misc entry names.
var qemuArch = map[string]string{
	"arm64": "aarch64", "arm": "arm", "amd64": "x86_64", "386": "i386",
	"ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64", "mips64le": "mips64el",
}

// checkEmulation reports whether a RUN for platform p can execute here:
// natively, or through QEMU user emulation registered with binfmt_misc.
func checkEmulation(p v1.Platform) error {
	if p.OS != "linux" {
		return fmt.Errorf("RUN for %s: only linux images can run RUN steps", plan.FormatPlatform(p))
	}
	if p.Architecture == runtime.GOARCH || (runtime.GOARCH == "amd64" && p.Architecture == "386") {
		return nil
	}
	name := qemuArch[p.Architecture]
	if name == "" {
		name = p.Architecture
	}
	b, err := os.ReadFile("/proc/sys/fs/binfmt_misc/qemu-" + name)
	if err == nil && strings.HasPrefix(string(b), "enabled") {
		return nil
	}
	return fmt.Errorf("RUN for %s needs QEMU user emulation for %s, which binfmt_misc does not have registered here: "+
		"install it (Debian/Ubuntu: apt-get install qemu-user-static binfmt-support), or build this platform on a %s machine",
		plan.FormatPlatform(p), p.Architecture, p.Architecture)
}

// Package exec runs a Dockerfile RUN step: a command in a root file system
// made of read-only lower directories (extracted layer snapshots) and a
// fresh upper directory that receives every change. Executors: the
// built-in Linux sandbox (namespaces + overlayfs, no daemon) and an OCI
// runtime (runc, crun) driven through a generated runtime spec.
package exec

import (
	"context"
	"fmt"
	"io"
)

// Spec is one command to run.
type Spec struct {
	// Lower are the snapshot directories of the image's layers in overlay
	// form (whiteouts as 0/0 character devices, opaque directories with the
	// trusted.overlay.opaque xattr), topmost FIRST, as overlayfs's lowerdir
	// lists them. Empty for FROM scratch.
	Lower []string
	// Upper receives the changes (overlay form); Work is overlayfs's work
	// directory on the same file system. Both exist and are empty.
	Upper, Work string
	// Rootfs, when set, is a writable host directory holding the whole
	// root file system (the image extracted into it), used as the root
	// instead of an overlay, where overlayfs cannot be mounted: Lower,
	// Upper and Work are then ignored and the command changes Rootfs in
	// place (the caller compares it with the image afterwards, e.g. with
	// layer.DiffDir). Mount points missing in it are created for the run
	// and removed afterwards (those the command put something in, or
	// changed, stay), so that only the command's changes remain.
	Rootfs string
	// Args is the command (the shell already prepended for the shell form).
	Args []string
	// Env is the environment, KEY=value.
	Env []string
	// UID, GID and AdditionalGIDs are the resolved user.
	UID, GID       uint32
	AdditionalGIDs []uint32
	// Cwd is the working directory inside the root; created if missing.
	Cwd string
	// Hostname of the UTS namespace ("" = a fixed "buildkitsandbox", as
	// BuildKit).
	Hostname string
	// Network is "default" (the host's network, as BuildKit's default
	// without a CNI setup), "host" or "none" (a new network namespace with
	// only loopback).
	Network string
	// Mounts are mounted on top of the root, in order.
	Mounts []Mount
	// ResolvConf and Hosts are host files bind-mounted read-only at
	// /etc/resolv.conf and /etc/hosts ("" = none).
	ResolvConf, Hosts string
	// Stdout and Stderr receive the command's output (nil = discard).
	Stdout, Stderr io.Writer
}

// Mount is one RUN --mount (or an internal mount).
type Mount struct {
	// Type is "bind" or "tmpfs".
	Type string
	// Source is the host path of a bind mount.
	Source string
	// Target is the absolute path inside the root.
	Target string
	// Readonly mounts read-only.
	Readonly bool
	// Size limits a tmpfs in bytes (0 = the kernel default).
	Size int64
	// Mode of a tmpfs root (0 = 01777).
	Mode uint32
}

// ExitError is a command that ran and exited non-zero.
type ExitError struct {
	Code int
	// Tail is the last lines of the command's combined output.
	Tail []string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("the command exited with code %d", e.Code)
}

// UnavailableError says why an executor cannot run here and what to do.
type UnavailableError struct {
	What string // e.g. "mount namespaces are not allowed (unshare: operation not permitted)"
	Hint string // e.g. "run as root, or use --builder buildkit://..."
}

func (e *UnavailableError) Error() string { return e.What + "; " + e.Hint }

// Executor runs specs.
type Executor interface {
	// Run runs the command to completion. A non-zero exit is an
	// *ExitError; an executor that cannot work here returns an
	// *UnavailableError.
	Run(ctx context.Context, s Spec) error
}

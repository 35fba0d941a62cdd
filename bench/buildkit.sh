#!/usr/bin/env bash
# hoist's native builder against BuildKit (buildkitd + buildctl, the version
# in go.mod) on the bench/build.sh scenario: busybox base + COPY src/ /app/src/
# of 2,000 random files (27,000 bytes each) + CMD, pushed to the registry on
# 127.0.0.1:5000 (start it as .ci/run does). Run as root (buildkitd, runc).
# Prints one line per scenario per tool: median wall seconds, median peak RSS
# of the client process (hoist or buildctl), how many runs failed (and were
# redone from their preparation; their errors go to stderr), and every run's
# wall time. The buildkitd daemon's RSS is separate: its high-water mark
# (VmHWM) so far is printed after each scenario.
#
#   bench/buildkit.sh                 RUNS=3 runs per scenario
#   RUNS=5 bench/buildkit.sh
#   REG=127.0.0.1:5001 bench/buildkit.sh  another registry (plain HTTP)
#   BK=/tmp/bk bench/buildkit.sh      where buildkitd and buildctl are (built
#                                     there from go.mod's BuildKit if missing)
#   SNAPSHOTTER=native bench/buildkit.sh   if overlayfs does not work
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

REG=${REG:-127.0.0.1:5000}
RUNS=${RUNS:-3}
BK=${BK:-/tmp/bk}
SNAPSHOTTER=${SNAPSHOTTER:-overlayfs}
work=$(mktemp -d)
bkd_pid=
cleanup() {
	if [ -n "$bkd_pid" ]; then
		kill "$bkd_pid" 2>/dev/null || true
		wait "$bkd_pid" 2>/dev/null || true
	fi
	# buildkitd's root holds overlay mounts of running/finished steps.
	if [ -d "$work/bk-root" ]; then
		{ grep -o " $work/bk-root[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do
			umount "$m" 2>/dev/null || true
		done
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# BuildKit binaries: `go install ...@version` is refused (go.mod's exclude
# directives), so build them from a throwaway tools module.
bkver=$(go list -m -f '{{.Version}}' github.com/moby/buildkit)
if [ ! -x "$BK/buildkitd" ] || [ ! -x "$BK/buildctl" ]; then
	mkdir -p "$BK" "$work/tools"
	(
		cd "$work/tools"
		go mod init bktools >/dev/null 2>&1
		printf '//go:build tools\n\npackage bktools\n\nimport (\n\t_ "github.com/moby/buildkit/cmd/buildctl"\n\t_ "github.com/moby/buildkit/cmd/buildkitd"\n)\n' >tools.go
		go get "github.com/moby/buildkit@$bkver" >/dev/null 2>&1
		go mod tidy >/dev/null 2>&1
		go build -o "$BK/" github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl
	)
fi
echo "buildkit: $("$BK/buildkitd" --version) (go.mod: $bkver), snapshotter $SNAPSHOTTER"

sock=unix://$work/buildkitd.sock
printf '[registry."%s"]\n  http = true\n  insecure = true\n' "$REG" >"$work/buildkitd.toml"
"$BK/buildkitd" --root "$work/bk-root" --addr "$sock" --config "$work/buildkitd.toml" \
	--oci-worker=true --containerd-worker=false --oci-worker-snapshotter="$SNAPSHOTTER" \
	>"$work/buildkitd.log" 2>&1 &
bkd_pid=$!
bctl() { "$BK/buildctl" --addr "$sock" "$@"; }
for _ in $(seq 100); do
	bctl debug workers >/dev/null 2>&1 && break
	sleep 0.1
done
bctl debug workers >/dev/null || {
	cat "$work/buildkitd.log"
	exit 1
}

go build -o "$work/hoist" ./cmd/hoist
# The base image: the test suite's busybox, pushed to the registry.
base=$(push_base "$REG" "$work")

ctx=$work/ctx
make_src "$ctx"
printf 'FROM %s\nCOPY src/ /app/src/\nCMD ["ls", "/app/src"]\n' "$base" >"$ctx/Dockerfile"
echo "context: $(find "$ctx/src" -type f | wc -l) files, $(du -sh "$ctx/src" | cut -f1), $RUNS runs per scenario"


# timed: tool, command...: run the command under /usr/bin/time, appending
# "wall rss" to $work/times-TOOL; a failure is logged to $work/failures-TOOL.
timed() {
	local tool=$1
	shift
	if /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>&1; then
		cat "$work/time" >>"$work/times-$tool"
		return
	fi
	{
		echo "--- failed: $*"
		grep -iE 'error|failed' "$work/out" | head -5
	} >>"$work/failures-$tool"
	return 1
}
# attempt: command...: run a (prepare + timed build) function, and again, from
# its preparation on, if it fails: at most three times.
attempt() {
	for _ in 1 2 3; do
		"$@" && return
	done
	cat "$work/out"
	exit 1
}
report() { # scenario, tool
	local t=$work/times-$2 f=$work/failures-$2 failed=0
	if [ -f "$f" ]; then
		failed=$(grep -c '^--- failed' "$f")
		cat "$f" >&2
	fi
	printf '%-36s %-9s median %6.2f s  %7d KB  failed+redone %d  runs: %s\n' "$1" "$2" \
		"$(cut -d' ' -f1 "$t" | median)" "$(cut -d' ' -f2 "$t" | median)" \
		"$failed" "$(cut -d' ' -f1 "$t" | paste -sd' ')"
	rm -f "$t" "$f"
}
reports() { # scenario
	report "$1" buildkit
	report "$1" hoist
	printf '%-36s buildkitd VmHWM so far %s\n' "" "$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$bkd_pid/status")"
}

bk_build() { # tag, extra buildctl args...
	local tag=$1
	shift
	timed buildkit "$BK/buildctl" --addr "$sock" build --frontend dockerfile.v0 \
		--local context="$ctx" --local dockerfile="$ctx" \
		--output "type=image,name=$tag,push=true,registry.insecure=true" "$@"
}
h_build() { # HOIST_HOME, tag, extra hoist args...
	local home=$1 tag=$2
	shift 2
	timed hoist env HOIST_HOME="$home" "$work/hoist" build --progress quiet -t "$tag" --push "$@" "$ctx"
}
prune() { bctl prune --all >/dev/null; }

id=$RANDOM
bk=$REG/bench/bk-$id
h=$REG/bench/h-$id
# The two tools' runs alternate, so that load from elsewhere on the machine
# falls on both alike.

# a) cold build + push + cache export: empty local cache every run, and a new
# repository every run (a blob already in the repository is not pushed again).
bk_cold() {
	prune
	sync
	bk_build "$bk-$1:1" --export-cache "type=registry,ref=$bk-$1:cache,mode=max,registry.insecure=true"
}
h_cold() {
	rm -rf "$work/h-home"
	mkdir -p "$work/h-home"
	sync
	h_build "$work/h-home" "$h-$1:1" --cache-to "type=registry,ref=$h-$1:cache,mode=max"
}
for i in $(seq "$RUNS"); do
	attempt bk_cold "$i"
	attempt h_cold "$i"
done
reports "cold build + push + cache export"
warm=$work/h-home # the last cold run's store

# b) fully cached rebuild: empty local cache, cache imported from the registry;
# b) and c) push to the last cold run's repository (its blobs are there).
bk_cached() {
	prune
	sync
	bk_build "$bk-$RUNS:b$1" --import-cache "type=registry,ref=$bk-$RUNS:cache,registry.insecure=true"
}
h_cached() {
	rm -rf "$work/h-fresh"
	mkdir -p "$work/h-fresh"
	sync
	h_build "$work/h-fresh" "$h-$RUNS:b$1" --cache-from "type=registry,ref=$h-$RUNS:cache"
}
for i in $(seq "$RUNS"); do
	attempt bk_cached "$i"
	attempt h_cached "$i"
done
reports "cached rebuild, empty local cache"

# c) one file changed (new content each run), warm local caches. One
# unmeasured build first, so both tools start with the base and the COPY
# layer materialised locally.
head -c 27000 /dev/urandom >"$ctx/src/d00/f00.bin"
attempt bk_build "$bk-$RUNS:warm"
attempt h_build "$warm" "$h-$RUNS:warm"
rm -f "$work/times-buildkit" "$work/times-hoist"
for i in $(seq "$RUNS"); do
	head -c 27000 /dev/urandom >"$ctx/src/d00/f00.bin"
	attempt bk_build "$bk-$RUNS:c$i"
	attempt h_build "$warm" "$h-$RUNS:c$i"
done
reports "one file changed, warm cache"

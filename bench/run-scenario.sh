#!/usr/bin/env bash
# hoist's RUN execution against BuildKit (buildkitd + buildctl, oci worker
# with runc) on issue 6's scenario: the test suite's busybox base; a RUN
# writing 200 files; WORKDIR /app; COPY src/ (2,000 files of 27,000 random
# bytes in 50 dirs); a RUN counting them; ENTRYPOINT. Run as root.
#
# It starts its own registry (docker-registry, plain HTTP, on $REG, storage in
# a temporary directory) and its own buildkitd, and stops both at the end.
# Scenarios, tools alternating run by run:
#   a) cold: build + push + registry cache export mode=max (BuildKit after
#      `buildctl prune --all`, hoist with an empty HOIST_HOME);
#   b) fresh local state, registry cache import, push;
#   c) warm local cache, nothing changed, push;
#   d) warm local cache, one source file changed, push: only the steps after
#      the COPY may re-run (hoist's --metadata-file hits/misses and
#      buildctl's CACHED lines are printed).
# Prints, per scenario and tool: median wall seconds, median peak RSS of the
# client process, every run's wall time, and hoist / BuildKit.
#
#   bench/run-scenario.sh                  RUNS=5 runs per scenario
#   RUNS=7 bench/run-scenario.sh
#   REG=127.0.0.1:5003 bench/run-scenario.sh   another port for the registry
#   REGISTRY=/tmp/registry bench/run-scenario.sh   another registry binary
#                                          (default: Debian's docker-registry)
#   BK=/tmp/bk bench/run-scenario.sh       where buildkitd and buildctl are
#                                          (bench/buildkit.sh builds them)
#   HOIST=/tmp/hoist bench/run-scenario.sh use this hoist binary
#   KEEP=DIR bench/run-scenario.sh         keep logs and metadata files in DIR
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

REG=${REG:-127.0.0.1:5002}
RUNS=${RUNS:-5}
BK=${BK:-/tmp/bk}
SNAPSHOTTER=${SNAPSHOTTER:-overlayfs}
KEEP=${KEEP:-}
REGISTRY=${REGISTRY:-docker-registry}
work=$(mktemp -d)
bkd_pid=
reg_pid=
cleanup() {
	for p in "$bkd_pid" "$reg_pid"; do
		if [ -n "$p" ]; then
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	if [ -d "$work/bk-root" ]; then
		{ grep -o " $work/bk-root[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do
			umount "$m" 2>/dev/null || true
		done
	fi
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP"
		cp -r "$work/logs" "$KEEP/" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/logs"

if [ ! -x "$BK/buildkitd" ] || [ ! -x "$BK/buildctl" ]; then
	echo "no buildkitd/buildctl in $BK: run bench/buildkit.sh once (it builds them there)" >&2
	exit 2
fi

# The registry.
sed -e "s|rootdirectory: .*|rootdirectory: $work/registry|" -e "s|addr: .*|addr: $REG|" \
	.ci/registry.yml >"$work/registry.yml"
"$REGISTRY" serve "$work/registry.yml" >"$work/logs/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do
	curl -fsS "http://$REG/v2/" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS "http://$REG/v2/" >/dev/null

# buildkitd.
sock=unix://$work/buildkitd.sock
printf '[registry."%s"]\n  http = true\n  insecure = true\n' "$REG" >"$work/buildkitd.toml"
"$BK/buildkitd" --root "$work/bk-root" --addr "$sock" --config "$work/buildkitd.toml" \
	--oci-worker=true --containerd-worker=false --oci-worker-snapshotter="$SNAPSHOTTER" \
	>"$work/logs/buildkitd.log" 2>&1 &
bkd_pid=$!
bctl() { "$BK/buildctl" --addr "$sock" "$@"; }
for _ in $(seq 100); do
	bctl debug workers >/dev/null 2>&1 && break
	sleep 0.1
done
bctl debug workers >/dev/null
echo "buildkit: $("$BK/buildkitd" --version), runc $(runc --version | head -1), snapshotter $SNAPSHOTTER"

hoist=${HOIST:-$work/hoist}
[ -n "${HOIST:-}" ] || go build -o "$hoist" ./cmd/hoist
# The base image: the test suite's busybox, pushed to the registry.
base=$(push_base "$REG" "$work")

ctx=$work/ctx
make_src "$ctx"
# The base links only a few applets (no mkdir, no seq): call them through busybox.
cat >"$ctx/Dockerfile" <<EOF
FROM $base
RUN busybox mkdir -p /gen && for i in \$(busybox seq 1 200); do echo \$i > /gen/f\$i; done
WORKDIR /app
COPY src/ /app/src/
RUN find /app/src -type f | wc -l > /app/count
ENTRYPOINT ["cat", "/app/count"]
EOF
echo "context: $(find "$ctx/src" -type f | wc -l) files, $(du -sh "$ctx/src" | cut -f1), $RUNS runs per scenario, load $(cut -d' ' -f1-3 /proc/loadavg)"


n=0
# timed: tool, command...: run the command under /usr/bin/time, appending
# "wall rss" to $work/times-TOOL; its output is kept in $work/out and logs/.
timed() {
	local tool=$1
	shift
	n=$((n + 1))
	if /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>&1; then
		cat "$work/time" >>"$work/times-$tool"
		cp "$work/out" "$work/logs/$n-$tool.log"
		return
	fi
	cp "$work/out" "$work/logs/$n-$tool-failed.log"
	echo "--- $tool failed (run $n): $*" >&2
	tail -20 "$work/out" >&2
	exit 1
}
declare -A med
report() { # scenario, tool
	local t=$work/times-$2
	med[$2]=$(cut -d' ' -f1 "$t" | median)
	printf '%-40s %-9s median %6.2f s  %7d KB  runs: %s\n' "$1" "$2" \
		"${med[$2]}" "$(cut -d' ' -f2 "$t" | median)" "$(cut -d' ' -f1 "$t" | paste -sd' ')"
	rm -f "$t"
}
reports() { # scenario
	report "$1" buildkit
	report "$1" hoist
	printf '%-40s hoist/BuildKit %.2f; buildkitd VmHWM so far %s\n' "" \
		"$(awk -v h="${med[hoist]}" -v b="${med[buildkit]}" 'BEGIN {print h / b}')" \
		"$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$bkd_pid/status")"
}

bk_build() { # tag, extra buildctl args...
	local tag=$1
	shift
	timed buildkit "$BK/buildctl" --addr "$sock" build --progress plain --frontend dockerfile.v0 \
		--local context="$ctx" --local dockerfile="$ctx" \
		--output "type=image,name=$tag,push=true,registry.insecure=true" "$@"
}
h_build() { # HOIST_HOME, tag, extra hoist args...
	local home=$1 tag=$2
	shift 2
	timed hoist env HOIST_HOME="$home" "$hoist" build --progress quiet -t "$tag" --push \
		--metadata-file "$work/meta.json" "$@" "$ctx"
	cp "$work/meta.json" "$work/logs/$n-hoist.meta.json"
}
# The cache outcome of the last run: hoist's hits/misses, buildctl's CACHED steps.
h_cache() { sed -nE 's/.*"hoist\.cache\.(hits|misses)": *([0-9]+).*/\1=\2/p' "$work/meta.json" | paste -sd' '; }
bk_cache() { echo "CACHED steps: $(grep -c ' CACHED$' "$work/out" || true): $(grep -B1 ' CACHED$' "$work/out" | grep -oE '\[[0-9]/[0-9]\] [A-Z]+' | paste -sd, || true)"; }
prune() { bctl prune --all >/dev/null; }

id=$RANDOM
bk=$REG/bench/bk-$id
h=$REG/bench/h-$id

# a) cold: empty local state every run, a new repository every run.
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
	bk_cold "$i"
	h_cold "$i"
	echo "  a) run $i: hoist $(h_cache)" >&2
done
reports "a) cold build + push + cache export max"
warm=$work/h-home # the last cold run's store

# b) fresh local state, registry cache import; pushes to the last cold run's
# repository.
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
	bk_cached "$i"
	echo "  b) run $i: buildkit $(bk_cache)" >&2
	h_cached "$i"
	echo "  b) run $i: hoist $(h_cache)" >&2
done
reports "b) fresh state, registry cache import"

# c) warm local cache, nothing changed. One unmeasured build each first, so
# that BuildKit's local cache holds the result (b pruned it).
bk_build "$bk-$RUNS:warm"
h_build "$warm" "$h-$RUNS:warm"
rm -f "$work/times-buildkit" "$work/times-hoist"
for i in $(seq "$RUNS"); do
	bk_build "$bk-$RUNS:c$i"
	echo "  c) run $i: buildkit $(bk_cache)" >&2
	h_build "$warm" "$h-$RUNS:c$i"
	echo "  c) run $i: hoist $(h_cache)" >&2
done
reports "c) warm local cache, no change"

# d) one source file changed (new content each run), warm local caches.
for i in $(seq "$RUNS"); do
	head -c 27000 /dev/urandom >"$ctx/src/d00/f00.bin"
	bk_build "$bk-$RUNS:d$i"
	echo "  d) run $i: buildkit $(bk_cache)" >&2
	h_build "$warm" "$h-$RUNS:d$i"
	echo "  d) run $i: hoist $(h_cache)" >&2
done
reports "d) one file changed, warm cache"

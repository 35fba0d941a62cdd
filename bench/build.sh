#!/usr/bin/env bash
# Builder benchmark (issue 5): busybox base + COPY src/ /app/src/ of 2,000
# files (~54 MB of random content) + CMD, against the registry on
# 127.0.0.1:5000 (start it as .ci/run does). Prints one line per scenario.
#
#   bench/build.sh            all scenarios
#   BIG=1 bench/build.sh      also the 1 GB context (peak RSS)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

REG=${REG:-127.0.0.1:5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/hoist" ./cmd/hoist
# The base image: the test suite's busybox, pushed to the registry.
base=$(push_base "$REG" "$work")

ctx=$work/ctx
make_src "$ctx"
printf 'FROM %s\nCOPY src/ /app/src/\nCMD ["ls", "/app/src"]\n' "$base" >"$ctx/Dockerfile"
echo "context: $(find "$ctx/src" -type f | wc -l) files, $(du -sh "$ctx/src" | cut -f1)"

run() { # name, HOIST_HOME, args...
	local name=$1 home=$2
	shift 2
	/usr/bin/time -f '%e s %M KB' -o "$work/time" env HOIST_HOME="$home" "$work/hoist" build --progress quiet \
		--metadata-file "$work/meta.json" "$@" "$ctx" >/dev/null
	printf '%-44s %s  hits=%s misses=%s pushed=%s downloaded=%s\n' "$name" "$(cat "$work/time")" \
		"$(jq '."hoist.cache.hits"' "$work/meta.json")" "$(jq '."hoist.cache.misses"' "$work/meta.json")" \
		"$(jq '."hoist.bytes.pushed"' "$work/meta.json")" "$(jq '."hoist.bytes.downloaded"' "$work/meta.json")"
}

tag=$REG/bench/app:$RANDOM
cache=$REG/bench/app:cache-$RANDOM
run "cold build + push + cache export" "$work/home1" -t "$tag" --push --cache-to "type=registry,ref=$cache,mode=max"
run "fully cached rebuild, fresh store" "$work/home2" -t "$tag" --push --cache-from "type=registry,ref=$cache"
run "fully cached rebuild, warm store" "$work/home1" -t "$tag" --push
head -c 27000 /dev/urandom >"$ctx/src/d00/f00.bin"
run "one file changed, warm store" "$work/home1" -t "$tag" --push

if [ "${BIG:-}" = 1 ]; then
	rm -rf "$ctx/src"
	mkdir -p "$ctx/src"
	for d in $(seq -w 0 99); do
		mkdir -p "$ctx/src/d$d"
		for f in $(seq -w 0 9); do
			head -c 1000000 /dev/urandom >"$ctx/src/d$d/f$f.bin"
		done
	done
	echo "big context: $(du -sh "$ctx/src" | cut -f1)"
	run "1 GB context, cold, local store" "$work/home3"
fi

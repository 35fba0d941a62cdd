# shellcheck shell=bash
# Shared pieces of the builder benchmarks (sourced by build.sh, buildkit.sh
# and run-scenario.sh, from the repository root).

# push_base REGISTRY WORKDIR: pushes the test suite's busybox image to the
# registry and prints its reference.
push_base() {
	go test -c -o "$2/imagetest.test" ./internal/imagetest >/dev/null
	HOIST_TEST_REGISTRY=$1 "$2/imagetest.test" -test.run TestBusyboxPushes >/dev/null
	echo "$1/imagetest/busybox:1"
}

# make_src DIR: the build context source, 2,000 files of 27,000
# random bytes in 50 directories (about 54 MB), under DIR/src.
make_src() {
	local d f
	mkdir -p "$1/src"
	for d in $(seq -w 0 49); do
		mkdir -p "$1/src/d$d"
		for f in $(seq -w 0 39); do
			head -c 27000 /dev/urandom >"$1/src/d$d/f$f.bin"
		done
	done
}

# median: the median of the numbers on standard input, one per line.
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

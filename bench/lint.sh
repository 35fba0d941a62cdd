#!/usr/bin/env bash
# Lint the shared corpus with hoist and, when installed, its peers, side by
# side with hyperfine. Usage: bench/lint.sh [CORPUS_DIR]
#   peers: hadolint (on PATH), dockerfilelint (npm install -g dockerfilelint)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/dockerfiles}
bin=$(mktemp -d)/hoist
go build -trimpath -o "$bin" ./cmd/hoist
mapfile -t files < <(find "$corpus" -type f | sort)
echo "corpus: ${#files[@]} files in $corpus"

cmds=("$bin lint --no-fail $corpus")
names=(hoist)
if command -v hadolint >/dev/null; then
	cmds+=("hadolint --no-fail ${files[*]}")
	names+=(hadolint)
fi
if command -v dockerfilelint >/dev/null; then
	# Batch mode: all files in one process (it exits non-zero on findings).
	cmds+=("dockerfilelint -j ${files[*]}")
	names+=(dockerfilelint)
fi
args=()
for i in "${!cmds[@]}"; do
	args+=(-n "${names[$i]}" "${cmds[$i]}")
done
hyperfine --warmup 2 --runs 10 --ignore-failure "${args[@]}"

echo
echo "per-file cost (go test -bench):"
go test ./lint/rules -run '^$' -bench 'BenchmarkLintCorpus$' -benchtime 20x | grep Benchmark

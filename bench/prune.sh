#!/usr/bin/env bash
# Benchmark `hoist prune` (issue 8, speed section) against a local
# distribution registry with deletes enabled:
#   1. plan time on a 5,000-tag repository (median of 3, per --jobs),
#   2. apply rate (deleted manifests / wall second) with --apply --jobs 16,
#   3. the peer: a shell loop of `crane ls` + `crane digest` + `crane delete`.
# The repository is regenerated before each destructive run.
#
# Environment: HOIST (hoist binary; built from this checkout if unset),
# CRANE (crane binary; `go install .../crane@v0.22.1` if unset),
# PORT (registry port, default 5003), IMAGES (distinct manifests, default
# 1000; 5 tags each), JOBS_LIST (default "8 16 32"), REGISTRY (the registry
# binary: default the distribution registry v3 built into $work, as .ci/run
# does; REGISTRY=docker-registry for Debian's 2.8), PHASES (default
# "plan apply ceiling peer"), APPLY_JOBS (--jobs of the apply runs, default 16).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-5003}
images=${IMAGES:-1000}
jobs_list=${JOBS_LIST:-"8 16 32"}
apply_jobs=${APPLY_JOBS:-16}
phases=${PHASES:-"plan apply ceiling peer"}
work=$(mktemp -d /tmp/hoist-prune-bench.XXXXXX)
host=127.0.0.1:$port
reg_pid=""

cleanup() {
	if [[ -n $reg_pid ]]; then
		kill "$reg_pid" 2>/dev/null || true
		wait "$reg_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

hoist=${HOIST:-}
if [[ -z $hoist ]]; then
	hoist=$work/hoist
	(cd "$here" && go build -o "$hoist" ./cmd/hoist)
fi
crane=${CRANE:-}
if [[ -z $crane ]]; then
	GOBIN=$work/bin go install github.com/google/go-containerregistry/cmd/crane@v0.22.1
	crane=$work/bin/crane
fi

registry=${REGISTRY:-}
if [[ -z $registry ]]; then
	GOBIN=$work/bin go install github.com/distribution/distribution/v3/cmd/registry@v3.1.2
	registry=$work/bin/registry
fi

# --- the registry --------------------------------------------------------
sed -e "s|rootdirectory: .*|rootdirectory: $work/registry|" \
	-e "s|addr: .*|addr: $host|" "$here/.ci/registry.yml" >"$work/registry.yml"
"$registry" serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 50); do
	curl -fsS "http://$host/v2/" >/dev/null 2>&1 && break
	sleep 0.1
done

# --- the generator -------------------------------------------------------
mkdir -p "$work/gen"
cat >"$work/gen/main.go" <<'EOF'
// Command prunegen pushes N distinct small images under 5 tags each:
// every 20th is a release (semver tags), even ones are CI builds (sha-*),
// odd ones are pull-request builds (pr-*); config `created` is spread
// over the last 60 days.
package main

import (
	"crypto/sha1"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func main() {
	repo := flag.String("repo", "", "repository")
	n := flag.Int("n", 1000, "distinct images")
	jobs := flag.Int("jobs", 32, "concurrent pushes")
	seed := flag.Int64("seed", 1, "seed of the ages")
	flag.Parse()
	r, err := name.NewRepository(*repo, name.Insecure)
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewSource(*seed))
	now := time.Now()
	ages := make([]time.Duration, *n)
	for i := range ages {
		ages[i] = 2*time.Hour + time.Duration(rng.Int63n(int64(60*24*time.Hour)))
	}
	sem := make(chan struct{}, *jobs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for i := 0; i < *n; i++ {
		i := i
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := push(r, i, now.Add(-ages[i])); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		log.Fatal(firstErr)
	}
}

func tags(i int) []string {
	h := sha1.Sum([]byte(fmt.Sprint(i)))
	x := hex.EncodeToString(h[:])
	switch {
	case i%20 == 0:
		k := i / 20
		return []string{fmt.Sprintf("1.%d.0", k), fmt.Sprintf("v1.%d.0", k), fmt.Sprintf("1.%d.0-r1", k), fmt.Sprintf("1.%d.0-r2", k), fmt.Sprintf("1.%d.0-r3", k)}
	case i%2 == 0:
		return []string{"sha-" + x[:7], "sha-" + x[:8], "sha-" + x[:10], "sha-" + x[:12], "sha-" + x}
	default:
		return []string{fmt.Sprintf("pr-%d", i), fmt.Sprintf("pr-%d-1", i), fmt.Sprintf("pr-%d-2", i), fmt.Sprintf("pr-%d-3", i), fmt.Sprintf("pr-%d-4", i)}
	}
}

func push(r name.Repository, i int, created time.Time) error {
	img, err := random.Image(128, 1)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: created}
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return err
	}
	ts := tags(i)
	if err := remote.Write(r.Tag(ts[0]), img); err != nil {
		return err
	}
	for _, t := range ts[1:] {
		if err := remote.Tag(r.Tag(t), img); err != nil {
			return err
		}
	}
	return nil
}
EOF
cat >"$work/gen/go.mod" <<'EOF'
module prunegen

go 1.22

require github.com/google/go-containerregistry v0.22.1
EOF
(cd "$work/gen" && go mod tidy >/dev/null 2>&1 && go build -o "$work/prunegen" .)

# The registry's ceiling: the DELETEs alone, 16 at a time over kept-alive
# connections, no checks (what a prune without safety would cost).
mkdir -p "$work/del"
cat >"$work/del/main.go" <<'EOF'
// Command prunedel sends DELETE to every URL of its files, in order of the
// files (all of one before the next), -jobs at a time.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"
)

func main() {
	jobs := flag.Int("jobs", 16, "concurrent requests")
	flag.Parse()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *jobs}}
	failed := 0
	for _, file := range flag.Args() {
		f, err := os.Open(file)
		if err != nil {
			log.Fatal(err)
		}
		urls := make(chan string)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < *jobs; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for u := range urls {
					req, _ := http.NewRequest(http.MethodDelete, u, nil)
					resp, err := c.Do(req)
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					if err != nil || resp.StatusCode != http.StatusAccepted {
						mu.Lock()
						failed++
						mu.Unlock()
					}
				}
			}()
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			urls <- sc.Text()
		}
		close(urls)
		wg.Wait()
		f.Close()
	}
	fmt.Println(failed)
}
EOF
printf 'module prunedel\n\ngo 1.22\n' >"$work/del/go.mod"
(cd "$work/del" && go build -o "$work/prunedel" .)

cat >"$work/policy.hcl" <<'EOF'
protect "releases" {
  match = semver_valid(image.tag)
}
prune "pull-requests" {
  match      = startswith(image.tag, "pr-")
  older_than = "7d"
}
prune "ci-builds" {
  match       = startswith(image.tag, "sha-")
  keep_latest = 50
}
policy {
  min_age       = "1h"
  max_deletions = 10000
}
EOF

run=0
repo=""
generate() { # generate: push a fresh repository, named in $repo
	run=$((run + 1))
	repo=$host/bench/prune-$run
	"$work/prunegen" -repo "$repo" -n "$images"
}

wall() { # wall OUT CMD... -> seconds of wall time on stdout, output in OUT
	local out=$1
	shift
	/usr/bin/time -f %e -o "$work/time" "$@" >"$out"
	cat "$work/time"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

t0=$(date +%s.%N)
generate
t1=$(date +%s.%N)
ntags=$("$crane" ls --insecure "$repo" | wc -l)
printf 'generated %s: %d tags, %d manifests in %.1fs\n' "$repo" "$ntags" "$images" "$(echo "$t1 - $t0" | bc)"

echo "registry: $("$registry" --version)"
has() { [[ " $phases " == *" $1 "* ]]; }

if has plan; then
echo "== plan (median of 3, target <= 10s)"
for j in $jobs_list; do
	ts=()
	for _ in 1 2 3; do
		ts+=("$(wall "$work/plan.json" "$hoist" prune "$repo" --policy "$work/policy.hcl" --format json --jobs "$j")")
	done
	dels=$(jq '[.[0].decisions[] | select(.decision == "delete") | .digest] | unique | length' "$work/plan.json")
	printf 'plan --jobs %-3s %ss  (runs: %s; %s manifests to delete)\n' "$j" "$(printf '%s\n' "${ts[@]}" | median)" "${ts[*]}" "$dels"
done
fi

if has apply; then
echo "== apply --jobs $apply_jobs (target >= 100 deletions/s)"
for _ in 1 2 3; do
	generate
	s=$(wall "$work/apply.json" "$hoist" prune "$repo" --policy "$work/policy.hcl" --format json --apply --jobs "$apply_jobs" --audit-log "$work/audit.jsonl")
	n=$(jq '.[0].deleted | length' "$work/apply.json")
	ap=$(jq '.[0].applyMs / 1000' "$work/apply.json")
	pl=$(jq '.[0].planMs / 1000' "$work/apply.json")
	printf 'apply: %d manifests deleted; the command took %ss (plan %ss, apply %ss) = %s/s applying, %s/s overall (left %d tags)\n' \
		"$n" "$s" "$pl" "$ap" "$(echo "scale=1; $n / $ap" | bc)" "$(echo "scale=1; $n / $s" | bc)" "$("$crane" ls --insecure "$repo" | wc -l)"
done
fi

if has ceiling; then
echo "== the registry's ceiling: the same DELETEs (tags, then digests), 16 at a time, no checks"
generate
"$hoist" prune "$repo" --policy "$work/policy.hcl" --format json >"$work/plan.json"
jq -r '.[0].decisions[] | select(.decision == "delete") | .tag | select(. != "")' "$work/plan.json" |
	sed "s|^|http://$host/v2/${repo#*/}/manifests/|" >"$work/tag-urls"
jq -r '[.[0].decisions[] | select(.decision == "delete") | .digest] | unique | .[]' "$work/plan.json" |
	sed "s|^|http://$host/v2/${repo#*/}/manifests/|" >"$work/digest-urls"
t0=$(date +%s.%N)
failed=$("$work/prunedel" -jobs 16 "$work/tag-urls" "$work/digest-urls")
t1=$(date +%s.%N)
n=$(wc -l <"$work/digest-urls")
printf 'bare DELETEs: %d tags then %d manifests (%d failed) in %.2fs = %.1f manifests/s\n' "$(wc -l <"$work/tag-urls")" "$n" "$failed" "$(echo "$t1 - $t0" | bc)" "$(echo "$n / ($t1 - $t0)" | bc -l)"
fi

if has peer; then
echo "== peer: crane ls + crane digest + crane delete loop"
generate
cat >"$work/crane-loop.sh" <<'EOF'
#!/usr/bin/env bash
# What users script: list, match on tag names only, delete by digest.
set -uo pipefail
crane=$1 repo=$2
n=0
for tag in $("$crane" ls --insecure "$repo" | awk '/^pr-/ {print; next} /^sha-/ {s[++k] = $0} END {for (i = 51; i <= k; i++) print s[i]}'); do
	d=$("$crane" digest --insecure "$repo:$tag" 2>/dev/null) || continue
	"$crane" delete --insecure "$repo@$d" 2>/dev/null && n=$((n + 1))
done
echo "$n"
EOF
s=$(wall "$work/crane.out" bash "$work/crane-loop.sh" "$crane" "$repo")
n=$(cat "$work/crane.out")
printf 'crane loop: %d manifests deleted in %ss = %s/s\n' "$n" "$s" "$(echo "scale=1; $n / $s" | bc)"
fi

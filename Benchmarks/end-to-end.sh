#!/usr/bin/env bash
# End-to-end timing of `drs plan` (parse, validate, solve, waves, check, print) on a generated
# snapshot of 100,000 VMs on 10,000 hosts, 4 resources, 5% of VMs in rules. Medians of RUNS
# runs per solver, one process each (one core: drs plans on one thread).
# Usage: Benchmarks/end-to-end.sh [RUNS]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
swift build -c release --product drs >&2
DRS=.build/release/drs
SNAPSHOT=$(mktemp -d)/e2e-100k.json
$DRS generate --class rebalance --hosts 10000 --vms 100000 --resources 4 --rules-fraction 0.05 --seed 1 --output "$SNAPSHOT"
echo "snapshot: $SNAPSHOT ($(wc -c < "$SNAPSHOT") bytes): drs generate --class rebalance --hosts 10000 --vms 100000 --resources 4 --rules-fraction 0.05 --seed 1"
echo "git revision: $(git rev-parse --short HEAD); machine: $(uname -srm), $(nproc) cores"
for solver in auto ffd-l2 local-search greedy; do
  times=()
  for _ in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    $DRS plan "$SNAPSHOT" --solver "$solver" > /tmp/e2e-plan.json
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  $DRS check "$SNAPSHOT" /tmp/e2e-plan.json > /dev/null
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2==1) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
  peak=$( { /usr/bin/time -f "%M" $DRS plan "$SNAPSHOT" --solver "$solver" > /dev/null; } 2>&1 | tail -1 )
  echo "$solver: median ${median} s over $RUNS runs (all: ${times[*]}); peak RSS $((peak / 1024)) MiB; plan accepted by drs check"
done

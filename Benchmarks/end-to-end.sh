#!/usr/bin/env bash
# End-to-end timing of `drs plan` (parse, validate, solve, waves, check, print) on a generated
# snapshot of 100,000 VMs on 10,000 hosts, 4 resources, 5% of VMs in rules. Medians of RUNS
# runs per solver, one process each (one thread unless the row says --threads 2). Also the median
# of the solver's own seconds (the plan's "seconds": solve only, without read, waves, check, print).
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
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2==1) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for row in "auto" "auto --threads 2" "ffd-l2" "local-search" "local-search --threads 2" "greedy"; do
  read -r -a arguments <<< "--solver $row"
  times=()
  solves=()
  for _ in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    $DRS plan "$SNAPSHOT" "${arguments[@]}" > /tmp/e2e-plan.json
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
    solves+=("$(grep -m1 '^  "seconds"' /tmp/e2e-plan.json | tr -dc '0-9.')")
  done
  $DRS check "$SNAPSHOT" /tmp/e2e-plan.json > /dev/null
  peak=$( { /usr/bin/time -f "%M" $DRS plan "$SNAPSHOT" "${arguments[@]}" > /dev/null; } 2>&1 | tail -1 )
  echo "$row: median $(median "${times[@]}") s over $RUNS runs (all: ${times[*]}); solve median $(median "${solves[@]}") s; peak RSS $((peak / 1024)) MiB; plan accepted by drs check"
done

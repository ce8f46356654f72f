#!/usr/bin/env bash
# Local search with --threads 1 and --threads 2 side by side (alternating runs) on a snapshot
# where steepest descent does most of the work: a generated running cluster of 2,000 hosts and
# 20,000 VMs whose migrations are made nearly free (bandwidth 10^6 MiB/s, threshold 5), so many
# balancing moves pay and every step evaluates tens of VMs x 2,000 hosts. Prints the medians of
# the solver's own seconds (the plan's "seconds") and of the process's wall and CPU seconds, and
# checks that both plans are the same apart from "seconds".
# Usage: Benchmarks/local-search-threads.sh [RUNS]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
swift build -c release --product drs >&2
DRS=.build/release/drs
FOLDER=$(mktemp -d)
$DRS generate --class rebalance --hosts 2000 --vms 20000 --resources 4 --rules-fraction 0.05 --seed 1 --output "$FOLDER/base.json"
jq '.cluster.migration.bandwidth = 1000000 | .cluster.migrationThreshold = 5' "$FOLDER/base.json" > "$FOLDER/cheap-moves.json"
echo "snapshot: drs generate --class rebalance --hosts 2000 --vms 20000 --resources 4 --rules-fraction 0.05 --seed 1, then cluster.migration.bandwidth = 1000000, migrationThreshold = 5"
echo "git revision: $(git rev-parse --short HEAD); machine: $(uname -srm), $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2==1) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
declare -A solve wall cpu
for _ in $(seq "$RUNS"); do
  for threads in 1 2; do
    /usr/bin/time -f "%e %U %S" -o "$FOLDER/time.txt" $DRS plan "$FOLDER/cheap-moves.json" --solver local-search --threads "$threads" > "$FOLDER/plan-$threads.json"
    solve[$threads]+="$(grep -m1 '^  "seconds"' "$FOLDER/plan-$threads.json" | tr -dc '0-9.') "
    wall[$threads]+="$(awk '{print $1}' "$FOLDER/time.txt") "
    cpu[$threads]+="$(awk '{printf "%.2f", $2 + $3}' "$FOLDER/time.txt") "
  done
done
cmp <(jq -S 'del(.seconds)' "$FOLDER/plan-1.json") <(jq -S 'del(.seconds)' "$FOLDER/plan-2.json")
$DRS check "$FOLDER/cheap-moves.json" "$FOLDER/plan-2.json" > /dev/null
echo "migrations in the plan: $(jq '.objective.migrations' "$FOLDER/plan-1.json")"
for threads in 1 2; do
  # shellcheck disable=SC2086
  echo "--threads $threads: solve median $(median ${solve[$threads]}) s, wall median $(median ${wall[$threads]}) s, CPU median $(median ${cpu[$threads]}) s over $RUNS runs (solve: ${solve[$threads]})"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); both plans equal apart from seconds and accepted by drs check"

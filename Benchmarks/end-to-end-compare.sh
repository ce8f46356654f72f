#!/usr/bin/env bash
# Side-by-side end-to-end timing of two drs binaries on the snapshot of end-to-end.sh (100,000
# VMs on 10,000 hosts): for each row, RUNS runs of each binary, alternating, so both see the same
# machine load. Prints per binary the median wall seconds and the median CPU seconds (user +
# system, which a busy machine inflates less than wall time), and the ratios after / before.
# Rows with --threads are run by the second binary only, next to its one-thread runs.
# Usage: Benchmarks/end-to-end-compare.sh BEFORE_DRS [RUNS]   (from the repository root; the
# second binary is this tree's .build/release/drs, built first)
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=$1
RUNS=${2:-5}
swift build -c release --product drs >&2
AFTER=.build/release/drs
SNAPSHOT=$(mktemp -d)/e2e-100k.json
$AFTER generate --class rebalance --hosts 10000 --vms 100000 --resources 4 --rules-fraction 0.05 --seed 1 --output "$SNAPSHOT"
echo "snapshot: drs generate --class rebalance --hosts 10000 --vms 100000 --resources 4 --rules-fraction 0.05 --seed 1"
echo "after: $AFTER at git revision $(git rev-parse --short HEAD); before: $BEFORE; machine: $(uname -srm), $(nproc) cores"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2==1) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# One run: prints "wall cpu solve" in seconds (solve: the plan's own "seconds", the solver alone).
run() {
  local drs=$1; shift
  /usr/bin/time -f "%e %U %S" -o /tmp/e2e-time.txt "$drs" plan "$SNAPSHOT" "$@" > /tmp/e2e-plan.json
  "$drs" check "$SNAPSHOT" /tmp/e2e-plan.json > /dev/null
  awk -v solve="$(grep -m1 '^  "seconds"' /tmp/e2e-plan.json | tr -dc '0-9.')" '{printf "%s %.2f %s\n", $1, $2 + $3, solve}' /tmp/e2e-time.txt
}
for solver in auto local-search ffd-l2; do
  beforeWall=(); beforeCPU=(); afterWall=(); afterCPU=(); threadsWall=(); threadsCPU=(); oneSolve=(); twoSolve=()
  for _ in $(seq "$RUNS"); do
    read -r wall cpu _ < <(run "$BEFORE" --solver "$solver"); beforeWall+=("$wall"); beforeCPU+=("$cpu")
    read -r wall cpu solve < <(run "$AFTER" --solver "$solver"); afterWall+=("$wall"); afterCPU+=("$cpu"); oneSolve+=("$solve")
    if [ "$solver" != ffd-l2 ]; then
      read -r wall cpu solve < <(run "$AFTER" --solver "$solver" --threads 2); threadsWall+=("$wall"); threadsCPU+=("$cpu"); twoSolve+=("$solve")
    fi
  done
  bw=$(median "${beforeWall[@]}"); bc=$(median "${beforeCPU[@]}"); aw=$(median "${afterWall[@]}"); ac=$(median "${afterCPU[@]}")
  echo "$solver: before wall ${bw} s, CPU ${bc} s | after wall ${aw} s, CPU ${ac} s | after/before wall $(echo "scale=3; $aw / $bw" | bc), CPU $(echo "scale=3; $ac / $bc" | bc)"
  echo "  all wall before: ${beforeWall[*]}; after: ${afterWall[*]}"
  if [ "$solver" != ffd-l2 ]; then
    echo "  after --threads 2: wall $(median "${threadsWall[@]}") s, CPU $(median "${threadsCPU[@]}") s (all wall: ${threadsWall[*]})"
    echo "  solve only (plan's seconds), after: 1 thread $(median "${oneSolve[@]}") s, 2 threads $(median "${twoSolve[@]}") s"
  fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); every plan accepted by drs check"

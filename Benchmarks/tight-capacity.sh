#!/usr/bin/env bash
# Tight capacity: planted perfect fills (`drs generate --class known-optimum --spare S`), where
# each of K identical hosts can be filled exactly by its share of the VMs (10 VMs per host,
# 2 resources, goal consolidate, every VM new) and S x K further hosts are spare. The optimum is
# K active hosts. For 10^4 and 10^5 VMs and 2%, 5% and 10% spare hosts, every solver plans the
# snapshot once (one process, one thread, --time-limit TIME_LIMIT); the table gives the VMs left
# unplaced, the active hosts above K, the solver's own seconds (the plan's "seconds": solve and
# plan building, without reading, checking and printing) and the whole `drs plan` wall time.
# Every plan is replayed by `drs check`.
# Usage: Benchmarks/tight-capacity.sh [TIME_LIMIT]   (from the repository root; default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
TIME_LIMIT=${1:-10}
swift build -c release --product drs >&2
DRS=.build/release/drs
WORK=$(mktemp -d)
SOLVERS="auto greedy local-search ffd-l2 bin-centric portfolio"
echo "command: Benchmarks/tight-capacity.sh $TIME_LIMIT"
echo "git revision: $(git rev-parse --short HEAD); machine: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
echo
echo "| VMs | filled hosts K | spare | hosts | solver | unplaced | active hosts | excess over K | solver s | drs plan s |"
echo "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
for vms in 10000 100000; do
  filled=$((vms / 10))
  for spare in 0.02 0.05 0.1; do
    hosts=$(python3 -c "print(round($filled * (1 + $spare)))")
    snapshot="$WORK/tight-v$vms-s$spare.json"
    $DRS generate --class known-optimum --hosts "$hosts" --vms "$vms" --spare "$spare" --goal consolidate --seed 1 --output "$snapshot"
    for solver in $SOLVERS; do
      start=$(date +%s.%N)
      $DRS plan "$snapshot" --solver "$solver" --time-limit "$TIME_LIMIT" --format json > "$WORK/plan.json"
      end=$(date +%s.%N)
      $DRS check "$snapshot" "$WORK/plan.json" > /dev/null
      python3 - "$WORK/plan.json" "$vms" "$filled" "$spare" "$hosts" "$solver" "$(echo "$end - $start" | bc)" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
vms, filled, spare, hosts, solver, wall = sys.argv[2:]
o = plan["objective"]
print(f"| {int(vms):,} | {int(filled):,} | {float(spare):.0%} | {int(hosts):,} | {solver} | {o['unplaced']:,} | {o['activeHosts']:,} | "
      f"{o['activeHosts'] - int(filled):,} ({(o['activeHosts'] - int(filled)) / int(filled):.1%}) | {plan['seconds']:.2f} | {float(wall):.2f} |")
PY
    done
  done
done
echo
echo "\`auto\` at 10^5 VMs, five runs per snapshot: median solver seconds (min-max)."
echo
echo "| spare | solver s median | min | max | active hosts |"
echo "| --- | ---: | ---: | ---: | ---: |"
for spare in 0.02 0.05 0.1; do
  snapshot="$WORK/tight-v100000-s$spare.json"
  times=""
  for run in 1 2 3 4 5; do
    $DRS plan "$snapshot" --solver auto --time-limit "$TIME_LIMIT" --format json > "$WORK/plan.json"
    times="$times $(python3 -c "import json; print(json.load(open('$WORK/plan.json'))['seconds'])")"
  done
  python3 - "$spare" "$WORK/plan.json" $times <<'PY'
import json, statistics, sys
spare, plan, times = sys.argv[1], json.load(open(sys.argv[2])), [float(t) for t in sys.argv[3:]]
print(f"| {float(spare):.0%} | {statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f} | {plan['objective']['activeHosts']:,} |")
PY
done
echo
echo "Time limit honoured: the 10^5-VM, 5% spare snapshot with --time-limit 3 (wall: the whole \`drs plan\`; the rest is reading, checking and printing)."
echo
echo "| solver | unplaced | active hosts | termination | solver s | drs plan s | wall - solver s |"
echo "| --- | ---: | ---: | --- | ---: | ---: | ---: |"
for solver in $SOLVERS; do
  snapshot="$WORK/tight-v100000-s0.05.json"
  start=$(date +%s.%N)
  $DRS plan "$snapshot" --solver "$solver" --time-limit 3 --format json > "$WORK/plan.json"
  end=$(date +%s.%N)
  python3 - "$WORK/plan.json" "$solver" "$(echo "$end - $start" | bc)" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
o = plan["objective"]
wall = float(sys.argv[3])
print(f"| {sys.argv[2]} | {o['unplaced']:,} | {o['activeHosts']:,} | {plan.get('termination', '-')} | {plan['seconds']:.2f} | {wall:.2f} | {wall - plan['seconds']:.2f} |")
PY
done
# Where the time beside the solver goes: reading and validating the snapshot alone, and an
# outside `drs check` of the last plan (which reads both files and replays the plan); `drs plan`
# reads once and checks the plan it prints, and writes it.
snapshot="$WORK/tight-v100000-s0.05.json"
start=$(date +%s.%N); $DRS validate "$snapshot" > /dev/null; end=$(date +%s.%N)
validate=$(echo "$end - $start" | bc)
start=$(date +%s.%N); $DRS check "$snapshot" "$WORK/plan.json" > /dev/null; end=$(date +%s.%N)
check=$(echo "$end - $start" | bc)
echo
printf 'Beside the solver, on the same snapshot: `drs validate` %.2f s (read and validate), `drs check` of the last plan %.2f s (read both files, replay every step).\n' "$validate" "$check"
rm -rf "$WORK"

#!/usr/bin/env bash
# Isolation and partitions at 10^5 VMs: `drs plan` on `drs generate --class rebalance --hosts
# 10000 --vms 100000 --seed 1` as generated (base: HA on, one host failure tolerated), and with
# the new fields: 1% of the hosts isolated under leaveOn (leaveOn), the same under powerOff
# with the cluster cut into two partitions of 5,000 hosts (powerOff+partitions), and with every
# host a partition of its own (powerOff+10000-partitions, a hostile magnitude). Per variant and
# solver: the median over RUNS of total CPU seconds (user + system), peak RSS, the solve, build
# and check stages (DRS_STAGE_TIMES=1), and the plan's restarts and unplaced VMs; each plan is
# checked by `drs check`. Writes a Markdown table to standard output.
#
# Usage: Benchmarks/scale/isolation.sh > results/isolation-scale.md   (needs a release build)
# Environment: DRS (default .build/release/drs), WORK (default /tmp/drs-isolation), SOLVERS
# ("auto ffd-l2"), RUNS (3). Every process runs under nice, one at a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
DRS=${DRS:-.build/release/drs}
WORK=${WORK:-/tmp/drs-isolation}
SOLVERS=${SOLVERS:-"auto ffd-l2"}
RUNS=${RUNS:-3}
mkdir -p "$WORK"
base="$WORK/base.json"
[ -s "$base" ] || nice "$DRS" generate --class rebalance --hosts 10000 --vms 100000 --seed 1 --output "$base" > /dev/null
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
s = json.load(open(f"{work}/base.json"))
hosts = [h["id"] for h in s["hosts"]]
def write(name, snapshot):
    json.dump(snapshot, open(f"{work}/{name}.json", "w"))
# The generated cluster has HA on (one host failure tolerated, master hosts[0]).
isolated = set(hosts[1::100])  # 1% of the hosts, never the master
for h in s["hosts"]:
    if h["id"] in isolated: h["state"] = "isolated"
s["cluster"]["ha"]["isolationResponse"] = "leaveOn"
write("leaveOn", s)
s["cluster"]["ha"]["isolationResponse"] = "powerOff"
half = [h for h in hosts[: len(hosts) // 2] if h not in isolated]
s["cluster"]["ha"]["partitions"] = [half]
write("powerOff+partitions", s)
# Hostile: every host a partition of its own (10,000 lists): only the master's host restarts.
s["cluster"]["ha"]["partitions"] = [[h] for h in hosts]
write("powerOff+10000-partitions", s)
PY
echo "| variant | solver | MB | total CPU s | peak RSS MiB | solve s | build s | check s | restarts | unplaced | drs check |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for variant in base leaveOn powerOff+partitions powerOff+10000-partitions; do
  snapshot="$WORK/$variant.json"
  mb=$(python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1]) / 1e6:.1f}')" "$snapshot")
  for solver in $SOLVERS; do
    rows=()
    for run in $(seq "$RUNS"); do
      log="$WORK/$variant-$solver-$run.log"
      DRS_STAGE_TIMES=1 /usr/bin/time -f "time user=%U sys=%S maxrss_kib=%M" \
        nice "$DRS" plan "$snapshot" --solver "$solver" --seed 1 > "$WORK/plan.json" 2> "$log"
      rows+=("$(python3 - "$log" "$WORK/plan.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
m = re.search(r"time user=([\d.]+) sys=([\d.]+) maxrss_kib=(\d+)", text)
stage = lambda name: sum(float(x) for x in re.findall(rf"^stage {name} cpu=([\d.]+)", text, re.M))
plan = json.load(open(sys.argv[2]))
restarts = sum(1 for s in plan["steps"] if s["kind"] == "restart")
print(float(m[1]) + float(m[2]), int(m[3]) / 1024, stage("solve"), stage("build"), stage("check"), restarts, len(plan["unplaced"]))
PY
)")
    done
    nice "$DRS" check "$snapshot" "$WORK/plan.json" > /dev/null 2>&1 && verdict=ok || verdict=refused
    python3 - "$variant" "$solver" "$mb" "$verdict" "${rows[@]}" <<'PY'
import statistics, sys
variant, solver, mb, verdict, *rows = sys.argv[1:]
cols = list(zip(*[[float(x) for x in r.split()] for r in rows]))
med = [statistics.median(c) for c in cols]
print(f"| {variant} | {solver} | {mb} | {med[0]:.2f} | {med[1]:.0f} | {med[2]:.3f} | {med[3]:.3f} | {med[4]:.3f} | {int(med[5])} | {int(med[6])} | {verdict} |")
PY
  done
done

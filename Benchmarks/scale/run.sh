#!/usr/bin/env bash
# The scale benchmark of issue 15: `drs plan` on generated snapshots of 10^3 ... 10^6 VMs (hosts
# = VMs / 10), classes rebalance and catalog, with the CPU seconds of every stage
# (DRS_STAGE_TIMES=1) and the process's peak RSS (/usr/bin/time), next to Python's orjson
# parsing the same files and a C first-fit-decreasing reference (ffd_ref.c) placing the same
# VMs; growth exponents between the two largest sizes. Writes results/scale.md.
#
# Usage: Benchmarks/scale/run.sh   (from anywhere; needs a release build, python3 with orjson, cc)
# Environment: DRS (default .build/release/drs), WORK (snapshots and raw measurements,
# default /tmp/drs-scale; snapshots already there are reused), SIZES ("1000 10000 100000
# 1000000"), CLASSES ("rebalance catalog"), SOLVERS ("auto ffd-l2"), RUNS (runs per point, 3;
# a run at 10^6 VMs takes 10 to 40 s), OUT (results/scale.md).
# Every process runs under nice, one at a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
DRS=${DRS:-.build/release/drs}
WORK=${WORK:-/tmp/drs-scale}
SIZES=${SIZES:-"1000 10000 100000 1000000"}
CLASSES=${CLASSES:-"rebalance catalog"}
SOLVERS=${SOLVERS:-"auto ffd-l2"}
RUNS=${RUNS:-3}
OUT=${OUT:-results/scale.md}
COMMAND="Benchmarks/scale/run.sh (SIZES=\"$SIZES\" CLASSES=\"$CLASSES\" SOLVERS=\"$SOLVERS\" RUNS=$RUNS)"
mkdir -p "$WORK"
rm -f "$WORK"/*.stages
cc -O2 -o "$WORK/ffd_ref" Benchmarks/scale/ffd_ref.c -lm
for class in $CLASSES; do
  for vms in $SIZES; do
    name="$class-$vms"
    snapshot="$WORK/$name.json"
    if [ ! -s "$snapshot" ]; then
      echo "generating $name" >&2
      nice "$DRS" generate --class "$class" --hosts $((vms / 10)) --vms "$vms" --seed 1 --output "$snapshot" > /dev/null
    fi
    nice python3 Benchmarks/scale/extract.py "$snapshot" "$WORK/$name.bin" > "$WORK/$name.orjson"
    nice "$WORK/ffd_ref" "$WORK/$name.bin" > "$WORK/$name.cref"
    for solver in $SOLVERS; do
      for run in $(seq "$RUNS"); do
        echo "$name --solver $solver, run $run" >&2
        log="$WORK/$name-$solver-run$run.stages"
        status=0
        DRS_STAGE_TIMES=1 /usr/bin/time -f "time user=%U sys=%S maxrss_kib=%M" \
          nice "$DRS" plan "$snapshot" --solver "$solver" --seed 1 > "$WORK/plan.json" 2> "$log" || status=$?
        echo "exit=$status" >> "$log"
      done
    done
  done
done
python3 Benchmarks/scale/report.py "$WORK" "$CLASSES" "$SIZES" "$SOLVERS" "$COMMAND" > "$OUT"
echo "wrote $OUT" >&2

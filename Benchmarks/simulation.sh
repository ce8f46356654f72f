#!/usr/bin/env bash
# drs simulate over the five shared PlanetLab days (CloudSim 3.0.3's traces, the published
# Beloglazov & Buyya setup): every policy in POLICIES on every day, two runs at a time (one per
# core). Writes results/simulation/DAY--POLICY.json (the totals drs simulate prints) and
# $RUNS/DAY--POLICY.jsonl (one line per step, for the plots), then results/simulation.md and
# the plots (Benchmarks/simulation-report.py).
# Usage: Benchmarks/simulation.sh [TRACES]   (from the repository root)
#   TRACES: a folder holding the day folders (default /tmp/planetlab, extracted from the shared
#   folder's data/planetlab/planetlab-5days.tar.xz when missing). RUNS defaults to /tmp/drs-simulation.
set -euo pipefail
cd "$(dirname "$0")/.."
TRACES=${1:-/tmp/planetlab}
RUNS=${RUNS:-/tmp/drs-simulation}
DAYS=${DAYS:-"20110303 20110306 20110309 20110322 20110325"}
POLICIES=${POLICIES:-"lr-mmt-1.2 thr-mmt-0.8 drs-consolidate drs-balance drs-best"}
ARCHIVE=${ARCHIVE:-../shared/data/planetlab/planetlab-5days.tar.xz}
if [ ! -d "$TRACES/20110303" ]; then
  mkdir -p "$TRACES"
  tar -xJf "$ARCHIVE" -C "$TRACES"
fi
swift build -c release --product drs >&2
DRS=.build/release/drs
mkdir -p results/simulation "$RUNS"
jobs=()
for day in $DAYS; do
  for policy in $POLICIES; do
    name="$day--$(echo "$policy" | tr ':,=' '_._')"
    jobs+=("$day $policy $name")
  done
done
start=$(date +%s)
printf '%s\n' "${jobs[@]}" | xargs -P 2 -L 1 sh -c \
  "$DRS simulate --setup beloglazov2012 --trace $TRACES/\$0 --policy \$1 --no-progress --output $RUNS/\$2.jsonl > results/simulation/\$2.json"
{
  echo "command: Benchmarks/simulation.sh (POLICIES=\"$POLICIES\")"
  echo "git revision: $(git rev-parse --short HEAD); machine: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); two runs at a time"
  echo "${#jobs[@]} runs in $(( $(date +%s) - start )) s of wall time (load average before the report: $(cut -d' ' -f1-3 /proc/loadavg))"
} > results/simulation/run.txt
python3 Benchmarks/simulation-report.py results/simulation "$RUNS"

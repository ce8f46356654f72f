#!/usr/bin/env bash
# Which exact formulation wins where: `exact` (pattern models and searches first where they
# apply, then the assignment MIP) against `exact-assignment` (the assignment MIP alone), on every
# snapshot of a suite, with the same time limit. Prints two markdown tables to standard output:
# consolidate (status, active hosts, bound, solver seconds) and balance (status, imbalance,
# bound, solver seconds).
# Usage: Benchmarks/formulations.sh [SUITE_DIR] [TIME_LIMIT] [DRS]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${1:-Datasets/suite-small}
LIMIT=${2:-10}
DRS=${3:-.build/release/drs}
for goal in consolidate balance; do
  term=$([ "$goal" = consolidate ] && echo "hosts" || echo "imbalance")
  echo
  echo "| $goal snapshot | exact status | $term | bound | s | exact-assignment status | $term | bound | s |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for file in "$SUITE"/*-"$goal"-*.json; do
    row="| $(basename "$file" .json)"
    for solver in exact exact-assignment; do
      row+=$("$DRS" plan "$file" --solver "$solver" --time-limit "$LIMIT" 2>/dev/null | GOAL=$goal python3 -c '
import json, os, sys
p = json.load(sys.stdin)
o = p["objective"]
term = o["activeHosts"] if os.environ["GOAL"] == "consolidate" else o["imbalance"]
print(" | %s | %s | %s | %.3f" % (p["status"], term, p.get("bound"), p["seconds"]), end="")')
    done
    echo "$row |"
  done
done

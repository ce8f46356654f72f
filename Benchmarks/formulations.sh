#!/usr/bin/env bash
# Which exact formulation wins where: `exact` (pattern model first where it applies, then the
# assignment MIP) against `exact-assignment` (assignment MIP only), on every consolidate snapshot
# of a suite, with the same time limit. Prints a markdown table (status, active hosts, bound,
# solver seconds) to standard output.
# Usage: Benchmarks/formulations.sh [SUITE_DIR] [TIME_LIMIT] [DRS]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${1:-Datasets/suite-small}
LIMIT=${2:-10}
DRS=${3:-.build/release/drs}
echo "| snapshot | exact status | hosts | bound | s | exact-assignment status | hosts | bound | s |"
echo "|---|---|---|---|---|---|---|---|---|"
for file in "$SUITE"/*consolidate*.json; do
  row="| $(basename "$file" .json)"
  for solver in exact exact-assignment; do
    row+=$("$DRS" plan "$file" --solver "$solver" --time-limit "$LIMIT" 2>/dev/null | python3 -c '
import json, sys
p = json.load(sys.stdin)
print(" | %s | %d | %s | %.3f" % (p["status"], p["objective"]["activeHosts"], p.get("bound"), p["seconds"]), end="")')
  done
  echo "$row |"
done

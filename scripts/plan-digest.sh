#!/usr/bin/env bash
# Prints one line per (snapshot, solver): the SHA-256 of the plan `drs plan` prints, with every
# "seconds" value masked, for every snapshot under Datasets/ and every solver. Plans the clock
# shaped (termination feasibleTimeLimit or modelTooLarge) are listed as "time-cut" instead of a
# digest: they may differ between runs. Two revisions print the same lines when they make the
# same plans (a refactoring's proof).
# Usage: [SOLVERS="auto exact"] scripts/plan-digest.sh [DRS_BINARY] > digests.txt   (default .build/release/drs)
set -euo pipefail
cd "$(dirname "$0")/.."
DRS=${1:-.build/release/drs}
SOLVERS=${SOLVERS:-"auto exact greedy ffd-l2 ffd-sum ffd-max dot-product least-loaded local-search bin-centric portfolio"}
for snapshot in $(find Datasets -name '*.json' | sort); do
  for solver in $SOLVERS; do
    out=$("$DRS" plan "$snapshot" --solver "$solver" --time-limit 5 --seed 1 --format json 2>/dev/null || true)
    if grep -q '"termination": "\(feasibleTimeLimit\|modelTooLarge\)"' <<< "$out"; then
      echo "$snapshot $solver time-cut"
    else
      echo "$snapshot $solver $(sed -E 's/"seconds": [-0-9.e+]+/"seconds": S/g' <<< "$out" | sha256sum | cut -c1-16)"
    fi
  done
done

#!/usr/bin/env bash
# The ROADEF/EURO Challenge 2012 set A: `drs roadef solve` on each instance at each time limit,
# every result checked by scripts/roadef_check.py (independent of the Swift code), then
# results/roadef2012.md written by Benchmarks/roadef2012-report.py.
#
# Usage: Benchmarks/roadef2012.sh [DRS]     (DRS defaults to .build/release/drs)
# Environment: TIMES (seconds, default "10 60"), SEED (default 1), DATA (the folder holding
# roadef2012-setA.tar.xz, default ../shared/data/roadef2012), OUTPUT (default results/roadef2012.md).
set -euo pipefail
cd "$(dirname "$0")/.."
DRS=${1:-.build/release/drs}
TIMES=${TIMES:-"10 60"}
SEED=${SEED:-1}
DATA=${DATA:-../shared/data/roadef2012}
OUTPUT=${OUTPUT:-results/roadef2012.md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xJf "$DATA/roadef2012-setA.tar.xz" -C "$work"
runs=$work/runs.tsv
: > "$runs"
for name in a1_1 a1_2 a1_3 a1_4 a1_5 a2_1 a2_2 a2_3 a2_4 a2_5; do
  for seconds in $TIMES; do
    model=$work/model_$name.txt original=$work/assignment_$name.txt new=$work/$name-$seconds.txt
    nice "$DRS" roadef solve "$model" "$original" --time-limit "$seconds" --seed "$SEED" > "$new" 2> "$new.err"
    total=$(python3 scripts/roadef_check.py "$model" "$original" "$new" \
      | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["feasible"], d["violations"][:3]; print(d["cost"]["total"])')
    moves=$(sed -n 's/^\([0-9]*\) moves tried.*/\1/p' "$new.err")
    printf '%s\t%s\t%s\t%s\n' "$name" "$seconds" "$total" "$moves" >> "$runs"
    printf '%s %ss: %s (%s moves)\n' "$name" "$seconds" "$total" "$moves" >&2
  done
done
python3 Benchmarks/roadef2012-report.py "$runs" --drs "$DRS" --seed "$SEED" > "$OUTPUT"
echo "wrote $OUTPUT" >&2

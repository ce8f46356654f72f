#!/usr/bin/env bash
# Rebuilds results/ from scratch, in one command, from the repository root or anywhere:
#
#     Benchmarks/reproduce.sh
#
# 1. builds drs in release mode;
# 2. regenerates Datasets/suite-small into a temporary folder and checks it is byte-identical
#    to the committed copy;
# 3. generates the scaling set on demand (never committed; seeds below);
# 4. runs `drs bench` with every solver in SOLVERS over both sets -> results/results.jsonl;
# 5. runs Benchmarks/peers.py (OR-Tools CP-SAT, HiGHS) when they are installed -> results/peers.jsonl;
# 6. writes results/summary.md, the PNG plots and results/README.md with Benchmarks/report.py.
#
# Environment: PYTHON (default: python3 when it has matplotlib, ortools and highspy, else a
# virtual environment .venv-bench made and filled with them on first use), TIME_LIMIT (seconds per run, default 10),
# SOLVERS (comma-separated; default every solver of `drs bench`), SCRATCH (SwiftPM scratch path, default .build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PYTHON:-}" ]; then
    # The plotting and peer solvers live in a private virtual environment, made on first use.
    if ! python3 -c "import matplotlib, ortools, highspy" 2>/dev/null; then
        [ -x .venv-bench/bin/python ] || python3 -m venv .venv-bench
        .venv-bench/bin/python -c "import matplotlib, ortools, highspy" 2>/dev/null \
            || .venv-bench/bin/pip install --quiet matplotlib ortools highspy
        PYTHON=.venv-bench/bin/python
    else
        PYTHON=python3
    fi
fi
TIME_LIMIT=${TIME_LIMIT:-10}
SOLVERS=${SOLVERS:-}
SCRATCH=${SCRATCH:-.build-bench}

swift build -c release --scratch-path "$SCRATCH" --product drs
DRS="$SCRATCH/release/drs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$DRS" generate --suite small --output-dir "$work/suite-small"
cp Datasets/suite-small/README.md "$work/suite-small/"
diff -r "$work/suite-small" Datasets/suite-small
echo "Datasets/suite-small: byte-identical to a fresh generation"

# Scaling set: one snapshot per class and size, seed 1000 + size index.
scale_dirs=()
index=0
for size in "16 128" "32 512" "64 2000" "128 8000"; do
    set -- $size
    for spec in "uniform consolidate" "known-optimum consolidate" "rebalance balance"; do
        read -r class goal <<< "$spec"
        dir="$work/scale/$class-h$1-v$2"
        "$DRS" generate --class "$class" --goal "$goal" --hosts "$1" --vms "$2" --seed $((1000 + index)) --count 1 --output-dir "$dir"
        scale_dirs+=("$dir")
    done
    index=$((index + 1))
done

# Only this script's own outputs are replaced; other benchmarks' files in results/ stay.
mkdir -p results
rm -f results/results.jsonl results/peers.jsonl results/summary.md results/README.md \
    results/gap-by-size.png results/time-by-size.png results/exact-coverage-by-size.png
"$DRS" bench Datasets/suite-small "${scale_dirs[@]}" ${SOLVERS:+--solvers "$SOLVERS"} --time-limit "$TIME_LIMIT" --output results/results.jsonl

peer_inputs=(Datasets/suite-small)
for dir in "${scale_dirs[@]}"; do
    case "$dir" in *-v128|*-v512) peer_inputs+=("$dir") ;; esac
done
"$PYTHON" Benchmarks/peers.py "${peer_inputs[@]}" --time-limit "$TIME_LIMIT" --output results/peers.jsonl > /dev/null || true
[ -s results/peers.jsonl ] || rm -f results/peers.jsonl

"$PYTHON" Benchmarks/report.py results/results.jsonl results/peers.jsonl --out results \
    --command "Benchmarks/reproduce.sh (TIME_LIMIT=$TIME_LIMIT${SOLVERS:+ SOLVERS=$SOLVERS})" --manifests Datasets/suite-small "${scale_dirs[@]}"
echo "results/ rebuilt: $(wc -l < results/results.jsonl) drs runs"

#!/usr/bin/env bash
# `drs import rvtools` on a 100,000-row vInfo tab: the bundled RVTools CSV export
# (Datasets/import/rvtools) with its vInfo rows repeated, every field quoted, CRLF line ends
# (as RVTools writes them), VM names made unique. For each binary given: RUNS runs of the
# import, CPU seconds (user + system) and peak RSS, their medians, and the output's digest
# (binaries that agree write the same snapshot).
#
# Usage: Benchmarks/import/rvtools-scale.sh DRS_BINARY...   (release builds)
# Environment: WORK (default /tmp/drs-rvtools-scale), ROWS (100000), RUNS (3).
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${WORK:-/tmp/drs-rvtools-scale}
ROWS=${ROWS:-100000}
RUNS=${RUNS:-3}
mkdir -p "$WORK/tabs"
python3 - Datasets/import/rvtools "$WORK/tabs" "$ROWS" <<'PY'
import csv, os, shutil, sys
source, target, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name in os.listdir(source):
    if not name.endswith(".csv"):
        continue
    if "vInfo" not in name:
        shutil.copy(os.path.join(source, name), os.path.join(target, name))
        continue
    table = list(csv.reader(open(os.path.join(source, name), newline="")))
    header, body = table[0], table[1:]
    column = header.index("VM")
    with open(os.path.join(target, name), "w", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        for n in range(rows):
            row = list(body[n % len(body)])
            row[column] = f"{row[column]}-{n}"
            writer.writerow(row)
PY
size=$(python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1]) / 1e6:.1f}')" "$WORK"/tabs/*vInfo*.csv)
echo "| binary | vInfo MB | CPU s (median of $RUNS) | peak RSS MiB | output digest |"
echo "|---|---:|---:|---:|---|"
for drs in "$@"; do
  cpu=(); rss=()
  for run in $(seq "$RUNS"); do
    /usr/bin/time -f "%U %S %M" -o "$WORK/time.txt" "$drs" import rvtools "$WORK"/tabs/*.csv --output "$WORK/out.json" 2> /dev/null
    read -r user system kib < "$WORK/time.txt"
    cpu+=("$(python3 -c "print($user + $system)")"); rss+=("$kib")
  done
  median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
  digest=$(sha256sum "$WORK/out.json" | cut -c1-12)
  echo "| $drs | $size | $(median "${cpu[@]}") | $(( $(median "${rss[@]}") / 1024 )) | $digest |"
  rm -f "$WORK/out.json"
done

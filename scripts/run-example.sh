#!/usr/bin/env bash
# Quick start 1: build OpenDRS and plan the founding four-host cluster, printed as text.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build -c release --product drs >&2
.build/release/drs plan Datasets/examples/seed-figure-1.json --format text "$@"

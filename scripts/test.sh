#!/usr/bin/env bash
# Quick start 2: run the whole test suite (swift test), installing GLPK first when missing,
# then the size limits of the sources (scripts/shape.py: no file over 500 lines, no function
# over 80).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build --build-tests
swift test --skip-build "$@"
if [ $# -eq 0 ]; then python3 scripts/shape.py > /dev/null || { python3 scripts/shape.py; exit 1; }; fi

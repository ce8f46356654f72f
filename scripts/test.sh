#!/usr/bin/env bash
# Quick start 2: run the whole test suite (swift test), installing GLPK first when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build --build-tests
swift test --skip-build "$@"

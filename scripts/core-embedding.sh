#!/usr/bin/env bash
# Builds Examples/CoreEmbedding (a program that links OpenDRSCore only), plans the bundled
# four-host example with it, and checks that the program links no GLPK: OpenDRSCore is the
# library without the exact solver. Then the other side: the `drs` binary holds the conformance
# through which the linked exact solver registers itself as the planner's fallback.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --package-path Examples/CoreEmbedding --product core-embedding
binary="Examples/CoreEmbedding/.build/debug/core-embedding"
"$binary" Datasets/examples/seed-figure-1.json
if ldd "$binary" | grep -i glpk; then
    echo "core-embedding links GLPK: OpenDRSCore must not" >&2
    exit 1
fi
if nm "$binary" | grep -q ' glp_'; then
    echo "core-embedding holds GLPK symbols: OpenDRSCore must not" >&2
    exit 1
fi
echo "core-embedding: planned without GLPK"
swift build --product drs
# grep -c reads to the end (grep -q would stop early and break the pipe under pipefail).
found=$(nm .build/debug/drs | swift demangle | grep -c "protocol conformance descriptor for DRSModel.ExactFallback : DRSModel.ExactFallbackSource" || true)
if [ "$found" = 0 ]; then
    echo "drs does not register the exact solver as the planner's fallback" >&2
    exit 1
fi
echo "drs: the exact solver is the planner's fallback"

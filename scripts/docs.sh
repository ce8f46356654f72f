#!/usr/bin/env bash
# The DocC documentation: the catalog Sources/OpenDRS/OpenDRS.docc (overview and getting-started
# article) with the reference of the modules `import OpenDRS` brings in, as one archive under
# .build/plugins/Swift-DocC/outputs/. Warnings (a broken link, a stale symbol) fail it.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package generate-documentation --target OpenDRS --target DRSModel --target DRSPlanner --target DRSSolvers \
  --enable-experimental-combined-documentation --warnings-as-errors "$@"

#!/usr/bin/env bash
# Installs what OpenDRS needs on a Debian/Ubuntu machine when it is missing: GLPK's headers and
# library (libglpk-dev), zlib's (zlib1g-dev), and for the test suite Python's jsonschema (the independent validator
# of the JSON Schemas). Uses sudo when not root. Swift 6 must already be on PATH.
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
  echo "OpenDRS needs the Swift 6 toolchain on PATH (https://www.swift.org/install/linux/)." >&2
  exit 1
fi
# zlib1g-dev: ZIPFoundation inflates .xlsx workbooks (drs import rvtools) with zlib.
missing=""
if [ ! -f /usr/include/glpk.h ]; then missing="$missing libglpk-dev"; fi
if [ ! -f /usr/include/zlib.h ]; then missing="$missing zlib1g-dev"; fi
if [ -n "$missing" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "Installing$missing (GLPK, the exact solver's MIP engine; zlib for .xlsx imports)..." >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
# jsonschema: from pip, else from Debian (python3-jsonschema, draft 2020-12 since its 4.0).
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c "import jsonschema" >/dev/null 2>&1; then
  echo "Installing Python's jsonschema (the test suite validates the JSON Schemas with it)..." >&2
  if ! { command -v python3 >/dev/null 2>&1 && python3 -m pip install --quiet jsonschema >&2; }; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-jsonschema >/dev/null
  fi
fi

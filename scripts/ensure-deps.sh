#!/usr/bin/env bash
# Installs what OpenDRS needs on a Debian/Ubuntu machine when it is missing: GLPK's headers and
# library (libglpk-dev). Uses sudo when not root. Swift 6 must already be on PATH.
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
  echo "OpenDRS needs the Swift 6 toolchain on PATH (https://www.swift.org/install/linux/)." >&2
  exit 1
fi
if [ ! -f /usr/include/glpk.h ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "Installing libglpk-dev (GLPK, the exact solver's MIP engine)..." >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libglpk-dev >/dev/null
fi

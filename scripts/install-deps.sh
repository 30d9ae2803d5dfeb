#!/usr/bin/env bash
# npm dependencies from the lock file, when node_modules is missing or older than the lock file.
# The lock file holds every platform's optional binaries, so plain `npm ci` installs it anywhere.
# After changing dependencies, regenerate it from a tree without node_modules:
#   scripts/relock.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
echo "[deps] installing npm dependencies with npm ci" >&2
npm ci --no-audit --no-fund

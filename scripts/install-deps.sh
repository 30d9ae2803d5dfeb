#!/usr/bin/env bash
# npm dependencies from the lock file, when node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] installing npm dependencies from package-lock.json" >&2
  npm ci --no-audit --no-fund
fi

#!/usr/bin/env bash
# Regenerates package-lock.json from package.json in a scratch folder without node_modules, so the
# lock file records every platform's optional binaries (npm 11 drops the ones it does not see in an
# existing node_modules, and `npm ci` then refuses the file on other machines: npm/cli#4828).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp package.json package-lock.json "$scratch"/
(cd "$scratch" && npm install --package-lock-only --no-audit --no-fund >/dev/null)
cp "$scratch/package-lock.json" package-lock.json
(cd "$scratch" && npm ci --dry-run --ignore-scripts --no-audit --no-fund >/dev/null) && echo "[relock] package-lock.json regenerated; npm ci accepts it" >&2

#!/usr/bin/env bash
# Debian's Chromium for the browser test (playwright-core drives it; nothing downloads a browser).
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
echo "[chromium] installing Debian's chromium package" >&2
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "[chromium] installed, but $CHROMIUM is missing" >&2; exit 1; }

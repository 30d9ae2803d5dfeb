#!/usr/bin/env bash
# Lints the OpenAPI document the app serves, with Redocly CLI (redocly.yaml: recommended rules, every
# problem an error) and Spectral (.spectral.yaml: the oas ruleset, failing on warnings): any error or
# warning fails. Needs no database and no network (telemetry off).
#   scripts/lint-openapi.sh         writes the app's document to .data/openapi/openapi.json, then lints it
#   scripts/lint-openapi.sh FILE    lints FILE as it is
# The two rule exceptions (in .redocly.lint-ignore.yaml and .spectral.yaml) name the default path only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_NOTIFICATIONS=true
document=${1:-.data/openapi/openapi.json}
if [ $# -eq 0 ]; then
  mkdir -p "$(dirname "$document")"
  node_modules/.bin/tsx src/cli/openapi-document.ts "$document"
fi

status=0
echo "== Redocly CLI: redocly lint $document"
# (its boxed "Node.js 20 support is ending" notice is left out: the pinned 2.x supports Node 20.19+)
output=$(node_modules/.bin/redocly lint --config redocly.yaml --format=stylish "$document" 2>&1) || status=1
printf '%s\n' "$output" | grep -v '[║╔╚]' || true
echo "== Spectral: spectral lint $document"
node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=warn "$document" || status=1
exit $status

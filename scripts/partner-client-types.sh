#!/usr/bin/env bash
# Regenerates the typed partner client's types (examples/partner-client/partner-api.d.ts) with
# openapi-typescript, from the partner operations of the app's OpenAPI document (validate-pin,
# get-member, create-booking, the OAuth token endpoint). Needs no database and no network.
# Run it after changing a partner route's description; test/examples/partner-client.test.ts fails
# until the committed file matches.
#   scripts/partner-client-types.sh [OUTPUT]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
output=${1:-examples/partner-client/partner-api.d.ts}
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
node_modules/.bin/tsx src/cli/openapi-document.ts --partner "$scratch/partner-openapi.json"
node_modules/.bin/openapi-typescript "$scratch/partner-openapi.json" --output "$output"

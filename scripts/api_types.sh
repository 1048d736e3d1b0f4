#!/usr/bin/env bash
# Regenerate the browser app's API types (frontend/src/api/schema.d.ts) from the project's own OpenAPI
# schema (`make types`). strategy_builder/tests/test_frontend.py fails when the committed file is stale.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
sb_prepare
sb_frontend_install
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
DEBUG=1 VAR_DIR="$out" python manage.py spectacular --format openapi-json --file "$out/openapi.json"
(cd frontend && node_modules/.bin/openapi-typescript "$out/openapi.json" -o src/api/schema.d.ts)

#!/usr/bin/env bash
# Install Backstage's Tech Insights client (the one the Backstage frontend uses) for
# tests/api/test_techinsights_client.py.
#
# Installs the pinned packages of package.json (beside this script) into a cache
# folder outside the tracked tree and records a stamp, so a second run with the same
# package.json and Node does nothing. Prints the folder; the test finds it through
# SCORECARDS_TECHINSIGHTS_CACHE or the same default.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SCORECARDS_TECHINSIGHTS_CACHE:-$HOME/.cache/scorecards-techinsights}"

# shellcheck source=../../npm_cache.sh
. "$here/../../npm_cache.sh"
require_node
lock_cache "$cache"

want="$(stamp_of "$here/package.json")"
if is_installed "$cache" "$want" node_modules/@backstage-community/plugin-tech-insights-common; then
  echo "$cache"
  exit 0
fi

mkdir -p "$cache"
rm -f "$cache/.installed"
cp "$here/package.json" "$cache/package.json"
cd "$cache"
npm install --no-audit --no-fund --loglevel=error >&2
node -e "require('@backstage-community/plugin-tech-insights-common/client'); require('@backstage/catalog-model')" >&2
echo "$want" > "$cache/.installed"
echo "$cache"

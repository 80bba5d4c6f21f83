#!/usr/bin/env bash
# Install the real Backstage catalog backend that tests marked `backstage` start.
#
# Installs the packages pinned by package.json and package-lock.json (beside this
# script) into a cache folder outside the tracked tree with `npm ci`, gives
# better-sqlite3 its native module (better_sqlite3.sh: compiled once, shared), and
# records a stamp so a second run with the same files and Node does nothing.
# Prints the folder (SCORECARDS_BACKSTAGE_CACHE, default ~/.cache/scorecards-backstage);
# the test fixture runs this script and reads that line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SCORECARDS_BACKSTAGE_CACHE:-$HOME/.cache/scorecards-backstage}"

# shellcheck source=../npm_cache.sh
. "$here/../npm_cache.sh"
require_node
lock_cache "$cache"

want="$(stamp_of "$here/package.json" "$here/package-lock.json")"
if is_installed "$cache" "$want" node_modules/@backstage/plugin-catalog-backend; then
  echo "$cache"
  exit 0
fi

npm_ci_into "$cache" "$here/package.json" "$here/package-lock.json"
cd "$cache"
bash "$here/better_sqlite3.sh"
echo "$want" > "$cache/.installed"
echo "$cache"

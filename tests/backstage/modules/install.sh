#!/usr/bin/env bash
# Build our Backstage backend modules (backstage/plugins) and install the real catalog
# and Tech Insights backends that tests/backstage/test_*_module.py start them in.
#
# Copies package.json and package-lock.json (beside this script) and the modules'
# sources into a cache folder outside the tracked tree, installs with `npm ci`,
# gives better-sqlite3 its native module (better_sqlite3.sh), and builds the modules
# with tsc. Stamps make a second run with the same files and Node do nothing.
# Prints the folder (SCORECARDS_BACKSTAGE_MODULES_CACHE, default
# ~/.cache/scorecards-backstage-modules); the test fixtures run this and read that line.
#
# After changing a module's dependencies or package.json here, run it with
# --update-lock: it resolves with `npm install` and writes package-lock.json back.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cache="${SCORECARDS_BACKSTAGE_MODULES_CACHE:-$HOME/.cache/scorecards-backstage-modules}"
modules=(scorecards-node catalog-backend-module-scorecards tech-insights-backend-module-scorecards)

# shellcheck source=../../npm_cache.sh
. "$here/../../npm_cache.sh"
require_node
lock_cache "$cache"

mkdir -p "$cache/plugins"
cd "$cache"
rm -f .built
for module in "${modules[@]}"; do
  mkdir -p "plugins/$module"
  for part in package.json tsconfig.json config.d.ts .eslintrc.js src; do
    rm -rf "plugins/$module/$part"
    if [ -e "$repo/backstage/plugins/$module/$part" ]; then
      cp -R "$repo/backstage/plugins/$module/$part" "plugins/$module/"
    fi
  done
done
cp "$repo/backstage/tsconfig.base.json" .
cp "$here/package.json" .

if [ "${1:-}" = "--update-lock" ]; then
  rm -f .installed
  npm install --no-audit --no-fund --loglevel=error --ignore-scripts >&2
  cp package-lock.json "$here/package-lock.json"
fi
cp "$here/package-lock.json" .

want="$(stamp_of package.json package-lock.json plugins/*/package.json)"
if ! is_installed . "$want" node_modules/@backstage/plugin-catalog-backend; then
  rm -f .installed
  npm ci --no-audit --no-fund --loglevel=error --ignore-scripts >&2
  bash "$here/../better_sqlite3.sh"
  echo "$want" > .installed
fi

# tsc -b compares file times, and the copies above are new: build unless the sources changed.
sources="$(find tsconfig.base.json plugins -path '*/dist' -prune -o -type f -print | LC_ALL=C sort | xargs cat | sha256sum | cut -d' ' -f1)"
if [ ! -f .sources ] || [ "$(cat .sources)" != "$sources" ] || [ ! -f "plugins/${modules[-1]}/dist/index.js" ]; then
  rm -rf plugins/*/dist
  for module in "${modules[@]}"; do
    node_modules/.bin/tsc -b "plugins/$module" >&2
  done
  echo "$sources" > .sources
fi
echo "$cache"

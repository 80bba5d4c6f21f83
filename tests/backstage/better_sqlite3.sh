#!/usr/bin/env bash
# Give the better-sqlite3 in ./node_modules its native module: npm 11 skips its build
# script, and a compile takes one to two minutes on two cores. The module only depends
# on better-sqlite3's version, Node's ABI and the platform, so the first install script
# to compile it keeps a copy (SCORECARDS_BETTER_SQLITE3_CACHE, default
# ~/.cache/scorecards-better-sqlite3) and the others reuse it. Run from the folder
# holding node_modules; checks the module loads either way.
set -euo pipefail
shared="${SCORECARDS_BETTER_SQLITE3_CACHE:-$HOME/.cache/scorecards-better-sqlite3}"
version="$(node -p "require('./node_modules/better-sqlite3/package.json').version")"
key="$version-node$(node -p 'process.versions.modules')-$(node -p 'process.platform + "-" + process.arch')"
built="node_modules/better-sqlite3/build/Release/better_sqlite3.node"

mkdir -p "$shared"
exec 8>"$shared/.lock"
flock 8
if [ -f "$shared/$key/better_sqlite3.node" ]; then
  mkdir -p "$(dirname "$built")"
  cp "$shared/$key/better_sqlite3.node" "$built"
else
  npm rebuild better-sqlite3 --loglevel=error >&2
  mkdir -p "$shared/$key"
  cp "$built" "$shared/$key/better_sqlite3.node"
fi
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" >&2

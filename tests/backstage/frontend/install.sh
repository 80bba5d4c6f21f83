#!/usr/bin/env bash
# Install what building, linting and testing the Backstage frontend plugin
# (backstage/plugins/scorecards) needs: the Backstage packages it imports, Backstage's
# test utilities, Jest with SWC, TypeScript, ESLint and esbuild, pinned by package.json and
# package-lock.json beside this script, into a cache folder outside the tracked tree.
#
# Not @backstage/cli: it would add hundreds of packages and minutes of install for the
# same Jest+SWC, tsc and ESLint runs that are installed here directly.
#
# A stamp makes a second run with the same files and Node a no-op. Prints the folder
# (SCORECARDS_BACKSTAGE_FRONTEND_CACHE, default ~/.cache/scorecards-backstage-frontend);
# the test fixture runs this script and reads that line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SCORECARDS_BACKSTAGE_FRONTEND_CACHE:-$HOME/.cache/scorecards-backstage-frontend}"

# shellcheck source=../../npm_cache.sh
. "$here/../../npm_cache.sh"
require_node
lock_cache "$cache"

want="$(stamp_of "$here/package.json" "$here/package-lock.json" "$here/.npmrc")"
if is_installed "$cache" "$want" node_modules/@backstage/plugin-catalog-react; then
  echo "$cache"
  exit 0
fi

# Jest's cache maps module paths of the node_modules being replaced.
rm -rf "$cache/jest-cache"
# .npmrc: legacy-peer-deps, as Backstage apps install with yarn: Material UI 4 declares
# React 16/17 as its peer while Backstage runs it on React 18.
npm_ci_into "$cache" "$here/package.json" "$here/package-lock.json" "$here/.npmrc"
cd "$cache"
node -e "require('@swc/core').transformSync('const a: number = 1', {jsc: {parser: {syntax: 'typescript'}}})" >&2
echo "$want" > "$cache/.installed"
echo "$cache"

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

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install.sh: $tool is not installed" >&2; exit 1; }
done

mkdir -p "$(dirname "$cache")"
# One install at a time per cache folder (two test runs may start together).
exec 9>"$cache.lock"
flock 9

want="$(cat "$here/package.json" "$here/package-lock.json" "$here/.npmrc" | sha256sum | cut -d' ' -f1) node-$(node --version)"
if [ -f "$cache/.installed" ] && [ "$(cat "$cache/.installed")" = "$want" ] \
   && [ -d "$cache/node_modules/@backstage/plugin-catalog-react" ]; then
  echo "$cache"
  exit 0
fi

mkdir -p "$cache"
rm -f "$cache/.installed"
# Jest's cache maps module paths of the node_modules being replaced.
rm -rf "$cache/jest-cache"
# .npmrc: legacy-peer-deps, as Backstage apps install with yarn: Material UI 4 declares
# React 16/17 as its peer while Backstage runs it on React 18.
cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$cache/"
cd "$cache"
npm ci --no-audit --no-fund --loglevel=error >&2
node -e "require('@swc/core').transformSync('const a: number = 1', {jsc: {parser: {syntax: 'typescript'}}})" >&2
echo "$want" > "$cache/.installed"
echo "$cache"

#!/usr/bin/env bash
# Install the real Backstage catalog backend that tests marked `backstage` start.
#
# Installs the packages pinned by package.json and package-lock.json (beside this
# script) into a cache folder outside the tracked tree with `npm ci`, compiles
# better-sqlite3's native module (npm 11 skips its build script on install), and
# records a stamp so a second run with the same files and Node does nothing.
# Prints the folder (SCORECARDS_BACKSTAGE_CACHE, default ~/.cache/scorecards-backstage);
# the test fixture runs this script and reads that line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SCORECARDS_BACKSTAGE_CACHE:-$HOME/.cache/scorecards-backstage}"

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install.sh: $tool is not installed" >&2; exit 1; }
done

mkdir -p "$(dirname "$cache")"
# One install at a time per cache folder (two test runs may start together).
exec 9>"$cache.lock"
flock 9

want="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1) node-$(node --version)"
if [ -f "$cache/.installed" ] && [ "$(cat "$cache/.installed")" = "$want" ] \
   && [ -d "$cache/node_modules/@backstage/plugin-catalog-backend" ]; then
  echo "$cache"
  exit 0
fi

mkdir -p "$cache"
rm -f "$cache/.installed"
cp "$here/package.json" "$here/package-lock.json" "$cache/"
cd "$cache"
npm ci --no-audit --no-fund --loglevel=error >&2
npm rebuild better-sqlite3 --loglevel=error >&2
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" >&2
echo "$want" > "$cache/.installed"
echo "$cache"

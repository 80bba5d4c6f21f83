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
bash "$here/better_sqlite3.sh"
echo "$want" > "$cache/.installed"
echo "$cache"

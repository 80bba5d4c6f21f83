#!/usr/bin/env bash
# Install cel-spec's conformance data for tests/cel and write it out as JSON.
#
# Installs the package pinned by package.json and package-lock.json (beside this
# script) into a cache folder outside the tracked tree with `npm ci`, then has Node
# write the conformance suites as conformance.json there. A second run with the
# same files and Node does nothing. Prints the JSON file's path
# (SCORECARDS_CEL_SPEC_CACHE, default ~/.cache/scorecards-cel-spec).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SCORECARDS_CEL_SPEC_CACHE:-$HOME/.cache/scorecards-cel-spec}"

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install.sh: $tool is not installed" >&2; exit 1; }
done

mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9

want="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1) node-$(node --version)"
if [ -f "$cache/.installed" ] && [ "$(cat "$cache/.installed")" = "$want" ] \
   && [ -f "$cache/conformance.json" ]; then
  echo "$cache/conformance.json"
  exit 0
fi

mkdir -p "$cache"
rm -f "$cache/.installed"
cp "$here/package.json" "$here/package-lock.json" "$cache/"
cd "$cache"
npm ci --no-audit --no-fund --loglevel=error >&2
node -e '
const data = require("@bufbuild/cel-spec/testdata/conformance.js").tests;
require("fs").writeFileSync("conformance.json", JSON.stringify(data));
' >&2
echo "$want" > "$cache/.installed"
echo "$cache/conformance.json"

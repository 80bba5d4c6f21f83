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

# shellcheck source=../../npm_cache.sh
. "$here/../../npm_cache.sh"
require_node
lock_cache "$cache"

want="$(stamp_of "$here/package.json" "$here/package-lock.json")"
if is_installed "$cache" "$want" conformance.json; then
  echo "$cache/conformance.json"
  exit 0
fi

npm_ci_into "$cache" "$here/package.json" "$here/package-lock.json"
cd "$cache"
node -e '
const data = require("@bufbuild/cel-spec/testdata/conformance.js").tests;
require("fs").writeFileSync("conformance.json", JSON.stringify(data));
' >&2
echo "$want" > "$cache/.installed"
echo "$cache/conformance.json"

# Sourced by the install scripts of tests that run npm packages (tests/*/install.sh):
# each installs pinned packages into a cache folder outside the tracked tree, one
# install at a time per folder, and stamps it so a second run with the same files and
# Node does nothing. Written once here so the scripts differ only in what they install.

# Exit with a clear line when Node or npm is missing.
require_node() {
  local tool
  for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || { echo "install.sh: $tool is not installed" >&2; exit 1; }
  done
}

# Hold CACHE's lock until the script ends (two test runs may start together).
lock_cache() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1.lock"
  flock 9
}

# The stamp of FILES... and this Node: what an install is valid for.
stamp_of() {
  echo "$(cat "$@" | sha256sum | cut -d' ' -f1) node-$(node --version)"
}

# Whether CACHE holds an install stamped WANT that has PATH (relative to CACHE).
is_installed() {
  [ -f "$1/.installed" ] && [ "$(cat "$1/.installed")" = "$2" ] && [ -e "$1/$3" ]
}

# Copy FILES... into CACHE (unstamped until the caller's checks pass) and `npm ci` there.
npm_ci_into() {
  local cache="$1"
  shift
  mkdir -p "$cache"
  rm -f "$cache/.installed"
  cp "$@" "$cache/"
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

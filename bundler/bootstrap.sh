#!/usr/bin/env bash
# Bootstrap: everything `npm start`, `npm test` and `npm run build` need on a fresh Debian 12
# machine, as root. Each step is idempotent and cached, prints what it does and how long it took,
# and on failure says which step failed and what to do. Big downloads and toolchain builds live in
# MOTE_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/mote), outside the checkout, so fresh clones
# reuse them.
#
#   bash bundler/bootstrap.sh                 every step, in order
#   bash bundler/bootstrap.sh --only npm      one step: debian, npm, quickjs or mbedtls
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${MOTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mote}
mkdir -p "$cache"

only=""
case "${1:-}" in
  "") ;;
  --only) only=${2:-}
    case "$only" in debian|npm|quickjs|mbedtls) ;; *)
      echo "bootstrap: --only takes one of: debian, npm, quickjs, mbedtls (not '${only}')" >&2; exit 2 ;; esac ;;
  *) echo "bootstrap: unknown argument '$1'; run it without arguments, or with --only <step>" >&2; exit 2 ;;
esac

# QuickJS and mbedTLS come from Debian source packages; version, suite and checksum are pinned in
# bundler/<package>.pin (key=value lines).
pin() { sed -n "s/^$2=//p" "$here/bundler/$1.pin"; }
quickjs_version=$(pin quickjs version)
mbedtls_version=$(pin mbedtls version)
quickjs_src="$cache/quickjs/quickjs-$quickjs_version"
mbedtls_src="$cache/mbedtls/mbedtls-$mbedtls_version"

step_number=0
step_started_ms=0
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# Prints how long the step that just finished took.
step_took() {
  [ "$step_number" -gt 0 ] || return 0
  awk -v ms=$(( $(now_ms) - step_started_ms )) 'BEGIN { printf "  took %.1f s\n", ms / 1000 }'
}
step() {
  step_took
  step_number=$((step_number + 1)); current_step="$1"; step_started_ms=$(now_ms)
  printf '[bootstrap %d] %s\n' "$step_number" "$1"
}
on_error() {
  printf '[bootstrap] FAILED at step "%s".\n' "${current_step:-start}" >&2
  printf '[bootstrap] %s\n' "${hint:-Read the messages above, fix the cause, and run the command again; finished steps are cached.}" >&2
}
trap on_error ERR

debian_packages() {
  step "Debian packages"
  hint="Run as root on Debian 12 with working apt sources; 'apt-get install' the packages listed in bundler/debian-packages.txt by hand to see the error."
  if [ "$(id -u)" != 0 ]; then echo "[bootstrap] must run as root to install Debian packages" >&2; false; fi
  local arch
  for arch in armhf armel; do
    if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then dpkg --add-architecture "$arch"; fi
  done
  local wanted missing=() package
  mapfile -t wanted < <(sed -e 's/#.*//' -e '/^\s*$/d' "$here/bundler/debian-packages.txt")
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "  installing: ${missing[*]}"
    # A mirror in mid-sync can fail one index; the install below says if what we need is missing.
    apt-get update -q || echo "  apt-get update reported errors; trying the install with the lists it has"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "  all ${#wanted[@]} present"
  fi
}

# Node and npm as package.json's "engines" asks: the lock is written by npm 11 (npm 10 rewrites
# its platform fields).
check_node_and_npm() {
  local node_version npm_version
  node_version=$(node -p 'process.versions.node' 2>/dev/null) || { hint="Install Node.js 20.19 or newer, then run again."; false; }
  npm_version=$(npm --version 2>/dev/null) || { hint="Install npm 11 ('npm install -g npm@11'), then run again."; false; }
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    hint="Node.js $node_version is too old: Mote needs 20.19 or newer. Install a newer Node.js, then run again."; false
  fi
  if [ "${npm_version%%.*}" != 11 ]; then
    hint="npm $npm_version found; the lock is written by npm 11, which other majors rewrite. Run 'npm install -g npm@11', then run again."; false
  fi
  echo "  node $node_version, npm $npm_version"
}

npm_modules() {
  step "npm modules"
  check_node_and_npm
  hint="Check that the npm registry is reachable, then run 'npm install' in $here to see the error."
  if [ -f "$here/node_modules/.package-lock.json" ] && [ ! "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    echo "  node_modules up to date"; return
  fi
  # 'npm install' against the committed lock installs exactly its versions. 'npm ci' would refuse
  # it: cbor-x's optional native accelerator (cbor-extract) names prebuilt packages the registry
  # does not serve, so no lock can list them; cbor-extract builds from source or is skipped.
  # The lock must come out byte for byte unchanged (a change means package.json and the lock
  # disagree, or the lock misses a platform's optional packages), and the installed tree must be
  # exactly the lock's ('npm ls --all').
  local lock_before
  lock_before=$(sha256sum "$here/package-lock.json")
  (cd "$here" && npm install --no-audit --no-fund --loglevel=error)
  if [ "$(sha256sum "$here/package-lock.json")" != "$lock_before" ]; then
    hint="npm changed package-lock.json: package.json and the lock disagree, or the lock misses packages. See 'git diff package-lock.json'; if the change is wanted, commit it."
    false
  fi
  hint="The installed node_modules differ from package-lock.json: remove node_modules and run again."
  (cd "$here" && npm ls --all >/dev/null)
  echo "  installed exactly the locked versions"
}

# Fetches Debian source package $1 (pinned in bundler/$1.pin) into $cache/$1 with a project-local
# apt configuration: the mirror the system's apt sources already use, a deb-src line for the pinned
# suite. Verifies the orig tarball and unpacks it to $cache/$1/$1-<version>.
fetch_debian_source() {
  local package=$1 version debian_version suite sha256 dir src tarball mirror
  version=$(pin "$package" version); debian_version=$(pin "$package" debian_version)
  suite=$(pin "$package" suite); sha256=$(pin "$package" orig_sha256)
  dir="$cache/$package"; src="$dir/$package-$version"
  step "$2 $version source"
  hint="The source comes from Debian's $suite suite through this machine's Debian mirror; check 'apt-get update' works, or remove $dir and retry."
  if [ -f "$src/.verified" ]; then echo "  cached and verified: $src"; return; fi
  mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial"
  tarball=$(find "$dir" -maxdepth 1 -name "${package}_$version.orig.tar.*" | head -n1)
  if [ -z "$tarball" ]; then
    mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/{u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}')
    [ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    [ -n "$mirror" ] || { echo "  no Debian bookworm mirror found in the apt sources" >&2; false; }
    echo "deb-src $mirror $suite main" > "$dir/apt/sources.list"
    local apt_options=(-o "Dir::Etc::sourcelist=$dir/apt/sources.list" -o Dir::Etc::sourceparts=/nonexistent
      -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache" -o APT::Sandbox::User=root)
    apt-get -q "${apt_options[@]}" update
    (cd "$dir" && apt-get -q "${apt_options[@]}" source --download-only "$package=$debian_version")
    tarball=$(find "$dir" -maxdepth 1 -name "${package}_$version.orig.tar.*" | head -n1)
  fi
  echo "$sha256  $tarball" | sha256sum --check --quiet || {
    echo "  checksum mismatch for $tarball; removing it, run again to re-download" >&2; rm -f "$tarball"; false; }
  rm -rf "$src" && mkdir -p "$src"
  tar -C "$src" --strip-components=1 -xf "$tarball"
  touch "$src/.verified"
}

quickjs() {
  fetch_debian_source quickjs QuickJS
  step "QuickJS libraries (host and armhf musl)"
  hint="Run 'make -C native-arm quickjs QUICKJS_SRC=$quickjs_src QUICKJS_OUT=$cache/quickjs-build' to see the compiler error."
  make --no-print-directory -s -C "$here/native-arm" quickjs QUICKJS_SRC="$quickjs_src" QUICKJS_OUT="$cache/quickjs-build"
}

mbedtls() {
  fetch_debian_source mbedtls mbedTLS
  step "mbedTLS libraries (host and armhf musl)"
  hint="Run 'make -C native-arm mbedtls MBEDTLS_SRC=$mbedtls_src MBEDTLS_OUT=$cache/mbedtls-build QUICKJS_SRC=$quickjs_src QUICKJS_OUT=$cache/quickjs-build' to see the compiler error."
  make --no-print-directory -s -C "$here/native-arm" mbedtls MBEDTLS_SRC="$mbedtls_src" MBEDTLS_OUT="$cache/mbedtls-build" QUICKJS_SRC="$quickjs_src" QUICKJS_OUT="$cache/quickjs-build"
}

case "$only" in
  debian) debian_packages ;;
  npm) npm_modules ;;
  quickjs) quickjs ;;
  mbedtls) mbedtls ;;
  *) debian_packages; npm_modules; quickjs; mbedtls ;;
esac
step_took
echo "[bootstrap] done (cache: $cache)"

#!/usr/bin/env bash
# Bootstrap: everything `npm start`, `npm test` and `npm run build` need on a fresh Debian 12
# machine, as root. Each step is idempotent and cached, prints what it does, and on failure says
# which step failed and what to do. Big downloads and toolchain builds live in MOTE_CACHE
# (default ${XDG_CACHE_HOME:-~/.cache}/mote), outside the checkout, so fresh clones reuse them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${MOTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mote}
mkdir -p "$cache"

# QuickJS and mbedTLS come from Debian source packages; version, suite and checksum are pinned in
# bundler/<package>.pin (key=value lines).
pin() { sed -n "s/^$2=//p" "$here/bundler/$1.pin"; }
quickjs_version=$(pin quickjs version)
mbedtls_version=$(pin mbedtls version)

step_number=0
step() { step_number=$((step_number + 1)); current_step="$1"; printf '[bootstrap %d] %s\n' "$step_number" "$1"; }
on_error() {
  printf '[bootstrap] FAILED at step "%s".\n' "${current_step:-start}" >&2
  printf '[bootstrap] %s\n' "${hint:-Read the messages above, fix the cause, and run the command again; finished steps are cached.}" >&2
}
trap on_error ERR

step "Debian packages"
hint="Run as root on Debian 12 with working apt sources; 'apt-get install' the packages listed in bundler/debian-packages.txt by hand to see the error."
if [ "$(id -u)" != 0 ]; then echo "[bootstrap] must run as root to install Debian packages" >&2; false; fi
if ! dpkg --print-foreign-architectures | grep -qx armhf; then dpkg --add-architecture armhf; fi
mapfile -t wanted < <(sed -e 's/#.*//' -e '/^\s*$/d' "$here/bundler/debian-packages.txt")
missing=()
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

step "npm modules"
hint="Check that the npm registry is reachable, then run 'npm install' in $here to see the error."
if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  # 'npm install' with the committed lock installs exactly its versions. (npm 11's 'npm ci'
  # refuses a lock that lists only this platform's optional packages, as npm 11 writes them.)
  # The lock must come out unchanged: a change means package.json and the lock disagree.
  lock_before=$(sha256sum "$here/package-lock.json")
  (cd "$here" && npm install --no-audit --no-fund --loglevel=error)
  if [ "$(sha256sum "$here/package-lock.json")" != "$lock_before" ]; then
    hint="package.json and package-lock.json disagree: run 'npm install' and commit the updated package-lock.json."
    false
  fi
else
  echo "  node_modules up to date"
fi

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

fetch_debian_source quickjs QuickJS
quickjs_src="$cache/quickjs/quickjs-$quickjs_version"

step "QuickJS libraries (host and armhf musl)"
hint="Run 'make -C native-arm quickjs QUICKJS_SRC=$quickjs_src QUICKJS_OUT=$cache/quickjs-build' to see the compiler error."
make --no-print-directory -s -C "$here/native-arm" quickjs QUICKJS_SRC="$quickjs_src" QUICKJS_OUT="$cache/quickjs-build"

fetch_debian_source mbedtls mbedTLS
mbedtls_src="$cache/mbedtls/mbedtls-$mbedtls_version"

step "mbedTLS libraries (host and armhf musl)"
hint="Run 'make -C native-arm mbedtls MBEDTLS_SRC=$mbedtls_src MBEDTLS_OUT=$cache/mbedtls-build QUICKJS_SRC=$quickjs_src QUICKJS_OUT=$cache/quickjs-build' to see the compiler error."
make --no-print-directory -s -C "$here/native-arm" mbedtls MBEDTLS_SRC="$mbedtls_src" MBEDTLS_OUT="$cache/mbedtls-build" QUICKJS_SRC="$quickjs_src" QUICKJS_OUT="$cache/quickjs-build"

echo "[bootstrap] done (cache: $cache)"

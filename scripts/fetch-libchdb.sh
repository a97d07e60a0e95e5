#!/usr/bin/env bash
# Fetches the embedded ClickHouse engine (libchdb.so) from the npm registry by
# package name, verifies it against pinned checksums and unpacks it into a
# cache outside the repository. Prints the path of libchdb.so.
#
# The tarball's sha512 is the registry's own integrity value for this version;
# the library's sha256 guards the unpacked file against a damaged cache.
set -euo pipefail

PKG="@chdb/lib-linux-x64-gnu"
VERSION="26.7.3-stable.1"
TGZ_SHA512="XP97mMqnc5tZpKQywR8N7cLTsHNiTmHr30pC5mzo3jWmukjKn2IBa60c2B/gWUNcuFjOMjWoorQICCqBVj5wpw=="
LIB_SHA256="36ad4e999882821ef13cf2d0f52c93f48e6ee1b4498b35a201c23ce4b8d15bf5"

CACHE="${FLEXHUB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flexhub}/chdb-${VERSION}"
LIB="$CACHE/package/libchdb.so"

lib_ok() {
  [ -f "$LIB" ] && [ -f "$CACHE/.verified" ] && [ "$(cat "$CACHE/.verified")" = "$LIB_SHA256" ]
}

if lib_ok; then
  echo "$LIB"
  exit 0
fi

mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "fetching $PKG@$VERSION (about 180 MB) into $CACHE" >&2
(cd "$work" && npm pack --silent "$PKG@$VERSION" >/dev/null)
tgz=$(ls "$work"/*.tgz)

got=$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)
if [ "$got" != "$TGZ_SHA512" ]; then
  echo "checksum mismatch for $PKG@$VERSION: got sha512-$got, want sha512-$TGZ_SHA512" >&2
  exit 1
fi

tar -xzf "$tgz" -C "$work"
got=$(sha256sum "$work/package/libchdb.so" | cut -d' ' -f1)
if [ "$got" != "$LIB_SHA256" ]; then
  echo "checksum mismatch for libchdb.so: got $got, want $LIB_SHA256" >&2
  exit 1
fi

rm -rf "$CACHE/package"
mv "$work/package" "$CACHE/package"
echo "$LIB_SHA256" >"$CACHE/.verified"
echo "$LIB"

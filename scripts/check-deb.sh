#!/usr/bin/env bash
# Builds the Debian package (deploy/build-deb.sh), lists what lintian says of it, unpacks it into a
# scratch root and runs the packaged binary from there: `esep --version` and `esep check-config`
# on the packaged config (with the libraries the package depends on, from the host).
#
#   scripts/check-deb.sh [OUT_DIR]     (default: dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-dist}"
DEB=$(deploy/build-deb.sh "$OUT" | tail -1)
dpkg-deb --info "$DEB" | sed -n '/Package:/,$p'
dpkg-deb --contents "$DEB" | awk '{print $1, $2, $6}'
if command -v lintian >/dev/null; then
    # Tags are reported, not fatal: each one left is explained in deploy/README-deb.md.
    lintian --no-tag-display-limit "$DEB" || true
fi
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
dpkg-deb -x "$DEB" "$ROOT"
"$ROOT/usr/bin/esep" --version
"$ROOT/usr/bin/esep" check-config "$ROOT/etc/esep/esep.toml"
# The runtime needs nothing from the Swift toolchain.
if ldd "$ROOT/usr/bin/esep" | grep -q "swift"; then
    echo "check-deb: the binary links Swift libraries dynamically:" >&2
    ldd "$ROOT/usr/bin/esep" | grep swift >&2
    exit 1
fi
echo "check-deb: ok ($DEB)"

#!/usr/bin/env bash
# Builds the Debian package (deploy/build-deb.sh), lists what lintian says of it, unpacks it into a
# scratch root and runs the packaged binary from there: `esep --version` and `esep check-config`
# on the packaged config (with the libraries the package depends on, from the host).
#
#   scripts/check-deb.sh [OUT_DIR]     (default: dist/)
#   CHECK_DEB_INSTALL=1 scripts/check-deb.sh   also install it for real (root), run it as the esep
#                                             user, remove (data kept) and purge (data gone)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-dist}"
DEB=$(deploy/build-deb.sh "$OUT" | tail -1)
dpkg-deb --info "$DEB" | sed -n '/Package:/,$p'
dpkg-deb --contents "$DEB" | awk '{print $1, $2, $6}'
if command -v lintian >/dev/null; then
    # Tags are reported, not fatal: each one left is explained in deploy/README-deb.md.
    lintian --tag-display-limit 0 "$DEB" || true
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

# --install (as root, on a Debian host or container): the real thing with dpkg/apt. Install the
# package, run the service's own checks as the esep user, then remove (data kept) and purge (gone).
if [ "${CHECK_DEB_INSTALL:-}" = 1 ]; then
    [ "$(id -u)" = 0 ] || { echo "check-deb: CHECK_DEB_INSTALL=1 needs root" >&2; exit 1; }
    case "$DEB" in /*) PKG="$DEB" ;; *) PKG="./$DEB" ;; esac
    apt-get install -y "$PKG"
    /usr/bin/esep --version
    # The config is readable by the service's user, and by nobody else.
    [ "$(stat -c '%a %U:%G' /etc/esep)" = "750 root:esep" ] || { stat /etc/esep; exit 1; }
    [ "$(stat -c '%a %U:%G' /etc/esep/esep.toml)" = "640 root:esep" ] || { stat /etc/esep/esep.toml; exit 1; }
    runuser -u esep -- /usr/bin/esep check-config /etc/esep/esep.toml
    [ "$(stat -c '%U' /var/lib/esep)" = esep ]
    # A database in the state directory survives `remove`; `purge` deletes it.
    runuser -u esep -- /usr/bin/esep run --db /var/lib/esep/esep.sqlite --meters 2 --api-listen 127.0.0.1:0 --duration 2 >/dev/null
    test -s /var/lib/esep/esep.sqlite
    # An upgrade (here: the same package again) keeps an edited config and the data.
    echo "# edited by the operator" >> /etc/esep/esep.toml
    dpkg --force-confold -i "$PKG"
    grep -q "edited by the operator" /etc/esep/esep.toml && test -s /var/lib/esep/esep.sqlite
    runuser -u esep -- /usr/bin/esep check-db --db /var/lib/esep/esep.sqlite
    deploy/uninstall.sh
    test -s /var/lib/esep/esep.sqlite && test -f /etc/esep/esep.toml
    if test -e /usr/bin/esep; then echo "check-deb: /usr/bin/esep left after remove" >&2; exit 1; fi
    dpkg-query -W -f='${Status}\n' esep
    deploy/uninstall.sh --purge
    if test -e /var/lib/esep || test -e /etc/esep || getent passwd esep >/dev/null; then
        echo "check-deb: purge left the data, the config or the user" >&2; exit 1
    fi
    echo "check-deb: installed, ran, removed (data kept) and purged (data gone)"
fi

#!/usr/bin/env bash
# Builds a Debian package of esep with dpkg-deb, offline: a release binary with the Swift runtime
# and Foundation linked statically (--static-swift-stdlib), the systemd units, the example config
# as a conffile, the README, and maintainer scripts that create the `esep` system user, make
# /etc/esep readable by it (0750 root:esep) and keep the data on `remove` (`purge` deletes it).
#
#   deploy/build-deb.sh [OUT_DIR]          (default: dist/)
#
# Depends: libmodbus5, libsqlite3-0. Install: sudo apt install ./dist/esep_VERSION_ARCH.deb
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-dist}"
ARCH=$(dpkg --print-architecture)
# esep's own version (Sources/esep/EsepVersion.swift), then the commit count and hash: it grows
# with every commit, as a Debian version must.
BASE=$(sed -n 's/.*current = "\(.*\)".*/\1/p' Sources/esep/EsepVersion.swift)
VERSION="$BASE+$(git rev-list --count HEAD 2>/dev/null || echo 0).g$(git rev-parse --short HEAD 2>/dev/null || echo local)"

swift build -c release --static-swift-stdlib --product esep
BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/esep"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/esep_${VERSION}_${ARCH}"
install -D -m 0755 "$BIN" "$ROOT/usr/bin/esep"
strip --strip-unneeded "$ROOT/usr/bin/esep" 2>/dev/null || true
# The units call the packaged binary.
for unit in esep.service esep-backup.service esep-backup.timer; do
    install -D -m 0644 "systemd/$unit" "$ROOT/lib/systemd/system/$unit"
    sed -i 's#/usr/local/bin/esep#/usr/bin/esep#g' "$ROOT/lib/systemd/system/$unit"
done
install -D -m 0640 deploy/esep.example.toml "$ROOT/etc/esep/esep.toml"
install -D -m 0644 README.md "$ROOT/usr/share/doc/esep/README.md"
install -D -m 0644 deploy/esep.example.toml "$ROOT/usr/share/doc/esep/examples/esep.example.toml"
install -D -m 0644 deploy/prometheus/esep.rules.yml "$ROOT/usr/share/doc/esep/examples/prometheus/esep.rules.yml"
install -D -m 0644 deploy/grafana/esep.json "$ROOT/usr/share/doc/esep/examples/grafana/esep.json"
cat > "$ROOT/usr/share/doc/esep/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: esep
Comment: Metering daemon for digital-mining data centres in Kazakhstan.

Files: *
Copyright: 2026 the esep authors
License: none-granted
 No licence has been granted for this software yet; it is distributed to the
 sites that run it under their agreement with its authors.
EOF
gzip -9n -c > "$ROOT/usr/share/doc/esep/changelog.gz" <<EOF
esep ($VERSION) unstable; urgency=medium

  * Built from commit $(git rev-parse --short HEAD 2>/dev/null || echo local).

 -- esep maintainers <maintainers@esep.example>  $(date -R)
EOF
# The manual page, from the commands' own help (help2man's format, written here without it).
mkdir -p "$ROOT/usr/share/man/man1"
{
    echo '.TH ESEP 1 "" "esep '"$VERSION"'" "User Commands"'
    echo '.SH NAME'
    echo 'esep \- metering daemon for digital-mining data centres'
    echo '.SH DESCRIPTION'
    echo '.nf'
    "$ROOT/usr/bin/esep" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
    for cmd in run report fee calendar checklist check-config backup restore; do
        echo
        echo ".SS esep $cmd"
        "$ROOT/usr/bin/esep" "$cmd" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
    done
    echo '.fi'
} | gzip -9n > "$ROOT/usr/share/man/man1/esep.1.gz"

mkdir -p "$ROOT/DEBIAN"
echo "/etc/esep/esep.toml" > "$ROOT/DEBIAN/conffiles"
SIZE=$(du -sk "$ROOT" | cut -f1)
cat > "$ROOT/DEBIAN/control" <<EOF
Package: esep
Version: $VERSION
Architecture: $ARCH
Maintainer: esep maintainers <maintainers@esep.example>
Installed-Size: $SIZE
Depends: libmodbus5, libsqlite3-0, libstdc++6, libgcc-s1, libc6, adduser
Recommends: chromium
Section: misc
Priority: optional
Homepage: https://esep.example
Description: metering daemon for digital-mining data centres
 Polls commercial electricity meters (ASKUE) and load-shedding automation
 (SAON) over Modbus/TCP, keeps every reading in an embedded SQLite store,
 turns energy registers into verified kWh per interval and quarter, serves
 them to the grid operator and produces the regulatory documents.
EOF
cat > "$ROOT/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    if ! getent passwd esep >/dev/null; then
        adduser --system --group --home /var/lib/esep --no-create-home --shell /usr/sbin/nologin esep
    fi
    install -d -m 0750 -o esep -g esep /var/lib/esep
    chown root:esep /etc/esep /etc/esep/esep.toml
    chmod 0750 /etc/esep
    chmod 0640 /etc/esep/esep.toml
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload >/dev/null || true
        # An upgrade restarts a running service (its store migrations run at start).
        systemctl try-restart esep.service >/dev/null || true
    fi
fi
exit 0
EOF
cat > "$ROOT/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl stop esep.service esep-backup.timer >/dev/null 2>&1 || true
fi
exit 0
EOF
cat > "$ROOT/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
# remove keeps the data and the config; purge deletes both, and the user.
if [ "$1" = purge ]; then
    rm -rf /var/lib/esep /etc/esep
    if getent passwd esep >/dev/null; then deluser --system esep >/dev/null 2>&1 || true; fi
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
exit 0
EOF
chmod 0755 "$ROOT/DEBIAN/postinst" "$ROOT/DEBIAN/prerm" "$ROOT/DEBIAN/postrm"
mkdir -p "$OUT"
dpkg-deb --root-owner-group --build "$ROOT" "$OUT/esep_${VERSION}_${ARCH}.deb"
echo "$OUT/esep_${VERSION}_${ARCH}.deb"

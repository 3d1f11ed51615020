#!/usr/bin/env bash
# Installs esep as a systemd service from this source tree (run as root): builds the Debian
# package (deploy/build-deb.sh) and installs it with apt, which pulls in libmodbus5 and
# libsqlite3-0. The package creates the esep user, /var/lib/esep, /etc/esep (0750 root:esep) with
# the example config (0640) unless one is there, the units, the manual page and the docs.
# Run it again to upgrade: the config and the data are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
DEB=$(deploy/build-deb.sh dist | tail -1)
apt-get install -y "./$DEB"
# A binary and units an older install.sh copied by hand would shadow the package's.
for f in /usr/local/bin/esep /etc/systemd/system/esep.service /etc/systemd/system/esep-backup.service /etc/systemd/system/esep-backup.timer; do
    if [ -e "$f" ]; then echo "removing $f (installed by hand before; the package's is used now)"; rm -f "$f"; fi
done
if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
echo "Installed $(esep --version)."
echo "Edit /etc/esep/esep.toml, check it with 'esep check-config /etc/esep/esep.toml', then: systemctl enable --now esep"

#!/usr/bin/env bash
# Builds esep in release mode and installs it as a systemd service (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build -c release --product esep
install -m 0755 "$(swift build -c release --show-bin-path)/esep" /usr/local/bin/esep
id esep >/dev/null 2>&1 || useradd --system --home /var/lib/esep --shell /usr/sbin/nologin esep
# Readable by the esep user, writable by root only.
install -d -m 0750 -o root -g esep /etc/esep
[ -f /etc/esep/esep.toml ] || install -m 0640 -g esep deploy/esep.example.toml /etc/esep/esep.toml
install -m 0644 systemd/esep.service /etc/systemd/system/esep.service
# The unit's Documentation= points here.
install -D -m 0644 README.md /usr/share/doc/esep/README.md
# The nightly backup (enable with: systemctl enable --now esep-backup.timer).
install -m 0644 systemd/esep-backup.service /etc/systemd/system/esep-backup.service
install -m 0644 systemd/esep-backup.timer /etc/systemd/system/esep-backup.timer
systemctl daemon-reload
echo "Edit /etc/esep/esep.toml, check it with 'esep check-config /etc/esep/esep.toml', then: systemctl enable --now esep"

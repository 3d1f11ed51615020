#!/usr/bin/env bash
# Uninstalls esep (run as root). Keeps the data (/var/lib/esep, the database and its backups) and
# the config (/etc/esep) unless --purge is given, which deletes both and the esep user.
#
#   deploy/uninstall.sh            stop the service, remove the program and its units
#   deploy/uninstall.sh --purge    the same, and delete the data, the config and the user
set -euo pipefail
purge=no
case "${1:-}" in
    "") ;;
    --purge) purge=yes ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option '$1' (use --purge to delete the data too)" >&2; exit 2 ;;
esac
if [ -d /run/systemd/system ]; then
    systemctl disable --now esep.service esep-backup.timer >/dev/null 2>&1 || true
fi
if dpkg-query -W -f='${Status}' esep 2>/dev/null | grep -q "installed\|config-files"; then
    if [ "$purge" = yes ]; then dpkg --purge esep; else dpkg --remove esep; fi
fi
# What an older install.sh copied by hand.
rm -f /usr/local/bin/esep /etc/systemd/system/esep.service /etc/systemd/system/esep-backup.service \
    /etc/systemd/system/esep-backup.timer
if [ "$purge" = yes ]; then
    rm -rf /var/lib/esep /etc/esep
    if getent passwd esep >/dev/null; then userdel esep 2>/dev/null || true; fi
    echo "esep removed, with its data, config and user."
else
    echo "esep removed. Kept: /var/lib/esep (data, backups) and /etc/esep (config); delete them with: $0 --purge"
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

#!/usr/bin/env bash
# Checks the systemd units: `systemd-analyze verify` (with ExecStart pointing at the built binary,
# since /usr/local/bin/esep is not installed here) and prints `systemd-analyze security`'s
# exposure score of each service.
#
#   scripts/check-units.sh [ESEP_BIN]      (default .build/debug/esep)
set -euo pipefail
cd "$(dirname "$0")/.."
ESEP_BIN="$(realpath "${1:-.build/debug/esep}")"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for f in systemd/*.service systemd/*.timer; do
    sed "s#/usr/local/bin/esep#$ESEP_BIN#g" "$f" > "$WORK/$(basename "$f")"
done
systemd-analyze verify "$WORK"/*.service "$WORK"/*.timer
for f in "$WORK"/*.service; do
    systemd-analyze security --offline=true "$f" 2>/dev/null | tail -1
done
echo "check-units: ok"

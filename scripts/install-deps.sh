#!/usr/bin/env bash
# Installs the Debian packages esep builds and tests with. Idempotent; uses sudo when not root.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# libmodbus-dev: the Modbus/TCP library (CModbus); libsqlite3-dev: SQLite for GRDB;
# pkg-config: finds libmodbus; mbpoll: an independent Modbus client the tests compare against;
# openssl: the tests make TLS certificates with it.
$SUDO apt-get install -y --no-install-recommends libmodbus-dev libsqlite3-dev pkg-config mbpoll openssl

#!/usr/bin/env bash
# API snapshot under load: wrk against esep's /v1/snapshot of a 1,000-meter site, and against
# nginx serving the very same JSON bytes as a static file, in the same run, on loopback only.
#
#   bench/api-snapshot.sh                 # uses the release binary (swift build -c release first)
#   ESEP_BIN=/path/to/esep bench/api-snapshot.sh
#   WRK_DURATION=10s WRK_THREADS=2 WRK_CONNECTIONS=32 bench/api-snapshot.sh
#   WARM_S=420 bench/api-snapshot.sh      # let ingest fill most of a 10-minute hot window first
#
# Needs: bash, curl, python3 (port picking and JSON checks), wrk and nginx (installed with apt-get
# when missing and running as root). Everything it starts is stopped, and its temp dir removed, on exit.
# Prints a table and, last, one JSON line:
#   {"esep_rps":…,"nginx_rps":…,"ratio":…,"esep_p50_ms":…,"esep_p99_ms":…,"nginx_p50_ms":…,
#    "nginx_p99_ms":…,"samples_dropped":…}
set -euo pipefail

GATEWAYS=5
PER_GATEWAY=200
METERS=$((GATEWAYS * PER_GATEWAY))
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
WRK_DURATION=${WRK_DURATION:-10s}
READY_TIMEOUT_S=${READY_TIMEOUT_S:-60}
WARM_S=${WARM_S:-0}

say() { printf '%s\n' "api-snapshot: $*" >&2; }
die() { say "error: $*"; exit 1; }

cd "$(dirname "$0")/.."
if [[ -z "${ESEP_BIN:-}" ]]; then
    ESEP_BIN="$(swift build -c release --show-bin-path 2>/dev/null || true)/esep"
    if [[ ! -x "$ESEP_BIN" ]]; then
        ESEP_BIN=.build/debug/esep
        say "no release binary; using the DEBUG binary $ESEP_BIN (figures say nothing about the product)"
    fi
fi
[[ -x "$ESEP_BIN" ]] || die "no esep binary at $ESEP_BIN (swift build -c release)"

for tool in curl python3; do command -v "$tool" >/dev/null || die "$tool is required"; done
if ! command -v wrk >/dev/null || ! { command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; }; then
    [[ $(id -u) -eq 0 ]] || die "wrk and nginx are missing: apt-get install -y wrk nginx (as root)"
    say "installing wrk and nginx"
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk nginx >/dev/null 2>&1 ||
        { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk nginx >/dev/null; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

TMP=$(mktemp -d /tmp/esep-api-bench.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- simulators: 5 × 200 meters, one SAON controller (on the first, at unit 201) ----------------
SIM_PORTS=()
for g in $(seq 1 "$GATEWAYS"); do
    saon=0; [[ $g -eq 1 ]] && saon=$((PER_GATEWAY + 1))
    "$ESEP_BIN" sim --listen 127.0.0.1:0 --meters "$PER_GATEWAY" --profile sdm630 --seed "$g" \
        --saon-unit "$saon" >"$TMP/sim$g.log" 2>&1 &
    PIDS+=($!)
done
for g in $(seq 1 "$GATEWAYS"); do
    port=""
    for _ in $(seq 100); do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TMP/sim$g.log" | head -n1)
        [[ -n "$port" ]] && break
        sleep 0.1
    done
    [[ -n "$port" ]] || { cat "$TMP/sim$g.log" >&2; die "simulator $g printed no listening address"; }
    SIM_PORTS+=("$port")
done
say "simulators on ports ${SIM_PORTS[*]}"

# --- config -----------------------------------------------------------------------------------------
API_PORT=$(free_port)
"$ESEP_BIN" token new --name bench --scope admin >"$TMP/token.txt"
TOKEN=$(grep -o 'esep_[0-9a-f]\{16,\}' "$TMP/token.txt" | head -n1)
[[ -n "$TOKEN" ]] || die "could not read the token from 'esep token new'"

CONFIG="$TMP/esep.toml"
{
    printf '[site]\nname = "API snapshot bench"\n\n'
    printf '[storage]\npath = "%s/esep.sqlite"\n\n' "$TMP"
    printf '[ingest]\nsummary_interval_s = 0\n\n'
    # wrk's connections all come from 127.0.0.1: the per-address caps (16 requests, 32
    # connections by default, there so one client cannot take every slot) would answer half of
    # them 503, so the one client here may use them all.
    printf '[api]\nlisten = "127.0.0.1:%s"\nrate_limit_per_s = 100000\nmax_requests_per_address = 64\nmax_connections_per_address = 256\n\n' "$API_PORT"
    sed -n '/^\[\[api\.tokens\]\]/,/^scopes/p' "$TMP/token.txt"
    echo
    for g in $(seq 1 "$GATEWAYS"); do
        printf '[[gateways]]\nid = "gw%d"\nhost = "127.0.0.1"\nport = %s\n\n' "$g" "${SIM_PORTS[$((g - 1))]}"
    done
    n=0
    for g in $(seq 1 "$GATEWAYS"); do
        for u in $(seq 1 "$PER_GATEWAY"); do
            n=$((n + 1))
            printf '[[meters]]\nid = "M%04d"\ngateway = "gw%d"\nunit_id = %d\nprofile = "sdm630"\npoll_interval_ms = 1000\n\n' \
                "$n" "$g" "$u"
        done
    done
    printf '[[saon]]\nid = "SAON-1"\ngateway = "gw1"\nunit_id = %d\n' $((PER_GATEWAY + 1))
} >"$CONFIG"
grep -q '^hash = "sha256:' "$CONFIG" || die "could not read the token's config lines from 'esep token new'"
"$ESEP_BIN" check-config "$CONFIG" >"$TMP/check.txt" 2>&1 || { cat "$TMP/check.txt" >&2; die "check-config failed"; }

# --- esep run ----------------------------------------------------------------------------------------
"$ESEP_BIN" run --config "$CONFIG" --log-level warning >"$TMP/esep.log" 2>&1 &
ESEP_PID=$!
PIDS+=("$ESEP_PID")
BASE="http://127.0.0.1:$API_PORT"
AUTH="Authorization: Bearer $TOKEN"

SNAP="$TMP/www/snapshot.json"
mkdir -p "$TMP/www"
deadline=$((SECONDS + READY_TIMEOUT_S))
start=$SECONDS
while :; do
    kill -0 "$ESEP_PID" 2>/dev/null || { tail -n 20 "$TMP/esep.log" >&2; die "esep run exited"; }
    if curl -sf -H "$AUTH" "$BASE/v1/snapshot" -o "$SNAP.part" 2>/dev/null &&
        python3 - "$SNAP.part" "$METERS" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
m = d.get("meters", [])
ok = len(m) == int(sys.argv[2]) and all("reading_time_ms" in x and "import_wh" in x for x in m)
sys.exit(0 if ok else 1)
EOF
    then
        mv "$SNAP.part" "$SNAP"
        break
    fi
    ((SECONDS < deadline)) || die "no snapshot with readings from all $METERS meters within ${READY_TIMEOUT_S}s"
    sleep 0.5
done
SNAP_BYTES=$(wc -c <"$SNAP")
say "all $METERS meters have readings after $((SECONDS - start)) s; snapshot is $SNAP_BYTES bytes"

# --- nginx, serving the same bytes ------------------------------------------------------------------
NGINX_PORT=$(free_port)
chmod 755 "$TMP" "$TMP/www"
chmod 644 "$SNAP"
cat >"$TMP/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx-body;
    proxy_temp_path $TMP/nginx-proxy;
    fastcgi_temp_path $TMP/nginx-fastcgi;
    uwsgi_temp_path $TMP/nginx-uwsgi;
    scgi_temp_path $TMP/nginx-scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = /v1/snapshot {
            default_type application/json;
            alias $SNAP;
        }
    }
}
EOF
"$NGINX" -p "$TMP" -c "$TMP/nginx.conf" >"$TMP/nginx.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NGINX_PORT/v1/snapshot" -o "$TMP/nginx-check.json" && break; sleep 0.1; done
cmp -s "$SNAP" "$TMP/nginx-check.json" || { cat "$TMP/nginx-error.log" "$TMP/nginx.log" >&2 || true; die "nginx does not serve the snapshot"; }

# --- load -------------------------------------------------------------------------------------------
if ((WARM_S > 0)); then
    say "letting esep ingest for ${WARM_S}s before the load"
    sleep "$WARM_S"
    kill -0 "$ESEP_PID" 2>/dev/null || { tail -n 20 "$TMP/esep.log" >&2; die "esep run exited while warming up"; }
fi
dropped() {
    curl -sf -H "$AUTH" "$BASE/metrics" | awk '$1 ~ /^esep_samples_dropped_total/ { s += $2; f = 1 } END { if (f) print s; else print "absent" }'
}
DROPPED_BEFORE=$(dropped)

say "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION: esep"
wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency -H "$AUTH" "$BASE/v1/snapshot" >"$TMP/wrk-esep.txt"
say "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION: nginx"
wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency "http://127.0.0.1:$NGINX_PORT/v1/snapshot" >"$TMP/wrk-nginx.txt"

DROPPED_AFTER=$(dropped)
kill -0 "$ESEP_PID" 2>/dev/null || die "esep run died under load"

# wrk prints e.g. "Requests/sec:  1234.56" and, under "Latency Distribution", "50%  1.23ms".
rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
pct_ms() { # file percentile
    awk -v p="$2%" '$1 == p {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
        printf "%.3f\n", v * f; exit }' "$1"
}
non2xx() { awk '/Non-2xx or 3xx responses:/ { print $NF; f = 1 } END { if (!f) print 0 }' "$1"; }
errors() { awk '/Socket errors:/ { sub(/.*Socket errors: */, ""); print; f = 1 } END { if (!f) print "none" }' "$1"; }

E_RPS=$(rps "$TMP/wrk-esep.txt"); N_RPS=$(rps "$TMP/wrk-nginx.txt")
[[ -n "$E_RPS" && -n "$N_RPS" ]] || { cat "$TMP/wrk-esep.txt" "$TMP/wrk-nginx.txt" >&2; die "could not parse wrk output"; }
E_P50=$(pct_ms "$TMP/wrk-esep.txt" 50); E_P99=$(pct_ms "$TMP/wrk-esep.txt" 99)
N_P50=$(pct_ms "$TMP/wrk-nginx.txt" 50); N_P99=$(pct_ms "$TMP/wrk-nginx.txt" 99)
E_BAD=$(non2xx "$TMP/wrk-esep.txt"); N_BAD=$(non2xx "$TMP/wrk-nginx.txt")
RATIO=$(awk -v e="$E_RPS" -v n="$N_RPS" 'BEGIN { printf "%.3f", (n > 0) ? e / n : 0 }')
if [[ $DROPPED_BEFORE == absent && $DROPPED_AFTER == absent ]]; then
    DROPPED=0
elif [[ $DROPPED_BEFORE == absent || $DROPPED_AFTER == absent ]]; then
    DROPPED=${DROPPED_AFTER/absent/0}
else
    DROPPED=$(awk -v a="$DROPPED_AFTER" -v b="$DROPPED_BEFORE" 'BEGIN { printf "%d", a - b }')
fi

echo
echo "API snapshot under load: $METERS meters, snapshot $SNAP_BYTES bytes, warm-up ${WARM_S}s, wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-8s %12s %10s %10s %10s  %s\n' server req/s p50_ms p99_ms non-2xx "socket errors"
printf '%-8s %12s %10s %10s %10s  %s\n' esep "$E_RPS" "$E_P50" "$E_P99" "$E_BAD" "$(errors "$TMP/wrk-esep.txt")"
printf '%-8s %12s %10s %10s %10s  %s\n' nginx "$N_RPS" "$N_P50" "$N_P99" "$N_BAD" "$(errors "$TMP/wrk-nginx.txt")"
echo "ratio esep/nginx: $RATIO (target >= 0.5); esep_samples_dropped_total before $DROPPED_BEFORE, after $DROPPED_AFTER (target: 0 or absent)"
printf '{"esep_rps":%s,"nginx_rps":%s,"ratio":%s,"esep_p50_ms":%s,"esep_p99_ms":%s,"nginx_p50_ms":%s,"nginx_p99_ms":%s,"samples_dropped":%s}\n' \
    "$E_RPS" "$N_RPS" "$RATIO" "$E_P50" "$E_P99" "$N_P50" "$N_P99" "$DROPPED"

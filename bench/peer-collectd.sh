#!/usr/bin/env bash
# esep beside a peer, on the same simulated meters and schedule, one after the other:
#
#   paced      a bare synchronous libmodbus loop (bench/paced-loop.c) making esep's requests on
#              esep's schedule, nothing else: the floor
#   collectd   collectd's modbus plugin, one <Data> per value, with its csv writer
#   collectd-  the same without a writer
#   esep       `esep run --config` with its real store
#
# Meters: `esep sim` processes with the iem3000 profile (Schneider iEM3xxx-style, FC03), 200 per
# endpoint, one connection per endpoint for every tool, every meter polled each second. Value sets:
# 2 (energy_import, power_total: 2 requests per poll for everyone) and 9 (currents, voltages,
# power, frequency, energy: esep and the paced loop make 5 merged reads, collectd 9 requests).
#
# For each tool: CPU (user + system, /proc/PID/stat) over RUN_SECONDS after WARMUP seconds, as CPU
# s per million values, µs per Modbus request and share of one core; peak RSS (VmHWM); polls on
# schedule: the paced loop's and esep's own counts of polls made over polls due (esep's due polls
# include those that failed, were skipped or let pass late; its store is checked for gaps after
# the run), collectd's csv lines stamped within the window's whole seconds over the values due in
# them. Prints a Markdown table.
#
#   bench/peer-collectd.sh                      200 and 1000 meters, sets 2 and 9, 60 s each
#   METERS="200" SETS="2" RUN_SECONDS=30 bench/peer-collectd.sh
#   ESEP_BIN=path/to/esep bench/peer-collectd.sh   (default: a release build, made if missing)
#   TOOLS="paced esep" bench/peer-collectd.sh       (any of: paced collectd esep; default all)
#
# Installs collectd-core (Debian) when collectd is missing (root, or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
METERS="${METERS:-200 1000}"
SETS="${SETS:-2 9}"
RUN_SECONDS="${RUN_SECONDS:-60}"
WARMUP="${WARMUP:-5}"
TOOLS="${TOOLS:-paced collectd esep}"
want() { case " $TOOLS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
PER_ENDPOINT=200
INTERVAL_MS=1000
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

if [ -z "${ESEP_BIN:-}" ]; then
    swift build -c release --product esep >&2
    ESEP_BIN="$(swift build -c release --show-bin-path)/esep"
fi
if ! command -v collectd >/dev/null; then
    $SUDO apt-get install -y --no-install-recommends collectd-core >&2
fi
# The package starts its own collectd; it must not run beside the measurements.
$SUDO systemctl disable --now collectd >/dev/null 2>&1 || true
if pgrep -x collectd >/dev/null; then echo "peer-collectd: a collectd is running; stop it first" >&2; exit 1; fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
cc -O2 -o "$WORK/paced-loop" bench/paced-loop.c $(pkg-config --cflags --libs libmodbus)
HZ=$(getconf CLK_TCK)

# iem3000 registers (0-based, FC03): name address collectd-type
declare -A ADDRESS=([current_l1]=2999 [current_l2]=3001 [current_l3]=3003 [voltage_l1]=3027 [voltage_l2]=3029
    [voltage_l3]=3031 [power_total]=3059 [frequency]=3109 [energy_import]=3203)
SET2="energy_import power_total"
SET9="current_l1 current_l2 current_l3 voltage_l1 voltage_l2 voltage_l3 power_total frequency energy_import"

cpu_ticks() { # utime + stime of the processes given, all threads
    local total=0 p f
    for p in "$@"; do
        read -r -a f < "/proc/$p/stat"
        total=$((total + f[13] + f[14]))
    done
    echo "$total"
}
peak_rss_kib() { local total=0 p; for p in "$@"; do total=$((total + $(awk '/VmHWM/ {print $2}' "/proc/$p/status"))); done; echo "$total"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Measures the processes in $@: their CPU over RUN_SECONDS, and what they delivered over about the
# same window. The caller's counter function `$COUNT` prints "VALUES REQUESTS ONTIME DUE" so far:
# values and requests delivered, and the polls made on time and the polls due by the tool's own
# bookkeeping ("- -" when it keeps none; then the window's length says what was due). The counts are
# read outside the CPU window (asking esep's /metrics costs esep CPU), and each figure is turned
# into a rate over its own window.
measure() {
    sleep "$WARMUP"
    local c0 c1 v0 v1 r0 r1 o0 o1 d0 d1 t0 t1 tc0 tc1
    read -r v0 r0 o0 d0 < <($COUNT); t0=$(date +%s.%N)
    c0=$(cpu_ticks "$@"); tc0=$(date +%s.%N)
    sleep "$RUN_SECONDS"
    c1=$(cpu_ticks "$@"); tc1=$(date +%s.%N)
    read -r v1 r1 o1 d1 < <($COUNT); t1=$(date +%s.%N)
    RSS_KIB=$(peak_rss_kib "$@")
    CPU_S=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN {printf "%.2f", (b - a) / hz}')
    CPU_WINDOW=$(awk -v a="$tc0" -v b="$tc1" 'BEGIN {printf "%.3f", b - a}')
    ELAPSED=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    # Whole seconds inside the window, for counting by timestamp afterwards.
    FIRST_S=$(awk -v a="$t0" 'BEGIN {printf "%d", int(a) + 1}'); LAST_S=$(awk -v b="$t1" 'BEGIN {printf "%d", int(b)}')
    if [ "$v0" = - ]; then VALUES=-; REQUESTS=-; else VALUES=$((v1 - v0)); REQUESTS=$((r1 - r0)); fi
    if [ "${o0:--}" = - ]; then SCHEDULE=-; else
        SCHEDULE=$(awk -v o=$((o1 - o0)) -v d=$((d1 - d0)) 'BEGIN {printf "%.3f %%", (d > 0 ? 100 * o / d : 0)}'); fi
}

store_check() { # CONF METERS FIRST_S LAST_S: polls missing from esep's store, every tenth meter
    python3 - "$ESEP_BIN" "$@" <<'PY'
import csv, io, subprocess, sys
from datetime import datetime, timezone
esep, conf, meters, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
iso = lambda s: datetime.fromtimestamp(s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
checked = missing = due = 0
for m in range(0, meters, 10):
    device = "E%dM%03d" % (m // 200, m % 200 + 1)
    out = subprocess.run([esep, "query", "--config", conf, "--device", device, "--channel", "energy_import",
                          "--from", iso(first), "--to", iso(last), "--format", "csv"],
                         check=True, capture_output=True, text=True).stdout
    times = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp() for r in csv.DictReader(io.StringIO(out))]
    edges = [first] + times + [last]  # a poll missing at either end of the window counts too
    missing += sum(max(0, round(b - a) - 1) for a, b in zip(edges, edges[1:]) if b - a > 1.5)
    due += last - first
    checked += 1
print("peer-collectd: esep's store, %d meters x %d s: %d of %d polls missing" % (checked, last - first, missing, due))
PY
}

row() { # tool meters set values_per_poll requests_per_poll
    local tool=$1 meters=$2 set=$3 vpp=$4 rpp=$5
    local due_values due_requests
    due_values=$(awk -v m="$meters" -v t="$ELAPSED" -v i="$INTERVAL_MS" -v k="$vpp" 'BEGIN {printf "%d", m * t * 1000 / i * k}')
    due_requests=$(awk -v m="$meters" -v t="$ELAPSED" -v i="$INTERVAL_MS" -v k="$rpp" 'BEGIN {printf "%d", m * t * 1000 / i * k}')
    # Per value and per request: of what was due when the tool cannot count (no writer).
    local values=$VALUES requests=$REQUESTS schedule=$SCHEDULE
    if [ "$values" = - ]; then values=$due_values; requests=$due_requests; fi
    [ "$schedule" = - ] && schedule="n/a"
    # CPU per second of its window, over values (requests) per second of theirs.
    awk -v tool="$tool" -v m="$meters" -v s="$set" -v cpu="$CPU_S" -v v="$values" -v r="$requests" -v tv="$ELAPSED" \
        -v tc="$CPU_WINDOW" -v rss="$RSS_KIB" -v sched="$schedule" 'BEGIN {
        c = cpu / tc; vr = v / tv; rr = r / tv
        printf "| %s | %d | %d | %.1f | %.1f | %.2f %% | %.1f | %s |\n", tool, m, s, (vr > 0 ? c / (vr / 1e6) : 0),
            (rr > 0 ? c * 1e6 / rr : 0), 100 * c, rss / 1024, sched }'
}

echo "| tool | meters | values | CPU s per 10⁶ values | CPU µs per request | share of a core | peak RSS MiB | polls on schedule |"
echo "|---|---|---|---|---|---|---|---|"
for meters in $METERS; do
    endpoints=$(((meters + PER_ENDPOINT - 1) / PER_ENDPOINT))
    SIM_PORTS=()
    SIM_PIDS=()
    for ((e = 0; e < endpoints; e++)); do
        n=$((meters - e * PER_ENDPOINT)); [ "$n" -gt "$PER_ENDPOINT" ] && n=$PER_ENDPOINT
        "$ESEP_BIN" sim --listen 127.0.0.1:0 --meters "$n" --profile iem3000 --saon-unit 0 --seed $((e + 1)) > "$WORK/sim$e.log" 2>&1 &
        SIM_PIDS+=($!); PIDS+=($!)
    done
    for ((e = 0; e < endpoints; e++)); do
        for _ in $(seq 100); do grep -q "listening on" "$WORK/sim$e.log" && break; sleep 0.1; done
        SIM_PORTS+=("$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' "$WORK/sim$e.log" | head -1)")
    done
    for set in $SETS; do
        channels=$SET2; [ "$set" = 9 ] && channels=$SET9
        toml_channels=$(printf '"%s",' $channels); toml_channels="[${toml_channels%,}]"

        # esep's config: one gateway (one connection) per endpoint.
        db="$WORK/esep-$meters-$set.sqlite"; api=$(free_port); conf="$WORK/esep-$meters-$set.toml"
        printf '[site]\nname = "bench"\n[storage]\npath = "%s"\n[api]\nlisten = "127.0.0.1:%s"\nopen_on_loopback = true\n' "$db" "$api" > "$conf"
        for ((e = 0; e < endpoints; e++)); do
            printf '[[gateways]]\nid = "sim%d"\nhost = "127.0.0.1"\nport = %s\nmax_in_flight = 1\n' "$e" "${SIM_PORTS[$e]}" >> "$conf"
            n=$((meters - e * PER_ENDPOINT)); [ "$n" -gt "$PER_ENDPOINT" ] && n=$PER_ENDPOINT
            for ((u = 1; u <= n; u++)); do
                printf '[[meters]]\nid = "E%dM%03d"\ngateway = "sim%d"\nunit_id = %d\nprofile = "iem3000"\nchannels = %s\npoll_interval_ms = %d\n' \
                    "$e" "$u" "$e" "$u" "$toml_channels" "$INTERVAL_MS" >> "$conf"
            done
        done
        # esep's requests per poll, from its own read plan: the paced loop makes the same.
        reads=$("$ESEP_BIN" check-config "$conf" --plan | awk '!done && /^E0M001 /{on=1; next} on && /^  FC/ {
            split($2, r, "…"); fc = substr($1, 3) + 0; printf "%d:%d:%d ", fc, r[1], r[2] - r[1] + 1; next } on {on = 0; done = 1}')
        rpp=$(echo "$reads" | wc -w); vpp=$(echo "$channels" | wc -w)

        # 1. paced bare libmodbus loop, one process per endpoint.
        if want paced; then
        PACED=()
        for ((e = 0; e < endpoints; e++)); do
            n=$((meters - e * PER_ENDPOINT)); [ "$n" -gt "$PER_ENDPOINT" ] && n=$PER_ENDPOINT
            # shellcheck disable=SC2086
            "$WORK/paced-loop" 127.0.0.1 "${SIM_PORTS[$e]}" "$n" "$INTERVAL_MS" $reads > "$WORK/paced$e.log" &
            PACED+=($!); PIDS+=($!)
        done
        paced_count() { # from each loop's last report: polls made, and polls missed (a whole interval late)
            local v=0 r=0 o=0 d=0 e line polls req missed
            for ((e = 0; e < endpoints; e++)); do
                line=$(tail -1 "$WORK/paced$e.log")
                polls=$(echo "$line" | sed -n 's/.*polls=\([0-9]*\).*/\1/p'); req=$(echo "$line" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
                missed=$(echo "$line" | sed -n 's/.*missed=\([0-9]*\).*/\1/p')
                v=$((v + ${polls:-0} * vpp)); r=$((r + ${req:-0})); o=$((o + ${polls:-0})); d=$((d + ${polls:-0} + ${missed:-0}))
            done
            echo "$v $r $o $d"
        }
        COUNT=paced_count measure "${PACED[@]}"
        kill "${PACED[@]}"; wait "${PACED[@]}" 2>/dev/null || true
        row "paced libmodbus loop" "$meters" "$set" "$vpp" "$rpp"
        fi

        # 2./3. collectd's modbus plugin, with its csv writer and without a writer.
        for writer in csv none; do
            want collectd || continue
            cd_dir="$WORK/collectd-$writer"; rm -rf "$cd_dir"; mkdir -p "$cd_dir/csv"
            {
                printf 'Hostname "bench"\nFQDNLookup false\nBaseDir "%s"\nPIDFile "%s/collectd.pid"\n' "$cd_dir" "$cd_dir"
                printf 'TypesDB "/usr/share/collectd/types.db"\nInterval 1\nReadThreads %d\nWriteThreads 1\n' "$endpoints"
                printf 'LoadPlugin modbus\n'
                [ "$writer" = csv ] && printf 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s/csv"\n  StoreRates false\n</Plugin>\n' "$cd_dir"
                printf '<Plugin modbus>\n'
                for c in $channels; do
                    type=Float; [ "$c" = energy_import ] && type=Int64
                    printf '  <Data "%s">\n    RegisterBase %d\n    RegisterType %s\n    RegisterCmd ReadHolding\n    Type gauge\n    Instance "%s"\n  </Data>\n' \
                        "$c" "${ADDRESS[$c]}" "$type" "$c"
                done
                for ((e = 0; e < endpoints; e++)); do
                    n=$((meters - e * PER_ENDPOINT)); [ "$n" -gt "$PER_ENDPOINT" ] && n=$PER_ENDPOINT
                    printf '  <Host "sim%d">\n    Address "127.0.0.1"\n    Port "%s"\n    Interval 1\n' "$e" "${SIM_PORTS[$e]}"
                    for ((u = 1; u <= n; u++)); do
                        printf '    <Slave %d>\n      Instance "E%dM%03d"\n' "$u" "$e" "$u"
                        for c in $channels; do printf '      Collect "%s"\n' "$c"; done
                        printf '    </Slave>\n'
                    done
                    printf '  </Host>\n'
                done
                printf '</Plugin>\n'
            } > "$cd_dir/collectd.conf"
            collectd -f -C "$cd_dir/collectd.conf" > "$cd_dir/collectd.log" 2>&1 &
            CD=$!; PIDS+=($CD)
            if [ "$writer" = csv ]; then
                none_count() { echo "- - - -"; }
                COUNT=none_count measure "$CD"
                # What it delivered: the csv lines stamped within the window's whole seconds (its
                # writes come in one burst a second, which would jitter a count of lines so far).
                VALUES=$(find "$cd_dir/csv" -type f -exec cat {} + 2>/dev/null |
                    awk -F, -v a="$FIRST_S" -v b="$LAST_S" '$1 + 0 >= a && $1 + 0 < b {n++} END {print n + 0}')
                REQUESTS=$VALUES; ELAPSED=$((LAST_S - FIRST_S))
                SCHEDULE=$(awk -v v="$VALUES" -v m="$meters" -v k="$vpp" -v t="$ELAPSED" -v i="$INTERVAL_MS" \
                    'BEGIN {printf "%.3f %%", 100 * v / (m * k * t * 1000 / i)}')
                row "collectd 5.12 modbus + csv" "$meters" "$set" "$vpp" "$vpp"
            else
                none_count() { echo "- - - -"; }
                COUNT=none_count measure "$CD"
                row "collectd 5.12 modbus, no writer" "$meters" "$set" "$vpp" "$vpp"
            fi
            kill "$CD"; wait "$CD" 2>/dev/null || true
        done

        # 4. esep, the real daemon with its store.
        want esep || continue
        "$ESEP_BIN" run --config "$conf" --log-level warning > "$WORK/esep-$meters-$set.log" 2>&1 &
        ESEP=$!; PIDS+=($ESEP)
        for _ in $(seq 100); do curl -sf "http://127.0.0.1:$api/healthz" >/dev/null && break; sleep 0.1; done
        esep_count() { # values = successful polls × values per poll (what is stored follows within
            # the 200 ms commit interval, which would jitter a count of stored samples); requests =
            # successful polls × reads per poll; due = every poll esep made, failed, skipped (no
            # connection) or let pass (a whole interval late). Samples lost are read at the end.
            curl -sf "http://127.0.0.1:$api/metrics" | awk -v vpp="$vpp" -v rpp="$rpp" '
                /^esep_polls_total\{result="ok"\} / {ok = $2} /^esep_polls_total\{result="error"\} / {err = $2}
                /^esep_polls_skipped_total / {skip = $2} /^esep_poll_overruns_total / {late = $2}
                END {printf "%d %d %d %d\n", ok * vpp, ok * rpp, ok, ok + err + skip + late}'
        }
        COUNT=esep_count measure "$ESEP"
        row "esep" "$meters" "$set" "$vpp" "$rpp"
        lost=$(curl -sf "http://127.0.0.1:$api/metrics" | awk '/^esep_samples_dropped_total/ {n += $2} END {print n + 0}')
        [ "$lost" = 0 ] || echo "peer-collectd: esep lost $lost samples ($meters meters, $set values)" >&2
        kill -TERM "$ESEP"; wait "$ESEP" 2>/dev/null || true
        # And from the store: every tenth meter's stored energy readings over the window, each gap
        # wider than 1.5 intervals counted as the polls it lacks.
        store_check "$conf" "$meters" "$FIRST_S" "$LAST_S" >&2
    done
    kill "${SIM_PIDS[@]}"; wait "${SIM_PIDS[@]}" 2>/dev/null || true
done

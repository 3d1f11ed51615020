#!/usr/bin/env bash
# Loads the dashboard (GET /) in headless Chromium against a running demo daemon (`esep run`
# with the built-in simulator), waits for data and asserts on the rendered numbers; saves a
# screenshot; the purchase panel is checked against the snapshot's purchase (the demo stores a
# schedule for today), and the SAON trips against the snapshot's (the demo drills every 15 s here).
# Needs chromium (Debian: apt-get install -y chromium), curl and python3.
#
#   scripts/dashboard-check.sh [OUT_DIR]        # default OUT_DIR: .build/dashboard-check
#
# ESEP_BIN overrides the binary (default: swift build, then .build/debug/esep).
# Exit 0 when every assertion holds; the screenshot is OUT_DIR/dashboard.png either way.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-.build/dashboard-check}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || { echo "dashboard-check: chromium not found (apt-get install -y chromium)" >&2; exit 2; }
if [ -z "${ESEP_BIN:-}" ]; then
    swift build --product esep >/dev/null
    ESEP_BIN=.build/debug/esep
fi
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
TOKEN=esep_check_$(python3 -c 'import secrets; print(secrets.token_hex(16))')
BASE="http://127.0.0.1:$PORT"

ESEP_DEMO_TOKEN=$TOKEN "$ESEP_BIN" run --meters 5 --saon-cycle 15 --db "$WORK/esep.sqlite" --api-listen "127.0.0.1:$PORT" \
    --duration 300 --log-level warning >"$OUT/daemon.log" 2>&1 &
DAEMON=$!
cleanup() { kill "$DAEMON" 2>/dev/null || true; wait "$DAEMON" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

fail() { echo "dashboard-check: FAIL: $*" >&2; exit 1; }

# Wait until every simulated meter reports.
for _ in $(seq 1 60); do
    if curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/v1/snapshot" -o "$OUT/snapshot.json" 2>/dev/null \
        && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["meters_reporting"] == d["meters_total"] > 0 else 1)' "$OUT/snapshot.json"; then
        break
    fi
    sleep 1
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["meters_reporting"] > 0 else 1)' "$OUT/snapshot.json" \
    || fail "no meter reported within 60 s (see $OUT/daemon.log)"

# Wait (at most 45 s) for a drill to be verified: a trip in the snapshot's SAON state.
for _ in $(seq 1 45); do
    curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/v1/snapshot" -o "$OUT/snapshot.json" 2>/dev/null || true
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["saon"] and d["saon"][0].get("last_trips") else 1)' "$OUT/snapshot.json" 2>/dev/null; then
        break
    fi
    sleep 1
done

# Then for the end of that drill (its 5 s shed moves the site's power), so the page and the
# snapshots around it see the same load.
for _ in $(seq 1 20); do
    curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/v1/snapshot" -o "$OUT/snapshot.json" 2>/dev/null || true
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["saon"] and not d["saon"][0]["stages_tripped"] else 1)' "$OUT/snapshot.json" 2>/dev/null; then
        break
    fi
    sleep 0.5
done
sleep 1
curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/v1/snapshot" -o "$OUT/snapshot.json" || fail "no snapshot"

URL="$BASE/#token=$TOKEN"
FLAGS=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --user-data-dir="$WORK/chromium"
    --virtual-time-budget=8000 --window-size=1280,1500)
"$CHROMIUM" "${FLAGS[@]}" --dump-dom "$URL" >"$OUT/dashboard.html" 2>"$OUT/chromium.log" || fail "chromium --dump-dom failed"
curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/v1/snapshot" -o "$OUT/snapshot-after.json" || fail "no snapshot"
"$CHROMIUM" "${FLAGS[@]}" --screenshot="$OUT/dashboard.png" "$URL" >>"$OUT/chromium.log" 2>&1 || true

# Assert on the rendered page: the numbers the script filled in, against the API's own snapshot.
# The page fetched its own snapshot between the two taken here: its figures must agree with one.
python3 - "$OUT/dashboard.html" "$OUT/snapshot.json" "$OUT/snapshot-after.json" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()

def text(id):
    m = re.search(r'id="%s"[^>]*>(.*?)</' % re.escape(id), dom, re.S)
    if not m:
        sys.exit("dashboard-check: FAIL: no element #%s in the rendered page" % id)
    return html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).strip()

def number(s):
    return float(s.replace("\u2009", "").replace(" ", ""))

def check(snap):
    problems = []
    status = text("status")
    if status != "live":
        problems.append("status is %r, not 'live'" % status)
    power = text("site-power")
    try:
        kw = number(power)
        expected = snap["site_power_w"] / 1000
        if abs(kw - expected) > max(0.25 * abs(expected), 5):
            problems.append("site power %s kW is far from the snapshot's %.1f kW" % (power, expected))
    except ValueError:
        problems.append("site power %r is not a number" % power)
    reporting = text("meters-reporting")
    if not re.fullmatch(r"\d+ of %d" % snap["meters_total"], reporting):
        problems.append("meters reporting %r" % reporting)
    qtd = text("qtd-kwh")
    try:
        number(qtd)
    except ValueError:
        problems.append("quarter-to-date %r is not a number" % qtd)
    if "%" not in text("qtd-completeness"):
        problems.append("quarter-to-date completeness %r" % text("qtd-completeness"))
    rows = re.findall(r"<tr>(.*?)</tr>", dom.split('id="meter-rows"', 1)[1].split("</tbody>", 1)[0], re.S)
    if len(rows) != snap["meters_total"]:
        problems.append("%d meter rows, expected %d" % (len(rows), snap["meters_total"]))
    for m in snap["meters"]:
        if ">%s<" % m["id"] not in dom:
            problems.append("meter %s not shown" % m["id"])
    if "armed" not in dom.split('id="saon-rows"', 1)[1][:4000]:
        problems.append("SAON state not shown")
    if "<polyline" not in dom.split('id="power-chart"', 1)[1].split("</svg>", 1)[0]:
        problems.append("the power chart has no live line")
    # The SAON trips: the drill's stage-1 trip, verified, shown as a test with its verdict.
    trips = snap["saon"][0].get("last_trips", []) if snap["saon"] else []
    trip_rows = re.findall(r"<tr>(.*?)</tr>", dom.split('id="saon-trip-rows"', 1)[1].split("</tbody>", 1)[0], re.S)
    if not trips:
        problems.append("no SAON trip in the snapshot within 45 s (the demo drills every 15 s)")
    elif not trip_rows:
        problems.append("the SAON trips table is empty")
    else:
        first = html.unescape(re.sub(r"<[^>]+>", "|", trip_rows[0]))
        t = trips[0]
        if t["verdict"] not in first or ("test (drill)" in first) != t["test"]:
            problems.append("first trip row %r does not show the snapshot's %s/%s" % (first, t["verdict"], t["test"]))
        if t["verdict"] != "verified" or not t["test"]:
            problems.append("the drill's trip is %s (test=%s), not a verified test: %s" % (t["verdict"], t["test"], t["reason"]))
    # The purchase panel: the demo stores a schedule for today sized so that this hour heads over it.
    purchase = snap.get("purchase")
    if not purchase:
        problems.append("the snapshot has no purchase (the demo stores a schedule for today)")
    else:
        m = re.search(r'<section id="purchase-panel" class="([a-z]+)"', dom)
        panel_class = m.group(1) if m else None
        if panel_class != ("over" if purchase["over"] else "under"):
            problems.append("purchase panel class %r, the snapshot says over=%s" % (panel_class, purchase["over"]))
        try:
            bought = number(text("purchase-bought"))
            if abs(bought - purchase["purchased_wh"] / 1000) > 0.05 + 1e-9:
                problems.append("bought %s kWh, the snapshot's %.3f" % (text("purchase-bought"), purchase["purchased_wh"] / 1000))
            for id in ("purchase-consumed", "purchase-projected"):
                number(text(id))
            number(text("purchase-margin").replace("\u2212", "-"))
        except ValueError:
            problems.append("purchase figures are not numbers: %r" % [text(i) for i in ("purchase-bought", "purchase-consumed", "purchase-projected", "purchase-margin")])
        if not text("purchase-hour").startswith(str(purchase["hour"]) + " "):
            problems.append("purchase hour %r, the snapshot's %d" % (text("purchase-hour"), purchase["hour"]))
        state = text("purchase-state")
        if purchase["over"] != state.startswith("OVER"):
            problems.append("purchase state %r, the snapshot says over=%s" % (state, purchase["over"]))
    return problems, power, reporting, qtd

results = [check(json.load(open(f))) for f in sys.argv[2:4]]
problems, power, reporting, qtd = next((r for r in results if not r[0]), results[0])
if problems:
    sys.exit("dashboard-check: FAIL:\n  " + "\n  ".join(problems))
print("dashboard-check: ok — site power %s kW, %s meters reporting, quarter to date %s kWh (%s); this hour bought %s kWh, projected %s kWh: %s" % (
    power, reporting, qtd, text("qtd-completeness"), text("purchase-bought"), text("purchase-projected"), text("purchase-state")))
PY
echo "dashboard-check: screenshot $OUT/dashboard.png"

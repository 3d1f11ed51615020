import Hummingbird

/// The live dashboard served at `GET /`: one self-contained page (inline CSS and script, no
/// build step, nothing fetched from elsewhere). The page itself is open; its data requests
/// (`/v1/snapshot`, `/v1/site/intervals`) carry a bearer token the page asks for once and keeps
/// in `sessionStorage` (a `#token=…` fragment is taken instead of asking, for scripted checks).
///
/// Element ids the script fills (the dashboard test checks they are present): `site-power`,
/// `site-power-note`, `power-chart`, `energy-chart`, `energy-today`, `qtd-kwh`,
/// `qtd-completeness`, `mtd-kwh`, `mtd-completeness`, `meters-reporting`, `meter-rows`,
/// `saon-rows`, `deadline-rows`, `updated`, `status`, and the purchase panel's `purchase-panel`,
/// `purchase-hour`, `purchase-bought`, `purchase-consumed`, `purchase-projected`, `purchase-margin`,
/// `purchase-state`, and the SAON trips' `saon-trip-rows`.
enum DashboardPage {
    /// Ids of the elements the script fills.
    static let elementIds = [
        "site-power", "site-power-note", "power-chart", "energy-chart", "energy-today", "qtd-kwh", "qtd-completeness",
        "mtd-kwh", "mtd-completeness", "meters-reporting", "meter-rows", "saon-rows", "deadline-rows", "updated", "status",
        "purchase-panel", "purchase-hour", "purchase-bought", "purchase-consumed", "purchase-projected", "purchase-margin",
        "purchase-state", "saon-trip-rows",
    ]

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>esep — live site</title>
        <style>
          :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2430; --muted: #667085; --line: #d0d5dd;
                  --ok: #12805c; --warn: #b54708; --bad: #b42318; --accent: #1f5fbf; }
          * { box-sizing: border-box; }
          body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
          header { display: flex; align-items: baseline; gap: 1rem; padding: .8rem 1.2rem; background: var(--ink); color: #fff; }
          header h1 { font-size: 1.1rem; margin: 0; }
          header .meta { color: #c9d1dc; font-size: .85rem; }
          #status { margin-left: auto; font-size: .85rem; }
          main { display: grid; gap: 1rem; padding: 1rem 1.2rem; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); }
          section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
          section.wide { grid-column: 1 / -1; }
          h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 .5rem; }
          .big { font-size: 2.2rem; font-weight: 600; font-variant-numeric: tabular-nums; }
          .unit { font-size: 1rem; color: var(--muted); font-weight: 400; }
          .note { color: var(--muted); font-size: .85rem; }
          table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
          th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eef0f3; }
          th { color: var(--muted); font-weight: 500; font-size: .8rem; }
          td.num { text-align: right; }
          .ok { color: var(--ok); } .failing, .stale, .partial { color: var(--warn); } .down, .no_data, .unknown { color: var(--bad); }
          .pill { display: inline-block; padding: 0 .45rem; border-radius: 999px; background: #eef0f3; margin-right: .25rem; }
          .pill.on { background: #fde8e7; color: var(--bad); }
          svg { width: 100%; height: 180px; display: block; }
          svg text { font-size: 10px; fill: var(--muted); }
          .verified { color: var(--ok); font-weight: 600; } .failed { color: var(--bad); font-weight: 600; } .unverifiable { color: var(--warn); }
          #purchase-panel.over { border-color: var(--bad); background: #fef3f2; }
          #purchase-panel.over #purchase-state { color: var(--bad); font-weight: 600; }
          #purchase-panel.under #purchase-state { color: var(--ok); }
          .figures { display: grid; grid-template-columns: auto auto; gap: .1rem 1rem; font-variant-numeric: tabular-nums; }
          .figures span:nth-child(even) { text-align: right; }
        </style>
        </head>
        <body>
        <header>
          <h1 id="site-name">esep</h1>
          <span class="meta">updated <span id="updated">—</span></span>
          <span id="status">connecting…</span>
        </header>
        <main>
          <section>
            <h2>Site power now</h2>
            <div class="big"><span id="site-power">—</span> <span class="unit">kW</span></div>
            <div class="note" id="site-power-note"></div>
            <div class="note">meters reporting: <span id="meters-reporting">—</span></div>
          </section>
          <section>
            <h2>Quarter to date</h2>
            <div class="big"><span id="qtd-kwh">—</span> <span class="unit">kWh</span></div>
            <div class="note"><span id="qtd-period"></span> completeness <span id="qtd-completeness">—</span></div>
            <div class="note">month to date <span id="mtd-kwh">—</span> kWh, completeness <span id="mtd-completeness">—</span></div>
          </section>
          <section id="purchase-panel" class="none">
            <h2>This hour against the purchase</h2>
            <div class="note">hour <span id="purchase-hour">—</span></div>
            <div class="figures">
              <span>bought</span><span><span id="purchase-bought">—</span> kWh</span>
              <span>consumed so far</span><span><span id="purchase-consumed">—</span> kWh</span>
              <span>projected to the hour's end</span><span><span id="purchase-projected">—</span> kWh</span>
              <span>margin</span><span><span id="purchase-margin">—</span> kWh</span>
            </div>
            <div class="note" id="purchase-state">no purchase schedule for today</div>
          </section>
          <section>
            <h2>SAON</h2>
            <table><thead><tr><th>controller</th><th>state</th><th>health</th></tr></thead><tbody id="saon-rows"></tbody></table>
          </section>
          <section class="wide">
            <h2>Last SAON trips — verified against the feeders' measured power</h2>
            <table><thead><tr><th>time</th><th>controller</th><th>stage</th><th>mode</th><th>verdict</th><th>restored</th><th>evidence</th></tr></thead><tbody id="saon-trip-rows"></tbody></table>
          </section>
          <section class="wide">
            <h2>Site power, last hours (kW): 15-minute averages and the stored readings (1-minute means)</h2>
            <svg id="power-chart" viewBox="0 0 800 180" preserveAspectRatio="none" role="img" aria-label="site power"></svg>
          </section>
          <section class="wide">
            <h2>Today's 15-minute energy (kWh) — total <span id="energy-today">—</span> kWh</h2>
            <svg id="energy-chart" viewBox="0 0 800 180" preserveAspectRatio="none" role="img" aria-label="energy per 15 minutes"></svg>
          </section>
          <section class="wide">
            <h2>Next deadlines — documents in <select id="doc-lang" aria-label="document language"><option value="kk">қазақша</option><option value="ru" selected>русский</option><option value="en">English</option></select></h2>
            <table>
              <thead><tr><th>document</th><th>period</th><th>due</th><th class="num">days left</th><th>status</th><th>document</th></tr></thead>
              <tbody id="deadline-rows"></tbody>
            </table>
            <div class="note">Documents open in a new tab (HTML) or download (PDF), fetched with this page's token; each one generated is recorded in the audit chain.</div>
          </section>
          <section class="wide">
            <h2>Meters</h2>
            <table>
              <thead><tr><th>meter</th><th>role</th><th>feeder</th><th class="num">power kW</th><th class="num">import kWh</th><th>reading</th><th>quality</th><th>health</th></tr></thead>
              <tbody id="meter-rows"></tbody>
            </table>
          </section>
        </main>
        <script>
        'use strict';
        (function () {
          var KEY = 'esep-token', HISTORY = 'esep-power-history', REFRESH_MS = 5000, KEEP_MS = 6 * 3600 * 1000;
          var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
          if (m) { sessionStorage.setItem(KEY, decodeURIComponent(m[1])); history.replaceState(null, '', location.pathname); }
          var $ = function (id) { return document.getElementById(id); };
          var tick = 0, intervals = [], powerPoints = [], timeZone = null;

          function token() {
            var t = sessionStorage.getItem(KEY);
            if (!t) {
              t = window.prompt('esep API token (kept for this browser session only):') || '';
              if (t) sessionStorage.setItem(KEY, t.trim());
            }
            return sessionStorage.getItem(KEY) || '';
          }
          function get(path) {
            return fetch(path, { headers: { 'Authorization': 'Bearer ' + token(), 'Accept': 'application/json' }, cache: 'no-store' })
              .then(function (r) {
                if (r.status === 401) { sessionStorage.removeItem(KEY); throw new Error('token refused (401): reload to enter another'); }
                if (!r.ok) return r.json().then(function (b) { throw new Error(path.split('?')[0] + ': ' + r.status + ' ' + ((b.error || {}).message || '')); },
                                                function () { throw new Error(path + ': ' + r.status); });
                return r.json();
              });
          }
          function fmt(x, digits) {
            if (x === null || x === undefined || isNaN(x)) return '—';
            return Number(x).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).replace(/,/g, '\u2009');
          }
          function pct(x) { return x === null || x === undefined ? '—' : (x * 100).toFixed(1) + ' %'; }
          function text(el, s) { el.textContent = s; }
          function cell(tr, s, cls) { var td = document.createElement('td'); td.textContent = s; if (cls) td.className = cls; tr.appendChild(td); return td; }
          function localDate(ms) {
            var p = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone || undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms));
            var v = {}; p.forEach(function (x) { v[x.type] = x.value; });
            return v.year + '-' + v.month + '-' + v.day;
          }
          function clock(ms) {
            return new Intl.DateTimeFormat('en-GB', { timeZone: timeZone || undefined, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(ms));
          }
          function history_() { try { return JSON.parse(sessionStorage.getItem(HISTORY) || '[]'); } catch (e) { return []; } }

          function svg(el, name, attrs) {
            var n = document.createElementNS('http://www.w3.org/2000/svg', name);
            for (var k in attrs) n.setAttribute(k, attrs[k]);
            el.appendChild(n); return n;
          }
          function axes(el, max, unit) {
            svg(el, 'line', { x1: 40, y1: 160, x2: 795, y2: 160, stroke: '#d0d5dd' });
            [0, 0.5, 1].forEach(function (f) {
              var y = 160 - f * 150;
              svg(el, 'line', { x1: 40, y1: y, x2: 795, y2: y, stroke: '#eef0f3' });
              svg(el, 'text', { x: 2, y: y + 3 }).textContent = fmt(max * f, max < 1 ? 2 : max < 20 ? 1 : 0);
            });
          }
          function drawPower() {
            var el = $('power-chart'); el.innerHTML = '';
            var now = Date.now(), from = now - KEEP_MS;
            var avg = intervals.filter(function (i) { return i.wh !== null && i.end_ms > from; })
              // A partial interval's energy is over the share of it that was read (its completeness).
              .map(function (i) {
                var span = Math.min(i.end_ms, now) - i.start_ms;
                if ((i.flags || []).indexOf('partial') >= 0 && i.completeness > 0) span *= i.completeness;
                return [i.start_ms, i.end_ms, i.wh * 3600000 / Math.max(1, span) / 1000];
              });
            // The stored readings (1-minute means, from the daemon's first minute), then what the
            // page saw itself since the last stored bucket.
            var stored = powerPoints.filter(function (p) { return p.power_w !== null && p.start_ms + 60000 > from; })
              .map(function (p) { return [p.start_ms + 30000, p.power_w]; });
            var since = powerPoints.length ? powerPoints[powerPoints.length - 1].start_ms + 60000 : from;
            var live = stored.concat(history_().filter(function (p) { return p[0] > Math.max(from, since); }));
            var max = 1;
            avg.forEach(function (a) { max = Math.max(max, a[2]); });
            live.forEach(function (p) { max = Math.max(max, p[1] / 1000); });
            max *= 1.1;
            axes(el, max);
            var x = function (t) { return 40 + (t - from) / KEEP_MS * 755; }, y = function (v) { return 160 - v / max * 150; };
            avg.forEach(function (a) {
              svg(el, 'rect', { x: x(Math.max(a[0], from)), y: y(Math.max(a[2], 0)), width: Math.max(1, x(a[1]) - x(Math.max(a[0], from)) - 1), height: Math.abs(y(0) - y(a[2])), fill: '#c7d7f2' });
            });
            if (live.length) {
              var last = live[live.length - 1];
              svg(el, 'circle', { cx: x(last[0]), cy: y(last[1] / 1000), r: 4, fill: '#1f5fbf' });
              svg(el, 'polyline', { fill: 'none', stroke: '#1f5fbf', 'stroke-width': 2, points: live.map(function (p) { return x(p[0]).toFixed(1) + ',' + y(p[1] / 1000).toFixed(1); }).join(' ') });
            }
            for (var h = 0; h <= 6; h += 1) {
              var t = from + h * 3600000;
              svg(el, 'text', { x: x(t) - 12, y: 175 }).textContent = clock(t).slice(0, 5);
            }
          }
          function drawEnergy(dayStartMs) {
            var el = $('energy-chart'); el.innerHTML = '';
            var max = 0.1, total = 0, any = false;
            intervals.forEach(function (i) { if (i.wh !== null) { max = Math.max(max, i.wh / 1000); total += i.wh; any = true; } });
            max *= 1.1;
            axes(el, max);
            var slot = 755 / 96;
            intervals.forEach(function (i) {
              if (i.start_ms < dayStartMs) return;
              var k = Math.floor((i.start_ms - dayStartMs) / 900000), x = 40 + k * slot;
              if (i.wh === null) { svg(el, 'rect', { x: x, y: 150, width: slot - 1, height: 10, fill: '#fde8e7' }); return; }
              var h = Math.max(0, i.wh / 1000) / max * 150;
              svg(el, 'rect', { x: x, y: 160 - h, width: Math.max(1, slot - 1), height: h,
                                fill: i.open ? '#9fb9e6' : (i.quality === 'measured' ? '#1f5fbf' : '#f79009') }).appendChild(
                document.createElementNS('http://www.w3.org/2000/svg', 'title')).textContent =
                  clock(i.start_ms).slice(0, 5) + ' ' + fmt(i.wh / 1000, 2) + ' kWh ' + i.quality + (i.open ? ' (open)' : '');
            });
            for (var h = 0; h <= 24; h += 3) svg(el, 'text', { x: 40 + h * 4 * slot - 8, y: 175 }).textContent = (h < 10 ? '0' : '') + h + ':00';
            text($('energy-today'), any ? fmt(total / 1000, 1) : '—');
          }

          function showSnapshot(s) {
            timeZone = s.site.timezone;
            text($('site-name'), s.site.name);
            text($('updated'), clock(s.generated_at_ms));
            text($('site-power'), fmt(s.site_power_w / 1000, 1));
            text($('site-power-note'), s.site_power_complete ? 'every counted meter reported' : 'incomplete: some counted meters have no fresh reading');
            text($('meters-reporting'), s.meters_reporting + ' of ' + s.meters_total);
            var h = history_(); h.push([s.generated_at_ms, s.site_power_w]);
            h = h.filter(function (p) { return p[0] > Date.now() - KEEP_MS; }).slice(-5000);
            sessionStorage.setItem(HISTORY, JSON.stringify(h));
            var e = s.energy || {};
            if (e.available && e.quarter_to_date) {
              text($('qtd-kwh'), fmt(e.quarter_to_date.site_wh / 1000, 1));
              text($('qtd-period'), e.quarter_to_date.period + ',');
              text($('qtd-completeness'), pct(e.quarter_to_date.completeness));
              text($('mtd-kwh'), fmt(e.month_to_date.site_wh / 1000, 1));
              text($('mtd-completeness'), pct(e.month_to_date.completeness));
            } else {
              text($('qtd-completeness'), 'not available');
            }
            var p = s.purchase, panel = $('purchase-panel');
            if (p) {
              text($('purchase-hour'), p.hour + ' (' + clock(p.start_ms).slice(0, 5) + '–' + clock(p.end_ms).slice(0, 5) + ')');
              text($('purchase-bought'), fmt(p.purchased_wh / 1000, 1));
              text($('purchase-consumed'), fmt(p.consumed_wh / 1000, 1));
              text($('purchase-projected'), fmt(p.projected_wh / 1000, 1));
              text($('purchase-margin'), (p.margin_wh < 0 ? '−' : '') + fmt(Math.abs(p.margin_wh) / 1000, 1));
              text($('purchase-state'), p.over
                ? 'OVER: heading above the purchase (less its ' + p.warn_margin_percent + ' % margin)'
                : 'within the purchase (less its ' + p.warn_margin_percent + ' % margin)');
              panel.className = p.over ? 'over' : 'under';
            } else {
              ['purchase-hour', 'purchase-bought', 'purchase-consumed', 'purchase-projected', 'purchase-margin'].forEach(function (id) { text($(id), '—'); });
              text($('purchase-state'), 'no purchase schedule for today');
              panel.className = 'none';
            }
            var rows = $('meter-rows'); rows.innerHTML = '';
            s.meters.forEach(function (mt) {
              var tr = document.createElement('tr');
              cell(tr, mt.id); cell(tr, mt.role + (mt.sign === -1 ? ' (−)' : '')); cell(tr, mt.feeder);
              cell(tr, fmt(mt.power_w === undefined ? null : mt.power_w / 1000, 1), 'num');
              cell(tr, fmt(mt.import_kwh, 1), 'num');
              cell(tr, mt.reading_time_ms ? clock(mt.reading_time_ms) : '—');
              cell(tr, mt.quality, mt.quality);
              cell(tr, mt.health.status + (mt.health.last_error ? ': ' + mt.health.last_error : ''), mt.health.status);
              rows.appendChild(tr);
            });
            var saon = $('saon-rows'); saon.innerHTML = '';
            s.saon.forEach(function (c) {
              var tr = document.createElement('tr');
              cell(tr, c.id);
              var td = cell(tr, '');
              [['armed', c.armed], ['command', c.command_received], ['test mode', c.test_mode]].forEach(function (f) {
                var sp = document.createElement('span'); sp.className = 'pill' + (f[1] ? ' on' : '');
                sp.textContent = f[0] + (f[1] === undefined || f[1] === null ? ' ?' : f[1] ? ' on' : ' off'); td.appendChild(sp);
              });
              var st = document.createElement('span'); st.className = 'pill' + (c.stages_tripped.length ? ' on' : '');
              st.textContent = c.stages_tripped.length ? 'stages tripped: ' + c.stages_tripped.join(', ') : 'no stage tripped'; td.appendChild(st);
              if (c.feeders_open.length) { var fo = document.createElement('span'); fo.className = 'pill on'; fo.textContent = 'feeders open: ' + c.feeders_open.join(', '); td.appendChild(fo); }
              if (c.answering === false) { var na = document.createElement('span'); na.className = 'pill on'; na.textContent = 'NOT ANSWERING (no trip inferred)'; td.appendChild(na); }
              cell(tr, c.health.status, c.health.status);
              saon.appendChild(tr);
            });
            if (!s.saon.length) { var tr = document.createElement('tr'); cell(tr, 'no SAON controller configured'); saon.appendChild(tr); }
            var trips = [];
            s.saon.forEach(function (c) { (c.last_trips || []).forEach(function (t) { t.saon = c.id; trips.push(t); }); });
            trips.sort(function (a, b) { return b.time_ms - a.time_ms; });
            var tripRows = $('saon-trip-rows'); tripRows.innerHTML = '';
            trips.slice(0, 8).forEach(function (t) {
              var tr = document.createElement('tr');
              cell(tr, (localDate(t.time_ms) === localDate(Date.now()) ? '' : localDate(t.time_ms) + ' ') + clock(t.time_ms)); cell(tr, t.saon); cell(tr, String(t.stage), 'num');
              cell(tr, t.test ? 'test (drill)' : 'REAL', t.test ? '' : 'down');
              var v = cell(tr, t.verdict, t.verdict); v.title = t.reason;
              cell(tr, t.restored ? 'yes' + (t.not_consumed_wh !== undefined ? ', ' + fmt(t.not_consumed_wh / 1000, 2) + ' kWh not consumed' : '') : 'not yet');
              var td = document.createElement('td');
              var a = document.createElement('a'); a.href = '#'; a.textContent = 'HTML';
              a.addEventListener('click', function (e) { e.preventDefault(); openDocument('/v1/saon/trips/' + t.id, 'html'); });
              td.appendChild(a); tr.appendChild(td);
              tripRows.appendChild(tr);
            });
            if (!trips.length) { var tr = document.createElement('tr'); cell(tr, 'no trip recorded yet'); tripRows.appendChild(tr); }
          }

          // A document is fetched with the token (a plain link would carry none) and shown from a blob.
          function openDocument(path, format) {
            fetch(path + (path.indexOf('?') < 0 ? '?' : '&') + 'format=' + format + '&lang=' + $('doc-lang').value,
                  { headers: { 'Authorization': 'Bearer ' + token() }, cache: 'no-store' })
              .then(function (r) {
                if (!r.ok) return r.json().then(function (b) { throw new Error(((b.error || {}).message) || String(r.status)); });
                return r.blob();
              })
              .then(function (b) {
                var url = URL.createObjectURL(b);
                if (format === 'pdf') {
                  var a = document.createElement('a'); a.href = url; a.download = path.split('/').pop().replace(/[?=&]/g, '-') + '.pdf'; a.click();
                } else { window.open(url, '_blank'); }
                setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
                loadDeadlines();
              })
              .catch(function (err) { text($('status'), 'document: ' + (err.message || err)); $('status').className = 'down'; });
          }
          function loadDeadlines() {
            return get('/v1/deadlines').then(function (r) {
              var rows = $('deadline-rows'); rows.textContent = '';
              r.deadlines.slice(0, 6).forEach(function (d) {
                var tr = document.createElement('tr');
                cell(tr, d.name.en); cell(tr, d.period.label);
                cell(tr, d.due_date + ' ' + d.weekday); cell(tr, String(d.days_left), 'num');
                cell(tr, d.status.replace('_', ' '), d.status === 'overdue' ? 'down' : d.status === 'generated' ? 'ok' : d.status === 'due_soon' || d.status === 'due_today' ? 'stale' : '');
                var td = document.createElement('td');
                if (d.report) {
                  ['html', 'pdf'].forEach(function (f) {
                    var a = document.createElement('a'); a.href = '#'; a.textContent = f.toUpperCase(); a.style.marginRight = '.5rem';
                    a.addEventListener('click', function (e) { e.preventDefault(); openDocument(d.report, f); });
                    td.appendChild(a);
                  });
                } else { td.textContent = '—'; }
                tr.appendChild(td); rows.appendChild(tr);
              });
              if (!r.deadlines.length) { var tr = document.createElement('tr'); cell(tr, 'no deadline in the next year'); rows.appendChild(tr); }
            }).catch(function () { /* the token may lack reports:read: the rest still shows */ });
          }

          function refresh() {
            get('/v1/snapshot').then(function (s) {
              showSnapshot(s);
              text($('status'), 'live'); $('status').className = 'ok';
              if (tick % 60 === 0) loadDeadlines();
              if (tick++ % 6 !== 0) { drawPower(); return null; }
              var now = s.generated_at_ms, day = localDate(now);
              get('/v1/site/power?step=1m&from=' + (now - KEEP_MS) + '&to=' + (now + 1))
                .then(function (r) { powerPoints = r.points; drawPower(); })
                .catch(function () { /* the live points still show */ });
              return get('/v1/site/intervals?step=15m&from=' + encodeURIComponent(Math.min(now - KEEP_MS, Date.parse(day + 'T00:00:00Z') - 14 * 3600000)) + '&to=' + (now + 1))
                .then(function (r) {
                  intervals = r.intervals;
                  var todays = intervals.filter(function (i) { return localDate(i.start_ms) === day; });
                  // Local midnight, from the site offset the interval times carry (…T07:15:00+05:00).
                  var dayStart = todays.length ? Date.parse(day + 'T00:00:00' + todays[0].start.slice(-6)) : now;
                  var saved = intervals; intervals = todays; drawEnergy(dayStart); intervals = saved;
                  drawPower();
                });
            }).catch(function (err) {
              text($('status'), String(err.message || err)); $('status').className = 'down';
            });
          }
          refresh();
          setInterval(refresh, REFRESH_MS);
        })();
        </script>
        </body>
        </html>
        """#
}

extension APIServer {
    /// `GET /`: the dashboard page (open; its data requests carry the token).
    @Sendable func dashboard(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [], timeZone: timeZone)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy:
                    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
    }
}

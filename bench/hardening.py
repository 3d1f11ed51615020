#!/usr/bin/env python3
"""The robustness experiments of the hardening work, against one esep binary, from outside.

    bench/hardening.py [--bin .build/release/esep] [--only crash,year,sigterm,slow,disk,flaky,tls,corrupt]
                       [--sigterm-runs 3]

Each experiment starts its own daemon (the demo, or `esep sim` + a config) on loopback ports in a
temporary folder and prints one line of figures. `disk` mounts a 4 MiB tmpfs and needs root.
Run it against an older binary too to compare (the figures in the closing note of the hardening
issue were made that way).
"""
import argparse, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

TOKEN = "hardening-bench-token-0123456789"


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


class Daemon:
    def __init__(self, binary, args, cwd, env=None):
        self.log = open(os.path.join(cwd, "daemon.log"), "w+")
        e = dict(os.environ, ESEP_DEMO_TOKEN=TOKEN, **(env or {}))
        self.p = subprocess.Popen([binary] + args, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT, env=e)

    def text(self):
        self.log.flush(); self.log.seek(0); return self.log.read()

    def wait_for(self, needle, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            if needle in self.text(): return True
            if self.p.poll() is not None: return False
            time.sleep(0.1)
        return False

    def alive(self): return self.p.poll() is None

    def cpu_seconds(self):
        with open(f"/proc/{self.p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if not self.alive(): return self.p.returncode, 0.0
        t0 = time.time(); self.p.send_signal(sig)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill(); self.p.wait()
            return "killed", time.time() - t0
        return self.p.returncode, time.time() - t0


def get(port, path, token=TOKEN, timeout=60):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token: req.add_header("Authorization", f"Bearer {token}")
    t0 = time.time()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace"), time.time() - t0
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), time.time() - t0
    except Exception as e:
        return None, str(e), time.time() - t0


def demo(binary, work, meters=20, extra=()):
    port = free_port()
    d = Daemon(binary, ["run", "--db", os.path.join(work, "esep.sqlite"), "--meters", str(meters),
                        "--api-listen", f"127.0.0.1:{port}", *extra], work)
    if not d.wait_for("ingest started") or not d.wait_for("api listening", 30):
        print(d.text()[-2000:]); raise SystemExit("the daemon did not start")
    return d, port


CRASHING = [
    "/v1/events?from=9223372036854775807", "/v1/events?from=-9223372036854775808",
    "/v1/events?to=9223372036854775807", "/v1/events?to=-9223372036854775808",
    "/v1/site/intervals?from=-9223372036854775808&to=9223372036854775807",
    "/v1/site/intervals?from=0001-01-01&to=9999-12-31&step=1d",
    "/v1/meters/M001/intervals?from=9999-12-31T00:00:00Z&to=9999-12-31T23:59:59Z",
]


def crash(binary, work):
    d, port = demo(binary, work)
    results = []
    for path in CRASHING:
        status, _, _ = get(port, path, timeout=20)
        results.append(f"{status}{'' if d.alive() else ' (daemon died, exit %s)' % d.p.poll()}")
        if not d.alive(): break
    d.stop()
    cli = subprocess.run([binary, "energy", "--db", os.path.join(work, "esep.sqlite"), "--meter", "M001",
                          "--from=-9223372036854775808"], capture_output=True, text=True, cwd=work)
    print(f"crash: API {results}; CLI energy --from=Int64.min exit {cli.returncode}: {cli.stderr.strip()[:120]}")


YEAR = "/v1/site/intervals?from=2026-01-01&to=2027-01-01"


def year(binary, work):
    d, port = demo(binary, work, meters=99)
    time.sleep(10)
    c0 = d.cpu_seconds()
    status, body, wall = get(port, YEAR, timeout=120)
    c1 = d.cpu_seconds()
    t0 = time.time(); empty = get(port, "/v1/events?from=2020-01-01&to=2020-12-31")[0]; ew = time.time() - t0
    d.stop()
    print(f"year: 99 meters, {YEAR}: {status}, {wall:.2f} s wall, {c1 - c0:.2f} s of daemon CPU "
          f"(during ingest); empty events range: {empty} in {ew * 1000:.0f} ms")


def sigterm(binary, work, runs):
    figures = []
    for i in range(runs):
        sub = os.path.join(work, f"run{i}"); os.makedirs(sub)
        d, port = demo(binary, sub, meters=99)
        time.sleep(5)
        stop = threading.Event()

        def load():
            while not stop.is_set(): get(port, YEAR, timeout=120)
        threads = [threading.Thread(target=load, daemon=True) for _ in range(16)]
        for t in threads: t.start()
        time.sleep(5)
        code, took = d.stop(timeout=90)
        stop.set()
        figures.append(f"{took:.1f} s (exit {code})")
    print(f"sigterm: 99 meters, 16 clients looping on the year query, SIGTERM → exit: {', '.join(figures)}")


def slow(binary, work):
    d, port = demo(binary, work)
    socks = []
    for _ in range(300):
        s = socket.socket(); s.settimeout(2)
        try:
            s.bind(("127.0.0.2", 0)); s.connect(("127.0.0.1", port))
            s.send(b"GET /v1/snapshot HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        except OSError:
            pass
        socks.append(s)
    time.sleep(0.5)
    times = []
    for _ in range(10):
        status, _, wall = get(port, "/healthz", token=None, timeout=15)
        times.append(f"{wall * 1000:.0f}" if status == 200 else f"fail({status})")
    for s in socks: s.close()
    d.stop()
    print(f"slow: 300 slow-header connections from 127.0.0.2; 10 probes from 127.0.0.1, ms: {', '.join(times)}")


def disk(binary, work):
    mnt = os.path.join(work, "fs4"); os.makedirs(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt]).returncode != 0:
        print("disk: skipped (cannot mount a tmpfs; needs root)"); return
    try:
        d, port = demo(binary, mnt)
        time.sleep(8)
        subprocess.run(["dd", "if=/dev/zero", f"of={mnt}/fill", "bs=64k"], capture_output=True)
        time.sleep(3)
        ready = get(port, "/readyz")[0]
        time.sleep(38)
        os.remove(f"{mnt}/fill")
        time.sleep(6)
        code, _ = d.stop(signal.SIGINT)
        log = d.text()
        failed_batches = log.count("the batch is lost") + log.count("store append failed")
        m = re.search(r"(stored=\S+ .*dropped\S*)", log)
        rows = subprocess.run([binary, "query", "--db", f"{mnt}/esep.sqlite", "--device", "M001", "--channel",
                               "power_total", "--from", str(int(time.time() * 1000) - 120_000), "--format", "csv"],
                              capture_output=True, text=True).stdout.splitlines()[1:]
        ts = []
        for r in rows:
            t = r.split(",")[0]
            try: ts.append(time.mktime(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + t[19:23]))
            except ValueError: pass
        gap = max((b - a for a, b in zip(ts, ts[1:])), default=0)
        print(f"disk: 4 MiB tmpfs full for ~41 s: readyz during the fault {ready}; log lines of lost batches "
              f"{failed_batches}; stop: {m.group(1).strip() if m else '?'}; M001 power_total: {len(ts)} samples over the "
              f"last 2 min, largest gap {gap:.1f} s")
    finally:
        subprocess.run(["umount", mnt])


def flaky(binary, work):
    sim = subprocess.Popen([binary, "sim", "--listen", "127.0.0.1:0", "--meters", "1", "--profile", "iem3000",
                            "--exception-rate", "0.3"], stdout=subprocess.PIPE, text=True)
    line = sim.stdout.readline()
    sim_port = int(re.search(r"listening on 127.0.0.1:(\d+)", line).group(1))
    cfg = os.path.join(work, "site.toml")
    with open(cfg, "w") as f:
        f.write(f'[site]\nname = "Flaky"\n[storage]\npath = "{work}/esep.sqlite"\n[api]\nlisten = "127.0.0.1:{free_port()}"\n'
                f'[[gateways]]\nid = "g"\nhost = "127.0.0.1"\nport = {sim_port}\n'
                f'[[meters]]\nid = "M1"\ngateway = "g"\nunit_id = 1\nprofile = "iem3000"\npoll_interval_ms = 1000\n')
    d = Daemon(binary, ["run", "--config", cfg], work)
    d.wait_for("ingest started")
    time.sleep(60)
    d.stop()
    sim.kill()
    backoffs = sorted(set(re.findall(r"backoff_ms=(\d+)", d.text())), key=int)[:8]
    out = subprocess.run([binary, "query", "--db", f"{work}/esep.sqlite", "--device", "M1", "--channel", "energy_import",
                          "--from", str(int(time.time() * 1000) - 62_000), "--format", "csv"], capture_output=True, text=True)
    n = max(0, len(out.stdout.splitlines()) - 1)
    print(f"flaky: iem3000 answering 30 % of requests with an exception, 1 s polls for 60 s: {n} of ~60 energy "
          f"samples ({n / 60:.0%}); back-offs logged (ms): {backoffs or 'none'}")


def tls(binary, work):
    garbage = os.path.join(work, "garbage.pem"); open(garbage, "w").write("not a certificate\n")
    out = []
    for name, cert in [("missing", os.path.join(work, "missing.pem")), ("garbage", garbage)]:
        db = os.path.join(work, f"{name}.sqlite")
        cfg = os.path.join(work, f"{name}.toml")
        open(cfg, "w").write(f'[site]\nname = "TLS"\n[storage]\npath = "{db}"\n[api]\ntls_cert = "{cert}"\ntls_key = "{cert}"\n'
                             f'[[gateways]]\nid = "g"\nhost = "127.0.0.1"\nport = 1502\n'
                             f'[[meters]]\nid = "M1"\ngateway = "g"\nunit_id = 1\nprofile = "sdm630"\n')
        c = subprocess.run([binary, "check-config", cfg], capture_output=True, text=True)
        r = subprocess.run([binary, "run", "--config", cfg, "--duration", "1"], capture_output=True, text=True, timeout=60)
        first = (c.stderr.strip().splitlines() or [""])[0].replace(work + "/", "")
        out.append(f"{name}: check-config exit {c.returncode} '{first[:90]}', run exit {r.returncode}, "
                   f"database created: {os.path.exists(db)}")
    print("tls: " + "; ".join(out))


def corrupt(binary, work):
    db = os.path.join(work, "esep.sqlite")
    subprocess.run([binary, "run", "--db", db, "--meters", "3", "--api-listen", "127.0.0.1:0", "--duration", "2"],
                   capture_output=True, cwd=work, env=dict(os.environ, ESEP_DEMO_TOKEN=TOKEN))
    import sqlite3
    c = sqlite3.connect(db)
    root = c.execute("select rootpage from sqlite_master where name='energy_interval'").fetchone()[0]
    ps = c.execute("pragma page_size").fetchone()[0]; c.close()
    with open(db, "r+b") as f: f.seek((root - 1) * ps); f.write(b"\xa5" * 256)
    before = open(db, "rb").read()
    d, port = None, free_port()
    d = Daemon(binary, ["run", "--db", db, "--meters", "3", "--api-listen", f"127.0.0.1:{port}"], work)
    started = d.wait_for("api listening", 20)
    if started:
        time.sleep(2)
        q = get(port, "/v1/site/quarters/2026Q4")[0]; r = get(port, "/readyz")[0]
        d.stop()
        print(f"corrupt: opened and served; quarter {q}, readyz {r}; file changed: {open(db, 'rb').read() != before}")
    else:
        d.stop()
        msg = [l for l in d.text().splitlines() if "damaged" in l or "critical" in l][:1]
        print(f"corrupt: refused at start (exit {d.p.returncode}): {msg[0][-160:] if msg else '?'}; "
              f"file changed: {open(db, 'rb').read() != before}")


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--bin", default=".build/release/esep")
    a.add_argument("--only", default="crash,year,sigterm,slow,disk,flaky,tls,corrupt")
    a.add_argument("--sigterm-runs", type=int, default=3)
    o = a.parse_args()
    binary = os.path.abspath(o.bin)
    for name in o.only.split(","):
        work = tempfile.mkdtemp(prefix=f"esep-hardening-{name}-")
        try:
            if name == "sigterm": sigterm(binary, work, o.sigterm_runs)
            else: globals()[name](binary, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        sys.stdout.flush()


if __name__ == "__main__":
    main()

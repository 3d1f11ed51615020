import Foundation
import GRDB
import Metering
import Store
import Testing

/// No request, file or fault stops the metering: the daemon as a process, attacked from outside.
@Suite(.serialized) struct RobustnessTests {
    static let token = "robustness-test-token-0123456789abcdef"

    /// The demo daemon on a free loopback port; returns it with its API port.
    func startDemo(db: String, meters: Int = 5, extra: [String] = []) throws -> (BackgroundProcess, Int) {
        let run = try BackgroundProcess(
            esepBinary(), ["run", "--db", db, "--meters", String(meters), "--api-listen", "127.0.0.1:0"] + extra,
            environment: ["ESEP_DEMO_TOKEN": Self.token])
        #expect(run.waitForOutput(containing: "api listening"), "\(run.stderr)")
        let port = try #require(apiPort(run.stderr), "no API port in: \(run.stderr)")
        #expect(run.waitForOutput(containing: "ingest started"))
        return (run, port)
    }

    /// The daemon's count of stored samples, from /metrics.
    func storedTotal(port: Int, token: String? = nil) -> Int64? {
        guard let r = RawHTTP.get(port: port, "/metrics", token: token), r.status == 200 else { return nil }
        let line = r.body.split(separator: "\n").first { $0.hasPrefix("esep_samples_stored_total ") }
        return line.flatMap { Int64(Double($0.split(separator: " ").last ?? "") ?? -1) }
    }

    /// Each request that trapped the daemon (Swift arithmetic overflow, exit 132) is now a 400
    /// naming the parameter; the CLI refuses the same value with a message.
    @Test func theRequestsThatCrashedTheDaemonAreRefused() async throws {
        let db = temporaryDirectory().appendingPathComponent("esep.sqlite").path
        let (run, port) = try startDemo(db: db)
        let crashing: [(String, String)] = [
            ("/v1/events?from=9223372036854775807", "from"),
            ("/v1/events?from=-9223372036854775808", "from"),
            ("/v1/events?to=9223372036854775807", "to"),
            ("/v1/events?to=-9223372036854775808", "to"),
            ("/v1/site/intervals?from=-9223372036854775808&to=9223372036854775807", "from"),
            ("/v1/meters/M001/intervals?from=1700000000000&to=9223372036854775807", "to"),
            ("/v1/site/intervals?from=9223372036854775000&to=9223372036854775807&step=1d", "from"),
            ("/v1/site/intervals?from=0001-01-01&to=9999-12-31&step=1d", "to"),
        ]
        for (path, parameter) in crashing {
            let r = try #require(RawHTTP.get(port: port, path, token: Self.token), "no answer to \(path)")
            #expect(r.status == 400, "\(path): \(r.status) \(r.body)")
            #expect(r.body.contains("\"parameter\":\"\(parameter)\""), "\(path): \(r.body)")
        }
        #expect(RawHTTP.get(port: port, "/healthz")?.status == 200)
        run.signal(SIGTERM)
        #expect(run.waitForExit(timeout: 15) == 0, "\(run.stderr)")

        let cli = try runCommand(esepBinary(), ["energy", "--db", db, "--meter", "M001", "--from=-9223372036854775808"])
        #expect(cli.status == 64 || cli.status == 1, "exit \(cli.status): \(cli.stderr)")
        #expect(cli.stderr.contains("--from") && cli.stderr.contains("out of range"), "\(cli.stderr)")
    }

    /// Every route and every query parameter, driven with extreme and random values (Int64 edges,
    /// years 0001 and 9999, huge ranges, every step, garbage): never a 5xx, the server keeps
    /// answering, and ingest keeps storing throughout.
    @Test func fuzzingEveryRouteNeverGetsA5xxAndIngestGoesOn() async throws {
        // A real site: the simulator as its own process, the daemon on a config whose API is
        // open on loopback (no token: the case that needed none to crash it) with a rate limit
        // high enough not to answer the fuzzer with 429s.
        let dir = temporaryDirectory()
        let sim = try BackgroundProcess(esepBinary(), ["sim", "--listen", "127.0.0.1:0", "--meters", "3"])
        defer { sim.signal(SIGKILL) }
        #expect(sim.waitForOutput(containing: "listening on"))
        let simPort = try #require(listeningPort(sim.stdout))
        let apiPortNumber = freeLoopbackPort()
        let config = dir.appendingPathComponent("site.toml").path
        try """
            [site]
            name = "Fuzz site"
            [storage]
            path = "\(dir.appendingPathComponent("esep.sqlite").path)"
            [api]
            listen = "127.0.0.1:\(apiPortNumber)"
            open_on_loopback = true
            rate_limit_per_s = 100000
            [[gateways]]
            id = "sim"
            host = "127.0.0.1"
            port = \(simPort)
            [[meters]]
            id = "M001"
            gateway = "sim"
            unit_id = 1
            profile = "sdm630"
            poll_interval_ms = 500
            [[meters]]
            id = "M002"
            gateway = "sim"
            unit_id = 2
            profile = "sdm630"
            poll_interval_ms = 500
            [[meters]]
            id = "M003"
            gateway = "sim"
            unit_id = 3
            profile = "sdm630"
            poll_interval_ms = 500
            role = "check"
            feeder = "M002"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try BackgroundProcess(esepBinary(), ["run", "--config", config])
        defer { run.signal(SIGKILL) }
        #expect(run.waitForOutput(containing: "api listening"), "\(run.stderr)")
        let port = apiPortNumber
        try await Task.sleep(for: .seconds(2))
        let storedBefore = try #require(storedTotal(port: port))
        var rng = SplitMix64(seed: 20_261_202)
        let times = [
            "9223372036854775807", "-9223372036854775808", "0", "-1", "1", "9999999999999", "-9999999999999",
            "0001-01-01", "9999-12-31", "0000-01-01", "10000-01-01", "2026-02-30", "2026-12-01", "2026-12-01T00:00",
            "2026-12-01T00:00:00Z", "2026-12-01T00:00:00+05:00", "2026-12-01T00:00:00-18:00", "2026-12-01T24:00",
            "9999-12-31T23:59:59.999+14:00", "0001-01-01T00:00:00-12:00", "now", "", "x", "2026-13-01",
            "99999999999999999999999", "1e18", "2024-02-29T23:30:00+06:00", "2024-03-01",
        ]
        let steps = ["15m", "1h", "1d", "1m", "5m", "0m", "-15m", "999m", "1mo", "1q", "1y", "", "15", "h", "1w"]
        let formats = ["json", "csv", "xml", "", "JSON"]
        let ids = ["M001", "M003", "M999", "", "%00", String(repeating: "A", count: 2_000), "..%2F..%2Fetc"]
        let quarters = ["2026Q4", "2026Q1", "0001Q1", "9999Q4", "2026Q5", "2026Q0", "99999999999999999999Q1", "-1Q1", "Q"]
        func pick(_ a: [String]) -> String { a[Int(rng.next() % UInt64(a.count))] }
        func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        func query(_ names: [String]) -> String {
            var parts: [String] = []
            for n in names where rng.next() % 4 != 0 {
                let v: String
                switch n {
                case "from", "to": v = rng.next() % 5 == 0 ? String(Int64(bitPattern: rng.next())) : pick(times)
                case "step": v = pick(steps)
                case "format": v = pick(formats)
                default: v = pick(ids)
                }
                parts.append("\(n)=\(enc(v))")
            }
            if rng.next() % 10 == 0 { parts.append("unknown=1") }
            return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
        }
        var requests = 0
        var statuses: [Int: Int] = [:]
        for _ in 0..<400 {
            let path: String
            switch rng.next() % 12 {
            case 0: path = "/v1/events" + query(["from", "to", "device", "format"])
            case 1: path = "/v1/site/intervals" + query(["from", "to", "step", "format"])
            case 2: path = "/v1/meters/\(enc(pick(ids)))/intervals" + query(["from", "to", "step", "format"])
            case 3: path = "/v1/site/quarters/\(enc(pick(quarters)))" + query(["format"])
            case 4: path = "/v1/snapshot" + query(["format"])
            case 5: path = "/v1/meters" + query(["format"])
            case 6: path = "/v1/meters/\(enc(pick(ids)))" + query(["format"])
            case 7: path = "/readyz" + query(["format"])
            case 8: path = "/metrics" + query(["format"])
            case 9: path = "/openapi.yaml" + query(["from"])
            case 10: path = "/" + query(["token"])
            default: path = "/v1/site/intervals" + query(["from", "to", "step", "format"])
            }
            let r = try #require(RawHTTP.get(port: port, path), "no answer to \(path): \(run.stderr.suffix(2_000))")
            #expect(r.status < 500, "\(path): \(r.status) \(r.body.prefix(300))")
            statuses[r.status, default: 0] += 1
            requests += 1
        }
        #expect(requests == 400)
        #expect(statuses[200, default: 0] > 20 && statuses[400, default: 0] > 20, "\(statuses)")
        let ready = try #require(RawHTTP.get(port: port, "/readyz"))
        #expect(ready.status == 200, "\(ready.body)")
        try await Task.sleep(for: .seconds(1.5))
        let storedAfter = try #require(storedTotal(port: port))
        #expect(storedAfter > storedBefore, "ingest stopped storing: \(storedBefore) → \(storedAfter)")
        #expect(run.process.isRunning)
    }

    /// SIGTERM while 16 clients wait on long queries (a year of 15-minute site intervals over
    /// 300 days of stored data, never read by the client): polling stops at once, the requests
    /// are cancelled after the API's grace, the writer commits, exit 0 well under 10 s.
    @Test func sigtermDuringSixteenLongQueriesExitsPromptly() async throws {
        let db = temporaryDirectory().appendingPathComponent("esep.sqlite").path
        let meters = 20
        let first = try BackgroundProcess(
            esepBinary(), ["run", "--db", db, "--meters", String(meters), "--api-listen", "127.0.0.1:0", "--duration", "2"])
        #expect(first.waitForExit(timeout: 30) == 0, "\(first.stderr)")
        // 300 days of closed 15-minute intervals for every meter, written directly.
        let calendar = SiteCalendar.almaty
        let start = calendar.startOfDay(calendar.localDate(at: WallClock.nowMs()).adding(days: -301))
        let count = 300 * 96
        do {
            let queue = try DatabaseQueue(path: db)
            try await queue.write { d in
                try d.execute(
                    sql: """
                        WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
                        INSERT INTO energy_interval(channel, start_ms, end_ms, wh, quality, reasons, supersedes, created_ms)
                        SELECT c.id, ? + k.i * 900000, ? + (k.i + 1) * 900000, 25000, 'measured', 0, NULL, ?
                        FROM k, channel c WHERE c.name = 'energy_import'
                        """,
                    arguments: [count - 1, start, start, start])
            }
        }
        let (run, port) = try startDemo(db: db, meters: meters)
        try await Task.sleep(for: .seconds(2))
        let from = calendar.iso8601(start)
        let to = calendar.iso8601(start + 300 * 86_400_000)
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        for _ in 0..<16 {
            let fd = try #require(RawHTTP.connect(port: port))
            let path = "/v1/site/intervals?from=\(from.replacingOccurrences(of: "+", with: "%2B"))&to=\(to.replacingOccurrences(of: "+", with: "%2B"))&step=15m"
            #expect(RawHTTP.send(fd, "GET \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.token)\r\n\r\n"))
            sockets.append(fd)
        }
        try await Task.sleep(for: .seconds(1.5))
        let stoppedAt = WallClock.nowMs()
        run.signal(SIGTERM)
        let status = run.waitForExit(timeout: 30)
        let took = WallClock.nowMs() - stoppedAt
        #expect(status == 0, "\(run.stderr.suffix(3_000))")
        #expect(took < 10_000, "the stop took \(took) ms")
        let store = try SampleStore(path: db, readOnly: true)
        #expect(try store.integrityCheck() == "ok")
        let latest = try store.latest()
        for c in try store.channels() where c.name == ChannelName(.energyImport) {
            let t = try #require(latest[c.id]).timeMs
            #expect(stoppedAt - t < 2_000, "the last sample of \(c.device) is \(stoppedAt - t) ms old")
        }
    }

    /// 300 connections from one address that never finish their request head: requests from
    /// another address are still answered at once (before: 7 of 10 probes waited 9–10 s).
    @Test func slowConnectionsFromOneAddressDoNotStarveAnother() async throws {
        let db = temporaryDirectory().appendingPathComponent("esep.sqlite").path
        let (run, port) = try startDemo(db: db)
        defer { run.signal(SIGKILL) }
        var slow: [Int32] = []
        defer { for fd in slow { close(fd) } }
        for _ in 0..<300 {
            guard let fd = RawHTTP.connect(port: port, source: "127.0.0.2", timeoutSeconds: 2) else { continue }
            _ = RawHTTP.send(fd, "GET /v1/snapshot HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(fd)
        }
        try await Task.sleep(for: .milliseconds(300))
        var took: [Int64] = []
        for _ in 0..<10 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = RawHTTP.get(port: port, "/healthz", source: "127.0.0.1", timeoutSeconds: 15)
            took.append(Int64(DispatchTime.now().uptimeNanoseconds - t0) / 1_000_000)
            #expect(r?.status == 200)
        }
        let sorted = took.sorted()
        // A starved client waits for a connection slot (seconds); an answered one, milliseconds.
        #expect(sorted[sorted.count / 2] < 100, "probe times \(took) ms")
        #expect(sorted.last! < 2_000, "probe times \(took) ms")
    }

    /// check-config runs the checks run would make: a missing, a garbage and a mismatched TLS
    /// file are each an error with FILE:LINE; run on such a config creates no file.
    @Test func checkConfigRejectsBadTLSFilesAndRunCreatesNothing() throws {
        let dir = temporaryDirectory()
        let example = try String(contentsOfFile: repositoryRoot().appendingPathComponent("deploy/esep.example.toml").path, encoding: .utf8)
        let dbPath = dir.appendingPathComponent("never.sqlite").path
        func config(cert: String, key: String) throws -> (path: String, certLine: Int) {
            let text = example
                .replacingOccurrences(of: "# tls_cert = \"/etc/esep/tls/esep.crt\"", with: "tls_cert = \"\(cert)\"")
                .replacingOccurrences(of: "# tls_key = \"/etc/esep/tls/esep.key\"", with: "tls_key = \"\(key)\"")
                .replacingOccurrences(of: "path = \"/var/lib/esep/esep.sqlite\"", with: "path = \"\(dbPath)\"")
            let path = dir.appendingPathComponent("site-\(UUID().uuidString).toml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("tls_cert = ") }! + 1
            return (path, line)
        }
        let garbage = dir.appendingPathComponent("garbage.pem").path
        try "this is not a certificate\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let missing = dir.appendingPathComponent("missing.pem").path

        let a = try config(cert: missing, key: garbage)
        let checkA = try runCommand(esepBinary(), ["check-config", a.path])
        #expect(checkA.status == 1)
        #expect(checkA.stderr.contains("\(a.path):\(a.certLine): api.tls_cert: '\(missing)': no such file"), "\(checkA.stderr)")

        let b = try config(cert: garbage, key: garbage)
        let checkB = try runCommand(esepBinary(), ["check-config", b.path])
        #expect(checkB.status == 1)
        #expect(checkB.stderr.contains("\(b.path):\(b.certLine): api.tls_cert:") && checkB.stderr.contains("not a PEM"), "\(checkB.stderr)")

        // A certificate with another certificate's key.
        let openssl = URL(fileURLWithPath: "/usr/bin/openssl")
        for name in ["one", "two"] {
            let r = try runCommand(openssl, [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=esep-test-\(name)",
                "-keyout", dir.appendingPathComponent("\(name).key").path, "-out", dir.appendingPathComponent("\(name).crt").path,
            ])
            #expect(r.status == 0, "openssl: \(r.stderr)")
        }
        let good = try config(cert: dir.appendingPathComponent("one.crt").path, key: dir.appendingPathComponent("one.key").path)
        #expect(try runCommand(esepBinary(), ["check-config", good.path]).status == 0)
        let c = try config(cert: dir.appendingPathComponent("one.crt").path, key: dir.appendingPathComponent("two.key").path)
        let checkC = try runCommand(esepBinary(), ["check-config", c.path])
        #expect(checkC.status == 1)
        #expect(checkC.stderr.contains("api.tls_key:") && checkC.stderr.contains("does not belong"), "\(checkC.stderr)")

        for bad in [a, b, c] {
            let run = try runCommand(esepBinary(), ["run", "--config", bad.path, "--duration", "1"], timeout: 30)
            #expect(run.status == 1, "\(run.stderr)")
            #expect(run.stderr.contains("\(bad.path):"), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dbPath), "run created \(dbPath) from a config it rejects")
        }
    }

    /// A database with a damaged page is refused at start, named, and left byte-identical.
    @Test func aCorruptDatabaseIsRefusedAndLeftUntouched() throws {
        let db = temporaryDirectory().appendingPathComponent("esep.sqlite").path
        let first = try runCommand(esepBinary(), ["run", "--db", db, "--meters", "3", "--api-listen", "127.0.0.1:0", "--duration", "2"])
        #expect(first.status == 0, "\(first.stderr)")
        // Overwrite the first bytes of the energy_interval table's root page.
        let (root, pageSize): (Int, Int) = try {
            let q = try DatabaseQueue(path: db)
            defer { try? q.close() }
            return try q.read { d in
                (try Int.fetchOne(d, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'energy_interval'")!,
                 try Int.fetchOne(d, sql: "PRAGMA page_size")!)
            }
        }()
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: db))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        handle.write(Data(repeating: 0xA5, count: 256))
        try handle.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: db))

        let run = try runCommand(esepBinary(), ["run", "--db", db, "--meters", "3", "--api-listen", "127.0.0.1:0", "--duration", "2"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains(db) && run.stderr.contains("damaged") && run.stderr.contains("backup"), "\(run.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before, "the refused database was changed")

        let check = try runCommand(esepBinary(), ["check-db", "--db", db])
        #expect(check.status == 1)
        #expect(check.stdout.contains("damaged"), "\(check.stdout)")
    }
}

/// A free loopback TCP port (bound, then released).
func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            _ = bind(fd, sa, len)
            return getsockname(fd, sa, &len)
        }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A small deterministic generator (SplitMix64), so a failing fuzz case is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

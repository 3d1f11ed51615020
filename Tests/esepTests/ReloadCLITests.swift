import Foundation
import Testing

/// SIGHUP reloads the config while ingest runs, through the real binary and a simulator over
/// Modbus/TCP: a meter added and one removed, the unchanged meters polled on without a gap, the
/// API's tokens replaced; an invalid config rejected with its errors and the running one kept.
@Suite struct ReloadCLITests {
    static let intervalMs = 250

    /// The config: meters by unit id, and one API token (its `[[api.tokens]]` entry).
    static func config(db: String, apiPort: Int, simPort: Int, units: [Int], token: String) -> String {
        var text = """
            [site]
            name = "Reload site"
            [storage]
            path = "\(db)"
            [api]
            listen = "127.0.0.1:\(apiPort)"
            \(token)
            [[gateways]]
            id = "sim"
            host = "127.0.0.1"
            port = \(simPort)

            """
        for u in units {
            text += """
                [[meters]]
                id = "M00\(u)"
                gateway = "sim"
                unit_id = \(u)
                profile = "sdm630"
                poll_interval_ms = \(intervalMs)

                """
        }
        return text
    }

    /// A fresh token for `name` (snapshot:read): the secret and its config entry.
    static func token(_ name: String) async throws -> (secret: String, entry: String) {
        let r = try await runCommandOffPool(esepBinary(), ["token", "new", "--name", name, "--scope", "snapshot:read"])
        let secret = try #require(r.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("esep_") })
        let entry = try #require(r.stdout.range(of: "[[api.tokens]]").map { String(r.stdout[$0.lowerBound...]) })
        return (secret, entry.replacingOccurrences(of: "[[api.tokens]]", with: "[[api.tokens]]\n"))
    }

    /// Off the cooperative pool: waits (bounded) for `text` in the daemon's log.
    static func waitFor(_ process: BackgroundProcess, _ text: String, timeout: TimeInterval = 30) async -> Bool {
        await withCheckedContinuation { c in
            DispatchQueue.global().async { c.resume(returning: process.waitForOutput(containing: text, timeout: timeout)) }
        }
    }

    /// Sample times (epoch ms) of a meter's energy register, from `esep query`.
    static func sampleTimes(db: String, meter: String) async throws -> [Int64] {
        let r = try await runCommandOffPool(
            esepBinary(),
            ["query", "--db", db, "--device", meter, "--channel", "energy_import", "--from", "2000-01-01T00:00:00Z", "--format", "csv"])
        try #require(r.status == 0, "\(r.stderr)")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return r.stdout.split(separator: "\n").dropFirst().compactMap { line in
            formatter.date(from: String(line.prefix { $0 != "," })).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        }
    }

    @Test func sighupAddsAndRemovesMetersWithoutLosingSamplesAndRejectsAnInvalidConfig() async throws {
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("esep.sqlite").path
        let configPath = dir.appendingPathComponent("site.toml").path
        let sim = try BackgroundProcess(esepBinary(), ["sim", "--listen", "127.0.0.1:0", "--meters", "4"])
        defer { sim.signal(SIGKILL) }
        #expect(await Self.waitFor(sim, "listening on"))
        let simPort = try #require(listeningPort(sim.stdout))
        let apiPort = freeLoopbackPort()
        let (oldSecret, oldEntry) = try await Self.token("grid-old")
        let (newSecret, newEntry) = try await Self.token("grid-new")
        try Self.config(db: db, apiPort: apiPort, simPort: simPort, units: [1, 2, 3], token: oldEntry)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let run = try BackgroundProcess(esepBinary(), ["run", "--config", configPath])
        defer { run.signal(SIGKILL) }
        #expect(await Self.waitFor(run, "api listening"), "\(run.stderr)")
        try await Task.sleep(for: .seconds(2))
        #expect(RawHTTP.get(port: apiPort, "/v1/snapshot", token: oldSecret)?.status == 200)
        #expect(RawHTTP.get(port: apiPort, "/v1/snapshot", token: newSecret)?.status == 401)

        // Valid: M003 removed, M004 added, the token replaced.
        try Self.config(db: db, apiPort: apiPort, simPort: simPort, units: [1, 2, 4], token: newEntry)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let reloadAt = Int64(Date().timeIntervalSince1970 * 1000)
        run.signal(SIGHUP)
        #expect(await Self.waitFor(run, "configuration reloaded"), "\(run.stderr)")
        let log = run.stderr
        #expect(log.contains("ingest reconfigured added=M004 changed= connections_closed=0 connections_opened=0 removed=M003 unchanged=2"), "\(log)")
        #expect(RawHTTP.get(port: apiPort, "/v1/snapshot", token: oldSecret)?.status == 401)
        #expect(RawHTTP.get(port: apiPort, "/v1/snapshot", token: newSecret)?.status == 200)
        try await Task.sleep(for: .seconds(2))

        // Invalid: a meter on a gateway that does not exist. Rejected, named by file and line.
        let invalid = Self.config(db: db, apiPort: apiPort, simPort: simPort, units: [1, 2], token: oldEntry) + """
            [[meters]]
            id = "M009"
            gateway = "nowhere"
            unit_id = 9
            profile = "sdm630"
            """
        try invalid.write(toFile: configPath, atomically: true, encoding: .utf8)
        let line = try #require(invalid.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("nowhere") }) + 1
        run.signal(SIGHUP)
        #expect(await Self.waitFor(run, "reload rejected"), "\(run.stderr)")
        #expect(run.stderr.contains("site.toml:\(line): meters[2].gateway: unknown gateway 'nowhere'"), "\(run.stderr)")
        #expect(run.process.isRunning)
        // The running configuration is kept: the new token still answers, M004 is still polled.
        #expect(RawHTTP.get(port: apiPort, "/v1/snapshot", token: newSecret)?.status == 200)
        #expect(RawHTTP.get(port: apiPort, "/v1/snapshot", token: oldSecret)?.status == 401)
        try await Task.sleep(for: .seconds(2))
        run.signal(SIGTERM)
        let status = await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: run.waitForExit(timeout: 30)) } }
        #expect(status == 0, "\(run.stderr.suffix(2000))")
        #expect(run.stderr.contains("esep stopped dropped=0"), "\(run.stderr.suffix(1000))")

        // The unchanged meters: no gap in their samples across either reload.
        for meter in ["M001", "M002"] {
            let times = try await Self.sampleTimes(db: db, meter: meter)
            try #require(times.count > 10, "\(meter): \(times.count) samples")
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            // One poll every 250 ms: a poll skipped around a reload would leave 500 ms or more.
            #expect(gaps.max()! < 4 * Int64(Self.intervalMs), "\(meter): gaps \(gaps.sorted().suffix(5))")
            let expected = Double(times.last! - times.first!) / Double(Self.intervalMs) + 1
            #expect(Double(times.count) >= 0.9 * expected, "\(meter): \(times.count) of \(expected)")
            #expect(times.contains { $0 > reloadAt + 3_000 }, "\(meter) polled on after the reloads")
        }
        // The new meter: polled and stored from the first reload on; the removed one: not after it.
        let added = try await Self.sampleTimes(db: db, meter: "M004")
        #expect(added.count >= 10, "M004: \(added.count) samples")
        #expect(added.allSatisfy { $0 >= reloadAt })
        let removed = try await Self.sampleTimes(db: db, meter: "M003")
        #expect(!removed.isEmpty)
        #expect(removed.allSatisfy { $0 < reloadAt + 1_000 }, "M003 polled after it was removed")
    }
}

import Foundation
import Testing

/// The SAON scenarios of `esep sim` through the real binaries: a real (not test) drill whose
/// breakers are stuck, polled by `esep run --config` with a `[[saon.shed]]` mapping, is judged
/// failed with the figures, and `esep saon trips` shows it.
@Suite struct SAONCLITests {
    @Test func aRealDrillWithAStuckBreakerFailsWithItsFigures() async throws {
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("esep.sqlite").path
        let configPath = dir.appendingPathComponent("site.toml").path
        // Drill every 10 s on stage 2 (breakers 3, 4 → meters 3, 4), for real; breaker 3 is stuck.
        let sim = try BackgroundProcess(
            esepBinary(),
            [
                "sim", "--listen", "127.0.0.1:0", "--meters", "4", "--saon-cycle", "10", "--saon-cycle-stage", "2",
                "--saon-cycle-real", "--saon-stuck-breaker", "3",
            ])
        defer { sim.signal(SIGKILL) }
        #expect(await ReloadCLITests.waitFor(sim, "listening on"))
        let simPort = try #require(listeningPort(sim.stdout))
        var config = """
            [site]
            name = "SAON site"
            [storage]
            path = "\(db)"
            [api]
            listen = "127.0.0.1:\(freeLoopbackPort())"
            [[gateways]]
            id = "sim"
            host = "127.0.0.1"
            port = \(simPort)

            """
        for u in 1...4 {
            config += """
                [[meters]]
                id = "M00\(u)"
                gateway = "sim"
                unit_id = \(u)
                profile = "sdm630"
                feeder = "F\(u)"

                """
        }
        config += """
            [[saon]]
            id = "S1"
            gateway = "sim"
            unit_id = 100
            poll_interval_ms = 100
            breakers = ["F1", "F2", "F3", "F4"]
            [[saon.shed]]
            stage = 1
            feeders = ["F1", "F2"]
            [[saon.shed]]
            stage = 2
            feeders = ["F3"]
            expected_share = 0.8
            [[saon.shed]]
            stage = 3
            feeders = ["F4"]

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let run = try BackgroundProcess(esepBinary(), ["run", "--config", configPath, "--duration", "40"])
        defer { run.signal(SIGKILL) }
        #expect(await ReloadCLITests.waitFor(run, "saon: shed", timeout: 35), "\(run.stderr)")
        run.signal(SIGTERM)
        _ = await ReloadCLITests.waitFor(run, "esep stopped", timeout: 20)
        let trips = try await runCommandOffPool(esepBinary(), ["saon", "trips", "--config", configPath, "--format", "csv"])
        try #require(trips.status == 0, "\(trips.stderr)")
        let rows = trips.stdout.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let first = try #require(rows.first, "\(trips.stdout)\n\(run.stderr)")
        // id,saon,stage,time,test,verdict,before_w,after_w,expected_w,…
        #expect(first[1] == "S1" && first[2] == "2" && first[4] == "false")
        #expect(first[5] == "failed", "\(first)")
        let before = try #require(Int64(first[6]))
        let after = try #require(Int64(first[7]))
        #expect(before > 10_000 && after > before / 2, "the stuck breaker's load stayed: \(before) → \(after) W")
        #expect(run.stderr.contains("saon: shed FAILED"), "\(run.stderr)")
        let audit = try await runCommandOffPool(esepBinary(), ["audit", "verify", "--db", db])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
    }
}
